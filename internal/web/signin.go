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
	// User is the user name typed into a refused sign-in, shown again
	// (the password never is).
	User string
}

func (s *server) handleSignInPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderSignIn(w, r, http.StatusOK, r.URL.Query().Get("next"), "", "")
	})
}

// renderSignIn shows the sign-in page; user is the user name to fill in.
func (s *server) renderSignIn(w http.ResponseWriter, r *http.Request, status int, next, msg, user string) {
	csrf, err := s.signinCSRF(w, r)
	if err != nil {
		s.logger.Error("web: sign-in CSRF token", "err", err)
		http.Error(w, "内部错误", http.StatusInternalServerError)
		return
	}
	p := signinPage{
		base:       s.base(s.currentViewer(r), "登录", "signin"),
		SigninCSRF: csrf,
		Next:       safeNext(next),
		Error:      msg,
		User:       user,
	}
	s.render(w, r, status, "signin", p)
}

func (s *server) handleSignIn() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			s.renderError(w, r, http.StatusBadRequest, "表单无法读取", "提交的表单无法读取。请刷新登录页后重试。")
			return
		}
		c, err := r.Cookie(signinCookie)
		if err != nil || !tokensEqual(r.PostFormValue(csrfField), c.Value) {
			s.logger.Warn("web: sign-in CSRF token missing or wrong", "remote", remoteHost(r))
			s.renderError(w, r, http.StatusForbidden, "登录表单已失效",
				"登录表单的安全校验码缺失或已过期。请重新打开登录页再登录。")
			return
		}
		next := r.PostFormValue("next")
		userName := strings.TrimSpace(r.PostFormValue("user"))
		password := r.PostFormValue("password")
		secret := strings.TrimSpace(r.PostFormValue("token"))
		var (
			name string // who signed in, for the log and the audit
			user string // set for a user's session
			tok  kpi.Token
			what = "令牌" // what was wrong, in the refusal
		)
		switch {
		case userName != "" || password != "":
			// People sign in with their user name and password; the shared
			// check slows down guessing per address and per account.
			var u kpi.User
			u, err = s.access.Password(r.Context(), userName, password, remoteHost(r))
			name, user, what = u.Name, u.Name, "用户名或密码"
		case secret != "":
			// A unit's token still signs in (machines' credentials, kept
			// for units without accounts yet).
			tok, err = s.access.Token(r.Context(), secret, remoteHost(r), "web sign-in")
			name = tok.Name
		default:
			s.renderSignIn(w, r, http.StatusBadRequest, next, "请输入用户名和密码。", "")
			return
		}
		switch {
		case secret == "" && userName == "":
			s.renderSignIn(w, r, http.StatusBadRequest, next, "请输入用户名。", "")
			return
		case secret == "" && password == "":
			s.renderSignIn(w, r, http.StatusBadRequest, next, "请输入密码。", userName)
			return
		}
		if secs, ok := access.RetryAfter(err); ok {
			s.logger.Warn("web: sign-in throttled", "remote", remoteHost(r))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			s.renderSignIn(w, r, http.StatusTooManyRequests, next,
				fmt.Sprintf("登录失败次数过多，请 %d 秒后再试。", secs), userName)
			return
		}
		if err != nil {
			if kpi.ErrorCode(err) != kpi.EUNAUTHORIZED {
				s.logger.Error("web: check sign-in", "err", err)
				s.renderError(w, r, http.StatusInternalServerError, "暂时无法登录", "核对登录信息时系统出错，请稍后再试。")
				return
			}
			s.logger.Warn("web: sign-in refused", "remote", remoteHost(r), "err", err)
			msg := "用户名或密码不正确，或账号已停用。忘记密码请联系系统管理员重设。"
			if what == "令牌" {
				msg = "令牌无效或已被吊销。请检查是否完整复制了令牌（以 kpm_ 开头）；如果令牌遗失，请向系统管理员申请新的令牌。"
			}
			s.renderSignIn(w, r, http.StatusUnauthorized, next, msg, userName)
			return
		}
		if err := s.startSession(w, r, user, tok); err != nil {
			s.logger.Error("web: create session", "err", err)
			s.renderError(w, r, http.StatusInternalServerError, "暂时无法登录", "创建会话时系统出错，请稍后再试。")
			return
		}
		s.clearSigninCookie(w, r)
		s.logger.Info("web: signed in", "who", name, "remote", remoteHost(r))
		s.audit(r, name, kpi.ActionWebSignin, "")
		http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
	})
}

// startSession replaces the browser's session (a new id on every sign-in,
// so a planted cookie is useless) with one for user or tok.
func (s *server) startSession(w http.ResponseWriter, r *http.Request, user string, tok kpi.Token) error {
	if old, err := r.Cookie(sessionCookie); err == nil {
		s.sessions.delete(r.Context(), old.Value)
	}
	sess, err := s.sessions.create(r.Context(), user, tok)
	if err != nil {
		return err
	}
	s.setSessionCookie(w, r, sess)
	return nil
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
		s.sessions.delete(r.Context(), v.session.id)
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
