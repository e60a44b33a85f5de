package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/yanfeng/kpimon/internal/access"
	"github.com/yanfeng/kpimon/internal/kpi"
)

type signinPage struct {
	base
	SigninCSRF string
	Next       string
	Error      string
}

func (s *server) handleSignInPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderSignIn(w, r, http.StatusOK, r.URL.Query().Get("next"), "")
	})
}

func (s *server) renderSignIn(w http.ResponseWriter, r *http.Request, status int, next, msg string) {
	csrf, err := s.signinCSRF(w, r)
	if err != nil {
		s.logger.Error("web: sign-in CSRF token", "err", err)
		http.Error(w, "内部错误 internal error", http.StatusInternalServerError)
		return
	}
	p := signinPage{
		base:       s.base(s.currentViewer(r), "登录 Sign in", "signin"),
		SigninCSRF: csrf,
		Next:       safeNext(next),
		Error:      msg,
	}
	s.render(w, r, status, "signin", p)
}

func (s *server) handleSignIn() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			s.renderError(w, r, http.StatusBadRequest, "表单无法读取 Bad form", "提交的表单无法读取。请刷新登录页后重试。")
			return
		}
		c, err := r.Cookie(signinCookie)
		if err != nil || !tokensEqual(r.PostFormValue(csrfField), c.Value) {
			s.logger.Warn("web: sign-in CSRF token missing or wrong", "remote", remoteHost(r))
			s.renderError(w, r, http.StatusForbidden, "登录表单已失效 Form expired",
				"登录表单的安全校验码缺失或已过期。请重新打开登录页再登录。")
			return
		}
		next := r.PostFormValue("next")
		secret := strings.TrimSpace(r.PostFormValue("token"))
		if secret == "" {
			s.renderSignIn(w, r, http.StatusBadRequest, next, "请输入本单位的访问令牌（以 kpm_ 开头）。")
			return
		}
		// The shared API check: refusals are audited as access.denied there.
		tok, err := s.access.Token(r.Context(), secret, remoteHost(r), "web sign-in")
		if secs, ok := access.RetryAfter(err); ok {
			s.logger.Warn("web: sign-in throttled", "remote", remoteHost(r))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			s.renderSignIn(w, r, http.StatusTooManyRequests, next,
				fmt.Sprintf("登录失败次数过多，请 %d 秒后再试。", secs))
			return
		}
		if err != nil {
			if kpi.ErrorCode(err) != kpi.EUNAUTHORIZED {
				s.logger.Error("web: look up token", "err", err)
				s.renderError(w, r, http.StatusInternalServerError, "暂时无法登录 Cannot sign in", "核对令牌时系统出错，请稍后再试。")
				return
			}
			s.logger.Warn("web: sign-in refused", "remote", remoteHost(r), "err", err)
			s.renderSignIn(w, r, http.StatusUnauthorized, next,
				"令牌无效或已被吊销。请检查是否完整复制了令牌（以 kpm_ 开头）；如果令牌遗失，请向系统管理员申请新的令牌。")
			return
		}
		// A new session id on every sign-in, so a planted cookie is useless.
		if old, err := r.Cookie(sessionCookie); err == nil {
			s.sessions.delete(old.Value)
		}
		sess, err := s.sessions.create(tok)
		if err != nil {
			s.logger.Error("web: create session", "err", err)
			s.renderError(w, r, http.StatusInternalServerError, "暂时无法登录 Cannot sign in", "创建会话时系统出错，请稍后再试。")
			return
		}
		s.setSessionCookie(w, r, sess)
		s.clearSigninCookie(w, r)
		s.logger.Info("web: signed in", "token", tok.Name, "remote", remoteHost(r))
		s.audit(r, tok.Name, kpi.ActionWebSignin, "")
		http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
	})
}

func (s *server) clearSigninCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: signinCookie, Value: "", Path: "/signin", MaxAge: -1,
		HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteStrictMode,
	})
}

func (s *server) handleSignOut() http.Handler {
	signOut := s.requireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := viewerFrom(r.Context())
		s.sessions.delete(v.session.id)
		s.clearCookie(w, r, sessionCookie)
		s.logger.Info("web: signed out", "token", v.token.Name, "remote", remoteHost(r))
		s.audit(r, v.token.Name, kpi.ActionWebSignout, "")
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Without a live session (it expired, or the token was revoked)
		// there is nothing to end: just drop the stale cookie.
		if s.currentViewer(r) == nil {
			s.clearCookie(w, r, sessionCookie)
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		signOut.ServeHTTP(w, r)
	})
}
