package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

const (
	sessionCookie = "kpimon_session"
	// signinCookie carries the CSRF token of the sign-in form, which is
	// filled before there is a session (a double-submit cookie).
	signinCookie = "kpimon_signin"
	csrfField    = "csrf_token"
	// extendEvery is how often a session in use has its expiry moved on:
	// at most one store write per session per 10 minutes, not one per page.
	extendEvery = 10 * time.Minute
)

// session is one signed-in browser: a user's (user set) or a token's. It
// keeps the token's hash, not its secret, so each request can check that
// the token is still unrevoked.
type session struct {
	id        string
	csrf      string
	user      string
	tokenName string
	tokenHash string
	created   time.Time
	expires   time.Time
}

// sessionStore keeps sessions in the store, found by the hash of their
// cookie, so a restart signs no one out and a stolen copy of the store
// holds no usable cookie. Sessions expire after ttl without use.
type sessionStore struct {
	ttl    time.Duration
	now    func() time.Time
	store  kpi.AccountStore
	logger *slog.Logger
}

func newSessionStore(store kpi.AccountStore, ttl time.Duration, now func() time.Time, logger *slog.Logger) *sessionStore {
	return &sessionStore{ttl: ttl, now: now, store: store, logger: logger}
}

// create starts a session for a user (user set) or a token.
func (st *sessionStore) create(ctx context.Context, user string, tok kpi.Token) (session, error) {
	id, err := randomToken()
	if err != nil {
		return session{}, err
	}
	csrf, err := randomToken()
	if err != nil {
		return session{}, err
	}
	now := st.now()
	if _, err := st.store.SweepSessions(ctx, now); err != nil {
		st.logger.Warn("web: sweep expired sessions", "err", err)
	}
	sess := session{id: id, csrf: csrf, user: user, created: now, expires: now.Add(st.ttl)}
	if user == "" {
		sess.tokenName, sess.tokenHash = tok.Name, tok.Hash
	}
	if err := st.store.PutSession(ctx, sess.record()); err != nil {
		return session{}, fmt.Errorf("web: store session: %w", err)
	}
	return sess, nil
}

func (sess session) record() kpi.Session {
	return kpi.Session{IDHash: kpi.HashToken(sess.id), CSRF: sess.csrf, User: sess.user, TokenName: sess.tokenName,
		TokenHash: sess.tokenHash, Created: sess.created, Expires: sess.expires}
}

// get returns the live session with the id and, now and then, extends its life.
func (st *sessionStore) get(ctx context.Context, id string) (session, bool) {
	if id == "" {
		return session{}, false
	}
	now := st.now()
	rec, err := st.store.Session(ctx, kpi.HashToken(id), now)
	if err != nil {
		if kpi.ErrorCode(err) != kpi.ENOTFOUND {
			st.logger.Error("web: look up session", "err", err)
		}
		return session{}, false
	}
	sess := session{id: id, csrf: rec.CSRF, user: rec.User, tokenName: rec.TokenName, tokenHash: rec.TokenHash,
		created: rec.Created, expires: rec.Expires}
	if sess.expires.Sub(now) < st.ttl-extendEvery {
		sess.expires = now.Add(st.ttl)
		if err := st.store.PutSession(ctx, sess.record()); err != nil {
			st.logger.Warn("web: extend session", "err", err)
		}
	}
	return sess, true
}

func (st *sessionStore) delete(ctx context.Context, id string) {
	if err := st.store.DeleteSession(ctx, kpi.HashToken(id)); err != nil {
		st.logger.Warn("web: delete session", "err", err)
	}
}

// randomToken returns 32 random bytes, URL-safe base64.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("web: random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// tokensEqual compares two CSRF tokens in constant time; empty never matches.
func tokensEqual(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// secureCookies reports whether cookies are marked Secure: always when the
// request came over TLS (a --web-config with TLS), and whenever the
// operator says the page is behind TLS (--secure-cookies, for a proxy).
func (s *server) secureCookies(r *http.Request) bool {
	return s.secure || r.TLS != nil
}

func (s *server) setSessionCookie(w http.ResponseWriter, r *http.Request, sess session) {
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    sess.id,
		Path:     "/",
		HttpOnly: true,
		Secure:   s.secureCookies(r),
		SameSite: http.SameSiteLaxMode,
	})
}

func (s *server) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   s.secureCookies(r),
		SameSite: http.SameSiteLaxMode,
	})
}

// signinCSRF returns the CSRF token of the sign-in form, from its cookie or
// a fresh one set on w.
func (s *server) signinCSRF(w http.ResponseWriter, r *http.Request) (string, error) {
	if c, err := r.Cookie(signinCookie); err == nil && len(c.Value) >= 32 {
		return c.Value, nil
	}
	tok, err := randomToken()
	if err != nil {
		return "", err
	}
	http.SetCookie(w, &http.Cookie{
		Name:     signinCookie,
		Value:    tok,
		Path:     "/signin",
		MaxAge:   3600,
		HttpOnly: true,
		Secure:   s.secureCookies(r),
		SameSite: http.SameSiteStrictMode,
	})
	return tok, nil
}

// viewer is the signed-in user or unit as the handlers see it. For a
// user, token is the user's scope under the user's name, and user is set.
type viewer struct {
	session session
	token   kpi.Token
	user    *kpi.User
	waiting int // supervision items waiting for this viewer (waitingItems)
}

// Actor returns who writes, for the ingester and the audit log.
func (v *viewer) actor(r *http.Request) kpi.Actor {
	return v.token.Actor(remoteHost(r))
}

// currentViewer returns the signed-in user or unit, or nil. The user or
// token is looked up on every request, so a disabled user or a revoked
// token ends its sessions at once.
func (s *server) currentViewer(r *http.Request) *viewer {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	ctx := r.Context()
	sess, ok := s.sessions.get(ctx, c.Value)
	if !ok {
		return nil
	}
	if sess.user != "" {
		u, err := s.accounts.User(ctx, sess.user)
		switch {
		case err == nil && u.DisabledAt == nil:
			a := u.Actor("")
			v := &viewer{session: sess, token: kpi.Token{Name: u.Name, Units: a.Units, All: a.All, Supervisor: a.Supervisor}, user: &u}
			v.waiting = s.waitingItems(ctx, v)
			return v
		case err == nil || kpi.ErrorCode(err) == kpi.ENOTFOUND:
			s.sessions.delete(ctx, c.Value)
		default:
			s.logger.Error("web: look up session user", "user", sess.user, "err", err)
		}
		return nil
	}
	tok, err := s.store.TokenByHash(ctx, sess.tokenHash)
	if err != nil {
		if kpi.ErrorCode(err) == kpi.EUNAUTHORIZED {
			s.sessions.delete(ctx, c.Value)
		} else {
			s.logger.Error("web: look up session token", "token", sess.tokenName, "err", err)
		}
		return nil
	}
	v := &viewer{session: sess, token: tok}
	v.waiting = s.waitingItems(ctx, v)
	return v
}
