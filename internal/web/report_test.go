package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/report"
)

// ingestSample stores the circular's sample figures (2019–2021 for 74 of
// the seed plan's indicators) through the real ingester.
func (f *fixture) ingestSample(t *testing.T) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("..", "report", "testdata", "figures-2019-2021.csv"))
	if err != nil {
		t.Fatal(err)
	}
	ing, err := ingest.New(ingest.Options{Store: f.store})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ing.Ingest(context.Background(), kpi.Upload{
		Name: "figures-2019-2021.csv", Body: body, Source: "cli",
		Actor: kpi.Actor{Name: "operator", All: true, Remote: "cli"},
	}); err != nil {
		t.Fatalf("ingest sample figures: %v", err)
	}
}

func TestReportEndpoint(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.ingestSample(t)
	c := f.newClient(t)
	const q = "/report?as_of=2021-06-30&previous=2020-12-31"

	p := c.get(q)
	wantStatus(t, q, p, http.StatusOK)
	numbered := c.get(q + "&serial=7&date=2021-07-05")
	wantText(t, q, numbered, `<p class="number">雁峰办〔2021〕7号</p>`, `<p class="signature">2021年7月5日</p>`)
	wantText(t, q, p, `<h1 id="title">关于培育建设省级创新型区<br>工作进展情况的通报</h1>`, "（截至2021年6月30日）", "较上期（2020年12月31日）变化", "需年均增加7家", `<a href="/">← 返回首页</a>`)
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src "+report.StyleSource()) || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP = %q, want default-src 'none' and the circular's style hash only", csp)
	}

	p = c.get(q + "&format=xlsx&unit=" + url.QueryEscape("区财政局"))
	wantStatus(t, "xlsx", p, http.StatusOK)
	if cd := p.header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, url.PathEscape("进展情况通报-2021-06-30-区财政局.xlsx")) {
		t.Errorf("Content-Disposition = %q", cd)
	}
	x, err := excelize.OpenReader(bytes.NewReader([]byte(p.body)))
	if err != nil {
		t.Fatalf("read the XLSX: %v", err)
	}
	rows, _ := x.GetRows(report.SheetDetail)
	x.Close()
	if len(rows) != 1+11 {
		t.Errorf("区财政局's detail rows = %d, want 11", len(rows)-1)
	}

	if _, err := report.FindFont(""); err == nil {
		p = c.get(q + "&format=pdf")
		wantStatus(t, "pdf", p, http.StatusOK)
		if !strings.HasPrefix(p.body, "%PDF-") || p.header.Get("Content-Type") != "application/pdf" {
			t.Errorf("format=pdf gives %q, %.8q", p.header.Get("Content-Type"), p.body)
		}
	}

	for _, bad := range []struct {
		query  string
		status int
		want   string
	}{
		{"/report?format=doc", http.StatusBadRequest, "不支持的格式"},
		{"/report?serial=x", http.StatusBadRequest, "序号“x”应为1至9999的整数"},
		{"/report?date=2021-7-5", http.StatusBadRequest, "成文日期“2021-7-5”无效：" + kpi.DayForm},
		{"/report?as_of=yesterday", http.StatusBadRequest, "日期“yesterday”无效：" + kpi.DayForm},
		{"/report?as_of=2201-01-01", http.StatusBadRequest, "日期“2201-01-01”无效：" + kpi.DayForm},
		{"/report?as_of=2021-06-30&previous=2021-07-01", http.StatusBadRequest, "上期通报日期（2021年7月1日）须早于本期（2021年6月30日）"},
		{"/report?plan=none", http.StatusNotFound, "没有规划"},
		{"/report?unit=" + url.QueryEscape("区不存在局"), http.StatusNotFound, "区不存在局"},
		{"/report?unit=" + strings.Repeat("x", 300), http.StatusBadRequest, "参数 unit 过长"},
	} {
		p := c.get(bad.query)
		wantStatus(t, bad.query, p, bad.status)
		wantText(t, bad.query, p, bad.want)
	}
}

// TestUnitTemplate: a signed-in unit downloads a template with only the
// rows its unit may fill; a visitor gets every indicator.
func TestUnitTemplate(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	rowsOf := func(c *client) []string {
		t.Helper()
		p := c.get("/template.xlsx")
		wantStatus(t, "GET /template.xlsx", p, http.StatusOK)
		x, err := excelize.OpenReader(strings.NewReader(p.body))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		rows, err := x.GetRows(ingest.TemplateSheet)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range rows[1:] {
			if len(r) > 1 && r[1] != "" {
				ids = append(ids, r[1])
			}
		}
		return ids
	}
	if got := len(rowsOf(f.newClient(t))); got != len(f.cat.Indicators) {
		t.Errorf("visitor's template has %d indicators, want all %d", got, len(f.cat.Indicators))
	}
	unit := f.newClient(t)
	unit.signIn(testSecrets[unitName])
	var want []string
	for _, ind := range f.cat.Indicators {
		if ind.HasUnit(unitScience) {
			want = append(want, ind.ID)
		}
	}
	got := rowsOf(unit)
	if len(want) == 0 || len(want) == len(f.cat.Indicators) || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s's template rows = %v, want its %d indicators %v", unitScience, got, len(want), want)
	}
}

// TestPagesInChinese: the overview and an indicator's page speak Chinese
// only (no English subtitle under each label, no English name), with dates
// and periods as people write them.
func TestPagesInChinese(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.ingestSample(t)
	c := f.newClient(t)
	for _, path := range []string{"/", "/indicators/yanfeng-innovation/high_tech_enterprises"} {
		p := c.get(path)
		wantStatus(t, path, p, http.StatusOK)
		for _, english := range []string{"Indicators", "As of", "Definition", "History", "Every revision", "Lead units", "High-tech enterprises", "Filter", "Clear", " annual", "at least", "figures as reported"} {
			if strings.Contains(p.body, english) {
				t.Errorf("%s shows English %q", path, english)
			}
		}
		wantText(t, path, p, "2022年6月30日")
	}
	p := c.get("/indicators/yanfeng-innovation/high_tech_enterprises")
	wantText(t, "indicator", p, `<dd class="date">2022年6月30日</dd>`, `<small>（2021年）</small>`, `<td data-label="期别">2021年</td>`, "<dd>每年，期末后 90 天内报送</dd>")
}

// TestOverviewLinksTheCircular: the overview links the circular of the
// unit chosen in its filter, in each format.
func TestOverviewLinksTheCircular(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c := f.newClient(t)
	p := c.get("/?unit=" + url.QueryEscape(unitScience))
	wantStatus(t, "/", p, http.StatusOK)
	wantText(t, "/", p, `进展情况通报（`+unitScience+`）：<a href="/report?format=docx&amp;unit=`+url.QueryEscape(unitScience)+`">公文版</a> · <a href="/report?format=pdf&amp;unit=`+url.QueryEscape(unitScience)+`">PDF</a>`)
	link := "/report?format=xlsx&unit=" + url.QueryEscape(unitScience)
	if r := c.get(link); r.status != http.StatusOK || !strings.HasPrefix(r.body, "PK") {
		t.Errorf("GET %s = %d, want the XLSX", link, r.status)
	}
}
