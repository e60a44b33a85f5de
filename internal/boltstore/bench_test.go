package boltstore

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Benchmarks default to a tenth of the national scale (3,000 regions × 60
// indicators × 10 periods = 1.8M figures); KPIMON_BENCH_FULL=1 runs it whole.
func benchScale() (plans, perPlan int) {
	if os.Getenv("KPIMON_BENCH_FULL") != "" {
		return 3000, 60
	}
	return 300, 60
}

var benchYears = []int{2013, 2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022}

// BenchmarkAddObservations stores one submission of new figures (indicators
// × 10 years) into a fresh store: 100,000 figures, and 1,000,000 with
// KPIMON_BENCH_FULL=1.
func BenchmarkAddObservations(b *testing.B) {
	sizes := []int{10000}
	if os.Getenv("KPIMON_BENCH_FULL") != "" {
		sizes = append(sizes, 100000)
	}
	for _, indicators := range sizes {
		cat := bigCatalog(indicators/100, 100)
		obs := figures(cat, benchYears, 1)
		b.Run(fmt.Sprintf("figures=%d", len(obs)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				s, err := Open(b.TempDir()+"/kpimon.db", Options{})
				if err != nil {
					b.Fatal(err)
				}
				mustSync(b, s, cat)
				b.StartTimer()
				res := mustAdd(b, s, kpiSubmission(obs))
				b.StopTimer()
				if res.Added != len(obs) {
					b.Fatalf("added %d, want %d", res.Added, len(obs))
				}
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(len(obs))*float64(b.N)/b.Elapsed().Seconds(), "figures/s")
		})
	}
}

// BenchmarkLatest reads the newest figure of every period of every
// indicator: into one map (Latest), and one indicator at a time
// (EachLatest, as kpi.States reads them).
func BenchmarkLatest(b *testing.B) {
	s, n := benchStore(b)
	ctx := context.Background()
	b.Run("map", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			latest, err := s.Latest(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if len(latest) != n {
				b.Fatalf("Latest holds %d indicators, want %d", len(latest), n)
			}
		}
	})
	b.Run("each", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			got := 0
			if err := s.EachLatest(ctx, func(kpi.Ref, []kpi.Observation) error { got++; return nil }); err != nil {
				b.Fatal(err)
			}
			if got != n {
				b.Fatalf("EachLatest gave %d indicators, want %d", got, n)
			}
		}
	})
}

// BenchmarkCatalog reads every plan and indicator: cold from the store, and
// served from the cache.
func BenchmarkCatalog(b *testing.B) {
	s, n := benchStore(b)
	ctx := context.Background()
	check := func(b *testing.B, cat kpi.Catalog, err error) {
		if err != nil {
			b.Fatal(err)
		}
		if len(cat.Indicators) != n {
			b.Fatalf("Catalog holds %d indicators, want %d", len(cat.Indicators), n)
		}
	}
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			cat, _, err := s.readCatalog(ctx)
			check(b, cat, err)
		}
	})
	b.Run("cached", func(b *testing.B) {
		if _, err := s.Catalog(ctx); err != nil { // fills the cache
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			cat, err := s.Catalog(ctx)
			check(b, cat, err)
		}
	})
}

// benchStore fills a store at benchScale, returning it and its number of
// indicators.
func benchStore(b *testing.B) (*Store, int) {
	b.Helper()
	plans, perPlan := benchScale()
	s := openAt(b, b.TempDir(), Options{})
	cat := bigCatalog(plans, perPlan)
	mustSync(b, s, cat)
	const chunk = 30000 // indicators per submission, to bound memory
	for i := 0; i < len(cat.Indicators); i += chunk {
		part := cat
		part.Indicators = cat.Indicators[i:min(i+chunk, len(cat.Indicators))]
		mustAdd(b, s, kpiSubmission(figures(part, benchYears, 1)))
	}
	b.Logf("store: %d indicators × %d periods", len(cat.Indicators), len(benchYears))
	return s, len(cat.Indicators)
}

func kpiSubmission(obs []kpi.Observation) kpi.Submission {
	return kpi.Submission{Actor: operator, Source: "bench", File: "bench.xlsx", Observations: obs}
}

// BenchmarkSyncCatalog loads a catalog of benchScale indicators into a fresh
// store ("first"), and the same catalog again ("unchanged", what every
// start of kpimon serve does).
func BenchmarkSyncCatalog(b *testing.B) {
	plans, perPlan := benchScale()
	cat := bigCatalog(plans, perPlan)
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			s, err := Open(b.TempDir()+"/kpimon.db", Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if changes := mustSync(b, s, cat); len(changes) != plans+plans*perPlan {
				b.Fatalf("%d changes, want %d", len(changes), plans+plans*perPlan)
			}
			b.StopTimer()
			s.Close()
			b.StartTimer()
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		s := openAt(b, b.TempDir(), Options{})
		mustSync(b, s, cat)
		for b.Loop() {
			if changes := mustSync(b, s, cat); len(changes) != 0 {
				b.Fatalf("%d changes, want none", len(changes))
			}
		}
	})
}

// BenchmarkWriteEvaluate writes one figure and evaluates again (kpi.States,
// as serve does after each write) with 2,000 supervision items open, each
// explained, among 10,000 indicators: what one write costs beside the
// figure itself.
func BenchmarkWriteEvaluate(b *testing.B) {
	ctx := context.Background()
	clk := newClock()
	s := openAt(b, b.TempDir(), Options{Now: clk.now})
	cat := bigCatalog(100, 100)
	mustSync(b, s, cat)
	mustAdd(b, s, kpiSubmission(figures(cat, []int{2020, 2021}, 1)))
	var open kpi.SupervisionChanges
	for i := 0; i < len(cat.Indicators); i += 5 {
		open.Open = append(open.Open, kpi.SupervisionOpening{Ref: cat.Indicators[i].Ref(), Unit: "区科工信局",
			Status: kpi.StatusOffTrack, Deadline: (*kpi.Calendar)(nil).Deadline(clk.now(), 5)})
	}
	if err := s.ApplySupervision(ctx, open, kpi.Actor{Name: "supervision"}); err != nil {
		b.Fatal(err)
	}
	unit := kpi.Actor{Name: "kjj", Units: []string{"区科工信局"}}
	for _, o := range open.Open {
		if _, err := s.AddExplanation(ctx, kpi.Explanation{Ref: o.Ref, Unit: o.Unit, Reason: "疫情影响", Measures: "加快认定", ExpectedBy: "2022-12-31"}, unit); err != nil {
			b.Fatal(err)
		}
	}
	states := kpi.NewStates(s, kpi.StatesOptions{Now: clk.now, FiguresOnDemand: true})
	if _, err := states.States(ctx); err != nil {
		b.Fatal(err)
	}
	ref := cat.Indicators[1].Ref()
	v := 1.0
	b.ReportAllocs()
	for b.Loop() {
		v++
		mustAdd(b, s, kpi.Submission{Actor: operator, Source: "cli", Observations: []kpi.Observation{
			{Plan: ref.Plan, Indicator: ref.ID, Period: kpi.YearPeriod(2021), Value: v}}})
		if _, err := states.States(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
