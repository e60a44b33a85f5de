package province

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/boards"
	"github.com/yanfeng/kpimon/internal/boards/boardtest"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// comparedName is the indicator both districts' plans have under the same
// Chinese name: the province board compares it across regions.
const comparedName = "高新技术企业"

// testDistricts are the test province: the seed plan (embedded in kpimon)
// as 雁峰区 and the example plan of province/example-targets as 珠晖区, both
// evaluated as of mid-2021 (the 2020 figures were due at the end of March
// 2021). 高新技术企业: 雁峰区's target is 30 and 31 were reached; 珠晖区's
// target is 40 from a baseline of 10, and 18 were reached.
func testDistricts(root string) []*district {
	return []*district{
		{
			region: "雁峰区", level: "区", asOf: "2021-06-30",
			rows: []map[string]string{
				{"plan": "yanfeng-innovation", "indicator": "high_tech_enterprises", "period": "2019", "value": "20"},
				{"plan": "yanfeng-innovation", "indicator": "high_tech_enterprises", "period": "2020", "value": "31"},
				{"plan": "yanfeng-innovation", "indicator": "tech_smes", "period": "2019", "value": "10"},
				{"plan": "yanfeng-innovation", "indicator": "tech_smes", "period": "2020", "value": "15"},
			},
		},
		{
			region: "珠晖区", level: "区", asOf: "2021-06-30",
			targets: filepath.Join(root, "province", "example-targets", "zhuhui"),
			rows: []map[string]string{
				{"plan": "zhuhui-innovation", "indicator": "high_tech_enterprises", "period": "2019", "value": "14"},
				{"plan": "zhuhui-innovation", "indicator": "high_tech_enterprises", "period": "2020", "value": "18"},
				{"plan": "zhuhui-innovation", "indicator": "tech_smes", "period": "2020", "value": "50"},
				{"plan": "zhuhui-innovation", "indicator": "rd_intensity", "period": "2020", "value": "2.0"},
				{"plan": "zhuhui-innovation", "indicator": "new_product_sales_share", "period": "2020", "value": "17"},
			},
		},
	}
}

// TestProvinceOnVictoriaMetrics runs the province: two kpimons with two
// districts' plans, one Prometheus per district adding region and level
// and remote-writing into a real VictoriaMetrics, and every query of the
// province board run against VictoriaMetrics, checked against what each
// kpimon's own API says. Then VictoriaMetrics restarts: every sample it
// had shown must still be there, and the samples scraped while it was down
// arrive afterwards.
func TestProvinceOnVictoriaMetrics(t *testing.T) {
	vmBin := testkit.VictoriaMetrics(t)
	promBin := testkit.LookPath(t, "prometheus", "prometheus")
	if testing.Short() {
		t.Skip("-short: skipping the real kpimon, Prometheus and VictoriaMetrics")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	root := testkit.RepoRoot(t)
	kpimonBin := testkit.Kpimon(t)

	vmOpts := vmOptions{dataDir: filepath.Join(dir, "vm"), addr: testkit.FreeAddr(t)}
	vm := startVM(t, ctx, vmBin, vmOpts)
	api := promAPI{base: "http://" + vmOpts.addr}
	started := time.Now()

	districts := testDistricts(root)
	for i, d := range districts {
		ddir := filepath.Join(dir, fmt.Sprintf("district-%d", i))
		startKpimon(t, ctx, kpimonBin, ddir, d)
		startProm(t, ctx, promBin, ddir, d, "1s", vmOpts.addr)
	}
	truth := map[string]*regionTruth{}
	for _, d := range districts {
		truth[d.region] = readTruth(t, ctx, d)
	}
	if got := truth["雁峰区"].compared; got == nil || got.target != 30 || got.actual == nil || *got.actual != 31 {
		t.Fatalf("雁峰区's %s per its kpimon: %+v, want target 30, actual 31", comparedName, got)
	}
	if got := truth["珠晖区"].compared; got == nil || got.target != 40 || got.actual == nil || *got.actual != 18 {
		t.Fatalf("珠晖区's %s per its kpimon: %+v, want target 40, actual 18", comparedName, got)
	}

	// Every region's indicators, with their figures, in VictoriaMetrics.
	waitForRegions(t, ctx, vm, api, truth)

	checkBoards(t, ctx, api, truth)
	t.Run("unit board per region", func(t *testing.T) { checkUnitBoardPerRegion(t, ctx, api, truth) })

	// Restart: what VictoriaMetrics answered before must survive; what
	// the districts scraped meanwhile must arrive (Prometheus resends).
	before, err := api.export(ctx, `{region=~".+"}`, started.Add(-time.Minute), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	regions := map[string]bool{}
	for s := range before {
		for r := range truth {
			if strings.Contains(s.series, `region="`+r+`"`) {
				regions[r] = true
			}
		}
	}
	if len(before) == 0 || len(regions) != len(truth) {
		t.Fatalf("export before the restart: %d samples of regions %v, want samples of all %d regions", len(before), regions, len(truth))
	}
	stopped := time.Now()
	vm.Stop(t)
	// Down for a few scrapes: the districts' Prometheus queue and retry.
	downFor := 3 * time.Second
	waitFor(t, ctx, "VictoriaMetrics to stay down "+downFor.String(), func() error {
		if time.Since(stopped) < downFor {
			return fmt.Errorf("down for %s", time.Since(stopped).Round(time.Millisecond))
		}
		return nil
	})
	restarted := time.Now()
	vm = startVM(t, ctx, vmBin, vmOpts)
	after, err := api.export(ctx, `{region=~".+"}`, started.Add(-time.Minute), stopped)
	if err != nil {
		t.Fatal(err)
	}
	var lost []string
	for s := range before {
		if !after[s] {
			lost = append(lost, fmt.Sprintf("%s @%d = %g", s.series, s.ts, s.value))
		}
	}
	if len(lost) > 0 {
		slices.Sort(lost)
		t.Errorf("%d of %d samples VictoriaMetrics showed before its restart are gone after it, e.g.:\n%s",
			len(lost), len(before), strings.Join(lost[:min(5, len(lost))], "\n"))
	}
	for _, d := range districts {
		checkNoGap(t, ctx, api, d.region, stopped, restarted)
	}
	waitForRegions(t, ctx, vm, api, truth)
	t.Run("after restart", func(t *testing.T) { checkBoards(t, ctx, api, truth) })
}

// waitFor polls check every 100 ms until it returns nil.
func waitFor(t testing.TB, ctx context.Context, what string, check func() error) {
	t.Helper()
	testkit.WaitFor(t, ctx, nil, what, check)
}

// waitForRegions waits until VictoriaMetrics answers, for every region,
// its kpimon's indicator count and latest figures.
func waitForRegions(t *testing.T, ctx context.Context, vm *testkit.Proc, api promAPI, truth map[string]*regionTruth) {
	t.Helper()
	testkit.WaitFor(t, ctx, vm, "every region's indicators and figures in VictoriaMetrics", func() error {
		for expr, want := range map[string]func(*regionTruth) float64{
			`count by (region) (kpi_indicator_info)`: func(r *regionTruth) float64 { return float64(r.total) },
			`count by (region) (kpi_status == 1)`:    func(r *regionTruth) float64 { return float64(r.total) },
			`count by (region) (kpi_actual)`:         func(r *regionTruth) float64 { return float64(r.reported) },
		} {
			res, err := api.query(ctx, expr)
			if err != nil {
				return err
			}
			got := map[string]float64{}
			for _, s := range res {
				got[s.Metric["region"]] = s.Value
			}
			for region, r := range truth {
				if got[region] != want(r) {
					return fmt.Errorf("%s: %v, want %s = %g", expr, got, region, want(r))
				}
			}
		}
		return nil
	})
}

// checkNoGap checks the samples of up{job="kpimon"} of the region around
// VictoriaMetrics' restart: the scrapes made while it was down arrive
// once it is back, so no gap is longer than a few scrape intervals.
func checkNoGap(t *testing.T, ctx context.Context, api promAPI, region string, stopped, restarted time.Time) {
	t.Helper()
	sel := fmt.Sprintf(`up{job="kpimon", region=%q}`, region)
	from, to := stopped.Add(-3*time.Second), restarted.Add(2*time.Second)
	waitFor(t, ctx, region+"'s scrapes during the restart to arrive", func() error {
		samples, err := api.export(ctx, sel, from.Add(-time.Second), to.Add(time.Second))
		if err != nil {
			return err
		}
		var ts []int64
		for s := range samples {
			if s.ts >= from.UnixMilli() && s.ts <= to.UnixMilli() {
				ts = append(ts, s.ts)
			}
		}
		slices.Sort(ts)
		if len(ts) < 2 || ts[0] > from.Add(2*time.Second).UnixMilli() || ts[len(ts)-1] < to.Add(-2*time.Second).UnixMilli() {
			return fmt.Errorf("%d samples between %s and %s", len(ts), from.Format(time.TimeOnly), to.Format(time.TimeOnly))
		}
		for i := 1; i < len(ts); i++ {
			if gap := time.Duration(ts[i]-ts[i-1]) * time.Millisecond; gap > 3*time.Second {
				return fmt.Errorf("no sample for %s before %s", gap, time.UnixMilli(ts[i]).Format(time.TimeOnly))
			}
		}
		return nil
	})
}

// regionTruth is what one district's kpimon says of its indicators through
// its own API: the figures the province board must show for the region.
type regionTruth struct {
	region, level string
	total         int
	reported      int            // indicators with a latest figure
	status        map[string]int // indicators per status
	overdue       int            // indicators whose report is overdue
	plans         map[string]int // indicators per plan
	leads         map[string]int // indicators per lead unit
	compared      *indicatorTruth
}

type indicatorTruth struct {
	plan, id, status string
	target           float64
	actual, progress *float64
}

// count is how many indicators have one of the statuses.
func (r *regionTruth) count(statuses ...string) float64 {
	n := 0
	for _, s := range statuses {
		n += r.status[s]
	}
	return float64(n)
}

// goodShare is the share achieved or on track (in progress counts).
func (r *regionTruth) goodShare() float64 {
	return r.count("achieved", "on_track", "in_progress") / float64(r.total)
}

func readTruth(t *testing.T, ctx context.Context, d *district) *regionTruth {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+d.kpimonAddr+"/api/v1/indicators", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Indicators []struct {
			Plan      string `json:"plan"`
			ID        string `json:"id"`
			Indicator struct {
				Name      string   `json:"name"`
				LeadUnits []string `json:"lead_units"`
			} `json:"indicator"`
			Evaluation struct {
				Status        string   `json:"status"`
				Target        float64  `json:"target"`
				Actual        *float64 `json:"actual"`
				ProgressRatio *float64 `json:"progress_ratio"`
				Overdue       bool     `json:"overdue"`
			} `json:"evaluation"`
		} `json:"indicators"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatalf("%s: GET /api/v1/indicators: %v", d.region, err)
	}
	r := &regionTruth{region: d.region, level: d.level, status: map[string]int{}, plans: map[string]int{}, leads: map[string]int{}}
	for _, ind := range list.Indicators {
		ev := ind.Evaluation
		r.total++
		for _, u := range ind.Indicator.LeadUnits {
			r.leads[u]++
		}
		r.status[ev.Status]++
		r.plans[ind.Plan]++
		if ev.Actual != nil {
			r.reported++
		}
		if ev.Overdue {
			r.overdue++
		}
		if ind.Indicator.Name == comparedName {
			if r.compared != nil {
				t.Fatalf("%s has two indicators named %s", d.region, comparedName)
			}
			r.compared = &indicatorTruth{plan: ind.Plan, id: ind.ID, status: ev.Status, target: ev.Target, actual: ev.Actual, progress: ev.ProgressRatio}
		}
	}
	if r.total == 0 {
		t.Fatalf("%s: kpimon lists no indicators", d.region)
	}
	return r
}

// selection is a leader's choice of the province board's variables and
// the regions it keeps.
type selection struct {
	name    string
	values  map[string]string
	regions []string
}

func selections() []selection {
	vars := func(level, region string) map[string]string {
		return map[string]string{"datasource": boards.DatasourceUID, "level": level, "region": region, "name": comparedName}
	}
	return []selection{
		{"all", vars(".*", ".*"), []string{"雁峰区", "珠晖区"}},
		{"both named", vars("区", "(雁峰区|珠晖区)"), []string{"雁峰区", "珠晖区"}},
		{"one region", vars("区", "珠晖区"), []string{"珠晖区"}},
	}
}

// perRegion is an expected answer: a value per region ("" for a query
// answering one number), and labels each region's series must carry.
type perRegion struct {
	values map[string]float64
	labels map[string]map[string]string
	sorted bool // the series come best first
}

// expected returns what the query of the province board must answer for
// the regions kept, from the districts' kpimons. Queries the test does not
// know fail: a new panel needs its expectation here.
func expected(q boardtest.Query, kept []*regionTruth) (perRegion, bool) {
	each := func(f func(r *regionTruth) float64) perRegion {
		p := perRegion{values: map[string]float64{}, labels: map[string]map[string]string{}}
		for _, r := range kept {
			p.values[r.region] = f(r)
			p.labels[r.region] = map[string]string{"level": r.level}
		}
		return p
	}
	total := func(f func(r *regionTruth) float64) perRegion {
		v := 0.0
		for _, r := range kept {
			v += f(r)
		}
		return perRegion{values: map[string]float64{"": v}}
	}
	counts := func(statuses ...string) func(r *regionTruth) float64 {
		return func(r *regionTruth) float64 { return r.count(statuses...) }
	}
	indicators := func(r *regionTruth) float64 { return float64(r.total) }
	share := func(r *regionTruth) float64 { return r.goodShare() }
	compared := func(f func(c *indicatorTruth) float64, labels func(c *indicatorTruth) map[string]string) perRegion {
		p := each(func(r *regionTruth) float64 { return f(r.compared) })
		for _, r := range kept {
			p.labels[r.region]["plan"] = r.compared.plan
			p.labels[r.region]["indicator"] = r.compared.id
			if labels != nil {
				for k, v := range labels(r.compared) {
					p.labels[r.region][k] = v
				}
			}
		}
		return p
	}
	key := q.Panel + "/" + q.RefID
	switch key {
	case "地区数/A":
		return perRegion{values: map[string]float64{"": float64(len(kept))}}, true
	case "指标总数/A":
		return total(indicators), true
	case "已达标/A":
		return total(counts("achieved")), true
	case "进度滞后/A":
		return total(counts("lagging")), true
	case "严重滞后/A":
		return total(counts("off_track", "deteriorating")), true
	case "逾期未达标/A":
		return total(counts("missed")), true
	case "达标或正常推进占比/A":
		good, all := total(counts("achieved", "on_track", "in_progress")), total(indicators)
		return perRegion{values: map[string]float64{"": good.values[""] / all.values[""]}}, true
	case "各地区指标状态/A":
		return each(indicators), true
	case "各地区指标状态/B":
		return each(counts("achieved")), true
	case "各地区指标状态/C":
		return each(counts("on_track", "in_progress")), true
	case "各地区指标状态/D":
		return each(counts("lagging")), true
	case "各地区指标状态/E":
		return each(counts("off_track", "deteriorating")), true
	case "各地区指标状态/F":
		return each(counts("missed")), true
	case "各地区指标状态/G":
		return each(counts("insufficient_data", "no_data")), true
	case "各地区指标状态/H":
		return each(share), true
	case "地区排名：达标或正常推进占比/A":
		p := each(share)
		p.sorted = true
		return p, true
	case "同一指标各地区完成进度：$name/A":
		p := compared(func(c *indicatorTruth) float64 { return *c.progress }, nil)
		p.sorted = true
		return p, true
	case "同一指标各地区对比：$name/A":
		return compared(func(*indicatorTruth) float64 { return 1 }, func(*indicatorTruth) map[string]string { return map[string]string{"name": comparedName} }), true
	case "同一指标各地区对比：$name/B":
		return compared(func(c *indicatorTruth) float64 { return c.target }, nil), true
	case "同一指标各地区对比：$name/C":
		// Both districts' latest figure is 2020's.
		return compared(func(c *indicatorTruth) float64 { return *c.actual }, func(*indicatorTruth) map[string]string { return map[string]string{"period": "2020"} }), true
	case "同一指标各地区对比：$name/D":
		return compared(func(c *indicatorTruth) float64 { return *c.progress }, nil), true
	case "同一指标各地区对比：$name/E":
		return compared(func(*indicatorTruth) float64 { return 1 }, func(c *indicatorTruth) map[string]string { return map[string]string{"status": c.status} }), true
	case "各地区规划与看板/A", "各地区规划与看板/B":
		p := each(func(r *regionTruth) float64 {
			if q.RefID == "B" {
				return float64(r.overdue)
			}
			return float64(r.total)
		})
		for _, r := range kept {
			for plan := range r.plans {
				p.labels[r.region]["plan"] = plan
			}
		}
		return p, true
	}
	return perRegion{}, false
}

// checkBoards runs every query and variable of the province boards against
// VictoriaMetrics for each selection and compares the answers with the
// districts' kpimons.
func checkBoards(t *testing.T, ctx context.Context, api promAPI, truth map[string]*regionTruth) {
	for _, sel := range selections() {
		var kept []*regionTruth
		for _, r := range sel.regions {
			kept = append(kept, truth[r])
		}
		for _, d := range boards.ProvinceBoards() {
			for _, q := range boardtest.Queries(d) {
				t.Run(fmt.Sprintf("%s/%s/%s/%s", sel.name, d.UID, q.Panel, q.RefID), func(t *testing.T) {
					want, ok := expected(q, kept)
					if !ok {
						t.Fatalf("no expectation for this query; add one to expected():\n%s", q.Expr)
					}
					expr := boardtest.Interpolate(q.Expr, sel.values)
					res, err := api.query(ctx, expr)
					if err != nil {
						t.Fatalf("query %s: %v", expr, err)
					}
					checkAnswer(t, expr, res, want)
				})
			}
			for _, v := range d.Templating.List {
				if v.Type != "query" {
					continue
				}
				t.Run(fmt.Sprintf("%s/%s/variable %s", sel.name, d.UID, v.Name), func(t *testing.T) {
					checkVariable(t, ctx, api, boardtest.Interpolate(v.Query, sel.values), kept)
				})
			}
		}
	}
}

func checkAnswer(t *testing.T, expr string, res []sample, want perRegion) {
	t.Helper()
	got := map[string]float64{}
	var order []string
	for _, s := range res {
		region := s.Metric["region"]
		if _, dup := got[region]; dup {
			t.Errorf("two series for region %q: %v", region, res)
		}
		got[region] = s.Value
		order = append(order, region)
		for k, v := range want.labels[region] {
			if s.Metric[k] != v {
				t.Errorf("region %q: label %s=%q, want %q (series %v)", region, k, s.Metric[k], v, s.Metric)
			}
		}
	}
	if len(got) != len(want.values) {
		t.Errorf("answer has regions %v, want %v\n%s", keys(got), keys(want.values), expr)
	}
	for region, w := range want.values {
		g, ok := got[region]
		if !ok {
			t.Errorf("no value for region %q, want %g\n%s", region, w, expr)
			continue
		}
		if math.Abs(g-w) > 1e-9*math.Max(1, math.Abs(w)) {
			t.Errorf("region %q: %g, want %g\n%s", region, g, w, expr)
		}
	}
	if want.sorted && !sort.SliceIsSorted(order, func(i, j int) bool { return got[order[i]] > got[order[j]] }) {
		t.Errorf("regions in order %v with values %v, want best first", order, got)
	}
}

// checkVariable checks a label_values(selector, label) variable offers
// exactly what the kept regions have.
func checkVariable(t *testing.T, ctx context.Context, api promAPI, query string, kept []*regionTruth) {
	t.Helper()
	inner, ok := strings.CutPrefix(query, "label_values(")
	if !ok {
		t.Fatalf("variable query %q is not label_values(...)", query)
	}
	inner = strings.TrimSuffix(inner, ")")
	i := strings.LastIndex(inner, ",")
	selector, label := strings.TrimSpace(inner[:i]), strings.TrimSpace(inner[i+1:])
	got, err := api.labelValues(ctx, selector, label)
	if err != nil {
		t.Fatalf("label values %s of %s: %v", label, selector, err)
	}
	switch label {
	case "level":
		if !slices.Equal(got, []string{"区"}) {
			t.Errorf("%s offers %v, want [区]", query, got)
		}
	case "region":
		// The level filter is region-independent: every region of the level.
		if !slices.Equal(got, []string{"珠晖区", "雁峰区"}) && !slices.Equal(got, []string{"雁峰区", "珠晖区"}) {
			t.Errorf("%s offers %v, want both regions", query, got)
		}
	case "name":
		if !slices.Contains(got, comparedName) {
			t.Errorf("%s offers %d names without %s", query, len(got), comparedName)
		}
		if len(kept) == 1 && kept[0].region == "珠晖区" && len(got) != kept[0].total {
			t.Errorf("%s offers %d names for 珠晖区, want its %d indicators: %v", query, len(got), kept[0].total, got)
		}
	default:
		t.Errorf("variable over label %s: no expectation", label)
	}
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// checkUnitBoardPerRegion opens the 责任单位 board in the province Grafana
// (VictoriaMetrics) for a lead unit both districts have, with the plan at
// All as it opens: its count is the one region's, as that district's
// kpimon says, not both districts' together (on main 31 = 28 + 3). The
// region picker offers every region and no All.
func checkUnitBoardPerRegion(t *testing.T, ctx context.Context, api promAPI, truth map[string]*regionTruth) {
	var unit string
	for u := range truth["雁峰区"].leads {
		if truth["珠晖区"].leads[u] > 0 && (unit == "" || u < unit) {
			unit = u
		}
	}
	if unit == "" {
		t.Fatal("no lead unit in both districts: the fixture must share one")
	}
	d := boards.Unit()
	var expr string
	for _, q := range boardtest.Queries(d) {
		if q.Panel == "负责指标" && q.RefID == "A" {
			expr = q.Expr
		}
	}
	for _, v := range d.Templating.List {
		if v.Name == "region" && (v.IncludeAll || v.Multi) {
			t.Errorf("region variable offers All or several regions: %+v", v)
		}
	}
	for region, r := range truth {
		values := map[string]string{"datasource": boards.DatasourceUID, "region": region, "plan": ".*", "lead_unit": unit}
		q := boardtest.Interpolate(expr, values)
		res, err := api.query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 1 || res[0].Value != float64(r.leads[unit]) {
			t.Errorf("%s: 负责指标 of %s = %v, its kpimon says %d:\n%s", region, unit, res, r.leads[unit], q)
		}
	}
}
