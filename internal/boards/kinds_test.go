package boards_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/boards"
	"github.com/yanfeng/kpimon/internal/boards/boardtest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// kindRows are the figures of testdata/kinds: one indicator of every kind,
// none of them met, so every number has something to say.
var kindRows = []map[string]string{
	{"plan": "boards-kinds", "indicator": "strict_smes", "period": "2024", "value": "30"},
	{"plan": "boards-kinds", "indicator": "strict_smes", "period": "2025", "value": "35"},
	{"plan": "boards-kinds", "indicator": "tolerance_firms", "period": "2024", "value": "30"},
	{"plan": "boards-kinds", "indicator": "tolerance_firms", "period": "2025", "value": "36"},
	{"plan": "boards-kinds", "indicator": "hightech_share", "period": "2024", "value": "21.5"},
	{"plan": "boards-kinds", "indicator": "hightech_share", "period": "2025", "value": "22.4"},
	{"plan": "boards-kinds", "indicator": "energy_intensity", "period": "2024", "value": "0.65"},
	{"plan": "boards-kinds", "indicator": "energy_intensity", "period": "2025", "value": "0.6"},
	{"plan": "boards-kinds", "indicator": "rd_growth", "period": "2024", "value": "100"},
	{"plan": "boards-kinds", "indicator": "rd_growth", "period": "2025", "value": "100"},
	{"plan": "boards-kinds", "indicator": "alliances", "period": "2024", "value": "1"},
	{"plan": "boards-kinds", "indicator": "alliances", "period": "2025", "value": "0"},
	{"plan": "boards-kinds", "indicator": "platform_pct", "period": "2025", "value": "40"},
	{"plan": "boards-kinds", "indicator": "approval_steps", "period": "2024", "value": "195"},
	{"plan": "boards-kinds", "indicator": "approval_steps", "period": "2025", "value": "190"},
	{"plan": "boards-kinds", "indicator": "profits_doubled", "period": "2024", "value": "1200"},
	{"plan": "boards-kinds", "indicator": "profits_doubled", "period": "2025", "value": "1500"},
}

// apiIndicator is what the test reads of GET /api/v1/indicators.
type apiIndicator struct {
	Indicator  kpi.Indicator `json:"indicator"`
	Evaluation struct {
		Status               kpi.Status `json:"status"`
		Period               *string    `json:"period"`
		ReportPeriod         *string    `json:"report_period"`
		ReportDue            *time.Time `json:"report_due"`
		Overdue              bool       `json:"overdue"`
		Target               *float64   `json:"target"`
		Actual               *float64   `json:"actual"`
		Expected             *float64   `json:"expected"`
		Gap                  *float64   `json:"gap"`
		ProgressRatio        *float64   `json:"progress_ratio"`
		RequiredAnnualChange *float64   `json:"required_annual_change"`
		ChangeIsRelative     bool       `json:"change_is_relative"`
		Text                 struct {
			Actual   string `json:"actual"`
			Gap      string `json:"gap"`
			Required string `json:"required"`
		} `json:"text"`
	} `json:"evaluation"`
}

// legendName is the name Grafana gives a series: the target's legend
// format with {{label}} replaced by the series' label.
func legendName(format string, labels map[string]string) string {
	return regexp.MustCompile(`\{\{\s*(\w+)\s*\}\}`).ReplaceAllStringFunc(format, func(ref string) string {
		return labels[strings.Trim(ref, "{} ")]
	})
}

// TestBoardsEveryKindAgainstAPI runs kpimon with one indicator of every
// kind (increase, continuing, strict, tolerance, at_most, milestone in %,
// reduce_by, multiply) and a real Prometheus, and checks that every number
// the indicator board and the overview's indicator table show for each
// equals kpimon's own, GET /api/v1/indicators: the target is the deciding
// bar of the API's target, the gap is measured to it, the progress, the
// expected value and the required change per year are the API's and absent
// where the API's are null; increase and continuing lines show no target
// and no gap (their panels say so), not last year's figure. Every figure
// names its unit as kpimon's words do: a share's gap and change in
// 个百分点, a growth rate as 需年均增长率 (shown in %). The 状态 stat and
// the table's 状态/报告期 are the API's status and period, 报送期限 and
// 报送状态 its report due date, owed period and overdue flag; the path
// chart's lines end at the API's actual, expected value and bar. A
// subtest reads the same kpimon as two regions of one store.
func TestBoardsEveryKindAgainstAPI(t *testing.T) {
	promBin := testkit.LookPath(t, "prometheus", "prometheus")
	if testing.Short() {
		t.Skip("-short: skipping the real kpimon and Prometheus")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	kpimonBin := testkit.Kpimon(t)
	data := filepath.Join(dir, "data")
	secret := testkit.CreateToken(t, kpimonBin, data, "", "boards-kinds")
	targets, err := filepath.Abs("testdata/kinds")
	if err != nil {
		t.Fatal(err)
	}
	kpimonAddr := testkit.FreeAddr(t)
	kpimon := testkit.Start(t, "kpimon", kpimonBin, "serve", "--listen", kpimonAddr, "--data", data, "--targets", targets,
		"--as-of", "2026-06-30", "--log-level", "warn")
	kpimonURL := "http://" + kpimonAddr
	testkit.WaitFor(t, ctx, kpimon, "kpimon ready", func() error { return testkit.GetOK(ctx, kpimonURL+"/readyz") })
	if status, body := postRows(t, ctx, kpimonURL, secret, kindRows); status != http.StatusOK && status != http.StatusCreated {
		t.Fatalf("POST figures: status %d:\n%s", status, body)
	}

	promAddr := testkit.FreeAddr(t)
	promConfig := filepath.Join(dir, "prometheus.yml")
	writeFile(t, promConfig, fmt.Sprintf("global: {scrape_interval: 1s, evaluation_interval: 1s}\nscrape_configs:\n  - job_name: kpimon\n    static_configs: [{targets: [%q]}]\n", kpimonAddr))
	prometheus := testkit.Start(t, "prometheus", promBin, "--config.file="+promConfig, "--storage.tsdb.path="+filepath.Join(dir, "prometheus"),
		"--web.listen-address="+promAddr, "--log.level=warn")
	prom := &promClient{base: "http://" + promAddr}
	waitQuery(t, ctx, prometheus, prom, "every indicator scraped", `count(kpi_status{plan="boards-kinds"}) == 9`)

	var list struct {
		Indicators []apiIndicator `json:"indicators"`
	}
	resp, err := http.Get(kpimonURL + "/api/v1/indicators?plan=boards-kinds")
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[kpi.Kind]bool{}
	for _, ind := range list.Indicators {
		if ind.Indicator.Plan == "boards-kinds" {
			kinds[ind.Indicator.Kind] = true
		}
	}
	for _, k := range kpi.Kinds {
		if !kinds[k] {
			t.Errorf("the API lists no %s indicator of boards-kinds: the comparison must cover every kind", k)
		}
	}

	// The overview's indicator table, one row per indicator: B target,
	// C actual, E gap, F progress.
	overview := boards.Overview()
	ov := boardValues(overview, "all")
	ov["plan"] = "boards-kinds"
	gapUnits := map[string]string{} // the gap's unit (the E query's gap_unit label) by indicator
	column := func(ref string) map[string]float64 {
		res, err := prom.query(ctx, panelQuery(t, overview, "指标一览", ref, ov))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]float64{}
		for _, s := range res {
			m[s.Metric["indicator"]] = sampleValue([]promSample{s})
			if ref == "E" {
				gapUnits[s.Metric["indicator"]] = s.Metric["gap_unit"]
			}
		}
		return m
	}
	table := map[string]map[string]float64{"目标值": column("B"), "最新实际值": column("C"), "差距": column("E"), "完成进度": column("F")}
	// The table's 状态 and 报告期 columns: labels of query G.
	statusRows, err := prom.query(ctx, panelQuery(t, overview, "指标一览", "G", ov))
	if err != nil {
		t.Fatal(err)
	}

	for _, ind := range list.Indicators {
		if ind.Indicator.Plan != "boards-kinds" {
			continue
		}
		id, ev := ind.Indicator.ID, ind.Evaluation
		t.Run(string(ind.Indicator.Kind)+"/"+id, func(t *testing.T) {
			noFigure := ind.Indicator.Kind == kpi.KindIncrease || ind.Indicator.Kind == kpi.KindContinuing
			var target, gap *float64
			if !noFigure && ev.Target != nil {
				bar := *ev.Target
				if ind.Indicator.Kind != kpi.KindMilestone {
					bar = kpi.DecidingBar(ind.Indicator, bar)
				}
				target, gap = &bar, ev.Gap
			}
			want := map[string]*float64{"目标值": target, "最新实际值": ev.Actual, "差距": gap, "完成进度": ev.ProgressRatio,
				"当前应达值": ev.Expected, "需年均变化": ev.RequiredAnnualChange}
			// The unit each figure's name must begin with, as the API's
			// words end in it (完成进度 is a percentage by its Grafana unit).
			unit := ind.Indicator.Unit
			points := unit
			if ind.Indicator.IsPercent() && ind.Indicator.Kind != kpi.KindMilestone {
				points = "个百分点" // a share's difference; a milestone's % still to do stays %
			}
			required := "需年均增减（" + points + "）"
			if ev.ChangeIsRelative {
				required = "需年均增长率"
			}
			wantName := map[string]string{"目标值": unit, "最新实际值": unit, "当前应达值": unit, "差距": points, "需年均变化": required}
			for panel, words := range map[string]string{"差距": ev.Text.Gap, "需年均变化": ev.Text.Required} {
				if want[panel] != nil && !ev.ChangeIsRelative && !strings.Contains(words, points) {
					t.Errorf("API says %s %q, the test expects it in %s", panel, words, points)
				}
			}
			if ev.Actual == nil {
				t.Fatalf("API has no actual for %s: the fixture submits one", id)
			}
			values := selectedValues()
			values["plan"], values["indicator"] = "boards-kinds", id
			checkStatusAndDue(t, ctx, prom, ind, values, statusRows)
			// The path chart's lines end at the API's actual, expected
			// value and deciding bar (none for increase and continuing).
			for ref, w := range map[string]*float64{"A": ev.Actual, "B": ev.Expected, "C": target} {
				points, err := prom.queryRange(ctx, panelQuery(t, boards.Indicator(), "实际值、应达路径与目标", ref, values), 10*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				var last *promSample
				for i := range points {
					if last == nil || points[i].Time.After(last.Time) {
						last = &points[i]
					}
				}
				var got *float64
				if last != nil {
					got = &last.Value
				}
				if !sameNumber(got, w) {
					t.Errorf("indicator board path chart %s ends at %s, API says %s", ref, show(got), show(w))
				}
			}
			for panel, w := range want {
				res, err := prom.query(ctx, panelQuery(t, boards.Indicator(), panel, "A", values))
				if err != nil {
					t.Fatal(err)
				}
				got := (*float64)(nil)
				if len(res) > 1 {
					t.Errorf("indicator board %s: %d series, want at most one", panel, len(res))
				}
				if len(res) == 1 {
					v := sampleValue(res)
					got = &v
					if name, ok := wantName[panel]; ok {
						q := panelTarget(t, boards.Indicator(), panel, "A")
						// 最新实际值 adds its period; the others are named by the
						// unit alone (需年均增长率 exactly: its percent unit is an
						// override by that name).
						if shown := legendName(q.LegendFormat, res[0].Metric); shown != name && !(panel == "最新实际值" && strings.HasPrefix(shown, name+" · ")) {
							t.Errorf("indicator board %s shows %v named %q, want %q", panel, v, shown, name)
						}
					}
				}
				if !sameNumber(got, w) {
					t.Errorf("indicator board %s = %s, API says %s", panel, show(got), show(w))
				}
				if _, ok := table[panel]; !ok {
					continue // the overview's table has no such column
				}
				var row *float64
				if v, ok := table[panel][id]; ok {
					row = &v
				}
				if !sameNumber(row, w) {
					t.Errorf("overview 指标一览 %s = %s, API says %s", panel, show(row), show(w))
				}
				// Its 差距单位 column: a share's gap in 个百分点, not the 单位 column's %.
				if panel == "差距" && row != nil && gapUnits[id] != points {
					t.Errorf("overview 指标一览 差距 %s in %q, want %q (API: %s)", show(row), gapUnits[id], points, ev.Text.Gap)
				}
			}
		})
	}
	t.Run("link to kpimon's page of the indicator", func(t *testing.T) {
		checkWebLink(t, ctx, prom, kpimonURL, list.Indicators)
	})
	t.Run("two regions in one store", func(t *testing.T) {
		checkTwoRegions(t, ctx, promBin, filepath.Join(dir, "regions"), kpimonAddr, list.Indicators)
	})
}

// checkStatusAndDue compares the status and report due date the boards
// show for one indicator with the API's.
func checkStatusAndDue(t *testing.T, ctx context.Context, prom *promClient, ind apiIndicator, values map[string]string, statusRows []promSample) {
	t.Helper()
	ev := ind.Evaluation
	period := ""
	if ev.Period != nil {
		period = *ev.Period
	}
	res, err := prom.query(ctx, panelQuery(t, boards.Indicator(), "状态", "A", values))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Metric["status"] != string(ev.Status) || res[0].Value != 1 {
		t.Errorf("indicator board 状态 = %v, API says %s", res, ev.Status)
	}
	var rows []string
	for _, s := range statusRows {
		if s.Metric["indicator"] == ind.Indicator.ID {
			rows = append(rows, s.Metric["status"]+" "+s.Metric["period"])
		}
	}
	if want := string(ev.Status) + " " + period; len(rows) != 1 || rows[0] != want {
		t.Errorf("overview 指标一览 状态 报告期 = %q, API says %q", rows, want)
	}
	res, err = prom.query(ctx, panelQuery(t, boards.Indicator(), "报送状态", "A", values))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[bool]float64{true: 1}[ev.Overdue]; len(res) != 1 || res[0].Value != want {
		t.Errorf("indicator board 报送状态 = %v, API overdue %v", res, ev.Overdue)
	}
	res, err = prom.query(ctx, panelQuery(t, boards.Indicator(), "报送期限", "A", values))
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case ev.ReportDue == nil:
		if len(res) != 0 {
			t.Errorf("indicator board 报送期限 = %v, API owes no report", res)
		}
	case len(res) != 1 || res[0].Value != float64(ev.ReportDue.UnixMilli()) || ev.ReportPeriod == nil || res[0].Metric["period"] != *ev.ReportPeriod:
		t.Errorf("indicator board 报送期限 = %v, API says %s due %v", res, show2(ev.ReportPeriod), ev.ReportDue)
	}
}

func show2(p *string) string {
	if p == nil {
		return "none"
	}
	return *p
}

func sameNumber(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) <= 1e-9*math.Max(1, math.Abs(*b))
}

func show(p *float64) string {
	if p == nil {
		return "none"
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}

// panelTarget returns the query refID of the board's panel.
func panelTarget(t *testing.T, d boards.Dashboard, panel, refID string) boards.Target {
	t.Helper()
	for _, p := range d.Panels {
		for _, q := range p.Targets {
			if p.Title == panel && q.RefID == refID {
				return q
			}
		}
	}
	t.Fatalf("board %s has no query %s in panel %q", d.UID, refID, panel)
	return boards.Target{}
}

// checkTwoRegions reads kpimon into one Prometheus as two regions (two
// scrape jobs of it with region 甲区 and 乙区, as the province's store holds
// two districts whose units share names) and checks that the overview and
// the unit board, with one region picked and plan = All, count as the API
// does: every stat tile of the overview, unit and reporting boards that
// counts statuses or overdue reports, and the overview's 责任单位一览 per
// lead unit. Merged, every count would double
// (31 = 28 + 3 on the province set-up).
func checkTwoRegions(t *testing.T, ctx context.Context, promBin, dir, kpimonAddr string, api []apiIndicator) {
	promAddr := testkit.FreeAddr(t)
	promConfig := filepath.Join(dir, "prometheus.yml")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, promConfig, fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: district-a
    static_configs: [{targets: [%[1]q], labels: {region: 甲区, level: 区}}]
  - job_name: district-b
    static_configs: [{targets: [%[1]q], labels: {region: 乙区, level: 区}}]
`, kpimonAddr))
	p := testkit.Start(t, "prometheus (two regions)", promBin, "--config.file="+promConfig, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+promAddr, "--log.level=warn")
	prom := &promClient{base: "http://" + promAddr}
	waitQuery(t, ctx, p, prom, "both regions scraped", fmt.Sprintf(`count(kpi_status{region="甲区"}) == %d and on() count(kpi_status{region="乙区"}) == %d`, len(api), len(api)))

	const unit = "区科工信局"
	statuses := regexp.MustCompile(`kpi_status\{[^}]*status=~"([^"]+)"`)
	want := func(expr string) (float64, bool) {
		n := 0.0
		m := statuses.FindStringSubmatch(expr)
		overdue := strings.Contains(expr, `overdue="1"`) && !strings.Contains(expr, "kpi_status")
		if m == nil && !overdue {
			return 0, false
		}
		for _, ind := range api {
			if overdue && ind.Evaluation.Overdue {
				n++
			}
			if m != nil && regexp.MustCompile("^(?:"+m[1]+")$").MatchString(string(ind.Evaluation.Status)) {
				n++
			}
		}
		return n, true
	}
	for _, d := range []boards.Dashboard{boards.Overview(), boards.Unit(), boards.Reporting()} {
		values := selectedValues()
		for k, v := range map[string]string{"region": "甲区", "plan": ".*", "task": ".*", "status": ".*", "lead_unit": ".*", "source": ".*"} {
			values[k] = v
		}
		if d.UID == boards.UIDUnit {
			values["lead_unit"] = unit
		}
		checked := 0
		for _, q := range boardtest.Queries(d) {
			panel, ok := panelByTitle(d, q.Panel)
			if !ok || panel.Type != "stat" || panel.FieldConfig.Defaults.Unit != "suffix:个" {
				continue
			}
			n, ok := want(q.Expr)
			if !ok {
				continue
			}
			res, err := prom.query(ctx, boardtest.Interpolate(q.Expr, values))
			if err != nil {
				t.Fatal(err)
			}
			if got := sampleValue(res); len(res) != 1 || got != n {
				t.Errorf("%s %s in 甲区 = %v (%d series), the API counts %v", d.UID, q.Panel, got, len(res), n)
			}
			checked++
		}
		tiles := 5 // the status tiles and 逾期未报送
		if d.UID == boards.UIDReporting {
			tiles = 1 // 逾期未报送
		}
		if checked < tiles {
			t.Errorf("%s: %d count tiles checked, want %d or more", d.UID, checked, tiles)
		}
		if d.UID == boards.UIDOverview {
			res, err := prom.query(ctx, panelQuery(t, d, "责任单位一览", "A", values))
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 1 || res[0].Metric["lead_unit"] != unit || res[0].Value != float64(len(api)) {
				t.Errorf("overview 责任单位一览 指标数 in 甲区 = %v, the API lists %d indicators of %s", res, len(api), unit)
			}
		}
	}
}

// checkWebLink follows the indicator board's link to kpimon's page of the
// indicator (where every period's figure and the trend are shown): the hidden web_url variable resolves to the kpimon that
// serves the plan, and the link's page is the indicator's.
func checkWebLink(t *testing.T, ctx context.Context, prom *promClient, kpimonURL string, api []apiIndicator) {
	d := boards.Indicator()
	var link string
	for _, l := range d.Links {
		if l.Type == "link" {
			link = l.URL
		}
	}
	if link == "" {
		t.Fatal("the indicator board has no link to kpimon's page of the indicator")
	}
	values := selectedValues()
	values["plan"] = "boards-kinds"
	for _, v := range d.Templating.List {
		if v.Name != "web_url" {
			continue
		}
		options, err := prom.variableOptions(ctx, boardtest.Interpolate(v.Query, values), v.Regex)
		if err != nil {
			t.Fatal(err)
		}
		if len(options) != 1 {
			t.Fatalf("web_url offers %v, want the one kpimon of the plan", options)
		}
		for u := range options {
			values["web_url"] = u
		}
	}
	if got, want := values["web_url"], strings.TrimRight(kpimonURL, "/"); got != want {
		t.Fatalf("web_url = %q, want kpimon's %q", got, want)
	}
	ind := api[0].Indicator
	values["indicator"] = ind.ID
	u := boardtest.Interpolate(link, values)
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), ind.Name) {
		t.Errorf("GET %s: status %d, page naming %q: %v", u, resp.StatusCode, ind.Name, strings.Contains(string(body), ind.Name))
	}
}
