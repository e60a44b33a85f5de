package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// signInUser signs the client in with a user name and password and
// returns the page the sign-in answered with.
func (c *client) signInUser(name, password string) page {
	c.t.Helper()
	return c.post("/signin", url.Values{"csrf_token": {c.csrf("/signin", "/signin")}, "user": {name}, "password": {password}, "next": {"/submit"}})
}

// TestUserSignInChangePasswordDisable: before, people signed in by pasting
// a 47-character token and a restart signed everyone out; now a user signs
// in with a password, changes it on the page, and disabling the user (or a
// new password) ends their sessions.
func TestUserSignInChangePasswordDisable(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c := f.newClient(t)
	p := c.signInUser(unitName, testPassword)
	wantStatus(t, "sign in", p, http.StatusSeeOther)
	wantText(t, "GET /submit", c.get("/submit"), "已登录："+unitName, "修改密码")

	other := f.newClient(t) // the same user on another computer
	wantStatus(t, "sign in elsewhere", other.signInUser(unitName, testPassword), http.StatusSeeOther)

	form := func(current, next, confirm string) url.Values {
		return url.Values{"csrf_token": {c.csrf("/password", "/password")}, "current": {current}, "new": {next}, "confirm": {confirm}}
	}
	wantStatus(t, "wrong current password", c.post("/password", form("wrong password!", "a new passphrase", "a new passphrase")), http.StatusUnauthorized)
	wantStatus(t, "mismatched new password", c.post("/password", form(testPassword, "a new passphrase", "another one!!")), http.StatusBadRequest)
	wantStatus(t, "too short", c.post("/password", form(testPassword, "short", "short")), http.StatusBadRequest)
	p = c.post("/password", form(testPassword, "a new passphrase", "a new passphrase"))
	wantStatus(t, "change password", p, http.StatusSeeOther)
	if got := p.header.Get("Location"); got != "/password?done=1" {
		t.Errorf("Location after the change = %q, want /password?done=1", got)
	}
	wantText(t, "after the change", c.get("/password?done=1"), "密码已修改", "已登录："+unitName)
	if p := other.get("/submit"); p.status != http.StatusSeeOther {
		t.Errorf("the other computer's session after the change: status %d, want 303 to sign in", p.status)
	}
	wantStatus(t, "old password", f.newClient(t).signInUser(unitName, testPassword), http.StatusUnauthorized)
	wantStatus(t, "new password", f.newClient(t).signInUser(unitName, "a new passphrase"), http.StatusSeeOther)

	if err := f.store.DisableUser(context.Background(), unitName, kpi.Actor{Name: "operator"}); err != nil {
		t.Fatal(err)
	}
	if p := c.get("/submit"); p.status != http.StatusSeeOther {
		t.Errorf("a disabled user's session: status %d, want 303 to sign in", p.status)
	}
	wantStatus(t, "disabled user signs in", f.newClient(t).signInUser(unitName, "a new passphrase"), http.StatusUnauthorized)
}

// TestPasswordGuessesThrottledPerAccount: an account under guessing waits,
// whichever address the guesses come from (here: one; the account key is
// checked as well as the address).
func TestPasswordGuessesThrottledPerAccount(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c := f.newClient(t)
	for range 6 {
		wantStatus(t, "guess", c.signInUser(unitName, "guess guess guess"), http.StatusUnauthorized)
	}
	p := c.signInUser(unitName, testPassword)
	wantStatus(t, "right password after 6 guesses", p, http.StatusTooManyRequests)
	wantText(t, "throttled", p, "登录失败次数过多")
}
