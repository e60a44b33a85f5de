package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/yanfeng/kpimon/internal/httpfile"
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
// form's CSRF token is missing or not the session's. It parses the form,
// bounded in size; a multipart one's file waits for the handler in the
// request's context (readForm, uploadFrom).
func (s *server) requireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := s.currentViewer(r)
		if v == nil {
			s.renderSignedOut(w, r)
			return
		}
		r = r.WithContext(withViewer(r.Context(), v)) // error pages show who is signed in
		r.Body = http.MaxBytesReader(w, r.Body, s.maxUpload+1<<20)
		r, err := s.readForm(r)
		if err != nil {
			var tooBig *http.MaxBytesError
			// mime/multipart does not always wrap the reader's error.
			if errors.As(err, &tooBig) || strings.Contains(err.Error(), "request body too large") {
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

// uploadField is the upload form's file field (/upload).
const uploadField = "file"

type uploadKey struct{}

// formUpload is the file of a multipart form as readForm read it, or why
// it took none (httpfile's errors).
type formUpload struct {
	upload kpi.Upload
	err    error
}

// uploadFrom returns the file readForm read from the request's multipart
// form; httpfile.ErrNoFile when the request had none.
func uploadFrom(ctx context.Context) (kpi.Upload, error) {
	f, ok := ctx.Value(uploadKey{}).(*formUpload)
	if !ok {
		return kpi.Upload{}, httpfile.ErrNoFile
	}
	return f.upload, f.err
}

// readForm parses a urlencoded form, or reads a multipart one as it
// arrives (httpfile.ReadMultipart): its file, at most maxUpload bytes,
// once into one buffer, kept in the returned request's context for the
// handler (uploadFrom), and its short fields as r.PostForm. Nothing is
// written to $TMPDIR, where ParseMultipartForm spills a part over its
// memory and a killed process leaves it. The error is the form's own
// (unreadable, the body over its limit); a refused file is the handler's
// to word, after the CSRF check.
func (s *server) readForm(r *http.Request) (*http.Request, error) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r, r.ParseForm()
	}
	u, fields, err := httpfile.ReadMultipart(r, uploadField, s.maxUpload)
	if errors.Is(err, httpfile.ErrUnreadable) {
		return r, err
	}
	r.PostForm = url.Values{}
	r.Form = r.URL.Query()
	for k, v := range fields {
		r.PostForm.Set(k, v)
		r.Form[k] = append([]string{v}, r.Form[k]...)
	}
	return r.WithContext(context.WithValue(r.Context(), uploadKey{}, &formUpload{upload: u, err: err})), nil
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

// typedLabels names the fields of the site's forms whose typed text a
// signed-out refusal shows again; passwords, tokens, the CSRF field and
// choices are not among them.
var typedLabels = []struct{ field, label string }{
	{"reason", "原因"}, {"measures", "措施"}, {"expected_by", "预计完成时间"}, {"revised_figure", "预计数值"},
	{"comment", "督查室意见"}, {"period", "期别"}, {"value", "数值"}, {"note", "备注"},
}

// renderSignedOut answers a form sent without a live session (never signed
// in, or the session expired while the form was being filled in): 401,
// what was typed to copy, and a sign-in link back to the form's page.
func (s *server) renderSignedOut(w http.ResponseWriter, r *http.Request) {
	p := errorPage{base: s.base(nil, "请重新登录", ""), Heading: "请重新登录",
		Message: "您尚未登录，或长时间未操作、登录已过期，本次提交没有保存。请登录后重新提交。",
		SignIn:  "/signin?next=" + url.QueryEscape(formPage(r.URL.Path))}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10) // a form of text fields; an upload is not kept anyway
		if r.ParseForm() == nil {
			for _, f := range typedLabels {
				if v := strings.TrimSpace(r.PostFormValue(f.field)); v != "" {
					p.Typed = append(p.Typed, typedField{Label: f.label, Value: v})
				}
			}
		}
	}
	s.render(w, r, http.StatusUnauthorized, "error", p)
}

// formPage is the page whose form posts to path.
func formPage(path string) string {
	switch {
	case strings.HasPrefix(path, "/indicators/") && strings.HasSuffix(path, "/explanations"):
		return strings.TrimSuffix(path, "/explanations") + "#supervision"
	case strings.HasPrefix(path, "/supervision/"):
		return "/supervision"
	case path == "/entry", path == "/upload":
		return "/submit"
	case path == "/password":
		return "/password"
	}
	return "/"
}
