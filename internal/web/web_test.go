package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
)

func TestSignInRequired(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	tests := []struct {
		name         string
		method, path string
		wantStatus   int
		wantLocation string
	}{
		{"submit page redirects to sign-in", http.MethodGet, "/submit", http.StatusSeeOther, "/signin?next=%2Fsubmit"},
		{"submit page keeps its query", http.MethodGet, "/submit?indicator=a%2Fb", http.StatusSeeOther, "/signin?next=%2Fsubmit%3Findicator%3Da%252Fb"},
		{"upload refused", http.MethodPost, "/upload", http.StatusUnauthorized, ""},
		{"entry refused", http.MethodPost, "/entry", http.StatusUnauthorized, ""},
		{"sign-out without a session only drops the cookie", http.MethodPost, "/signout", http.StatusSeeOther, "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := f.newClient(t)
			var p page
			if tt.method == http.MethodGet {
				p = c.get(tt.path)
			} else {
				p = c.post(tt.path, url.Values{"indicator": {f.own.Plan + "/" + f.own.ID}, "period": {"2021"}, "value": {"25"}})
			}
			wantStatus(t, tt.method+" "+tt.path, p, tt.wantStatus)
			if got := p.header.Get("Location"); got != tt.wantLocation {
				t.Errorf("Location = %q, want %q", got, tt.wantLocation)
			}
			if tt.wantStatus == http.StatusUnauthorized {
				// Back to the form's page after signing in.
				wantText(t, tt.path, p, "请重新登录", `href="/signin?next=%2Fsubmit"`)
			}
		})
	}
	obs, err := f.store.Latest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 0 {
		t.Errorf("store holds figures after refused posts: %v", obs)
	}
}

func TestPublicPagesNeedNoSignIn(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c := f.newClient(t)
	tests := []struct {
		name string
		path string
		want []string
	}{
		{"overview", "/", []string{"指标一览", f.own.Name, "未报送", "登录"}},
		{"indicator", "/indicators/" + f.own.Plan + "/" + f.own.ID, []string{f.own.Name, "指标定义", "尚未报送任何数据"}},
		{"sign-in", "/signin", []string{"访问令牌", `name="csrf_token"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.get(tt.path)
			wantStatus(t, tt.path, p, http.StatusOK)
			wantText(t, tt.path, p, tt.want...)
			if got := p.header.Get("Content-Security-Policy"); !strings.Contains(got, "default-src 'none'") {
				t.Errorf("Content-Security-Policy = %q, want default-src 'none'", got)
			}
		})
	}
}

func TestStaticAssets(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c := f.newClient(t)
	tests := []struct {
		name       string
		path       string
		wantStatus int
		wantType   string
	}{
		{"stylesheet", "/static/style.css", http.StatusOK, "text/css; charset=utf-8"},
		{"missing asset", "/static/nope.js", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.get(tt.path)
			wantStatus(t, tt.path, p, tt.wantStatus)
			if tt.wantType != "" {
				if got := p.header.Get("Content-Type"); got != tt.wantType {
					t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
				}
				if got := p.header.Get("X-Content-Type-Options"); got != "nosniff" {
					t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
				}
			}
		})
	}
	// Browsers keep the stylesheet an hour: pages link it by its content's
	// hash, so an upgraded page is never drawn with the old rules.
	t.Run("stylesheet URL follows its content", func(t *testing.T) {
		css := c.get("/static/style.css")
		sum := sha256.Sum256([]byte(css.body))
		want := `href="/static/style.css?v=` + hex.EncodeToString(sum[:6]) + `"`
		wantText(t, "/", c.get("/"), want)
	})
}

func TestSignIn(t *testing.T) {
	tests := []struct {
		name       string
		secret     string
		secure     bool
		wantStatus int
		wantText   string
	}{
		{"unit token", testSecrets[unitName], false, http.StatusSeeOther, ""},
		{"unit token, secure cookies", testSecrets[unitName], true, http.StatusSeeOther, ""},
		{"token with spaces around", "  " + testSecrets[unitName] + "\n", false, http.StatusSeeOther, ""},
		{"unknown token", "kpm_nope", false, http.StatusUnauthorized, "令牌无效或已被吊销"},
		{"revoked token", testSecrets["revoked"], false, http.StatusUnauthorized, "令牌无效或已被吊销"},
		{"empty token", "", false, http.StatusBadRequest, "请输入用户名和密码"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, fixtureOptions{secureCookies: tt.secure})
			c := f.newClient(t)
			p := c.post("/signin", url.Values{"csrf_token": {c.csrf("/signin", "/signin")}, "token": {tt.secret}, "next": {"/"}})
			wantStatus(t, "POST /signin", p, tt.wantStatus)
			if tt.wantText != "" {
				wantText(t, "POST /signin", p, tt.wantText)
			}
			var session *http.Cookie
			for _, ck := range (&http.Response{Header: p.header}).Cookies() {
				if ck.Name == "kpimon_session" {
					session = ck
				}
			}
			if tt.wantStatus != http.StatusSeeOther {
				if session != nil {
					t.Errorf("refused sign-in set a session cookie: %v", session)
				}
				if tt.wantStatus == http.StatusUnauthorized {
					entries, err := f.store.Audit(context.Background(), kpi.AuditFilter{Limit: 1})
					if err != nil {
						t.Fatal(err)
					}
					if len(entries) != 1 || entries[0].Action != "access.denied" {
						t.Errorf("newest audit entry %+v, want the refused sign-in as access.denied", entries)
					}
				}
				return
			}
			if got := p.header.Get("Location"); got != "/" {
				t.Errorf("Location = %q, want /", got)
			}
			if session == nil {
				t.Fatalf("no session cookie set; headers %v", p.header)
			}
			got := struct {
				HttpOnly, Secure bool
				SameSite         http.SameSite
			}{session.HttpOnly, session.Secure, session.SameSite}
			want := struct {
				HttpOnly, Secure bool
				SameSite         http.SameSite
			}{true, tt.secure, http.SameSiteLaxMode}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("session cookie flags (-want +got):\n%s", diff)
			}
			home := c.get("/")
			wantText(t, "GET / after sign-in", home, "已登录："+unitName, "退出")
			entries, err := f.store.Audit(context.Background(), kpi.AuditFilter{Object: unitName})
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, e := range entries {
				if e.Actor == unitName {
					actions = append(actions, e.Action)
				}
			}
			if diff := cmp.Diff([]string{"web.signin"}, actions); diff != "" {
				t.Errorf("audit of %s (-want +got):\n%s", unitName, diff)
			}
		})
	}
}

// TestTLSCookiesSecure: before, under --web-config TLS the session cookie
// lacked Secure unless --secure-cookies was also given.
func TestTLSCookiesSecure(t *testing.T) {
	f := newFixture(t, fixtureOptions{tls: true})
	c := f.newClient(t)
	p := c.post("/signin", url.Values{"csrf_token": {c.csrf("/signin", "/signin")}, "token": {testSecrets[unitName]}, "next": {"/"}})
	wantStatus(t, "POST /signin", p, http.StatusSeeOther)
	cookies := (&http.Response{Header: p.header}).Cookies()
	if len(cookies) == 0 {
		t.Fatal("no cookies set")
	}
	for _, ck := range cookies {
		if !ck.Secure {
			t.Errorf("cookie %s over TLS is not Secure", ck.Name)
		}
	}
}

// TestSignInThrottled: before, the sign-in form took 331 guesses a second.
// Then a valid token from the guesser's address was refused too.
func TestSignInThrottled(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c := f.newClient(t)
	csrf := c.csrf("/signin", "/signin")
	for i := range 6 {
		p := c.post("/signin", url.Values{"csrf_token": {csrf}, "token": {"kpm_guess"}, "next": {"/"}})
		wantStatus(t, fmt.Sprintf("guess %d", i+1), p, http.StatusUnauthorized)
	}
	p := c.post("/signin", url.Values{"csrf_token": {csrf}, "token": {"kpm_guess"}, "next": {"/"}})
	wantStatus(t, "the 7th guess", p, http.StatusTooManyRequests)
	wantText(t, "the 7th guess", p, "登录失败次数过多")
	if got := p.header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q, want 1", got)
	}
	// A valid token is never refused for its client's failures: behind
	// one address (an office, a proxy) the guesser is not the unit.
	p = c.post("/signin", url.Values{"csrf_token": {csrf}, "token": {testSecrets[unitName]}, "next": {"/"}})
	wantStatus(t, "a valid token after the guesses", p, http.StatusSeeOther)
}

func TestCSRF(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	good := func(csrf string) url.Values {
		return url.Values{"csrf_token": {csrf}, "indicator": {f.own.Plan + "/" + f.own.ID}, "period": {"2021"}, "value": {"25"}}
	}
	tests := []struct {
		name       string
		form       func(csrf string) url.Values
		header     []string
		wantStatus int
	}{
		{"missing token", func(string) url.Values { v := good(""); v.Del("csrf_token"); return v }, nil, http.StatusForbidden},
		{"wrong token", func(string) url.Values { return good("not-the-token") }, nil, http.StatusForbidden},
		{"cross-site fetch", good, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"foreign origin", good, []string{"Origin", "http://evil.example"}, http.StatusForbidden},
		{"same-origin with token", good, []string{"Sec-Fetch-Site", "same-origin"}, http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := f.newClient(t)
			c.signIn(testSecrets[unitName])
			p := c.post("/entry", tt.form(c.csrf("/submit", "/entry")), tt.header...)
			wantStatus(t, "POST /entry", p, tt.wantStatus)
			if tt.wantStatus == http.StatusForbidden && strings.Contains(p.body, `id="receipt"`) {
				t.Errorf("refused post shows a receipt")
			}
		})
	}

	t.Run("sign-in without its token", func(t *testing.T) {
		c := f.newClient(t)
		p := c.post("/signin", url.Values{"token": {testSecrets[unitName]}})
		wantStatus(t, "POST /signin", p, http.StatusForbidden)
	})
	t.Run("sign-out without token", func(t *testing.T) {
		c := f.newClient(t)
		c.signIn(testSecrets[unitName])
		p := c.post("/signout", url.Values{})
		wantStatus(t, "POST /signout", p, http.StatusForbidden)
		wantStatus(t, "GET /submit after refused sign-out", c.get("/submit"), http.StatusOK)
	})
	t.Run("token of an old session after sign-in again", func(t *testing.T) {
		c := f.newClient(t)
		c.signIn(testSecrets[unitName])
		old := c.csrf("/submit", "/entry")
		c.signIn(testSecrets[unitName])
		p := c.post("/entry", good(old))
		wantStatus(t, "POST /entry with the old token", p, http.StatusForbidden)
	})

	obs, err := f.store.Observations(context.Background(), f.own.Ref())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(obs), 1; got != want {
		t.Errorf("figures stored = %d, want %d (only the same-origin post with its token)", got, want)
	}
}

func TestSignOut(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c := f.newClient(t)
	c.signIn(testSecrets[unitName])
	csrf := c.csrf("/submit", "/entry")
	p := c.post("/signout", url.Values{"csrf_token": {csrf}})
	wantStatus(t, "POST /signout", p, http.StatusSeeOther)
	wantStatus(t, "GET /submit after sign-out", c.get("/submit"), http.StatusSeeOther)
	// The old session id is dead even if a copy of the cookie survives.
	p = c.post("/entry", url.Values{"csrf_token": {csrf}, "indicator": {f.own.Plan + "/" + f.own.ID}, "period": {"2021"}, "value": {"1"}})
	wantStatus(t, "POST /entry after sign-out", p, http.StatusUnauthorized)
}

func TestRevokedTokenEndsSession(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c := f.newClient(t)
	c.signIn(testSecrets[unitName])
	csrf := c.csrf("/submit", "/entry")
	if err := f.store.RevokeToken(context.Background(), unitName, kpi.Actor{Name: "operator", Remote: "cli"}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "GET /submit after revoke", c.get("/submit"), http.StatusSeeOther)
	p := c.post("/entry", url.Values{"csrf_token": {csrf}, "indicator": {f.own.Plan + "/" + f.own.ID}, "period": {"2021"}, "value": {"25"}})
	wantStatus(t, "POST /entry after revoke", p, http.StatusUnauthorized)
}

var optionRE = regexp.MustCompile(`<option value="([^"]+)"`)

func TestUnitScope(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c := f.newClient(t)
	c.signIn(testSecrets[unitName])

	t.Run("entry form lists only the unit's indicators", func(t *testing.T) {
		p := c.get("/submit")
		wantStatus(t, "GET /submit", p, http.StatusOK)
		_, form, ok := strings.Cut(p.body, `id="entry-form"`)
		if !ok {
			t.Fatalf("no entry form on the page")
		}
		var got []string
		for _, m := range optionRE.FindAllStringSubmatch(form, -1) {
			got = append(got, m[1])
		}
		var want []string
		actor := kpi.Actor{Units: []string{unitScience}}
		for _, ind := range f.cat.Indicators {
			if actor.MaySubmitFor(ind) {
				want = append(want, ind.Plan+"/"+ind.ID)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("indicators offered (-want +got):\n%s", diff)
		}
	})

	t.Run("another unit's indicator is refused", func(t *testing.T) {
		p := c.post("/entry", url.Values{
			"csrf_token": {c.csrf("/submit", "/entry")}, "indicator": {f.foreign.Plan + "/" + f.foreign.ID},
			"period": {"2021"}, "value": {"3"},
		})
		wantStatus(t, "POST /entry foreign", p, http.StatusForbidden)
		wantText(t, "POST /entry foreign", p, "无权报送", "未写入任何数据")
		obs, err := f.store.Observations(context.Background(), f.foreign.Ref())
		if err != nil {
			t.Fatal(err)
		}
		if len(obs) != 0 {
			t.Errorf("foreign indicator got figures: %v", obs)
		}
	})

	t.Run("own indicator is stored with the token's name", func(t *testing.T) {
		p := c.post("/entry", url.Values{
			"csrf_token": {c.csrf("/submit", "/entry")}, "indicator": {f.own.Plan + "/" + f.own.ID},
			"period": {"2021"}, "value": {"25"}, "note": {"网页填报测试"},
		})
		// Answered with a redirect to the receipt (a refresh does not send
		// the figure again; before, the POST answered with the page).
		wantStatus(t, "POST /entry own", p, http.StatusSeeOther)
		receipt := c.get(p.header.Get("Location"))
		wantStatus(t, "GET the receipt", receipt, http.StatusOK)
		wantText(t, "GET the receipt", receipt, `id="receipt"`, f.own.Name, "新增", "25")
		wantText(t, "GET the receipt again", c.get(p.header.Get("Location")), `id="receipt"`, "新增")
		obs, err := f.store.Observations(context.Background(), f.own.Ref())
		if err != nil {
			t.Fatal(err)
		}
		if len(obs) != 1 {
			t.Fatalf("figures of %s = %d, want 1", f.own.ID, len(obs))
		}
		got := []string{obs[0].Period.String(), obs[0].SubmittedBy, obs[0].Source, obs[0].Note}
		want := []string{"2021", unitName, "web", "网页填报测试"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("stored figure (-want +got):\n%s", diff)
		}
	})

	t.Run("the same figure with a new note says 说明已更新", func(t *testing.T) {
		p := c.post("/entry", url.Values{
			"csrf_token": {c.csrf("/submit", "/entry")}, "indicator": {f.own.Plan + "/" + f.own.ID},
			"period": {"2021"}, "value": {"25"}, "note": {"统计局核定"},
		})
		wantStatus(t, "POST /entry same value, new note", p, http.StatusSeeOther)
		wantText(t, "GET the receipt", c.get(p.header.Get("Location")), `id="receipt"`, "说明已更新", "第 2 版")
	})

	t.Run("overview marks own indicators", func(t *testing.T) {
		p := c.get("/")
		wantText(t, "GET /", p, `href="/submit?indicator=`+url.QueryEscape(f.own.Plan+"/"+f.own.ID)+`#entry"`)
		if strings.Contains(p.body, `href="/submit?indicator=`+url.QueryEscape(f.foreign.Plan+"/"+f.foreign.ID)) {
			t.Errorf("overview offers to submit %s, which the unit may not", f.foreign.ID)
		}
	})
}

func TestEntryProblems(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c := f.newClient(t)
	c.signIn(testSecrets[unitName])
	own := f.own.Plan + "/" + f.own.ID
	tests := []struct {
		name       string
		form       url.Values
		wantStatus int
		wantText   []string
	}{
		{"no indicator chosen", url.Values{"period": {"2021"}, "value": {"3"}}, http.StatusUnprocessableEntity, []string{"请选择指标"}},
		{"value not a number", url.Values{"indicator": {own}, "period": {"2021"}, "value": {"三十"}}, http.StatusUnprocessableEntity, []string{`id="problems"`, "三十", "不是数字"}},
		{"bad period", url.Values{"indicator": {own}, "period": {"明年"}, "value": {"3"}}, http.StatusUnprocessableEntity, []string{`id="problems"`, "明年"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set("csrf_token", c.csrf("/submit", "/entry"))
			p := c.post("/entry", tt.form)
			wantStatus(t, "POST /entry", p, tt.wantStatus)
			wantText(t, "POST /entry", p, tt.wantText...)
			if strings.Contains(p.body, `id="problems"`) {
				columnsInChinese(t, p)
			}
			if strings.Contains(p.body, "第 1 行") {
				t.Errorf("problems of a typed-in figure point at a file row")
			}
			// The page is in Chinese: the English line of a message is not shown.
			for _, en := range []string{"not a number", "not understood", "problem(s)", " / "} {
				if strings.Contains(p.body, en) {
					t.Errorf("POST /entry page shows English %q", en)
				}
			}
			// What the submitter typed stays in the form.
			if v := tt.form.Get("value"); v != "" {
				wantText(t, "POST /entry", p, `value="`+v+`"`)
			}
		})
	}
	obs, err := f.store.Observations(context.Background(), f.own.Ref())
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 0 {
		t.Errorf("refused entries stored figures: %v", obs)
	}
}

func TestUploadHTTP(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c := f.newClient(t)
	c.signIn(testSecrets[unitName])
	post := func(csrf, name string, body []byte) page {
		t.Helper()
		r, ct := multipartFile(t, csrf, name, body)
		req, err := http.NewRequest(http.MethodPost, f.server.URL+"/upload", r)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", ct)
		return c.do(req)
	}
	t.Run("without CSRF token", func(t *testing.T) {
		p := post("", "a.csv", []byte("x"))
		wantStatus(t, "POST /upload", p, http.StatusForbidden)
	})
	t.Run("file over the limit", func(t *testing.T) {
		small := newFixture(t, fixtureOptions{maxUpload: 1024})
		sc := small.newClient(t)
		sc.signIn(testSecrets[unitName])
		r, ct := multipartFile(t, sc.csrf("/submit", "/upload"), "big.csv", bytes.Repeat([]byte("x"), 4096))
		req, err := http.NewRequest(http.MethodPost, small.server.URL+"/upload", r)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", ct)
		p := sc.do(req)
		wantStatus(t, "POST /upload", p, http.StatusRequestEntityTooLarge)
		wantText(t, "POST /upload", p, "文件超过了")
	})
	t.Run("no file chosen", func(t *testing.T) {
		r, ct := multipartFile(t, c.csrf("/submit", "/upload"), "", nil)
		req, err := http.NewRequest(http.MethodPost, f.server.URL+"/upload", r)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", ct)
		p := c.do(req)
		wantStatus(t, "POST /upload", p, http.StatusBadRequest)
		wantText(t, "POST /upload", p, "请先点")
	})
	t.Run("empty file", func(t *testing.T) {
		p := post(c.csrf("/submit", "/upload"), "a.xlsx", nil)
		wantStatus(t, "POST /upload", p, http.StatusBadRequest)
		wantText(t, "POST /upload", p, "文件是空的")
	})
	t.Run("good file", func(t *testing.T) {
		p := post(c.csrf("/submit", "/upload"), "报表.xlsx", goodWorkbook(t, f, templateBytes(t, f), false))
		wantStatus(t, "POST /upload", p, http.StatusOK)
		wantText(t, "POST /upload", p, `id="receipt"`, f.own.Name, "新增", "报表.xlsx")
	})
	t.Run("template filled in place, other rows left empty", func(t *testing.T) {
		body := fillTemplate(t, templateBytes(t, f), f.own.ID, "2020", "19", true)
		p := post(c.csrf("/submit", "/upload"), "模板原样填写.xlsx", body)
		wantStatus(t, "POST /upload", p, http.StatusOK)
		wantText(t, "POST /upload", p, `id="receipt"`, f.own.Name, "2020")
	})
	t.Run("template with an explanation", func(t *testing.T) {
		x, err := excelize.OpenReader(bytes.NewReader(fillTemplate(t, templateBytes(t, f), f.own.ID, "2021", "20", true)))
		if err != nil {
			t.Fatal(err)
		}
		row := []any{f.own.Plan, f.own.ID, "", "", "项目投产推迟", "加快建设进度", "2022-12-31"}
		if err := x.SetSheetRow(ingest.ExplanationSheet, "A3", &row); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := x.Write(&buf); err != nil {
			t.Fatal(err)
		}
		p := post(c.csrf("/submit", "/upload"), "带情况说明.xlsx", buf.Bytes())
		wantStatus(t, "POST /upload", p, http.StatusOK)
		wantText(t, "POST /upload", p, `id="receipt-explanations"`, "情况说明 1 条已登记")
		ex, err := f.store.Explanations(context.Background(), f.own.Ref())
		if err != nil || len(ex) != 1 || ex[0].Reason != "项目投产推迟" || ex[0].Unit != unitScience {
			t.Errorf("explanations of %s: %+v, %v", f.own.ID, ex, err)
		}
	})
	t.Run("file naming another unit's indicator", func(t *testing.T) {
		body := fillTemplate(t, templateBytes(t, f), f.foreign.ID, "2021", "3", false)
		p := post(c.csrf("/submit", "/upload"), "别的单位.xlsx", body)
		wantStatus(t, "POST /upload", p, http.StatusForbidden)
		wantText(t, "POST /upload", p, "无权报送", f.foreign.Name, "未写入任何数据")
		obs, err := f.store.Observations(context.Background(), f.foreign.Ref())
		if err != nil {
			t.Fatal(err)
		}
		if len(obs) != 0 {
			t.Errorf("foreign indicator got figures: %v", obs)
		}
	})
	t.Run("bad file", func(t *testing.T) {
		p := post(c.csrf("/submit", "/upload"), "错误.xlsx", badWorkbook(t, f, templateBytes(t, f), false))
		wantStatus(t, "POST /upload", p, http.StatusUnprocessableEntity)
		wantText(t, "POST /upload", p, `id="problems"`, "未写入任何数据", "第 ", `<td data-label="列">`)
		columnsInChinese(t, p)
	})
}

// columnsInChinese fails when a problem's 列 cell words a field in English
// ("实际值 列 value"): the page is read by the district's staff.
func columnsInChinese(t *testing.T, p page) {
	t.Helper()
	cells := regexp.MustCompile(`<td data-label="列">([^<]*(?:<[^/][^>]*>[^<]*</[^>]+>)?[^<]*)</td>`).FindAllStringSubmatch(p.body, -1)
	for _, c := range cells {
		if strings.ContainsAny(c[1], "abcdefghijklmnopqrstuvwxyz") {
			t.Errorf("列 cell %q has English in it", c[1])
		}
	}
}

func TestTemplateDownload(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	p := f.newClient(t).get("/template.xlsx")
	wantStatus(t, "GET /template.xlsx", p, http.StatusOK)
	if got, want := p.header.Get("Content-Type"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"; got != want {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
	if got := p.header.Get("Content-Disposition"); !strings.HasPrefix(got, "attachment;") || !strings.Contains(got, ".xlsx") {
		t.Errorf("Content-Disposition = %q, want an .xlsx attachment", got)
	}
	x, err := excelize.OpenReader(bytes.NewReader([]byte(p.body)))
	if err != nil {
		t.Fatalf("template is not an XLSX: %v", err)
	}
	defer x.Close()
	if len(x.GetSheetList()) == 0 {
		t.Errorf("template has no sheet")
	}
}

func TestOverviewFilters(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c := f.newClient(t)
	countRows := func(body string) int {
		_, tbody, ok := strings.Cut(body, "<tbody>")
		if !ok {
			return 0
		}
		return strings.Count(tbody, "<tr data-ref=")
	}
	byTask := map[int]int{}
	byUnit := 0
	for _, ind := range f.cat.Indicators {
		byTask[ind.Task]++
		if ind.HasUnit(f.foreign.LeadUnits[0]) {
			byUnit++
		}
	}
	tests := []struct {
		name  string
		query string
		want  int
	}{
		{"no filter", "", len(f.cat.Indicators)},
		{"task 1", "?task=1", byTask[1]},
		{"task 3", "?task=3", byTask[3]},
		{"unit", "?unit=" + url.QueryEscape(f.foreign.LeadUnits[0]), byUnit},
		{"status no data", "?status=no_data", len(f.cat.Indicators)},
		{"status achieved", "?status=achieved", 0},
		{"unknown task", "?task=99", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.get("/" + tt.query)
			wantStatus(t, "GET /"+tt.query, p, http.StatusOK)
			if got := countRows(p.body); got != tt.want {
				t.Errorf("rows shown = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestOverviewTruncatesLongLists(t *testing.T) {
	f := newFixture(t, fixtureOptions{extraIndicators: 500})
	c := f.newClient(t)
	task3 := 0
	for _, ind := range f.cat.Indicators {
		if ind.Task == 3 {
			task3++
		}
	}
	tests := []struct {
		name          string
		query         string
		wantRows      int
		wantTruncated bool
	}{
		{"everything", "", 500, true},
		{"narrowed by task", "?task=3", task3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.get("/" + tt.query)
			wantStatus(t, "GET /"+tt.query, p, http.StatusOK)
			if got := strings.Count(p.body, "<tr data-ref="); got != tt.wantRows {
				t.Errorf("rows shown = %d, want %d", got, tt.wantRows)
			}
			if got := strings.Contains(p.body, `id="truncated"`); got != tt.wantTruncated {
				t.Errorf("truncation notice shown = %v, want %v", got, tt.wantTruncated)
			}
		})
	}
}

func TestIndicatorPage(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c := f.newClient(t)
	c.signIn(testSecrets[unitName])
	ref := f.own.Plan + "/" + f.own.ID
	for _, fig := range []struct{ period, value, note string }{
		{"2020", "20", ""}, {"2021", "24", "初报"}, {"2021", "26", "更正"},
		// 2022 had not ended at testNow (mid-2022): not counted, not listed.
		{"2022", "28", "年中预估"},
	} {
		p := c.post("/entry", url.Values{"csrf_token": {c.csrf("/submit", "/entry")}, "indicator": {ref}, "period": {fig.period}, "value": {fig.value}, "note": {fig.note}})
		wantStatus(t, "POST /entry "+fig.period, p, http.StatusSeeOther)
	}
	tests := []struct {
		name       string
		path       string
		wantStatus int
		want       []string
	}{
		{"history and revisions", "/indicators/" + ref, http.StatusOK, []string{
			f.own.Name, f.own.SourceText, "26" + f.own.Unit, "第 2 版", "（已被修订）", "初报", "更正", "<td data-label=\"来源\">网页</td>", "<td data-label=\"期别\">2021年</td>", unitName,
		}},
		{"periods not ended at the as-of instant are left out", "/indicators/" + ref, http.StatusOK, []string{
			`<p class="note" id="unended">另有 1 个期别在评估时点尚未结束，其数据不计入评估，本页未列出。</p>`,
		}},
		// 20 at the end of 2020, 26 at the end of 2021, 30 due by the end
		// of 2022: 4 a year still needed, 6 a year so far; the chart is
		// inline SVG with the figures, the path and the target.
		{"required growth and chart", "/indicators/" + ref, http.StatusOK, []string{
			`<dd id="required">需年均增加4家</dd>`, `<dd id="achieved-rate">年均增加6家</dd>`,
			`<svg xmlns="http://www.w3.org/2000/svg"`, ">实际值</text>", ">目标≥30家</text>", ">按时序应达</text>", ">2021年</text>",
		}},
		// The note says how the line was read: 突破 is strict.
		{"note and strict target", "/indicators/" + f.own.Plan + "/tech_smes", http.StatusOK, []string{
			`<p class="note" id="note"><span class="label">说明</span> 原文“突破40家”即超过40家：40家尚未达标，41家及以上为达标。</p>`, "&gt;40家",
		}},
		{"unknown indicator", "/indicators/" + f.own.Plan + "/no_such", http.StatusNotFound, []string{"没有这个指标"}},
		{"unknown plan", "/indicators/no-plan/" + f.own.ID, http.StatusNotFound, []string{"没有这个指标"}},
		{"unknown page", "/nowhere", http.StatusNotFound, []string{"页面不存在"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.get(tt.path)
			wantStatus(t, tt.path, p, tt.wantStatus)
			wantText(t, tt.path, p, tt.want...)
		})
	}
	// Neither the period table nor the revisions list the 2022 figure.
	p := c.get("/indicators/" + ref)
	// When a figure came is printed the way the page prints a day
	// (2022年6月30日 10:00), not as 2022-06-30 10:00 beside 2022年3月31日.
	if iso := regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2}`).FindString(p.body); iso != "" {
		t.Errorf("GET /indicators/%s prints a time as %q, want 年月日", ref, iso)
	}
	if !regexp.MustCompile(`\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}`).MatchString(p.body) {
		t.Errorf("GET /indicators/%s prints no submission time as 年月日 时:分", ref)
	}
	for _, absent := range []string{`<td data-label="期别">2022年</td>`, "28" + f.own.Unit, "年中预估"} {
		if strings.Contains(p.body, absent) {
			t.Errorf("GET /indicators/%s as of mid-2022 shows %q, a figure of a period not yet ended", ref, absent)
		}
	}
}

// TestIndicatorPageHidesSubmitterNames: before, the open indicator page
// showed who submitted each figure by token or user name. Readers who are
// not signed in now see the unit; signed-in ones still see the name.
func TestIndicatorPageHidesSubmitterNames(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	_, err := f.store.AddObservations(context.Background(), kpi.Submission{Actor: kpi.Actor{Name: unitName, Units: []string{unitScience}},
		Source: "api", At: testNow, Observations: []kpi.Observation{{Plan: f.own.Plan, Indicator: f.own.ID, Period: kpi.YearPeriod(2021), Value: 25}}})
	if err != nil {
		t.Fatal(err)
	}
	path := "/indicators/" + f.own.Plan + "/" + f.own.ID
	anon := f.newClient(t).get(path)
	wantText(t, "anonymous "+path, anon, unitScience, "25")
	if strings.Contains(anon.body, unitName) {
		t.Errorf("GET %s without signing in shows the token name %q", path, unitName)
	}
	c := f.newClient(t)
	c.signIn(testSecrets[unitName])
	wantText(t, "signed-in "+path, c.get(path), unitName)
}

// TestEntryConfirmsFarAboveTarget: a figure far above its target is
// refused with 请核实 until the form's 确认 box is ticked.
func TestEntryConfirmsFarAboveTarget(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	if !f.own.IsCount() || f.own.Target <= 0 {
		t.Skipf("%s is not a count with a target", f.own.ID)
	}
	c := f.newClient(t)
	c.signIn(testSecrets[unitName])
	value := fmt.Sprint(int(f.own.Target)*1000 + 1)
	form := func(confirm bool) url.Values {
		v := url.Values{"csrf_token": {c.csrf("/submit", "/entry")}, "indicator": {f.own.Plan + "/" + f.own.ID}, "period": {"2021"}, "value": {value}}
		if confirm {
			v.Set("confirm", "是")
		}
		return v
	}
	p := c.post("/entry", form(false))
	if p.status < 400 || !strings.Contains(p.body, "请核实") || !strings.Contains(p.body, `name="confirm"`) {
		t.Fatalf("POST /entry of %s = %d, want a refusal saying 请核实 beside the 确认 box:\n%s", value, p.status, p.body)
	}
	p = c.post("/entry", form(true))
	wantStatus(t, "POST /entry confirmed", p, http.StatusSeeOther)
	obs, err := f.store.Observations(context.Background(), f.own.Ref())
	if err != nil || len(obs) != 1 || fmt.Sprint(obs[0].Value) != value {
		t.Errorf("stored %+v (%v), want %s", obs, err, value)
	}
}
