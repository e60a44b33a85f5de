package httpapi

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/yanfeng/kpimon/internal/access"
	"github.com/yanfeng/kpimon/internal/kpi"
)

// TokenHeader carries the token when the Authorization header is taken by
// the basic auth of a web config file.
const TokenHeader = "X-Kpimon-Token"

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
func requireToken(auth *access.Authenticator, logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			remote := remoteHost(r)
			tok, err := auth.Token(r.Context(), bearerSecret(r), remote, r.Method+" "+r.URL.Path)
			if err != nil {
				if code := kpi.ErrorCode(err); code == kpi.EUNAUTHORIZED || code == access.CodeTooManyRequests {
					logger.WarnContext(r.Context(), "access denied", "path", r.URL.Path, "remote", r.RemoteAddr, "code", code)
				}
				writeError(w, r, logger, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, tok.Actor(remote))))
		})
	}
}

// requireAll lets through only an actor for every indicator (a --all
// token): the audit log and backups show every unit's doings.
func requireAll(d Deps, what string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			actor, _ := actorFrom(r.Context())
			if !actor.All {
				err := kpi.Errorf(kpi.EFORBIDDEN, "令牌 %s 无权查看%s，需要 --all 令牌\ntoken %s may not access %s: it needs a token created with --all",
					actor.Name, whatZH[what], actor.Name, what)
				if aerr := d.Store.AppendAudit(r.Context(), kpi.AuditEntry{At: d.Now(), Actor: actor.Name, Remote: actor.Remote,
					Action: kpi.ActionAccessDenied, Detail: what + ": " + err.Message}); aerr != nil {
					d.Logger.ErrorContext(r.Context(), "audit refused access", "path", r.URL.Path, "err", aerr)
				}
				writeError(w, r, d.Logger, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

var whatZH = map[string]string{"the audit log": "审计日志", "backup": "备份"}
