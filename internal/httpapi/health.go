package httpapi

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// handleHealthz answers 200 while the process runs.
func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
}

// handleReadyz answers 200 when ready() reports nil, 503 otherwise. The
// public answer says why only in the words of a *kpi.Error in the chain
// (written for the public: no path, no system error); the rest of the
// reason goes to the log.
func handleReadyz(ready func() error, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ready != nil {
			if err := ready(); err != nil {
				logger.DebugContext(r.Context(), "not ready", "err", err)
				writeError(w, r, slog.New(slog.DiscardHandler), notReady(err))
				return
			}
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ready\n")
	})
}

// notReady is the public form of a readiness failure.
func notReady(err error) *kpi.Error {
	var ke *kpi.Error
	if errors.As(err, &ke) {
		zh, en, ok := strings.Cut(ke.Message, "\n")
		if !ok {
			zh, en = "", ke.Message
		}
		return kpi.Errorf(kpi.EUNAVAILABLE, "尚未就绪：%s\nnot ready: %s", zh, en)
	}
	return kpi.Errorf(kpi.EUNAVAILABLE, "尚未就绪\nnot ready: the server log says why")
}

// orNotFound serves h, or a JSON 404 when h is nil.
func orNotFound(h http.Handler) http.Handler {
	if h != nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, slog.New(slog.DiscardHandler), kpi.Errorf(kpi.ENOTFOUND, "没有这个页面\nno such page: %s", r.URL.Path))
	})
}

// handleAPINotFound answers API paths no route claims.
func handleAPINotFound(logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, logger, kpi.Errorf(kpi.ENOTFOUND,
			"没有这个接口\nno such API endpoint: %s %s; see /api/v1/indicators, /api/v1/observations, /api/v1/uploads, /api/v1/audit",
			r.Method, r.URL.Path))
	})
}

// handleMethodNotAllowed answers a known API path asked with another method.
func handleMethodNotAllowed(logger *slog.Logger, allowed ...string) http.Handler {
	allow := strings.Join(allowed, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, r, logger, &kpi.Error{Code: codeMethodNotAllowed,
			Message: fmt.Sprintf("不支持的请求方法\nmethod %s is not allowed on %s: use %s", r.Method, r.URL.Path, allow)})
	})
}
