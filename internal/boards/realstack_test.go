package boards_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yanfeng/kpimon/internal/boards"
	"github.com/yanfeng/kpimon/internal/boards/boardtest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// The test below is the boards' real test: kpimon built from this tree
// serves the sample plan in testdata/targets with figures submitted through
// its API, Debian's Prometheus scrapes it, and every query of every board,
// with its variables set as a leader would set them, must return data.

// sampleRows are the figures submitted for testdata/targets: with the
// baselines of 2023 and the deadline 2028 they make one indicator achieved,
// one on track, one lagging (shared by two lead units), one off track, one
// whose 2025 report is overdue, and one never reported.
var sampleRows = []map[string]string{
	{"plan": "boards-sample", "indicator": "achieved_enterprises", "period": "2024", "value": "20"},
	{"plan": "boards-sample", "indicator": "achieved_enterprises", "period": "2025", "value": "31"},
	{"plan": "boards-sample", "indicator": "on_track_smes", "period": "2024", "value": "30"},
	{"plan": "boards-sample", "indicator": "on_track_smes", "period": "2025", "value": "60"},
	{"plan": "boards-sample", "indicator": "lagging_rd_spending", "period": "2024", "value": "10"},
	{"plan": "boards-sample", "indicator": "lagging_rd_spending", "period": "2025", "value": "30"},
	{"plan": "boards-sample", "indicator": "off_track_projects", "period": "2024", "value": "5"},
	{"plan": "boards-sample", "indicator": "off_track_projects", "period": "2025", "value": "10"},
	{"plan": "boards-sample", "indicator": "overdue_enterprises", "period": "2024", "value": "10"},
}

// badRows name an indicator the plan does not have: the ingest rejects
// them, so the reporting board has failures and rejected rows to show.
var badRows = []map[string]string{
	{"plan": "boards-sample", "indicator": "no_such_indicator", "period": "2025", "value": "1"},
}

// selectedValues are a leader's selection; multi-value variables as
// Grafana writes two values, (a|b).
func selectedValues() map[string]string {
	return map[string]string{
		"datasource": boards.DatasourceUID,
		"plan":       "boards-sample",
		"task":       "(1|2)",
		"lead_unit":  "区发改局",
		"status":     "(lagging|off_track|missed)",
		"indicator":  "lagging_rd_spending",
		"source":     "api",
		"region":     "", // a district: no region label
		// Grafana's built-in variables.
		"__range":         "10m",
		"__rate_interval": "1m",
		"__interval":      "1s",
	}
}

// boardValues returns the variable values of a board for one of two
// selections: "selected", or "all" where every variable that offers All is
// at All.
func boardValues(d boards.Dashboard, selection string) map[string]string {
	values := selectedValues()
	if selection == "all" {
		for _, v := range d.Templating.List {
			if v.IncludeAll {
				values[v.Name] = v.AllValue
			}
		}
	}
	return values
}

func TestBoardsAgainstRealPrometheus(t *testing.T) {
	promBin := testkit.LookPath(t, "prometheus", "prometheus")
	if testing.Short() {
		t.Skip("-short: skipping the real kpimon and Prometheus")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()

	// KPIMON_TEST_BIN names a kpimon binary built already; otherwise the
	// test builds this tree's.
	kpimonBin := testkit.Kpimon(t)
	data := filepath.Join(dir, "data")
	secret := testkit.CreateToken(t, kpimonBin, data, "", "boards-test")

	targets, err := filepath.Abs("testdata/targets")
	if err != nil {
		t.Fatal(err)
	}
	kpimonAddr := testkit.FreeAddr(t)
	// As of mid-2026 the sample's statuses stay what they are, whenever the
	// test runs: 2025's figures were due at the end of March 2026.
	// A pull whose URL does not answer: a source failing, for the board's
	// 最近失败 (a refused API submission is no failure of its source).
	sources := filepath.Join(dir, "sources.yml")
	writeFile(t, sources, "sources:\n  - name: tjj\n    type: http\n    location: http://"+testkit.FreeAddr(t)+"/kpi.csv\n    schedule: \"@every 2s\"\n    timeout: 1s\n")
	kpimonArgs := []string{"serve", "--listen", kpimonAddr, "--data", data, "--targets", targets, "--sources", sources,
		"--as-of", "2026-06-30", "--log-level", "warn"}
	kpimon := testkit.Start(t, "kpimon", kpimonBin, kpimonArgs...)
	kpimonURL := "http://" + kpimonAddr
	testkit.WaitFor(t, ctx, kpimon, "kpimon ready", func() error { return testkit.GetOK(ctx, kpimonURL+"/readyz") })

	promAddr := testkit.FreeAddr(t)
	promConfig := filepath.Join(dir, "prometheus.yml")
	writeFile(t, promConfig, fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: kpimon
    static_configs:
      - targets: [%q]
`, kpimonAddr))
	prometheus := testkit.Start(t, "prometheus", promBin, "--config.file="+promConfig, "--storage.tsdb.path="+filepath.Join(dir, "prometheus"),
		"--web.listen-address="+promAddr, "--log.level=warn")
	prom := &promClient{base: "http://" + promAddr}
	testkit.WaitFor(t, ctx, prometheus, "prometheus ready", func() error { return testkit.GetOK(ctx, prom.base+"/-/ready") })
	// Prometheus first sees the api source's counters at 0 (kpimon creates
	// them at start-up), so increase() counts every submission after.
	waitQuery(t, ctx, prometheus, prom, "the api source's run counters at 0", `sum(kpi_ingest_runs_total{source="api"}) == 0`)

	// Three submissions through the API, the second rejected.
	half := len(sampleRows) / 2
	if status, body := postRows(t, ctx, kpimonURL, secret, sampleRows[:half]); status != http.StatusOK && status != http.StatusCreated {
		t.Fatalf("POST sample figures: status %d, want 200 or 201:\n%s", status, body)
	}
	if status, body := postRows(t, ctx, kpimonURL, secret, badRows); status < 400 {
		t.Errorf("POST of an unknown indicator: status %d, want a 4xx rejection (the reporting board shows it):\n%s", status, body)
	}
	if status, body := postRows(t, ctx, kpimonURL, secret, sampleRows[half:]); status != http.StatusOK && status != http.StatusCreated {
		t.Fatalf("POST sample figures: status %d, want 200 or 201:\n%s", status, body)
	}
	// Three scrapes after the last submission: increase() over a range
	// needs two samples, and the last one proves the target stays up.
	waitQuery(t, ctx, prometheus, prom, "three scrapes after the submissions",
		`count_over_time((sum(kpi_ingest_runs_total{source="api"}) == 3)[10m:1s]) >= 3 and on() up{job="kpimon"} == 1`)
	waitQuery(t, ctx, prometheus, prom, "the failing pull's last failure", `kpi_ingest_last_failure_timestamp_seconds{source="pull:tjj"} > 0`)

	t.Run("scrape has every metric the boards use", func(t *testing.T) {
		exported := scrapeNames(t, ctx, kpimonURL+"/metrics")
		used := map[string]bool{}
		for _, d := range boards.All() {
			for _, q := range boardtest.Queries(d) {
				for _, m := range boardtest.MetricsUsed(q.Expr) {
					used[boards.MetricFamily(m)] = true
				}
			}
			for _, v := range d.Templating.List {
				for _, m := range boardtest.MetricsUsed(v.Query) {
					used[boards.MetricFamily(m)] = true
				}
			}
		}
		for m := range used {
			if !exported[m] {
				t.Errorf("boards use %s, which kpimon's /metrics does not export", m)
			}
		}
	})

	for _, setName := range []string{"selected", "all"} {
		for _, d := range boards.All() {
			values := boardValues(d, setName)
			for _, q := range boardtest.Queries(d) {
				t.Run(fmt.Sprintf("%s/%s/%s/%s", setName, d.UID, q.Panel, q.RefID), func(t *testing.T) {
					expr := boardtest.Interpolate(q.Expr, values)
					var res []promSample
					var err error
					if q.Range {
						res, err = prom.queryRange(ctx, expr, 2*time.Minute)
					} else {
						res, err = prom.query(ctx, expr)
					}
					if err != nil {
						t.Fatalf("query %s: %v", expr, err)
					}
					if setName == "selected" && d.UID == "kpi-reporting" && q.Panel == "各来源报送情况" && q.RefID == "B" {
						// The selected source is api, whose one refusal was
						// answered to its sender: not a failure.
						if len(res) != 0 {
							t.Errorf("最近失败 of source api = %v, want none: a refusal answered to its sender is no failure\n%s", res, expr)
						}
						return
					}
					if len(res) == 0 {
						t.Errorf("query returned no data:\n%s", expr)
					}
				})
			}
			for _, v := range d.Templating.List {
				if v.Type != "query" {
					continue
				}
				t.Run(fmt.Sprintf("%s/%s/variable %s", setName, d.UID, v.Name), func(t *testing.T) {
					options, err := prom.variableOptions(ctx, boardtest.Interpolate(v.Query, values), v.Regex)
					if err != nil {
						t.Fatal(err)
					}
					// region is the province's (VictoriaMetrics); a district's
					// Prometheus has no region label and the variable is empty.
					if len(options) == 0 && v.Name != "region" {
						t.Fatalf("variable query %s offers nothing", v.Query)
					}
					if want, ok := values[v.Name]; ok && want != "" && !strings.ContainsAny(want, "(|.*") {
						if _, ok := options[want]; !ok {
							t.Errorf("variable %s offers %v, want %q among them", v.Name, options, want)
						}
					}
				})
			}
		}
	}

	t.Run("figures", func(t *testing.T) { checkFigures(t, ctx, prom) })
	t.Run("overview counts are kpimon's", func(t *testing.T) { checkOverviewAgainstAPI(t, ctx, prom, kpimonURL) })
	t.Run("unit links of a two-lead-unit indicator", func(t *testing.T) { checkUnitLinks(t, ctx, prom) })

	t.Run("indicator picker shows Chinese names", func(t *testing.T) {
		options, err := prom.variableOptions(ctx, boardtest.Interpolate(boards.IndicatorVar().Query, selectedValues()), boards.IndicatorRegex)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := options["lagging_rd_spending"], "研发投入"; got != want {
			t.Errorf("indicator option lagging_rd_spending shows %q, want %q (all: %v)", got, want, options)
		}
	})
	// Last: it restarts kpimon.
	top := t
	t.Run("the reporting board after a kpimon restart", func(t *testing.T) {
		checkReportingAfterRestart(t, ctx, prom, prometheus, func() {
			kpimon.Kill()
			kpimon = testkit.Start(top, "kpimon (restarted)", kpimonBin, kpimonArgs...)
			testkit.WaitFor(t, ctx, kpimon, "kpimon ready", func() error { return testkit.GetOK(ctx, kpimonURL+"/readyz") })
		})
	})
}

// checkFigures checks that panels show the sample's figures: the counts a
// leader reads on the overview and the unit board, and one indicator's
// numbers.
func checkFigures(t *testing.T, ctx context.Context, prom *promClient) {
	byUID := map[string]boards.Dashboard{}
	for _, d := range boards.All() {
		byUID[d.UID] = d
	}
	for _, tc := range []struct {
		board, panel, refID, selection string
		byLabel                        string             // label naming each series, "" for one series
		want                           map[string]float64 // label value (or "") → value
	}{
		{boards.UIDOverview, "进度滞后", "A", "selected", "", map[string]float64{"": 1}},
		{boards.UIDOverview, "责任单位一览", "A", "all", "lead_unit", map[string]float64{"区科工信局": 3, "区发改局": 3, "区统计局": 1}},
		{boards.UIDOverview, "责任单位一览", "C", "all", "lead_unit", map[string]float64{"区科工信局": 1, "区发改局": 3, "区统计局": 0}},
		{boards.UIDOverview, "责任单位一览", "E", "all", "lead_unit", map[string]float64{"区科工信局": 0, "区发改局": 1, "区统计局": 1}},
		{boards.UIDOverview, "指标一览", "G", "selected", "indicator", map[string]float64{"lagging_rd_spending": 1, "off_track_projects": 1, "overdue_enterprises": 1}},
		{boards.UIDOverview, "指标一览", "G", "selected", "period", map[string]float64{"2025": 1, "2024": 1}},
		{boards.UIDUnit, "负责指标", "A", "selected", "", map[string]float64{"": 3}},
		{boards.UIDUnit, "滞后（进度滞后、严重滞后、不进反退）", "A", "selected", "", map[string]float64{"": 3}},
		{boards.UIDUnit, "逾期未报送", "A", "selected", "", map[string]float64{"": 1}},
		{boards.UIDIndicator, "目标值", "A", "selected", "", map[string]float64{"": 100}},
		{boards.UIDIndicator, "最新实际值", "A", "selected", "period", map[string]float64{"2025": 30}},
		{boards.UIDIndicator, "差距", "A", "selected", "", map[string]float64{"": 70}},
		{boards.UIDIndicator, "完成进度", "A", "selected", "", map[string]float64{"": 0.3}},
		{boards.UIDIndicator, "报送状态", "A", "selected", "", map[string]float64{"": 0}},
		{boards.UIDReporting, "报送批次", "A", "selected", "", map[string]float64{"": 3}},
		{boards.UIDReporting, "失败批次", "A", "selected", "", map[string]float64{"": 1}},
		{boards.UIDReporting, "被拒数据行", "A", "selected", "", map[string]float64{"": 1}},
		{boards.UIDReporting, "各来源报送情况", "C", "selected", "source", map[string]float64{"api": 3}},
		{boards.UIDReporting, "各来源报送情况", "D", "selected", "source", map[string]float64{"api": 1}},
		{boards.UIDReporting, "各来源报送情况", "E", "selected", "source", map[string]float64{"api": 1}},
		{boards.UIDReporting, "逾期未报送", "A", "all", "", map[string]float64{"": 2}},
		{boards.UIDReporting, "逾期未报送（按牵头单位）", "A", "all", "lead_unit", map[string]float64{"区发改局": 1, "区统计局": 1, "区科工信局": 0}},
	} {
		t.Run(fmt.Sprintf("%s/%s/%s/%s", tc.selection, tc.board, tc.panel, tc.refID), func(t *testing.T) {
			d := byUID[tc.board]
			var expr string
			for _, q := range boardtest.Queries(d) {
				if q.Panel == tc.panel && q.RefID == tc.refID {
					expr = boardtest.Interpolate(q.Expr, boardValues(d, tc.selection))
				}
			}
			if expr == "" {
				t.Fatalf("no query %s of panel %q", tc.refID, tc.panel)
			}
			res, err := prom.query(ctx, expr)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]float64{}
			for _, s := range res {
				got[s.Metric[tc.byLabel]] = s.Value
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", expr, diff)
			}
		})
	}
}

// checkReportingAfterRestart restarts kpimon (its counters start again at
// 0) and checks that the 数据报送 board still counts the runs before the
// restart and still shows when the api source last succeeded (kpimon
// keeps it in its store), last failed, and the source table's counts. On
// main 报送批次 read 0 and 最近成功 was blank; the table's counts read 0
// until its counters were counted over the time range.
func checkReportingAfterRestart(t *testing.T, ctx context.Context, prom *promClient, p *testkit.Proc, restart func()) {
	d := boards.Reporting()
	values := boardValues(d, "selected")
	lastSuccess := func() float64 {
		t.Helper()
		res, err := prom.query(ctx, panelQuery(t, d, "各来源报送情况", "A", values))
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 1 {
			t.Fatalf("最近成功 of source api: %d series, want one", len(res))
		}
		return sampleValue(res)
	}
	// A refused submission is answered to its sender: no failure of the
	// api source, so 最近失败 stays empty (a source fails when kpimon
	// cannot read it; internal/pull TestSourceFailsOnlyWhenItCannotBeRead).
	noLastFailure := func(when string) {
		t.Helper()
		res, err := prom.query(ctx, panelQuery(t, d, "各来源报送情况", "B", values))
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 0 {
			t.Errorf("最近失败 of source api %s = %v, want none: the only refusal was answered to its sender", when, res)
		}
	}
	before := lastSuccess()
	noLastFailure("before a kpimon restart")
	restart()
	// The restarted kpimon scraped: its api counters are back at 0.
	waitQuery(t, ctx, p, prom, "two scrapes of the restarted kpimon",
		`count_over_time((sum(kpi_ingest_runs_total{source="api"}) == 0)[10m:1s]) >= 2 and on() up{job="kpimon"} == 1`)
	for _, c := range []struct{ panel, ref, name string }{
		{"报送批次", "A", "报送批次"}, {"失败批次", "A", "失败批次"}, {"被拒数据行", "A", "被拒数据行"},
		// The source table's columns, per source (api only here).
		{"各来源报送情况", "C", "批次"}, {"各来源报送情况", "D", "失败批次"}, {"各来源报送情况", "E", "被拒数据行"},
	} {
		want := map[string]float64{"报送批次": 3, "批次": 3, "失败批次": 1, "被拒数据行": 1}[c.name]
		res, err := prom.query(ctx, panelQuery(t, d, c.panel, c.ref, values))
		if err != nil {
			t.Fatal(err)
		}
		if got := sampleValue(res); len(res) != 1 || got != want {
			t.Errorf("%s %s after a kpimon restart = %v (%d series), want %v", c.panel, c.name, got, len(res), want)
		}
	}
	// 处理耗时 over the time range still counts the runs before the restart.
	for _, ref := range []string{"A", "B"} {
		res, err := prom.query(ctx, panelQuery(t, d, "处理耗时", ref, values))
		if err != nil {
			t.Fatal(err)
		}
		if got := sampleValue(res); len(res) != 1 || !(got > 0) || math.IsInf(got, 0) {
			t.Errorf("处理耗时 %s after a kpimon restart = %v (%d series), want one positive duration", ref, got, len(res))
		}
	}
	if got := lastSuccess(); got != before {
		t.Errorf("最近成功 of source api after a kpimon restart = %v, want %v as before it", got, before)
	}
	noLastFailure("after a kpimon restart")
}

// waitQuery polls Prometheus until expr returns something.
func waitQuery(t *testing.T, ctx context.Context, p *testkit.Proc, prom *promClient, what, expr string) {
	t.Helper()
	testkit.WaitFor(t, ctx, p, what, func() error {
		res, err := prom.query(ctx, expr)
		if err != nil {
			return err
		}
		if len(res) == 0 {
			return fmt.Errorf("no result yet for %s", expr)
		}
		return nil
	})
}

// panelQuery returns the interpolated query refID of a board's panel.
func panelQuery(t *testing.T, d boards.Dashboard, panel, refID string, values map[string]string) string {
	t.Helper()
	for _, q := range boardtest.Queries(d) {
		if q.Panel == panel && q.RefID == refID {
			return boardtest.Interpolate(q.Expr, values)
		}
	}
	t.Fatalf("%s: no query %s of panel %q", d.UID, refID, panel)
	return ""
}

// checkOverviewAgainstAPI checks every count tile of the overview against
// kpimon's own answer, GET /api/v1/indicators: a tile titled with a status
// word counts that status, 指标总数 all, 逾期未报送 the overdue reports.
func checkOverviewAgainstAPI(t *testing.T, ctx context.Context, prom *promClient, kpimonURL string) {
	var list struct {
		Indicators []struct {
			Evaluation struct {
				Status   string `json:"status"`
				StatusZH string `json:"status_zh"`
				Overdue  bool   `json:"overdue"`
			} `json:"evaluation"`
		} `json:"indicators"`
	}
	resp, err := http.Get(kpimonURL + "/api/v1/indicators")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"指标总数": float64(len(list.Indicators)), "逾期未报送": 0}
	for _, s := range kpi.Statuses {
		want[present.Status(s)] = 0
	}
	for _, ind := range list.Indicators {
		want[present.Status(kpi.Status(ind.Evaluation.Status))]++
		if ind.Evaluation.Overdue {
			want["逾期未报送"]++
		}
	}
	d := boards.Overview()
	values := boardValues(d, "all")
	tiles := 0
	for _, p := range d.Panels {
		if p.Type != "stat" || p.Title == "数据截至" {
			continue
		}
		tiles++
		w, ok := want[p.Title]
		if !ok {
			t.Errorf("tile %q is neither a status of kpimon status nor a named sum", p.Title)
			continue
		}
		res, err := prom.query(ctx, panelQuery(t, d, p.Title, "A", values))
		if err != nil {
			t.Fatal(err)
		}
		if got := sampleValue(res); len(res) != 1 || got != w {
			t.Errorf("tile %q = %v (%d series), GET /api/v1/indicators says %v", p.Title, got, len(res), w)
		}
	}
	if tiles != len(want) {
		t.Errorf("%d count tiles, want %d (every status, the total, overdue)", tiles, len(want))
	}
}

// checkUnitLinks follows the indicator board's unit links for an indicator
// with two lead units: one link per lead unit, and the unit board each
// opens lists the indicator.
func checkUnitLinks(t *testing.T, ctx context.Context, prom *promClient) {
	const indicator = "lagging_rd_spending"
	values := selectedValues()
	values["indicator"] = indicator
	res, err := prom.query(ctx, panelQuery(t, boards.Indicator(), "牵头单位", "A", values))
	if err != nil {
		t.Fatal(err)
	}
	var units []string
	for _, s := range res {
		units = append(units, s.Metric["lead_unit"])
	}
	sort.Strings(units)
	if diff := cmp.Diff([]string{"区发改局", "区科工信局"}, units); diff != "" {
		t.Fatalf("lead unit rows of %s (-want +got):\n%s", indicator, diff)
	}
	link := boards.UnitLink().URL
	if !strings.Contains(link, "var-lead_unit=${__data.fields.lead_unit}") {
		t.Fatalf("unit link %s does not take the row's lead_unit", link)
	}
	for _, u := range units {
		unit := boards.Unit()
		v := boardValues(unit, "all")
		v["lead_unit"] = u
		res, err := prom.query(ctx, panelQuery(t, unit, "本单位指标", "A", v))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, s := range res {
			found = found || s.Metric["indicator"] == indicator
		}
		if !found {
			t.Errorf("the unit board of %s does not list %s", u, indicator)
		}
	}
}

func sampleValue(res []promSample) float64 {
	if len(res) > 0 {
		return res[0].Value
	}
	return 0
}

// promClient asks Prometheus' HTTP API through testkit.Prom.
type promClient struct{ base string }

type promSample = testkit.Sample

func (c *promClient) query(ctx context.Context, expr string) ([]promSample, error) {
	p, err := testkit.NewProm(c.base)
	if err != nil {
		return nil, err
	}
	return p.Query(ctx, expr)
}

// queryRange returns every point of every series of expr over the last span.
func (c *promClient) queryRange(ctx context.Context, expr string, span time.Duration) ([]promSample, error) {
	p, err := testkit.NewProm(c.base)
	if err != nil {
		return nil, err
	}
	series, err := p.QueryRange(ctx, expr, time.Now(), span, time.Second)
	if err != nil {
		return nil, err
	}
	var out []promSample
	for _, s := range series {
		out = append(out, s...)
	}
	return out, nil
}

var (
	labelValuesQuery = regexp.MustCompile(`^label_values\((.+),\s*(\w+)\)$`)
	queryResultQuery = regexp.MustCompile(`^query_result\((.+)\)$`)
)

// variableOptions runs a Grafana variable query as Grafana's Prometheus
// data source does and returns its options, value → text. regex, if set, is
// the variable's /regex/ with optional named groups value and text.
func (c *promClient) variableOptions(ctx context.Context, query, regex string) (map[string]string, error) {
	var texts []string
	switch {
	case labelValuesQuery.MatchString(query):
		m := labelValuesQuery.FindStringSubmatch(query)
		p, err := testkit.NewProm(c.base)
		if err != nil {
			return nil, err
		}
		series, err := p.Series(ctx, m[1], time.Now().Add(-10*time.Minute))
		if err != nil {
			return nil, err
		}
		for _, s := range series {
			if v, ok := s[m[2]]; ok {
				texts = append(texts, v)
			}
		}
	case queryResultQuery.MatchString(query):
		res, err := c.query(ctx, queryResultQuery.FindStringSubmatch(query)[1])
		if err != nil {
			return nil, err
		}
		for _, s := range res {
			texts = append(texts, grafanaQueryResultText(s))
		}
	default:
		return nil, fmt.Errorf("variable query %q: want label_values(...) or query_result(...)", query)
	}
	options := map[string]string{}
	var re *regexp.Regexp
	if regex != "" {
		var err error
		if re, err = regexp.Compile(strings.TrimSuffix(strings.TrimPrefix(regex, "/"), "/")); err != nil {
			return nil, fmt.Errorf("variable regex %s: %w", regex, err)
		}
	}
	for _, text := range texts {
		value := text
		if re != nil {
			m := re.FindStringSubmatch(text)
			if m == nil {
				continue
			}
			value, text = m[0], m[0]
			if i := re.SubexpIndex("value"); i >= 0 {
				value = m[i]
			}
			if i := re.SubexpIndex("text"); i >= 0 {
				text = m[i]
			}
		}
		options[value] = text
	}
	return options, nil
}

// grafanaQueryResultText formats a sample as Grafana's query_result does:
// name{label="value",...} value timestamp-in-ms, labels in the order
// Prometheus returns them (sorted).
func grafanaQueryResultText(s promSample) string {
	var names []string
	for k := range s.Metric {
		if k != "__name__" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var labels []string
	for _, k := range names {
		labels = append(labels, fmt.Sprintf("%s=%q", k, s.Metric[k]))
	}
	// The value as Prometheus' JSON writes it.
	value := strconv.FormatFloat(s.Value, 'f', -1, 64)
	return fmt.Sprintf("%s{%s} %s %d", s.Metric["__name__"], strings.Join(labels, ","), value, s.Time.UnixMilli())
}

// scrapeNames returns the metric family names of a /metrics page.
func scrapeNames(t *testing.T, ctx context.Context, u string) map[string]bool {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	names := map[string]bool{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 3 && f[0] == "#" && f[1] == "TYPE" {
			names[f[2]] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

func postRows(t *testing.T, ctx context.Context, base, secret string, rows []map[string]string) (int, string) {
	t.Helper()
	body, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/observations", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
