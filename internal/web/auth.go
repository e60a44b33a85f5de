package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/yanfeng/kpimon/internal/kpi"
)

type viewerKey struct{}

func withViewer(ctx context.Context, v *viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// viewerFrom returns the viewer requireSignIn or requireSession put in ctx.
func viewerFrom(ctx context.Context) *viewer {
	v, _ := ctx.Value(viewerKey{}).(*viewer)
	return v
}

// requireSignIn sends a visitor without a session to the sign-in page and
// back here afterwards.
func (s *server) requireSignIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := s.currentViewer(r)
		if v == nil {
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r.WithContext(withViewer(r.Context(), v)))
	})
}

// requireSession guards a form POST: 401 without a session, 403 when the
// form's CSRF token is missing or not the session's. It parses the form
// (multipart included), bounded in size.
func (s *server) requireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := s.currentViewer(r)
		if v == nil {
			s.renderError(w, r, http.StatusUnauthorized, "请先登录",
				"提交数据需要先用本单位的令牌登录。登录后请重新提交。")
			return
		}
		r = r.WithContext(withViewer(r.Context(), v)) // error pages show who is signed in
		r.Body = http.MaxBytesReader(w, r.Body, s.maxUpload+1<<20)
		if err := parseForm(r, s.maxUpload); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				s.renderError(w, r, http.StatusRequestEntityTooLarge, "文件过大",
					"上传的文件超过了 "+formatBytes(s.maxUpload)+" 的上限。请删去无关的工作表或行后重试。")
				return
			}
			s.renderError(w, r, http.StatusBadRequest, "表单无法读取",
				"提交的表单无法读取。请刷新页面后重新提交。")
			return
		}
		if !tokensEqual(r.PostFormValue(csrfField), v.session.csrf) {
			s.logger.Warn("web: CSRF token missing or wrong", "path", r.URL.Path, "token", v.token.Name, "remote", remoteHost(r))
			s.renderError(w, r, http.StatusForbidden, "表单已失效",
				"这个表单的安全校验码缺失或已过期（例如重新登录之后）。请刷新页面后重新提交。")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// parseForm parses a urlencoded or multipart form.
func parseForm(r *http.Request, maxMemory int64) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(maxMemory)
	}
	return r.ParseForm()
}

// safeNext returns where to go after signing in: a local path only, so the
// sign-in page cannot be used to send people elsewhere.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/submit"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/submit"
	}
	return next
}

// audit records a sign-in event; failing to audit is logged, not fatal,
// because the event itself already happened.
func (s *server) audit(r *http.Request, actor, action, detail string) {
	err := s.store.AppendAudit(r.Context(), kpi.AuditEntry{
		At: s.now(), Actor: actor, Remote: remoteHost(r), Action: action, Object: actor, Detail: detail,
	})
	if err != nil {
		s.logger.Error("web: append audit", "action", action, "token", actor, "err", err)
	}
}
