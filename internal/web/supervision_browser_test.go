package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/supervision"
	"github.com/yanfeng/kpimon/internal/testkit"
	"github.com/yanfeng/kpimon/internal/web"
)

// TestBrowserSupervisionLoop runs the supervision loop through the web page
// alone, in Chromium: a figure turns an indicator of 区科工信局 red and an
// item opens; the unit's user finds it on 督办事项 and answers on the
// indicator page; the supervisor sends it back (a comment is required),
// the unit answers again, the supervisor accepts; the overview's 督办状态
// column follows; a figure that leaves red closes the item.
func TestBrowserSupervisionLoop(t *testing.T) {
	path := testkit.LookPath(t, "chromium", "chromium", "chromium-browser")
	ctx := context.Background()
	clock := testkit.NewClock(testNow.Add(-24 * time.Hour))
	st, cat := openCatalogStore(t, clock)
	addSupervisionUsers(t, st)
	states := kpi.NewStates(st, kpi.StatesOptions{Now: clock.Now})
	superv := supervision.New(supervision.Options{Store: st, States: states, Now: clock.Now})
	ing, err := ingest.New(ingest.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	h, err := web.New(web.Options{Store: st, States: states, Ingester: ing, Template: ing.WriteTemplate,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clock.Now, Supervision: superv})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	f := &fixture{t: t, server: srv}
	b := newBrowser(t, f, path)
	base := srv.URL

	// An at-least indicator led by 区科工信局 alone.
	var own kpi.Indicator
	for _, ind := range cat.Indicators {
		if ind.Kind == kpi.KindAtLeast && len(ind.LeadUnits) == 1 && ind.LeadUnits[0] == unitScience &&
			ind.Frequency == kpi.Annual && ind.Measure == kpi.MeasureLevel && ind.Deadline >= 2022 && ind.Target > 0 {
			own = ind
			break
		}
	}
	if own.ID == "" {
		t.Fatal("the embedded catalog has no annual at-least level indicator led by 区科工信局 alone")
	}
	// The base period's figure is the baseline (the plan starts in 2021).
	baseline := own.Target / 2
	if _, err := st.AddObservations(ctx, kpi.Submission{Actor: kpi.Actor{Name: "tjj", All: true}, Source: "cli", At: clock.Now(),
		Observations: []kpi.Observation{{Plan: own.Plan, Indicator: own.ID, Period: kpi.YearPeriod(2020), Value: baseline}}}); err != nil {
		t.Fatal(err)
	}
	indicatorPage := base + "/indicators/" + own.Plan + "/" + own.ID
	figure := func(value float64) kpi.Status {
		t.Helper()
		clock.Advance(time.Minute)
		if _, err := st.AddObservations(ctx, kpi.Submission{Actor: kpi.Actor{Name: "tjj", All: true}, Source: "cli", At: clock.Now(),
			Observations: []kpi.Observation{{Plan: own.Plan, Indicator: own.ID, Period: kpi.YearPeriod(2021), Value: value}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := superv.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		s, err := states.State(ctx, own.Ref())
		if err != nil {
			t.Fatal(err)
		}
		return s.Evaluation.Status
	}
	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, fn) {
			t.FailNow()
		}
	}
	signIn := func(t *testing.T, user string) {
		b.do("open sign-in", chromedp.Navigate(base+"/signin?next=%2Fsupervision"))
		b.do("type user and password", chromedp.SendKeys(chromedp.ID("user"), user), chromedp.SendKeys(chromedp.ID("password"), testPassword))
		if got := b.submit("sign in", "signin-submit"); got != http.StatusOK {
			t.Fatalf("sign in as %s: status %d", user, got)
		}
	}
	signOut := func(t *testing.T) {
		if got := b.submit("sign out", "signout-submit"); got != http.StatusOK {
			t.Fatalf("sign out: status %d", got)
		}
	}
	click := func(t *testing.T, what, sel string) int64 {
		resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return resp.Status
	}
	var item kpi.SupervisionItem

	step("a figure that turns the indicator red opens an item", func(t *testing.T) {
		// Half the baseline a year on: 不进反退, red.
		if got := figure(baseline / 2); got != kpi.StatusDeteriorating && got != kpi.StatusOffTrack {
			t.Fatalf("status after the figure = %s, want a red one", got)
		}
		items, err := superv.Items(ctx, supervision.Filter{Ref: ptr(own.Ref())})
		if err != nil || len(items) != 1 {
			t.Fatalf("items of %s: %+v, %v; want one", own.ID, items, err)
		}
		item = items[0]
		if want := (*kpi.Calendar)(nil).Deadline(item.OpenedAt, kpi.DefaultResponseDays); !item.Deadline.Equal(want) {
			t.Errorf("deadline %v, want %v", item.Deadline, want)
		}
	})
	row := "#item-" + strconv.FormatUint(item.ID, 10)

	step("the unit finds its open item after signing in", func(t *testing.T) {
		signIn(t, unitName)
		if got := b.location(); got != "/supervision" {
			t.Errorf("location after sign-in = %q, want /supervision", got)
		}
		b.wantText(row, own.Name, "待说明")
		b.wantText("#waiting-count", "1")
		b.screenshot("supervision-unit")
	})

	answer := func(t *testing.T, reason string) {
		b.do("open the indicator page", chromedp.Navigate(indicatorPage))
		b.do("fill in the explanation",
			chromedp.SendKeys(chromedp.ID("explain-reason"), reason),
			chromedp.SendKeys(chromedp.ID("explain-measures"), "逐户走访辅导，加快认定"),
			chromedp.SetValue(chromedp.ID("explain-expected-by"), "2022-12-31"))
		clock.Advance(time.Minute)
		if got := b.submit("submit the explanation", "explain-submit"); got != http.StatusOK {
			t.Fatalf("explanation: status %d", got)
		}
		b.wantText("#explained", "情况说明已保存")
		b.wantText("#explanations", reason, "逐户走访辅导，加快认定", "2022年12月31日")
		b.wantText("#supervision-items", "已说明")
	}
	step("a refused explanation comes back as typed", func(t *testing.T) {
		b.do("open the indicator page", chromedp.Navigate(indicatorPage))
		b.do("fill in the explanation with a figure in words",
			chromedp.SendKeys(chromedp.ID("explain-reason"), "两家企业推迟申报"),
			chromedp.SendKeys(chromedp.ID("explain-measures"), "逐户走访辅导，加快认定"),
			chromedp.SetValue(chromedp.ID("explain-expected-by"), "2022-12-31"),
			chromedp.SendKeys(chromedp.ID("explain-revised"), "约35家"))
		if got := b.submit("submit the explanation", "explain-submit"); got != http.StatusBadRequest {
			t.Fatalf("explanation with 约35家: status %d, want 400", got)
		}
		b.wantText("#explain-revised-error", "预计数值应为数字")
		kept, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`["explain-reason","explain-measures","explain-expected-by","explain-revised"].map(id => document.getElementById(id).value)`))
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"两家企业推迟申报", "逐户走访辅导，加快认定", "2022-12-31", "约35家"}; strings.Join(kept, "|") != strings.Join(want, "|") {
			t.Errorf("the form after the refusal holds %q, want %q", kept, want)
		}
		b.screenshot("indicator-explanation-refused")
	})

	step("the unit answers on the indicator page", func(t *testing.T) {
		answer(t, "两家企业推迟申报")
		b.screenshot("indicator-explained")
		signOut(t)
	})

	step("the supervisor must give a reason to send it back", func(t *testing.T) {
		signIn(t, "dcs")
		b.wantText(row, own.Name, "已说明", "两家企业推迟申报")
		b.wantText("#waiting-count", "1") // one answer to review
		if got := click(t, "return without a comment", row+" .review-return"); got != http.StatusBadRequest {
			t.Errorf("return without a comment: status %d, want 400", got)
		}
		// 督办事项 again, the message under the item's comment field.
		b.wantText("#refused", "审阅未保存")
		b.wantText(row+" .field-error", "意见不能为空")
		// A comment the server refuses (over 1,000 characters: maxlength
		// stops typing, not every paste or browser) comes back as typed.
		long := strings.Repeat("措施不具体，请写明时间表。", 80)
		b.do("paste a long comment", chromedp.SetValue(chromedp.CSS(row+" textarea"), long))
		if got := click(t, "return with a long comment", row+" .review-return"); got != http.StatusBadRequest {
			t.Errorf("return with a long comment: status %d, want 400", got)
		}
		b.wantText(row+" .field-error", "意见过长")
		kept, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(row+" textarea")+`).value`))
		if err != nil {
			t.Fatal(err)
		}
		if kept != long {
			t.Errorf("the comment after the refusal has %d characters, want the %d typed", len([]rune(kept)), len([]rune(long)))
		}
		b.screenshot("supervision-return-refused")
	})

	step("the supervisor sends it back", func(t *testing.T) {
		b.do("back to 督办事项", chromedp.Navigate(base+"/supervision"))
		b.do("type the comment", chromedp.SendKeys(chromedp.CSS(row+" textarea"), "措施不具体，请写明时间表"))
		clock.Advance(time.Minute)
		if got := click(t, "return", row+" .review-return"); got != http.StatusOK {
			t.Fatalf("return: status %d", got)
		}
		b.wantText("#done", "已退回")
		b.wantText(row, "待说明", "措施不具体，请写明时间表")
		b.screenshot("supervision-returned")
		signOut(t)
	})

	step("the unit answers again", func(t *testing.T) {
		signIn(t, unitName)
		b.wantText(row, "待说明", "措施不具体，请写明时间表")
		answer(t, "两家企业推迟至四季度申报，已逐户辅导")
		b.wantText("#explanations", "第 2 版", "第 1 版")
		signOut(t)
	})

	step("the supervisor accepts", func(t *testing.T) {
		signIn(t, "dcs")
		clock.Advance(time.Minute)
		if got := click(t, "accept", row+" .review-accept"); got != http.StatusOK {
			t.Fatalf("accept: status %d", got)
		}
		b.wantText(row, "已审阅")
		b.do("open the overview", chromedp.Navigate(base+"/?unit="+unitScience))
		b.wantText(`tr[data-ref="`+own.Plan+"/"+own.ID+`"] .supervision`, "区科工信局 已审阅")
		b.screenshot("overview-supervision")
	})

	step("a figure that leaves red closes the item", func(t *testing.T) {
		if got := figure(own.Target); got == kpi.StatusDeteriorating || got == kpi.StatusOffTrack {
			t.Fatalf("status after reaching the target = %s, still red", got)
		}
		b.do("open 督办事项", chromedp.Navigate(base+"/supervision"))
		b.wantText("#closed-items", own.Name, "区科工信局")
		b.do("open the indicator page", chromedp.Navigate(indicatorPage))
		b.wantText("#supervision-items", "已办结")
		b.wantText("#explanations", "两家企业推迟申报", "两家企业推迟至四季度申报，已逐户辅导")
	})

	step("a unit cannot answer another unit's indicator nor review (403, audited)", func(t *testing.T) {
		var foreign kpi.Indicator
		for _, ind := range cat.Indicators {
			if !ind.HasUnit(unitScience) && len(ind.LeadUnits) > 0 {
				foreign = ind
				break
			}
		}
		c := f.newClient(t)
		p := c.post("/signin", url.Values{"csrf_token": {c.csrf("/signin", "/signin")}, "user": {unitName}, "password": {testPassword}, "next": {"/supervision"}})
		wantStatus(t, "sign in", p, http.StatusSeeOther)
		csrf := c.csrf("/supervision", "/signout")
		p = c.post("/indicators/"+foreign.Plan+"/"+foreign.ID+"/explanations", url.Values{"csrf_token": {csrf},
			"reason": {"越权"}, "measures": {"越权"}, "expected_by": {"2022-12-31"}})
		wantStatus(t, "explaining "+foreign.ID, p, http.StatusForbidden)
		wantText(t, "explaining "+foreign.ID, p, "无权操作")
		p = c.post("/supervision/"+strconv.FormatUint(item.ID, 10)+"/review", url.Values{"csrf_token": {csrf}, "action": {"review"}})
		wantStatus(t, "a unit reviewing", p, http.StatusForbidden)
		entries, err := st.Audit(ctx, kpi.AuditFilter{Object: foreign.Plan + "/" + foreign.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) == 0 || entries[0].Action != kpi.ActionAccessDenied || entries[0].Actor != unitName {
			t.Errorf("newest audit entry of %s: %+v, want access.denied by %s", foreign.ID, entries, unitName)
		}
		// The supervision pages and their refusals speak Chinese only.
		for what, pg := range map[string]page{"/supervision": c.get("/supervision"), "the refusal": p} {
			if words := pageWords(pg.body, unitName, "tjj"); len(words) > 0 {
				t.Errorf("%s shows English %q", what, strings.Join(words, " "))
			}
		}
		if ex, _ := st.Explanations(ctx, foreign.Ref()); len(ex) != 0 {
			t.Errorf("explanations of %s after the refusal: %+v, want none", foreign.ID, ex)
		}
	})
}

func ptr[T any](v T) *T { return &v }
