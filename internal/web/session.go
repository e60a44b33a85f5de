package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

const (
	sessionCookie = "kpimon_session"
	// signinCookie carries the CSRF token of the sign-in form, which is
	// filled before there is a session (a double-submit cookie).
	signinCookie = "kpimon_signin"
	csrfField    = "csrf_token"
	// maxSessions bounds the memory sessions take; the oldest go first.
	maxSessions = 10000
)

// session is one signed-in browser. It keeps the token's hash, not its
// secret, so each request can check that the token is still unrevoked.
type session struct {
	id        string
	csrf      string
	tokenName string
	tokenHash string
	created   time.Time
	expires   time.Time
}

// sessionStore keeps sessions in memory: a restart signs everyone out,
// which is acceptable for a page used a few times a year per unit. It is
// safe for concurrent use.
type sessionStore struct {
	ttl time.Duration
	now func() time.Time

	mu       sync.Mutex
	sessions map[string]*session
}

func newSessionStore(ttl time.Duration, now func() time.Time) *sessionStore {
	return &sessionStore{ttl: ttl, now: now, sessions: make(map[string]*session)}
}

// create starts a session for the token.
func (st *sessionStore) create(tok kpi.Token) (session, error) {
	id, err := randomToken()
	if err != nil {
		return session{}, err
	}
	csrf, err := randomToken()
	if err != nil {
		return session{}, err
	}
	now := st.now()
	sess := &session{id: id, csrf: csrf, tokenName: tok.Name, tokenHash: tok.Hash, created: now, expires: now.Add(st.ttl)}

	st.mu.Lock()
	defer st.mu.Unlock()
	st.sweepLocked(now)
	if len(st.sessions) >= maxSessions {
		st.dropOldestLocked()
	}
	st.sessions[id] = sess
	return *sess, nil
}

// get returns the live session with the id and extends its life.
func (st *sessionStore) get(id string) (session, bool) {
	if id == "" {
		return session{}, false
	}
	now := st.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	sess, ok := st.sessions[id]
	if !ok {
		return session{}, false
	}
	if !now.Before(sess.expires) {
		delete(st.sessions, id)
		return session{}, false
	}
	sess.expires = now.Add(st.ttl)
	return *sess, true
}

func (st *sessionStore) delete(id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.sessions, id)
}

// deleteToken ends every session of a token (it was revoked).
func (st *sessionStore) deleteToken(hash string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for id, sess := range st.sessions {
		if sess.tokenHash == hash {
			delete(st.sessions, id)
		}
	}
}

func (st *sessionStore) len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.sessions)
}

func (st *sessionStore) sweepLocked(now time.Time) {
	for id, sess := range st.sessions {
		if !now.Before(sess.expires) {
			delete(st.sessions, id)
		}
	}
}

func (st *sessionStore) dropOldestLocked() {
	var oldest *session
	for _, sess := range st.sessions {
		if oldest == nil || sess.created.Before(oldest.created) {
			oldest = sess
		}
	}
	if oldest != nil {
		delete(st.sessions, oldest.id)
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

// viewer is the signed-in unit as the handlers see it.
type viewer struct {
	session session
	token   kpi.Token
}

// Actor returns who writes, for the ingester and the audit log.
func (v *viewer) actor(r *http.Request) kpi.Actor {
	return v.token.Actor(remoteHost(r))
}

// currentViewer returns the signed-in unit, or nil. The token is looked up
// on every request so a revoked token ends its sessions at once.
func (s *server) currentViewer(r *http.Request) *viewer {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	sess, ok := s.sessions.get(c.Value)
	if !ok {
		return nil
	}
	tok, err := s.store.TokenByHash(r.Context(), sess.tokenHash)
	if err != nil {
		if kpi.ErrorCode(err) == kpi.EUNAUTHORIZED {
			s.sessions.deleteToken(sess.tokenHash)
		} else {
			s.logger.Error("web: look up session token", "token", sess.tokenName, "err", err)
		}
		return nil
	}
	return &viewer{session: sess, token: tok}
}
