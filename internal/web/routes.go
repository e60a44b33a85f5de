package web

import (
	"io/fs"
	"net"
	"net/http"
)

// routes lists every route of the page in one place.
func (s *server) routes(static fs.FS) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", s.handleOverview())
	mux.Handle("GET /indicators/{plan}/{id}", s.handleIndicator())
	mux.Handle("GET /submit", s.requireSignIn(s.handleSubmitPage()))
	mux.Handle("GET /template.xlsx", s.handleTemplate())
	mux.Handle("GET /report", s.handleReport())
	mux.Handle("POST /upload", s.requireSession(s.handleUpload()))
	mux.Handle("POST /entry", s.requireSession(s.handleEntry()))
	mux.Handle("GET /signin", s.handleSignInPage())
	mux.Handle("POST /signin", s.handleSignIn())
	mux.Handle("POST /signout", s.handleSignOut())
	mux.Handle("GET /password", s.requireSignIn(s.handlePasswordPage()))
	mux.Handle("POST /password", s.requireSession(s.handlePasswordChange()))
	mux.Handle("POST /indicators/{plan}/{id}/explanations", s.withSupervision(s.requireSession(s.handleExplain())))
	mux.Handle("GET /supervision", s.withSupervision(s.requireSignIn(s.handleSupervisionPage())))
	mux.Handle("POST /supervision/{item}/review", s.withSupervision(s.requireSession(s.handleReview())))
	mux.Handle("GET /static/status.css", s.styles.handler())
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(static)))
	mux.Handle("/", s.handleNotFound())

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.logger.Warn("web: cross-origin request refused", "path", r.URL.Path, "origin", r.Header.Get("Origin"), "remote", remoteHost(r))
		s.renderError(w, r, http.StatusForbidden, "跨站请求被拒绝",
			"这个表单不是从本站页面提交的。请打开本站页面重新提交。")
	}))
	return securityHeaders(cop.Handler(mux))
}

// securityHeaders sets the headers every response carries: the page loads
// nothing from elsewhere, runs no script and may not be framed.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

func staticHandler(static fs.FS) http.Handler {
	files := http.FileServerFS(static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// remoteHost returns the client's address without the port.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
