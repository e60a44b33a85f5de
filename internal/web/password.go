package web

import (
	"net/http"

	"github.com/yanfeng/kpimon/internal/access"
	"github.com/yanfeng/kpimon/internal/kpi"
)

type passwordPage struct {
	base
	MinRunes int
	Error    string
	Done     bool
}

func (s *server) renderPassword(w http.ResponseWriter, r *http.Request, v *viewer, status int, msg string, done bool) {
	s.render(w, r, status, "password", passwordPage{base: s.base(v, "修改密码", "password"),
		MinRunes: access.MinPasswordRunes, Error: msg, Done: done})
}

func (s *server) handlePasswordPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderPassword(w, r, viewerFrom(r.Context()), http.StatusOK, "", r.URL.Query().Get("done") == "1")
	})
}

// handlePasswordChange lets a signed-in user change their own password:
// the current one first, then the new one twice. The user's other sessions
// end; this browser gets a fresh one.
func (s *server) handlePasswordChange() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := viewerFrom(r.Context())
		if v.user == nil {
			s.renderPassword(w, r, v, http.StatusBadRequest, "用令牌登录时没有密码可改。", false)
			return
		}
		current, next, confirm := r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("confirm")
		err := s.access.CheckPassword(r.Context(), *v.user, current)
		switch {
		case err != nil && kpi.ErrorCode(err) == access.CodeTooManyRequests:
			s.renderPassword(w, r, v, http.StatusTooManyRequests, "输错次数过多，请稍后再试。", false)
			return
		case err != nil && kpi.ErrorCode(err) == kpi.EUNAUTHORIZED:
			s.renderPassword(w, r, v, http.StatusUnauthorized, "当前密码不正确。", false)
			return
		case err != nil:
			s.logger.Error("web: check password", "user", v.user.Name, "err", err)
			s.renderPassword(w, r, v, http.StatusInternalServerError, "核对密码时系统出错，请稍后再试。", false)
			return
		case next != confirm:
			s.renderPassword(w, r, v, http.StatusBadRequest, "两次输入的新密码不一致。", false)
			return
		}
		if err := access.CheckPasswordRules(next); err != nil {
			s.renderPassword(w, r, v, http.StatusBadRequest, "新密码太短，至少需要 10 个字符。", false)
			return
		}
		hash, err := s.access.HashPassword(r.Context(), next)
		if err == nil {
			err = s.accounts.SetPassword(r.Context(), v.user.Name, hash, v.actor(r))
		}
		if err == nil {
			err = s.startSession(w, r, v.user.Name, kpi.Token{})
		}
		if err != nil {
			s.logger.Error("web: change password", "user", v.user.Name, "err", err)
			s.renderPassword(w, r, v, http.StatusInternalServerError, "修改密码时系统出错，请稍后再试。", false)
			return
		}
		s.logger.Info("web: password changed", "user", v.user.Name, "remote", remoteHost(r))
		// Answer with a redirect, so a refresh does not post the form again.
		http.Redirect(w, r, "/password?done=1", http.StatusSeeOther)
	})
}
