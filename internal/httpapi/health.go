package httpapi

import (
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

// handleReadyz answers 200 when ready() reports nil, 503 with the reason otherwise.
func handleReadyz(ready func() error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ready != nil {
			if err := ready(); err != nil {
				writeError(w, r, slog.New(slog.DiscardHandler),
					kpi.Errorf(kpi.EUNAVAILABLE, "尚未就绪\nnot ready: %v", err))
				return
			}
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ready\n")
	})
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
