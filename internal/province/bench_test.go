package province

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/boards"
	"github.com/yanfeng/kpimon/internal/boards/boardtest"
	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/catalog"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// BenchmarkProvinceIngest puts a province of generated plans (60
// indicators each, ten annual figures per indicator) through the province
// path: kpimon serves them, a Prometheus with external labels scrapes it
// and remote-writes into VictoriaMetrics; each plan is a region (the
// scrape copies plan into region), as if each had its own Prometheus. Once every kpi series
// is in VictoriaMetrics it reports, side by side in the same run, the
// kernel's VmRSS and VmHWM of VictoriaMetrics and of that Prometheus (which
// holds the same series in its own TSDB) per series and per indicator,
// their data on disk, and the latency of every query of the province board
// on both; the loop times the heaviest one on VictoriaMetrics.
//
//	go test -run '^$' -bench ProvinceIngest -benchtime 1x ./internal/province -province.indicators 30000
//
// The default (600 indicators) is for .ci/bench; docs/scaling.md and
// BENCHMARKS.md have the figures at province size.
func BenchmarkProvinceIngest(b *testing.B) {
	vmBin := testkit.VictoriaMetrics(b)
	promBin := testkit.LookPath(b, "prometheus", "prometheus")
	n := *benchIndicators
	if n < indicatorsPerPlan || n%indicatorsPerPlan != 0 {
		b.Fatalf("-province.indicators %d: want a positive multiple of %d", n, indicatorsPerPlan)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Minute)
	defer cancel()
	dir := b.TempDir()
	targets := filepath.Join(dir, "targets")
	writeProvincePlans(b, targets, n/indicatorsPerPlan)
	data := filepath.Join(dir, "data")
	loadFigures(b, ctx, targets, data)

	d := &district{region: "全省", level: "区", targets: targets, asOf: benchAsOf, regionPerPlan: true}
	kpimonBin := testkit.Kpimon(b)
	d.kpimonAddr = testkit.FreeAddr(b)
	d.kpimon = testkit.Start(b, "kpimon", kpimonBin, "serve", "--listen", d.kpimonAddr, "--data", data,
		"--targets", targets, "--as-of", d.asOf, "--log-level", "warn")
	testkit.WaitHTTP(b, ctx, d.kpimon, "http://"+d.kpimonAddr+"/readyz")

	vmOpts := vmOptions{dataDir: filepath.Join(dir, "vm"), addr: testkit.FreeAddr(b)}
	vm := startVM(b, ctx, vmBin, vmOpts)
	vmAPI := promAPI{base: "http://" + vmOpts.addr}
	start := time.Now()
	startProm(b, ctx, promBin, filepath.Join(dir, "prometheus"), d, benchScrapeInterval(n), vmOpts.addr)
	promAPI := promAPI{base: "http://" + d.promAddr}

	// The kpi series of one complete scrape, as Prometheus counts them.
	var series float64
	poll(b, ctx, "Prometheus to hold a complete scrape of kpimon", func() error {
		res, err := promAPI.query(ctx, `count({job="kpimon", __name__=~"kpi_.*"}) and on() up{job="kpimon"} == 1`)
		if err != nil || len(res) == 0 {
			up, _ := promAPI.query(ctx, `up{job="kpimon"} or scrape_duration_seconds{job="kpimon"}`)
			return fmt.Errorf("no complete scrape yet (%v; up and scrape duration: %v)", err, up)
		}
		series = res[0].Value
		return nil
	})
	// samples scraped, and Prometheus' five synthetic series (up …), all
	// with job="kpimon", which alone is remote-written.
	var scraped float64
	if res, err := promAPI.query(ctx, `scrape_samples_scraped{job="kpimon"}`); err != nil || len(res) != 1 {
		b.Fatalf("scrape_samples_scraped: %v %v", res, err)
	} else {
		scraped = res[0].Value + 5
	}
	waitCount := func(what string) {
		// VictoriaMetrics' series count is cheap to ask (a count() query
		// over a million series is not, and would slow the ingest it
		// waits for); the exact count of kpi series is checked once after.
		poll(b, ctx, what, func() error {
			var count float64
			if err := vmAPI.get(ctx, "/api/v1/series/count", nil, &[]*float64{&count}); err != nil {
				return err
			}
			if count < scraped {
				return fmt.Errorf("VictoriaMetrics has %g of %g series", count, scraped)
			}
			return nil
		})
		// A series is counted as soon as it is registered, but its samples
		// become searchable a moment later (-search.latencyOffset): poll
		// the exact count too rather than reading it once.
		poll(b, ctx, "every kpi series searchable in VictoriaMetrics", func() error {
			res, err := vmAPI.query(ctx, `count({job="kpimon", __name__=~"kpi_.*"})`)
			if err != nil {
				return err
			}
			if len(res) != 1 || res[0].Value != series {
				return fmt.Errorf("VictoriaMetrics holds %v kpi series, want %g", res, series)
			}
			return nil
		})
	}
	waitCount("every kpi series in VictoriaMetrics")
	ingest := time.Since(start)
	// Steady state: three more scrapes remote-written.
	settle := time.Now()
	poll(b, ctx, "three more scrapes", func() error {
		if wait := 3 * parseDuration(b, benchScrapeInterval(n)); time.Since(settle) < wait {
			return fmt.Errorf("settling for %s", wait)
		}
		return nil
	})
	waitCount("the latest scrape in VictoriaMetrics")

	vmMem, promMem := procMemory(b, vm.PID()), procMemory(b, d.prom.PID())
	vmDisk, promDisk := dirSize(b, vmOpts.dataDir), dirSize(b, filepath.Join(dir, "prometheus", "tsdb"))

	values := map[string]string{"datasource": boards.DatasourceUID, "level": ".*", "region": ".*", "name": "指标00"}
	// Each query once on VictoriaMetrics to find the heaviest, then the
	// median of five on both engines for that one: the whole board five
	// times over on both would take longer than the ingest on a busy
	// machine.
	var heaviest string
	var slowest time.Duration
	for _, q := range boardtest.Queries(boards.Province()) {
		expr := boardtest.Interpolate(q.Expr, values)
		t0 := time.Now()
		if _, err := vmAPI.query(ctx, expr); err != nil {
			b.Fatalf("%s/%s: %v", q.Panel, q.RefID, err)
		}
		took := time.Since(t0)
		b.Logf("query %s/%s: VictoriaMetrics %s", q.Panel, q.RefID, took.Round(time.Millisecond))
		if took > slowest {
			heaviest, slowest = expr, took
		}
	}
	heaviestVM, heaviestProm := medianQuery(b, ctx, vmAPI, heaviest), medianQuery(b, ctx, promAPI, heaviest)
	mib := func(v int64) string { return fmt.Sprintf("%.0f", float64(v)/(1<<20)) }
	kib := func(v int64, per float64) string { return fmt.Sprintf("%.2f", float64(v)/per/1024) }
	b.Logf("heaviest query: %s", heaviest)
	b.Logf("| indicators | kpi series | ingest s | VM RSS / HWM MiB | VM KiB/indicator (RSS) | VM B/series (RSS) | Prometheus RSS / HWM MiB | Prometheus KiB/indicator (RSS) | Prometheus B/series (RSS) | VM / Prometheus RSS | VM disk MiB | Prometheus disk MiB | heaviest query VM ms | Prometheus ms |")
	b.Logf("| %d | %.0f | %.0f | %s / %s | %s | %.0f | %s / %s | %s | %.0f | %.2f | %s | %s | %.0f | %.0f |",
		n, series, ingest.Seconds(), mib(vmMem.rss), mib(vmMem.hwm), kib(vmMem.rss, float64(n)), float64(vmMem.rss)/series,
		mib(promMem.rss), mib(promMem.hwm), kib(promMem.rss, float64(n)), float64(promMem.rss)/series,
		float64(vmMem.rss)/float64(promMem.rss), mib(vmDisk), mib(promDisk),
		heaviestVM.Seconds()*1000, heaviestProm.Seconds()*1000)

	b.ResetTimer()
	for range b.N {
		if _, err := vmAPI.query(ctx, heaviest); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// After the loop: ResetTimer drops metrics reported before it.
	b.ReportMetric(float64(n), "indicators")
	b.ReportMetric(series, "kpi-series")
	b.ReportMetric(ingest.Seconds(), "s-to-ingest")
	b.ReportMetric(float64(vmMem.rss)/series, "vm-rss-B/series")
	b.ReportMetric(float64(vmMem.hwm)/series, "vm-hwm-B/series")
	b.ReportMetric(float64(promMem.rss)/series, "prom-rss-B/series")
	b.ReportMetric(float64(promMem.hwm)/series, "prom-hwm-B/series")
	b.ReportMetric(heaviestVM.Seconds()*1000, "vm-heaviest-ms")
	b.ReportMetric(heaviestProm.Seconds()*1000, "prom-heaviest-ms")
}

var benchIndicators = flag.Int("province.indicators", 600, "indicators of BenchmarkProvinceIngest, a multiple of 60 (plans of 60)")

const (
	indicatorsPerPlan = 60
	benchFirstYear    = 2016
	benchPeriods      = 10
	benchAsOf         = "2026-06-30"
)

// benchScrapeInterval is the benchmark Prometheus' scrape interval: long
// enough for one scrape of n indicators' series, short enough to settle
// soon.
func benchScrapeInterval(n int) string {
	if n <= 6000 {
		return "5s"
	}
	return "30s"
}

// writeProvincePlans writes plans targets files of 60 indicators each, one
// plan a region, with the seed plan's mix of kinds (mostly at_least, some
// at_most, increase and milestone), as cmd/kpibench generates them.
func writeProvincePlans(b *testing.B, dir string, plans int) {
	b.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	units := []string{"区科工信局", "区发改局", "区商务局", "区市场监管局", "区财政局", "区统计局"}
	last := benchFirstYear + benchPeriods - 1
	for p := range plans {
		var sb strings.Builder
		fmt.Fprintf(&sb, "id: region-%04d\ntitle: 第%d区创新型区建设\nregion: 第%d区\nsource: province benchmark\nstart_year: %d\nend_year: %d\n",
			p, p, p, benchFirstYear, last)
		sb.WriteString("defaults: {frequency: annual, due_days: 90, measure: level}\ntasks:\n")
		for task := 1; task <= 6; task++ {
			fmt.Fprintf(&sb, "  - task: %d\n    title: 任务%d\n    work_lines:\n      - id: \"%d.1\"\n        text: 到期末，指标达到目标。\n        lead_units: [%s]\n        indicators:\n",
				task, task, task, units[task-1])
			for j := task - 1; j < indicatorsPerPlan; j += 6 {
				kind, unit, target := "at_least", "家", "target: 100\n"
				switch j % 10 {
				case 7:
					kind, unit, target = "at_most", "吨标准煤/万元", "target: 0.3\n"
				case 8:
					kind, unit, target = "increase", "件", ""
				case 9:
					kind, unit, target = "milestone", "项", ""
				}
				fmt.Fprintf(&sb, "          - id: indicator_%02d\n            name: 指标%02d\n            kind: %s\n            unit: %s\n            deadline: %d\n            source_text: 到期末，指标达到目标。\n",
					j, j, kind, unit, last)
				if target != "" {
					sb.WriteString("            " + target)
				}
			}
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("region-%04d.yaml", p)), []byte(sb.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// loadFigures syncs the catalog into a new store in data and adds ten
// annual figures per indicator in one submission.
func loadFigures(b *testing.B, ctx context.Context, targets, data string) {
	b.Helper()
	cat, err := catalog.LoadDir(targets)
	if err != nil {
		b.Fatalf("load generated plans: %v", err)
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		b.Fatal(err)
	}
	st, err := boltstore.Open(filepath.Join(data, "kpimon.db"), boltstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	actor := kpi.Actor{Name: "bench", Remote: "cli"}
	if _, err := st.SyncCatalog(ctx, cat, actor); err != nil {
		b.Fatalf("sync catalog: %v", err)
	}
	obs := make([]kpi.Observation, 0, len(cat.Indicators)*benchPeriods)
	for i, ind := range cat.Indicators {
		for k := range benchPeriods {
			v := float64(10 + k*(5+i%9))
			switch ind.Kind {
			case kpi.KindAtMost:
				v = 0.5 - 0.02*float64(k) - 0.001*float64(i%7)
			case kpi.KindMilestone:
				v = 0
				if k >= 8 {
					v = 1
				}
			}
			obs = append(obs, kpi.Observation{Plan: ind.Plan, Indicator: ind.ID, Period: kpi.YearPeriod(benchFirstYear + k), Value: v})
		}
	}
	if _, err := st.AddObservations(ctx, kpi.Submission{Actor: actor, Source: "cli", Observations: obs}); err != nil {
		b.Fatalf("add figures: %v", err)
	}
}

// memory is a process' resident set now and at its peak, as the kernel
// reports them.
type memory struct{ rss, hwm int64 }

func procMemory(b *testing.B, pid int) memory {
	b.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			b.Fatalf("/proc/%d/status %s: %v", pid, name, err)
		}
		if name == "VmRSS" {
			m.rss = kb << 10
		} else {
			m.hwm = kb << 10
		}
	}
	if m.rss == 0 || m.hwm == 0 {
		b.Fatalf("/proc/%d/status: no VmRSS/VmHWM", pid)
	}
	return m
}

func dirSize(b *testing.B, dir string) int64 {
	b.Helper()
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				total += fi.Size()
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return total
}

// medianQuery is the median of five evaluations of expr.
func medianQuery(b *testing.B, ctx context.Context, api promAPI, expr string) time.Duration {
	b.Helper()
	var ds []time.Duration
	for range 5 {
		t0 := time.Now()
		if _, err := api.query(ctx, expr); err != nil {
			b.Fatalf("%s: %v", api.base, err)
		}
		ds = append(ds, time.Since(t0))
	}
	slices.Sort(ds)
	return ds[2]
}

// poll calls check every 5 s until it returns nil; the benchmark's
// waits are longer than testkit.WaitFor's at province size.
func poll(b *testing.B, ctx context.Context, what string, check func() error) {
	b.Helper()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		err := check()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			b.Fatalf("waiting for %s: %v (last: %v)", what, ctx.Err(), err)
		case <-tick.C:
		}
	}
}

func parseDuration(b *testing.B, s string) time.Duration {
	b.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		b.Fatal(err)
	}
	return d
}
