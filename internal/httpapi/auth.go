package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TokenHeader carries the token when the Authorization header is taken by
// the basic auth of a web config file.
const TokenHeader = "X-Kpimon-Token"

// Audit actions of refused requests.
const (
	ActionAccessDenied     = "access.denied"     // a missing, unknown or revoked token
	ActionSubmissionReject = "submission.reject" // a write that could not be read
)

// Authenticate returns the actor a token secret stands for. A missing,
// unknown or revoked secret is an EUNAUTHORIZED error, and is recorded in
// the audit log as access.denied from remote.
func Authenticate(ctx context.Context, store kpi.Store, secret, remote string) (kpi.Actor, error) {
	tok, err := AuthenticateToken(ctx, store, secret, remote, "")
	if err != nil {
		return kpi.Actor{}, err
	}
	return tok.Actor(remote), nil
}

// AuthenticateToken is Authenticate returning the token itself, its Hash
// set, for callers that keep it (the web page's sessions). request, if not
// empty, says in the audit entry what was asked for.
func AuthenticateToken(ctx context.Context, store kpi.Store, secret, remote, request string) (kpi.Token, error) {
	secret = strings.TrimSpace(secret)
	var denied *kpi.Error
	if secret == "" {
		denied = kpi.Errorf(kpi.EUNAUTHORIZED,
			"缺少访问令牌 / missing access token: send the header 'Authorization: Bearer <token>' (the operator creates tokens with 'kpimon token create')")
	} else {
		hash := kpi.HashToken(secret)
		tok, err := store.TokenByHash(ctx, hash)
		switch code := kpi.ErrorCode(err); code {
		case "":
			tok.Hash = hash
			return tok, nil
		case kpi.EUNAUTHORIZED, kpi.ENOTFOUND:
			denied = kpi.Errorf(kpi.EUNAUTHORIZED,
				"访问令牌无效或已吊销 / unknown or revoked access token: check the token, or ask the operator for a new one ('kpimon token list')")
		default:
			return kpi.Token{}, fmt.Errorf("look up access token: %w", err)
		}
	}
	detail := denied.Message
	if request != "" {
		detail = request + ": " + detail
	}
	entry := kpi.AuditEntry{At: time.Now(), Actor: "anonymous", Remote: remote, Action: ActionAccessDenied, Detail: detail}
	if err := store.AppendAudit(ctx, entry); err != nil {
		// The refusal stands; the failed audit travels with it to be logged.
		return kpi.Token{}, errors.Join(denied, fmt.Errorf("audit refused access: %w", err))
	}
	return kpi.Token{}, denied
}

// bearerSecret returns the token of a request: the Bearer credential of
// the Authorization header, or the X-Kpimon-Token header.
func bearerSecret(r *http.Request) string {
	if scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(cred)
	}
	return strings.TrimSpace(r.Header.Get(TokenHeader))
}

// remoteHost returns the client's address without its port.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type actorKey struct{}

// actorFrom returns the authenticated actor requireToken put in ctx.
func actorFrom(ctx context.Context) (kpi.Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(kpi.Actor)
	return a, ok
}

// requireToken lets a request through only with a valid token; the actor
// it stands for travels in the request's context.
func requireToken(store kpi.Store, logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			remote := remoteHost(r)
			tok, err := AuthenticateToken(r.Context(), store, bearerSecret(r), remote, r.Method+" "+r.URL.Path)
			if err != nil {
				if kpi.ErrorCode(err) == kpi.EUNAUTHORIZED {
					logger.WarnContext(r.Context(), "access denied", "path", r.URL.Path, "remote", r.RemoteAddr, "err", err)
				}
				writeError(w, r, logger, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, tok.Actor(remote))))
		})
	}
}
