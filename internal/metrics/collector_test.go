package metrics

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/kpi"
)

var update = flag.Bool("update", false, "rewrite testdata/*.prom from the current output")

// asOf is the instant the fixture is evaluated at: mid 2022, after the
// 2021 figures are due (end of March 2022) and before the 2022 deadline.
var asOf = time.Date(2022, 6, 30, 23, 59, 59, 0, kpi.China)

// submittedAt stamps every fixture figure, so the golden file is stable.
var submittedAt = time.Date(2022, 3, 15, 10, 0, 0, 0, kpi.China)

var testPlan = kpi.Plan{
	ID: "test-plan", Title: "测试规划", Region: "雁峰区", Source: "test", StartYear: 2019, EndYear: 2022,
}

// testIndicators cover each kind, a cumulative measure, two lead units, an
// indicator without figures and one with a missing report.
func testIndicators() []kpi.Indicator {
	base := kpi.Indicator{
		Plan: testPlan.ID, Task: 1, TaskTitle: "推动企业技术创新", Frequency: kpi.Annual, DueDays: 90,
		Measure: kpi.MeasureLevel, Deadline: 2022,
	}
	with := func(f func(*kpi.Indicator)) kpi.Indicator {
		ind := base
		f(&ind)
		return ind
	}
	return []kpi.Indicator{
		with(func(i *kpi.Indicator) {
			i.ID, i.Name, i.NameEN, i.Unit, i.Kind, i.Target = "high_tech", "高新技术企业", "High-tech enterprises", "家", kpi.KindAtLeast, 30
			i.LeadUnits = []string{"区科工信局"}
			i.Baseline = &kpi.Baseline{Period: kpi.YearPeriod(2019), Value: 10}
			i.Note = "按年末认定有效的高新技术企业数报送。"
		}),
		with(func(i *kpi.Indicator) {
			i.ID, i.Name, i.NameEN, i.Unit, i.Kind, i.Target = "new_projects", "新增招商项目", "New investment projects", "个", kpi.KindAtLeast, 20
			i.LeadUnits = []string{"区发改局", "区商务局"}
			i.Measure = kpi.MeasureCumulative
		}),
		with(func(i *kpi.Indicator) {
			i.ID, i.Name, i.NameEN, i.Unit, i.Kind, i.Target = "energy_cut", "单位能耗压缩", "Energy use cut", "吨标准煤/万元", kpi.KindReduceBy, 10
			i.Task = 2
			i.LeadUnits = []string{"区发改局"}
		}),
		with(func(i *kpi.Indicator) {
			i.ID, i.Name, i.NameEN, i.Unit, i.Kind, i.Target = "rd_spending", "研发经费投入", "R&D spending", "万元", kpi.KindIncrease, 0
			i.Task = 2
			i.LeadUnits = []string{"区财政局"}
		}),
		with(func(i *kpi.Indicator) {
			i.ID, i.Name, i.NameEN, i.Unit, i.Kind, i.Target = "platform", "创新平台建成", "Innovation platform built", "项", kpi.KindMilestone, 1
			i.Task = 3
			i.LeadUnits = []string{"区委", "区政府"}
		}),
	}
}

func testObservations() []kpi.Observation {
	obs := func(ind, period string, v float64) kpi.Observation {
		p, err := kpi.ParsePeriod(period)
		if err != nil {
			panic(err)
		}
		return kpi.Observation{Plan: testPlan.ID, Indicator: ind, Period: p, Value: v}
	}
	return []kpi.Observation{
		obs("high_tech", "2020", 14),
		obs("high_tech", "2021", 18),
		obs("new_projects", "2019", 3),
		obs("new_projects", "2020", 4),
		obs("new_projects", "2021", 5),
		obs("rd_spending", "2020", 1200),
		obs("rd_spending", "2021", 1100),
		obs("platform", "2021", 1),
		// Not yet ended as of asOf: must not show.
		obs("high_tech", "2022", 25),
	}
}

// openStore returns a bbolt store in a temporary directory holding the
// fixture catalog and figures.
func openStore(t testing.TB, inds []kpi.Indicator, obs []kpi.Observation) *boltstore.Store {
	t.Helper()
	return openStorePlans(t, []kpi.Plan{testPlan}, inds, obs)
}

// openStorePlans is openStore with plans of one's own.
func openStorePlans(t testing.TB, plans []kpi.Plan, inds []kpi.Indicator, obs []kpi.Observation) *boltstore.Store {
	t.Helper()
	ctx := context.Background()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "kpimon.db"), boltstore.Options{Now: func() time.Time { return submittedAt }})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := store.SyncCatalog(ctx, kpi.Catalog{Plans: plans, Indicators: inds}, kpi.Actor{Name: "test"}); err != nil {
		t.Fatalf("sync catalog: %v", err)
	}
	if len(obs) > 0 {
		sub := kpi.Submission{Actor: kpi.Actor{Name: "test", All: true}, Source: "cli", At: submittedAt, Observations: obs}
		if _, err := store.AddObservations(ctx, sub); err != nil {
			t.Fatalf("add observations: %v", err)
		}
	}
	return store
}

// testLinks are the addresses the fixture's alert text points at.
var testLinks = Links{GrafanaURL: "https://grafana.example.gov.cn/", WebURL: "https://kpi.example.gov.cn"}

func newTestCollector(store kpi.Store) *Collector {
	states := kpi.NewStates(store, kpi.StatesOptions{Now: func() time.Time { return asOf }})
	return NewCollector(states, Options{BuildVersion: "test", Links: testLinks})
}

// exposition returns the text exposition of c's metrics alone.
func exposition(t *testing.T, c *Collector) []byte {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatalf("encode %s: %v", mf.GetName(), err)
		}
	}
	return buf.Bytes()
}

func TestCollectorGolden(t *testing.T) {
	store := openStore(t, testIndicators(), testObservations())
	got := exposition(t, newTestCollector(store))

	golden := filepath.Join("testdata", "collector.prom")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("exposition differs from %s (-want +got); run go test ./internal/metrics -update if the change is intended:\n%s", golden, diff)
	}
}

// TestCollectorSeries checks properties of the exposition that the golden
// file could hide by being refreshed without care.
func TestCollectorSeries(t *testing.T) {
	store := openStore(t, testIndicators(), testObservations())
	c := newTestCollector(store)

	tests := []struct {
		name   string
		metric string
		want   string
	}{
		{
			name:   "one lead unit series per lead unit",
			metric: "kpi_indicator_lead_unit",
			want: `
kpi_indicator_lead_unit{indicator="energy_cut",lead_unit="区发改局",plan="test-plan"} 1
kpi_indicator_lead_unit{indicator="high_tech",lead_unit="区科工信局",plan="test-plan"} 1
kpi_indicator_lead_unit{indicator="new_projects",lead_unit="区发改局",plan="test-plan"} 1
kpi_indicator_lead_unit{indicator="new_projects",lead_unit="区商务局",plan="test-plan"} 1
kpi_indicator_lead_unit{indicator="platform",lead_unit="区委",plan="test-plan"} 1
kpi_indicator_lead_unit{indicator="platform",lead_unit="区政府",plan="test-plan"} 1
kpi_indicator_lead_unit{indicator="rd_spending",lead_unit="区财政局",plan="test-plan"} 1
`,
		},
		{
			name:   "latest actual without its period, which kpi_status carries; the 2022 figure is not yet counted",
			metric: "kpi_actual",
			want: `
kpi_actual{indicator="high_tech",plan="test-plan"} 18
kpi_actual{indicator="new_projects",plan="test-plan"} 12
kpi_actual{indicator="platform",plan="test-plan"} 1
kpi_actual{indicator="rd_spending",plan="test-plan"} 1100
`,
		},
		{
			name:   "no target before a reduce_by baseline exists, none for an increase line",
			metric: "kpi_target",
			want: `
kpi_target{indicator="high_tech",plan="test-plan"} 30
kpi_target{indicator="new_projects",plan="test-plan"} 20
kpi_target{indicator="platform",plan="test-plan"} 1
`,
		},
		{
			name:   "the owed period and its due date; overdue only without the 2021 figure, then with the alert text",
			metric: "kpi_report_due_timestamp_seconds",
			want: `
kpi_report_due_timestamp_seconds{indicator="high_tech",overdue="0",period="2022",plan="test-plan"} 1.6802784e+09
kpi_report_due_timestamp_seconds{indicator="new_projects",overdue="0",period="2022",plan="test-plan"} 1.6802784e+09
kpi_report_due_timestamp_seconds{indicator="rd_spending",overdue="0",period="2022",plan="test-plan"} 1.6802784e+09
kpi_report_due_timestamp_seconds{dashboard="https://grafana.example.gov.cn/d/kpi-indicator/kpi-indicator?var-plan=test-plan&var-indicator=energy_cut",description="规划：测试规划\n任务：2 推动企业技术创新\n指标：单位能耗压缩（energy_cut）\n牵头单位：区发改局\n应报：2021年数据，报送期限2022年3月31日\n已报最新：尚无数据\n下一步：请登录 https://kpi.example.gov.cn/submit 报送2021年数据。",indicator="energy_cut",overdue="1",period="2021",plan="test-plan",summary="【逾期未报】单位能耗压缩（区发改局牵头）：2021年数据应于2022年3月31日前报送，尚未报送"} 1.6487424e+09
`,
		},
	}
	text := string(exposition(t, c))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := grepLines(text, tt.metric+"{")
			if diff := cmp.Diff(strings.TrimSpace(tt.want), got); diff != "" {
				t.Errorf("%s series (-want +got):\n%s", tt.metric, diff)
			}
		})
	}

	t.Run("one status series per indicator", func(t *testing.T) {
		got := grepLines(text, "kpi_status{")
		for _, ind := range testIndicators() {
			if n := strings.Count(got, `indicator="`+ind.ID+`"`); n != 1 {
				t.Errorf("%d kpi_status series of %s, want 1:\n%s", n, ind.ID, got)
			}
		}
	})
}

// TestSeriesBudget holds the per-indicator series budget of
// docs/metrics.md: at most ten series for any indicator with figures (two
// lead units, an alerted status and a required annual change included),
// counted from the golden file so that a new family shows here.
func TestSeriesBudget(t *testing.T) {
	golden, err := os.ReadFile(filepath.Join("testdata", "collector.prom"))
	if err != nil {
		t.Fatal(err)
	}
	perIndicator := map[string]int{}
	for _, line := range strings.Split(string(golden), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if _, rest, ok := strings.Cut(line, `indicator="`); ok {
			id, _, _ := strings.Cut(rest, `"`)
			perIndicator[id]++
		}
	}
	want := map[string]int{
		"energy_cut":   4,  // no figure: info, lead unit, status, report due (overdue); no target before a baseline
		"high_tech":    9,  // lagging: + target, progress, actual, expected, required change
		"new_projects": 10, // two lead units
		"platform":     7,  // an achieved milestone with two lead units (target, progress, actual): nothing more due
		"rd_spending":  5,  // increase: no target (no figure to reach), progress, expected or required change
	}
	if diff := cmp.Diff(want, perIndicator); diff != "" {
		t.Errorf("series per indicator in testdata/collector.prom (-want +got):\n%s", diff)
	}
	for id, n := range perIndicator {
		if n > 10 {
			t.Errorf("%s has %d series, over the budget of 10 per indicator", id, n)
		}
	}
}

func TestCollectorDeletedIndicator(t *testing.T) {
	ctx := context.Background()
	inds := testIndicators()
	store := openStore(t, inds, testObservations())
	c := newTestCollector(store)
	before := testutil.CollectAndCount(c, "kpi_indicator_info")

	if _, err := store.SyncCatalog(ctx, kpi.Catalog{Plans: []kpi.Plan{testPlan}, Indicators: inds[1:]}, kpi.Actor{Name: "test"}); err != nil {
		t.Fatalf("sync catalog: %v", err)
	}
	if got, want := testutil.CollectAndCount(c, "kpi_indicator_info"), before-1; got != want {
		t.Errorf("kpi_indicator_info series after removing %s = %d, want %d", inds[0].ID, got, want)
	}
	got := exposition(t, c)
	if bytes.Contains(got, []byte(`indicator="`+inds[0].ID+`"`)) {
		t.Errorf("exposition still holds series of removed indicator %s:\n%s", inds[0].ID, got)
	}
}

func TestCollectorStoreError(t *testing.T) {
	store := openStore(t, testIndicators(), testObservations())
	c := newTestCollector(store)
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	// What a scrape then serves (process metrics, no indicator series, the
	// failure counted) is TestHandlerStoreError's.
	if _, err := NewRegistry(c).Gather(); err == nil {
		t.Error("Gather() with a closed store: err = nil, want an error")
	}
}

// grepLines returns the lines of s starting with prefix.
func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestCollectorSendsFamiliesSorted checks that every family arrives in the
// order the registry sorts it into (by label values), which keeps the
// registry's sort of a national catalog linear. Output is the same either
// way; only the cost differs.
func TestCollectorSendsFamiliesSorted(t *testing.T) {
	inds, obs := largeFixture(60)
	store := openStore(t, append(inds, testIndicators()...), append(obs, testObservations()...))
	c := newTestCollector(store)

	ch := make(chan prometheus.Metric)
	go func() {
		c.Collect(ch)
		close(ch)
	}()
	families := map[*prometheus.Desc][][]string{}
	for m := range ch {
		var pb dto.Metric
		if err := m.Write(&pb); err != nil {
			t.Fatalf("write %v: %v", m.Desc(), err)
		}
		var values []string
		for _, lp := range pb.GetLabel() {
			values = append(values, lp.GetValue())
		}
		families[m.Desc()] = append(families[m.Desc()], values)
	}
	if len(families) < 10 {
		t.Fatalf("collected %d families, want the whole metric set", len(families))
	}
	for desc, series := range families {
		for i := 1; i < len(series); i++ {
			if slices.Compare(series[i-1], series[i]) >= 0 {
				t.Errorf("%v: series %d %v sent after %v, want label order", desc, i, series[i], series[i-1])
				break
			}
		}
	}
}

// TestCollectorConcurrentScrapes scrapes from two goroutines at once, as two
// Prometheus servers do; run with -race it checks the shared label pairs
// and the cached send order.
func TestCollectorConcurrentScrapes(t *testing.T) {
	store := openStore(t, testIndicators(), testObservations())
	c := newTestCollector(store)
	want := string(exposition(t, c))

	const scrapers, scrapes = 2, 5
	got := make([][]string, scrapers)
	var wg sync.WaitGroup
	for i := range scrapers {
		wg.Go(func() {
			for range scrapes {
				reg := prometheus.NewRegistry()
				reg.MustRegister(c)
				mfs, err := reg.Gather()
				if err != nil {
					got[i] = append(got[i], "gather: "+err.Error())
					continue
				}
				var buf bytes.Buffer
				enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
				for _, mf := range mfs {
					_ = enc.Encode(mf)
				}
				got[i] = append(got[i], buf.String())
			}
		})
	}
	wg.Wait()
	for i, outs := range got {
		for j, out := range outs {
			if diff := cmp.Diff(want, out); diff != "" {
				t.Errorf("scraper %d, scrape %d differs from a lone scrape (-want +got):\n%s", i, j, diff)
			}
		}
	}
}
