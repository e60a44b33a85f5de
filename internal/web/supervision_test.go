package web_test

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/catalog"
	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/supervision"
	"github.com/yanfeng/kpimon/internal/testkit"
	"github.com/yanfeng/kpimon/internal/web"
)

// catalogCounter is the real store counting whole-catalog reads.
type catalogCounter struct {
	*boltstore.Store
	reads atomic.Int64
}

func (c *catalogCounter) Catalog(ctx context.Context) (kpi.Catalog, error) {
	c.reads.Add(1)
	return c.Store.Catalog(ctx)
}

// supervisionFixture is a page with supervision on a real store: one
// indicator of 区科工信局 (own) red with an open item, the unit's user
// (unitName) and the supervision office's ("dcs"), both with testPassword.
type supervisionFixture struct {
	*fixture
	st     *catalogCounter
	cat    kpi.Catalog
	clock  *testkit.Clock
	superv *supervision.Service
	item   kpi.SupervisionItem
}

// openCatalogStore is a real store on clock holding the default catalog.
func openCatalogStore(t *testing.T, clock *testkit.Clock) (*boltstore.Store, kpi.Catalog) {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "kpimon.db"), boltstore.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SyncCatalog(context.Background(), cat, kpi.Actor{Name: "catalog"}); err != nil {
		t.Fatal(err)
	}
	return st, cat
}

// addSupervisionUsers adds the unit's user (unitName) and the supervision
// office's ("dcs"), both with testPassword.
func addSupervisionUsers(t *testing.T, st *boltstore.Store) {
	t.Helper()
	hash, err := testPasswordHash()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []kpi.User{
		{Name: unitName, Unit: unitScience, PasswordHash: hash},
		{Name: "dcs", Role: kpi.RoleSupervisor, PasswordHash: hash},
	} {
		if err := st.CreateUser(context.Background(), u, kpi.Actor{Name: "operator"}); err != nil {
			t.Fatal(err)
		}
	}
}

func newSupervisionFixture(t *testing.T) *supervisionFixture {
	t.Helper()
	ctx := context.Background()
	clock := testkit.NewClock(testNow.Add(-24 * time.Hour))
	bs, cat := openCatalogStore(t, clock)
	addSupervisionUsers(t, bs)
	st := &catalogCounter{Store: bs}
	states := kpi.NewStates(st, kpi.StatesOptions{Now: clock.Now})
	superv := supervision.New(supervision.Options{Store: st, States: states, Now: clock.Now})
	ing, err := ingest.New(ingest.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	h, err := web.New(web.Options{Store: st, States: states, Ingester: ing, Template: ing.WriteTemplate,
		Logger: slog.New(slog.DiscardHandler), Now: clock.Now, Supervision: superv})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	sf := &supervisionFixture{fixture: &fixture{t: t, server: srv}, st: st, cat: cat, clock: clock, superv: superv}
	for _, ind := range cat.Indicators {
		if ind.Kind == kpi.KindAtLeast && len(ind.LeadUnits) == 1 && ind.LeadUnits[0] == unitScience &&
			ind.Frequency == kpi.Annual && ind.Measure == kpi.MeasureLevel && ind.Deadline >= 2022 && ind.Target > 0 {
			sf.own = ind
			break
		}
	}
	if sf.own.ID == "" {
		t.Fatal("the embedded catalog has no annual at-least level indicator led by 区科工信局 alone")
	}
	// A baseline, then half of it a year on: 不进反退, red, an item opens.
	for i, v := range []float64{sf.own.Target / 2, sf.own.Target / 4} {
		clock.Advance(time.Minute)
		if _, err := st.AddObservations(ctx, kpi.Submission{Actor: kpi.Actor{Name: "tjj", All: true}, Source: "cli", At: clock.Now(),
			Observations: []kpi.Observation{{Plan: sf.own.Plan, Indicator: sf.own.ID, Period: kpi.YearPeriod(2020 + i), Value: v}}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := superv.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	items, err := superv.Items(ctx, supervision.Filter{Ref: ptr(sf.own.Ref())})
	if err != nil || len(items) != 1 {
		t.Fatalf("items of %s: %+v, %v; want one", sf.own.ID, items, err)
	}
	sf.item = items[0]
	return sf
}

// signedIn is a client signed in as user.
func (sf *supervisionFixture) signedIn(t *testing.T, user string) *client {
	t.Helper()
	c := sf.newClient(t)
	p := c.post("/signin", url.Values{"csrf_token": {c.csrf("/signin", "/signin")}, "user": {user}, "password": {testPassword}, "next": {"/supervision"}})
	wantStatus(t, "sign in as "+user, p, http.StatusSeeOther)
	return c
}

// explain files the unit's explanation of the fixture's item.
func (sf *supervisionFixture) explain(t *testing.T) {
	t.Helper()
	sf.clock.Advance(time.Minute)
	if _, err := sf.superv.Explain(context.Background(), sf.own.Ref(), kpi.ExplanationInput{Reason: "两家企业推迟申报", Measures: "逐户辅导", ExpectedBy: "2022-12-31"},
		kpi.Actor{Name: unitName, Units: []string{unitScience}}); err != nil {
		t.Fatal(err)
	}
}

// TestSupervisionPageNamesFromCatalogGeneration: 督办事项 named its items
// by building a map of the whole catalog on every view; it now builds it
// once per catalog generation, and a changed catalog renames at once.
func TestSupervisionPageNamesFromCatalogGeneration(t *testing.T) {
	sf := newSupervisionFixture(t)
	c := sf.signedIn(t, "dcs")
	row := `id="item-` + strconv.FormatUint(sf.item.ID, 10) + `"`
	p := c.get("/supervision")
	wantStatus(t, "督办事项", p, http.StatusOK)
	wantText(t, "督办事项", p, row, sf.own.Name)

	before := sf.st.reads.Load()
	for range 3 {
		wantText(t, "督办事项 again", c.get("/supervision"), sf.own.Name)
	}
	if n := sf.st.reads.Load() - before; n != 0 {
		t.Errorf("three more views of 督办事项 read the whole catalog %d times, want 0 (the catalog did not change)", n)
	}

	// A new catalog generation: the page names the item by its new name.
	cat := sf.cat
	cat.Indicators = append([]kpi.Indicator(nil), cat.Indicators...)
	for i := range cat.Indicators {
		if cat.Indicators[i].Ref() == sf.own.Ref() {
			cat.Indicators[i].Name += "（修订）"
		}
	}
	if _, err := sf.st.SyncCatalog(context.Background(), cat, kpi.Actor{Name: "catalog"}); err != nil {
		t.Fatal(err)
	}
	wantText(t, "督办事项 after a catalog change", c.get("/supervision"), sf.own.Name+"（修订）")
}

// TestExplainFormRefusesAPassedDay: the indicator page's form refuses an
// explanation whose expected completion day is already over, in Chinese,
// and files nothing (the rule is supervision.PrepareExplanation's, shared
// with the API and the XLSX 情况说明 sheet).
func TestExplainFormRefusesAPassedDay(t *testing.T) {
	sf := newSupervisionFixture(t)
	c := sf.signedIn(t, unitName)
	csrf := c.csrf("/supervision", "/signout")
	p := c.post("/indicators/"+sf.own.Plan+"/"+sf.own.ID+"/explanations", url.Values{"csrf_token": {csrf},
		"reason": {"两家企业推迟申报"}, "measures": {"逐户辅导"}, "expected_by": {"2022-06-01"}})
	wantStatus(t, "explaining with a passed day", p, http.StatusBadRequest)
	wantText(t, "explaining with a passed day", p, "预计完成时间2022年6月1日已过（今天是2022年6月29日），请填写今天或以后的日期")
	if ex, _ := sf.st.Explanations(context.Background(), sf.own.Ref()); len(ex) != 0 {
		t.Errorf("filed %+v", ex)
	}
}

// TestSupervisionWaysToAnswer: a unit's officer on 督办事项 had only the
// indicator's name to click and nothing saying where to answer, and a
// reader arriving signed out (from an alert's link) saw 待说明 without a
// way in. Now the unit's waiting rows link to the form, and the indicator
// page sends a signed-out reader to sign in and back.
func TestSupervisionWaysToAnswer(t *testing.T) {
	sf := newSupervisionFixture(t)
	page := "/indicators/" + sf.own.Plan + "/" + sf.own.ID
	link := `href="` + page + `#explain-form">填写情况说明`

	unit := sf.signedIn(t, unitName)
	wantText(t, "the unit's 督办事项", unit.get("/supervision"), link)
	wantText(t, "the indicator page", unit.get(page), `id="explain-form"`)
	if p := sf.signedIn(t, "dcs").get("/supervision"); strings.Contains(p.body, "填写情况说明") {
		t.Error("the supervision office's 督办事项 offers 填写情况说明: it reviews, the unit answers")
	}

	anonymous := sf.newClient(t)
	p := anonymous.get(page)
	signin := `/signin?next=` + url.QueryEscape(page)
	wantText(t, "the indicator page signed out", p, `id="explain-signin"`, `href="`+html.EscapeString(signin)+`"`)
	form := url.Values{"csrf_token": {anonymous.csrf(signin, "/signin")}, "user": {unitName}, "password": {testPassword}, "next": {page}}
	if p := anonymous.post("/signin", form); p.status != http.StatusSeeOther || p.header.Get("Location") != page {
		t.Errorf("sign-in from the indicator page: %d to %q, want 303 back to %s", p.status, p.header.Get("Location"), page)
	}

	sf.explain(t)
	if p := unit.get("/supervision"); strings.Contains(p.body, link) {
		t.Error("督办事项 still offers 填写情况说明 for an item already explained")
	}
	if p := sf.newClient(t).get(page); strings.Contains(p.body, `id="explain-signin"`) {
		t.Error("the indicator page asks to sign in to explain an item already explained")
	}
}

// TestBrowserSupervisionWordsWhole: on 督办事项 the office read
// 2026年12月14/日 and 逾期未达/标 broken over two lines, and the overview's
// 督办状态 区科工信局 待说/明. Dates, causes and each unit's state now stay
// whole (Chromium layout at 800 px, where one item squeezes the table as many did at 1280).
func TestBrowserSupervisionWordsWhole(t *testing.T) {
	path := testkit.LookPath(t, "chromium", "chromium", "chromium-browser")
	sf := newSupervisionFixture(t)
	sf.explain(t)
	b := newBrowser(t, sf.fixture, path)
	base := sf.server.URL
	b.do("sign in", chromedp.EmulateViewport(800, 900), chromedp.Navigate(base+"/signin?next=%2Fsupervision"),
		chromedp.SendKeys(chromedp.ID("user"), "dcs"), chromedp.SendKeys(chromedp.ID("password"), testPassword))
	if got := b.submit("sign in", "signin-submit"); got != http.StatusOK {
		t.Fatalf("sign in: status %d", got)
	}
	const lines = `el => { const r = document.createRange(); r.selectNodeContents(el);
		return new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size; }`
	measure := func(sel string) int {
		t.Helper()
		n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`Math.max(0, ...[...document.querySelectorAll(`+strconv.Quote(sel)+`)].map(`+lines+`))`))
		if err != nil {
			t.Fatalf("measure %s: %v", sel, err)
		}
		return n
	}
	row := "#item-" + strconv.FormatUint(sf.item.ID, 10)
	b.screenshot("supervision-800")
	for _, cell := range []string{"督办原因", "说明期限"} {
		if n := measure(row + ` td[data-label="` + cell + `"]`); n != 1 {
			t.Errorf("督办事项's %s takes %d lines, want 1", cell, n)
		}
	}
	b.do("open the overview", chromedp.Navigate(base+"/?unit="+url.QueryEscape(unitScience)))
	b.wantText(`tr[data-ref="`+sf.own.Plan+"/"+sf.own.ID+`"] .supervision`, "区科工信局 已说明")
	if n := measure(`tr[data-ref="` + sf.own.Plan + "/" + sf.own.ID + `"] .supervision`); n != 1 {
		t.Errorf("the overview's 督办状态 区科工信局 已说明 takes %d lines, want 1", n)
	}
	b.screenshotViewport("overview-800")
}

// TestSubmitPageForTheSupervisionOffice: the office's 报送数据 offered the
// template and an upload that would be refused whole, and said 您的令牌没有
// 可报送的指标 to a person signed in with a password.
func TestSubmitPageForTheSupervisionOffice(t *testing.T) {
	sf := newSupervisionFixture(t)
	p := sf.signedIn(t, "dcs").get("/submit")
	wantStatus(t, "the office's 报送数据", p, http.StatusOK)
	wantText(t, "the office's 报送数据", p, `id="no-choices">本账号没有可报送的指标`, `href="/supervision"`)
	for _, bad := range []string{"令牌", `id="upload-form"`, `id="template-link"`} {
		if strings.Contains(p.body, bad) {
			t.Errorf("the office's 报送数据 shows %q", bad)
		}
	}
	wantText(t, "the unit's 报送数据", sf.signedIn(t, unitName).get("/submit"), `id="upload-form"`, `id="template-link"`, `id="entry-form"`)
}

// TestOverviewLinksTheUnitsOwnList: a unit's officer had to find the unit
// among every unit of the district in the filter to see its indicators;
// the overview now links the unit's own list.
func TestOverviewLinksTheUnitsOwnList(t *testing.T) {
	sf := newSupervisionFixture(t)
	c := sf.signedIn(t, unitName)
	own := "/?unit=" + url.QueryEscape(unitScience)
	wantText(t, "the unit's overview", c.get("/"), `id="own-units"`, `href="`+html.EscapeString(own)+`">`+unitScience+`</a>`)
	if p := c.get(own); strings.Contains(p.body, `id="own-units"`) {
		t.Error("the unit's own list links itself")
	}
	if p := sf.signedIn(t, "dcs").get("/"); strings.Contains(p.body, `id="own-units"`) {
		t.Error("the supervision office, of no unit, is offered a unit's list")
	}
}

// TestExplanationFormOnlyWhereAsked: the indicator page offered its lead
// unit the 情况说明 form on every indicator, green ones included; it now
// offers it where supervision asks for one (an open item, or a red light)
// and says otherwise that none is needed.
func TestExplanationFormOnlyWhereAsked(t *testing.T) {
	sf := newSupervisionFixture(t)
	page := "/indicators/" + sf.own.Plan + "/" + sf.own.ID
	for _, user := range []string{unitName, "dcs"} {
		p := sf.signedIn(t, user).get(page)
		wantStatus(t, "red indicator with an open item, as "+user, p, http.StatusOK)
		wantText(t, "red indicator with an open item, as "+user, p, `id="explain-form"`)
		if strings.Contains(p.body, `id="explain-not-asked"`) {
			t.Errorf("as %s: the red indicator's page says no explanation is needed", user)
		}
	}

	// The target reached: green, and the next sync closes the item.
	ctx := context.Background()
	sf.clock.Advance(time.Minute)
	if _, err := sf.st.AddObservations(ctx, kpi.Submission{Actor: kpi.Actor{Name: "tjj", All: true}, Source: "cli", At: sf.clock.Now(),
		Observations: []kpi.Observation{{Plan: sf.own.Plan, Indicator: sf.own.ID, Period: kpi.YearPeriod(2021), Value: sf.own.Target}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := sf.superv.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if items, err := sf.superv.Items(ctx, supervision.Filter{Ref: ptr(sf.own.Ref()), Open: true}); err != nil || len(items) != 0 {
		t.Fatalf("open items after the target was reached: %+v, %v; want none", items, err)
	}
	for _, user := range []string{unitName, "dcs"} {
		p := sf.signedIn(t, user).get(page)
		wantStatus(t, "green indicator, item closed, as "+user, p, http.StatusOK)
		wantText(t, "green indicator, item closed, as "+user, p, `id="explain-not-asked"`, "无需提交情况说明", "已达标")
		if strings.Contains(p.body, `id="explain-form"`) {
			t.Errorf("as %s: the green indicator without an open item offers the 情况说明 form", user)
		}
	}
}
