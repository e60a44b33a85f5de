package web_test

import (
	"bytes"
	"context"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// fieldValue is the value of the input with the id on the page ("" when
// it has none), or the text of the textarea with the id.
func fieldValue(t *testing.T, p page, id string) string {
	t.Helper()
	if m := regexp.MustCompile(`<textarea[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)</textarea>`).FindStringSubmatch(p.body); m != nil {
		return html.UnescapeString(m[1])
	}
	m := regexp.MustCompile(`<input[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(p.body)
	if m == "" {
		t.Fatalf("no field %s on the page (status %d):\n%s", id, p.status, p.body)
	}
	v := regexp.MustCompile(`\bvalue="([^"]*)"`).FindStringSubmatch(m)
	if v == nil {
		return ""
	}
	return html.UnescapeString(v[1])
}

// TestRefusedFormsKeepWhatWasTyped: every form of the site that the server
// refuses comes back with what was typed in it (never a password) and says
// what is wrong in Chinese; 退回 and the explanation form lost everything.
func TestRefusedFormsKeepWhatWasTyped(t *testing.T) {
	t.Run("sign-in keeps the user name, never the password", func(t *testing.T) {
		f := newFixture(t, fixtureOptions{})
		c := f.newClient(t)
		for _, tc := range []struct {
			password string
			status   int
			says     string
		}{
			{"wrong password 12345", http.StatusUnauthorized, "用户名或密码不正确"},
			{"", http.StatusBadRequest, "请输入密码"},
		} {
			p := c.post("/signin", url.Values{"csrf_token": {c.csrf("/signin", "/signin")}, "user": {unitName}, "password": {tc.password}, "next": {"/submit"}})
			wantStatus(t, "sign-in with password "+strconv.Quote(tc.password), p, tc.status)
			wantText(t, "refused sign-in", p, tc.says)
			if got := fieldValue(t, p, "user"); got != unitName {
				t.Errorf("user name after a refused sign-in = %q, want %q", got, unitName)
			}
			if got := fieldValue(t, p, "password"); got != "" || (tc.password != "" && strings.Contains(p.body, tc.password)) {
				t.Errorf("the refused sign-in page echoes the password (%q)", got)
			}
		}
		p := c.post("/signin", url.Values{"csrf_token": {c.csrf("/signin", "/signin")}, "password": {"some password 1"}, "next": {"/submit"}})
		wantStatus(t, "sign-in without a user name", p, http.StatusBadRequest)
		wantText(t, "sign-in without a user name", p, "请输入用户名")
	})

	t.Run("upload keeps the sheet name", func(t *testing.T) {
		f := newFixture(t, fixtureOptions{})
		c := f.newClient(t)
		c.signIn(testSecrets[unitName])
		post := func(file []byte) page {
			var buf bytes.Buffer
			w := multipart.NewWriter(&buf)
			_ = w.WriteField("csrf_token", c.csrf("/submit", "/upload"))
			_ = w.WriteField("sheet", "第二季度")
			if file != nil {
				fw, _ := w.CreateFormFile("file", "报表.xlsx")
				_, _ = fw.Write(file)
			}
			_ = w.Close()
			req, _ := http.NewRequest(http.MethodPost, f.server.URL+"/upload", &buf)
			req.Header.Set("Content-Type", w.FormDataContentType())
			return c.do(req)
		}
		for what, p := range map[string]page{
			"no file chosen":                post(nil),
			"a workbook without that sheet": post(goodWorkbook(t, f, templateBytes(t, f), true)),
		} {
			if p.status < 400 {
				t.Errorf("%s: status %d, want a refusal", what, p.status)
			}
			if got := fieldValue(t, p, "upload-sheet"); got != "第二季度" {
				t.Errorf("%s: sheet name after the refusal = %q, want 第二季度", what, got)
			}
		}
	})

	t.Run("the explanation form keeps every field", func(t *testing.T) {
		sf := newSupervisionFixture(t)
		c := sf.signedIn(t, unitName)
		action := "/indicators/" + sf.own.Plan + "/" + sf.own.ID + "/explanations"
		indicatorPage := "/indicators/" + sf.own.Plan + "/" + sf.own.ID
		for _, tc := range []struct {
			name    string
			form    url.Values
			errorID string
			says    string
		}{
			{"a figure that is no number", url.Values{"reason": {"两家企业推迟申报"}, "measures": {"逐户辅导"}, "expected_by": {"2022-12-31"}, "revised_figure": {"约35"}},
				"explain-revised-error", "预计数值应为数字"},
			{"no measures", url.Values{"reason": {"两家企业推迟申报"}, "measures": {"  "}, "expected_by": {"2022-12-31"}, "revised_figure": {"35"}},
				"explain-measures-error", "措施不能为空"},
			{"no date", url.Values{"reason": {"两家企业推迟申报"}, "measures": {"逐户辅导"}, "expected_by": {"年底"}, "revised_figure": {"35"}},
				"explain-expected-by-error", "预计完成时间"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.form.Set("csrf_token", c.csrf(indicatorPage, action))
				p := c.post(action, tc.form)
				wantStatus(t, "refused explanation", p, http.StatusBadRequest)
				wantText(t, "refused explanation", p, `id="explain-form"`, `id="`+tc.errorID+`">`+tc.says, sf.own.Name)
				for field, id := range map[string]string{"reason": "explain-reason", "measures": "explain-measures",
					"expected_by": "explain-expected-by", "revised_figure": "explain-revised"} {
					if got, want := fieldValue(t, p, id), strings.TrimSpace(tc.form.Get(field)); strings.TrimSpace(got) != want {
						t.Errorf("%s after the refusal = %q, want %q", field, got, want)
					}
				}
				// The indicator's code (编号) and the submitters' user names are Latin.
				if words := pageWords(p.body, append(englishWord.FindAllString(sf.own.Plan+" "+sf.own.ID, -1), unitName, "tjj")...); len(words) > 0 {
					t.Errorf("the refused explanation shows English %q", strings.Join(words, " "))
				}
			})
		}
	})

	t.Run("a form sent after the session ended shows what was typed", func(t *testing.T) {
		sf := newSupervisionFixture(t)
		c := sf.signedIn(t, unitName)
		page := "/indicators/" + sf.own.Plan + "/" + sf.own.ID
		csrf := c.csrf(page, page+"/explanations")
		sf.clock.Advance(9 * time.Hour) // the session (8 hours without use) ends while the officer types
		p := c.post(page+"/explanations", url.Values{"csrf_token": {csrf}, "reason": {"两家企业推迟申报<b>"}, "measures": {"逐户辅导"}, "expected_by": {"2022-12-31"}})
		wantStatus(t, "explanation after the session ended", p, http.StatusUnauthorized)
		wantText(t, "explanation after the session ended", p, "请重新登录", "没有保存",
			"两家企业推迟申报&lt;b&gt;</textarea>", "逐户辅导</textarea>", "2022-12-31</textarea>",
			`href="/signin?next=`+url.QueryEscape(page+"#supervision")+`"`)
		if strings.Contains(p.body, "令牌") || strings.Contains(p.body, csrf) {
			t.Error("the page speaks of a token (officers sign in with a user name) or echoes the CSRF token")
		}
		if ex, _ := sf.st.Explanations(context.Background(), sf.own.Ref()); len(ex) != 0 {
			t.Errorf("explanations stored without a session: %+v", ex)
		}
	})

	t.Run("a refused 退回 keeps the comment next to its message", func(t *testing.T) {
		sf := newSupervisionFixture(t)
		sf.explain(t)
		c := sf.signedIn(t, "dcs")
		id := strconv.FormatUint(sf.item.ID, 10)
		long := strings.Repeat("措施不具体，请写明时间表。", 80) // 960 characters and more: over the 1,000 allowed
		for _, tc := range []struct {
			name, comment, says string
		}{
			{"no comment", "   ", "意见不能为空"},
			{"a comment too long", long, "意见过长"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := c.post("/supervision/"+id+"/review", url.Values{"csrf_token": {c.csrf("/supervision", "/supervision/"+id+"/review")},
					"action": {"return"}, "comment": {tc.comment}})
				wantStatus(t, "refused 退回", p, http.StatusBadRequest)
				wantText(t, "refused 退回", p, `id="refused"`, `id="comment-`+id+`-error">`+tc.says, sf.own.Name)
				if got := fieldValue(t, p, "comment-"+id); got != tc.comment {
					t.Errorf("comment after the refusal = %q, want %q", got, tc.comment)
				}
			})
		}
	})

	t.Run("a 退回 refused because another officer returned the item keeps the comment", func(t *testing.T) {
		sf := newSupervisionFixture(t)
		sf.explain(t)
		c := sf.signedIn(t, "dcs")
		id := strconv.FormatUint(sf.item.ID, 10)
		csrf := c.csrf("/supervision", "/supervision/"+id+"/review")
		// Meanwhile another office member sends the item back: it waits for the unit again.
		sf.clock.Advance(time.Minute)
		if _, err := sf.superv.Review(context.Background(), sf.item.ID, "return", "请补充时间表",
			kpi.Actor{Name: "dcs2", Supervisor: true}); err != nil {
			t.Fatal(err)
		}
		comment := "措施不具体，请写明<时间表>。"
		p := c.post("/supervision/"+id+"/review", url.Values{"csrf_token": {csrf}, "action": {"return"}, "comment": {comment}})
		wantStatus(t, "退回 of an item returned meanwhile", p, http.StatusConflict)
		wantText(t, "退回 of an item returned meanwhile", p, `id="conflict"`, "退回未保存", sf.own.Name, "待说明",
			`href="#item-`+id+`"`, `id="item-`+id+`"`)
		if got := fieldValue(t, p, "conflict-comment"); got != comment {
			t.Errorf("comment after the conflict = %q, want %q", got, comment)
		}
		if words := pageWords(p.body, append(englishWord.FindAllString(sf.own.Plan+" "+sf.own.ID, -1), "dcs")...); len(words) > 0 {
			t.Errorf("the refused 退回 shows English %q", strings.Join(words, " "))
		}
	})
}
