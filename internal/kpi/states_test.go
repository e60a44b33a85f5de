package kpi_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/testkit"
)

var operator = kpi.Actor{Name: "operator", All: true, Remote: "cli"}

func openStore(t testing.TB) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "kpimon.db"), boltstore.Options{})
	if err != nil {
		t.Fatalf("boltstore.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return s
}

func syncCatalog(t testing.TB, s kpi.Store, cat kpi.Catalog) {
	t.Helper()
	if _, err := s.SyncCatalog(context.Background(), cat, operator); err != nil {
		t.Fatalf("SyncCatalog: %v", err)
	}
}

func submit(t testing.TB, s kpi.Store, obs ...kpi.Observation) {
	t.Helper()
	sub := kpi.Submission{Actor: operator, Source: "cli", At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Observations: obs}
	if _, err := s.AddObservations(context.Background(), sub); err != nil {
		t.Fatalf("AddObservations: %v", err)
	}
}

// figureOf is a figure to submit for plan/id.
func figureOf(t testing.TB, plan, id, p string, v float64) kpi.Observation {
	t.Helper()
	return kpi.Observation{Plan: plan, Indicator: id, Period: period(t, p), Value: v}
}

// testCatalog holds two plans; the store orders indicators by plan, task,
// then their order in the catalog.
func testCatalog(t testing.TB) kpi.Catalog {
	ind := func(plan, id string, task int, change func(*kpi.Indicator)) kpi.Indicator {
		i := indicator(change)
		i.Plan, i.ID, i.Task = plan, id, task
		i.LeadUnits = []string{"区科工信局"}
		return i
	}
	return kpi.Catalog{
		Plans: []kpi.Plan{
			{ID: "yf", Title: "雁峰区创新型区", StartYear: 2019, EndYear: 2022},
			{ID: "hy", Title: "衡阳市", StartYear: 2021, EndYear: 2025},
		},
		Indicators: []kpi.Indicator{
			ind("yf", "high_tech", 1, func(i *kpi.Indicator) { i.Baseline = baseline(t, "2018", 10) }),
			ind("yf", "energy", 2, func(i *kpi.Indicator) {
				i.Kind, i.Target, i.Unit = kpi.KindAtMost, 0.331, "吨标准煤/万元"
				i.Baseline = baseline(t, "2018", 0.4)
			}),
			ind("yf", "alliance", 1, func(i *kpi.Indicator) { i.Kind, i.Target, i.Frequency = kpi.KindMilestone, 1, "" }),
			ind("hy", "patents", 3, func(i *kpi.Indicator) { i.Kind, i.Target, i.Deadline = kpi.KindIncrease, 0, 2025 }),
		},
	}
}

func TestStates(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	syncCatalog(t, s, testCatalog(t))
	submit(t, s,
		figureOf(t, "yf", "high_tech", "2019", 15), figureOf(t, "yf", "high_tech", "2020", 30),
		figureOf(t, "yf", "energy", "2020", 0.37),
		figureOf(t, "hy", "patents", "2020", 100), figureOf(t, "hy", "patents", "2022", 120),
		figureOf(t, "yf", "high_tech", "2021", 40), // not ended at the instant evaluated
	)
	now := day(t, "2021-06-01")
	states := kpi.NewStates(s, kpi.StatesOptions{Now: func() time.Time { return now }})

	got, err := states.States(ctx)
	if err != nil {
		t.Fatalf("States: %v", err)
	}
	type row struct {
		Ref    kpi.Ref
		Plan   string
		Status kpi.Status
		Latest int
	}
	var rows []row
	for _, st := range got {
		rows = append(rows, row{st.Indicator.Ref(), st.Plan.Title, st.Evaluation.Status, len(st.Latest)})
	}
	want := []row{
		{kpi.Ref{Plan: "hy", ID: "patents"}, "衡阳市", kpi.StatusInsufficientData, 2}, // 2022 has not ended
		{kpi.Ref{Plan: "yf", ID: "high_tech"}, "雁峰区创新型区", kpi.StatusAchieved, 3},
		{kpi.Ref{Plan: "yf", ID: "alliance"}, "雁峰区创新型区", kpi.StatusNoData, 0},
		{kpi.Ref{Plan: "yf", ID: "energy"}, "雁峰区创新型区", kpi.StatusLagging, 1},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("States() mismatch (-want +got):\n%s", diff)
	}

	// Each state is exactly Evaluate over the store's latest figures.
	latest, err := s.Latest(ctx)
	if err != nil {
		t.Fatalf("Latest: %v", err)
	}
	for _, st := range got {
		wantEv := kpi.Evaluate(*st.Plan, *st.Indicator, latest[st.Indicator.Ref()], now)
		if diff := cmp.Diff(wantEv, st.Evaluation); diff != "" {
			t.Errorf("state %v: evaluation differs from Evaluate (-want +got):\n%s", st.Indicator.Ref(), diff)
		}
	}

	if got := states.Now(); !got.Equal(now) {
		t.Errorf("Now() = %v, want %v", got, now)
	}
}

func TestState(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	syncCatalog(t, s, testCatalog(t))
	submit(t, s, figureOf(t, "yf", "energy", "2020", 0.37))
	states := kpi.NewStates(s, kpi.StatesOptions{Now: func() time.Time { return day(t, "2021-06-01") }})
	all, err := states.States(ctx)
	if err != nil {
		t.Fatalf("States: %v", err)
	}

	tests := []struct {
		name     string
		ref      kpi.Ref
		wantCode string
		want     kpi.State
	}{
		{name: "known", ref: kpi.Ref{Plan: "yf", ID: "energy"}, want: *all[3]},
		{name: "unknown id", ref: kpi.Ref{Plan: "yf", ID: "nope"}, wantCode: kpi.ENOTFOUND},
		{name: "id of another plan", ref: kpi.Ref{Plan: "hy", ID: "energy"}, wantCode: kpi.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := states.State(ctx, tt.ref)
			if code := kpi.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("State(%v) error = %v (code %q), want code %q", tt.ref, err, code, tt.wantCode)
			}
			if err != nil {
				var kerr *kpi.Error
				if !errors.As(err, &kerr) {
					t.Errorf("State(%v) error %T, want *kpi.Error", tt.ref, err)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("State(%v) mismatch (-want +got):\n%s", tt.ref, diff)
			}
		})
	}
}

// sameSnapshot reports whether two results share their backing array, that
// is, whether the second call reused the first's evaluation.
func sameSnapshot(a, b []*kpi.State) bool { return len(a) > 0 && len(b) > 0 && &a[0] == &b[0] }

func TestStatesCache(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	syncCatalog(t, s, testCatalog(t))
	clk := testkit.NewClock(time.Date(2021, 6, 1, 9, 0, 0, 0, kpi.China))
	states := kpi.NewStates(s, kpi.StatesOptions{Now: clk.Now})

	statesNow := func() []*kpi.State {
		t.Helper()
		got, err := states.States(ctx)
		if err != nil {
			t.Fatalf("States: %v", err)
		}
		return got
	}
	statusOf := func(got []*kpi.State, id string) kpi.Status {
		for _, st := range got {
			if st.Indicator.ID == id {
				return st.Evaluation.Status
			}
		}
		t.Fatalf("no state for %s", id)
		return ""
	}

	first := statesNow()
	steps := []struct {
		name      string
		do        func()
		reused    bool
		checkHigh kpi.Status // status of yf/high_tech afterwards
	}{
		{name: "nothing changed", do: func() {}, reused: true, checkHigh: kpi.StatusNoData},
		{name: "later the same day", do: func() { clk.Set(time.Date(2021, 6, 1, 23, 59, 59, 0, kpi.China)) }, reused: true, checkHigh: kpi.StatusNoData},
		{name: "a write", do: func() { submit(t, s, figureOf(t, "yf", "high_tech", "2020", 30)) }, reused: false, checkHigh: kpi.StatusAchieved},
		{name: "a write that changes nothing", do: func() { submit(t, s, figureOf(t, "yf", "high_tech", "2020", 30)) }, reused: true, checkHigh: kpi.StatusAchieved},
		{name: "midnight China time", do: func() { clk.Set(time.Date(2021, 6, 2, 0, 0, 0, 0, kpi.China)) }, reused: false, checkHigh: kpi.StatusAchieved},
		{name: "a revision", do: func() { submit(t, s, figureOf(t, "yf", "high_tech", "2020", 12)) }, reused: false, checkHigh: kpi.StatusOffTrack},
	}
	prev := first
	for _, step := range steps {
		step.do()
		got := statesNow()
		if reused := sameSnapshot(prev, got); reused != step.reused {
			t.Errorf("after %s: States reused the last evaluation = %v, want %v", step.name, reused, step.reused)
		}
		if st := statusOf(got, "high_tech"); st != step.checkHigh {
			t.Errorf("after %s: high_tech status = %s, want %s", step.name, st, step.checkHigh)
		}
		prev = got
	}

	// An indicator removed from the catalog is gone from the states.
	cat := testCatalog(t)
	cat.Indicators = cat.Indicators[1:]
	syncCatalog(t, s, cat)
	if _, err := states.State(ctx, kpi.Ref{Plan: "yf", ID: "high_tech"}); kpi.ErrorCode(err) != kpi.ENOTFOUND {
		t.Errorf("State(removed indicator) error = %v, want code %s", err, kpi.ENOTFOUND)
	}
}

func TestStatesConcurrentCallersShareOneEvaluation(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	syncCatalog(t, s, testCatalog(t))
	states := kpi.NewStates(s, kpi.StatesOptions{Now: func() time.Time { return day(t, "2021-06-01") }})

	const callers = 8
	results := make([][]*kpi.State, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { results[i], errs[i] = states.States(ctx) })
	}
	wg.Wait()
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: States: %v", i, errs[i])
		}
		if !sameSnapshot(results[0], results[i]) {
			t.Errorf("caller %d got an evaluation of its own, want the one shared by all callers", i)
		}
	}
}

func TestStatesCanceled(t *testing.T) {
	s := openStore(t)
	syncCatalog(t, s, testCatalog(t))
	states := kpi.NewStates(s, kpi.StatesOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := states.States(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("States(canceled ctx) error = %v, want context.Canceled", err)
	}
}

func TestStatesDefaultClock(t *testing.T) {
	states := kpi.NewStates(openStore(t), kpi.StatesOptions{})
	before := time.Now()
	got := states.Now()
	if got.Before(before) || got.After(time.Now()) {
		t.Errorf("Now() = %v, want the wall clock (about %v)", got, before)
	}
}

// BenchmarkStates evaluates 10,000 indicators with 8 annual figures each
// from a bbolt store: "cached" is a scrape between writes, "evaluate" one
// after a write or a new day.
func BenchmarkStates(b *testing.B) {
	ctx := context.Background()
	s := openStore(b)
	const plans, perPlan = 100, 100
	cat := kpi.Catalog{}
	var obs []kpi.Observation
	kinds := []kpi.Kind{kpi.KindAtLeast, kpi.KindAtLeast, kpi.KindAtMost, kpi.KindReduceBy, kpi.KindIncrease, kpi.KindMilestone}
	for p := range plans {
		planID := fmt.Sprintf("region-%03d", p)
		cat.Plans = append(cat.Plans, kpi.Plan{ID: planID, Title: planID, StartYear: 2019, EndYear: 2025})
		for i := range perPlan {
			id := fmt.Sprintf("ind-%03d", i)
			cat.Indicators = append(cat.Indicators, indicator(func(ind *kpi.Indicator) {
				ind.Plan, ind.ID, ind.Task = planID, id, i%6+1
				ind.Kind = kinds[i%len(kinds)]
				ind.Deadline = 2025
				if i%2 == 0 {
					ind.Baseline = &kpi.Baseline{Period: kpi.YearPeriod(2018), Value: 10}
				}
			}))
			for y := 2018; y < 2026; y++ {
				obs = append(obs, kpi.Observation{Plan: planID, Indicator: id, Period: kpi.YearPeriod(y), Value: float64(10 + (y-2018)*(i%7))})
			}
		}
	}
	syncCatalog(b, s, cat)
	submit(b, s, obs...)

	b.Run("cached", func(b *testing.B) {
		states := kpi.NewStates(s, kpi.StatesOptions{Now: func() time.Time { return time.Date(2023, 6, 1, 0, 0, 0, 0, kpi.China) }})
		if _, err := states.States(ctx); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := states.States(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("evaluate", func(b *testing.B) {
		clk := testkit.NewClock(time.Date(2023, 6, 1, 0, 0, 0, 0, kpi.China))
		states := kpi.NewStates(s, kpi.StatesOptions{Now: clk.Now})
		b.ReportAllocs()
		for b.Loop() {
			clk.Set(clk.Now().AddDate(0, 0, 1)) // a new day: evaluate again
			got, err := states.States(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if len(got) != plans*perPlan {
				b.Fatalf("States() returned %d states, want %d", len(got), plans*perPlan)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(plans*perPlan), "ns/indicator")
	})
}

// BenchmarkEvaluate evaluates one indicator per kind and frequency.
func BenchmarkEvaluate(b *testing.B) {
	now := time.Date(2022, 6, 1, 0, 0, 0, 0, kpi.China)
	series := func(freq kpi.Frequency, n int) []kpi.Observation {
		var obs []kpi.Observation
		p := kpi.FirstOfYear(2019, freq)
		for i := range n {
			obs = append(obs, kpi.Observation{Plan: "yf", Indicator: "x", Period: p, Value: float64(10 + i), Revision: 1})
			p = p.Next()
		}
		return obs
	}
	cases := []struct {
		name string
		ind  kpi.Indicator
		obs  []kpi.Observation
	}{
		{"at_least/annual", indicator(func(i *kpi.Indicator) { i.Baseline = &kpi.Baseline{Period: kpi.YearPeriod(2018), Value: 5} }), series(kpi.Annual, 4)},
		{"at_most/quarterly", indicator(func(i *kpi.Indicator) { i.Kind, i.Frequency, i.Target = kpi.KindAtMost, kpi.Quarterly, 5 }), series(kpi.Quarterly, 16)},
		{"cumulative/monthly", indicator(func(i *kpi.Indicator) { i.Measure, i.Frequency = kpi.MeasureCumulative, kpi.Monthly }), series(kpi.Monthly, 48)},
		{"reduce_by/annual", indicator(func(i *kpi.Indicator) { i.Kind, i.Target = kpi.KindReduceBy, 10 }), series(kpi.Annual, 4)},
		{"increase/annual", indicator(func(i *kpi.Indicator) { i.Kind = kpi.KindIncrease }), series(kpi.Annual, 4)},
		{"milestone", indicator(func(i *kpi.Indicator) { i.Kind, i.Target, i.Frequency = kpi.KindMilestone, 1, "" }), series(kpi.Annual, 2)},
		{"no_data", indicator(nil), nil},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				kpi.Evaluate(plan2019, c.ind, c.obs, now)
			}
		})
	}
}

func TestStatesStoreError(t *testing.T) {
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "kpimon.db"), boltstore.Options{})
	if err != nil {
		t.Fatalf("boltstore.Open: %v", err)
	}
	syncCatalog(t, s, testCatalog(t))
	states := kpi.NewStates(s, kpi.StatesOptions{})
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got, err := states.States(context.Background()); err == nil {
		t.Errorf("States() on a closed store = %d states, nil error; want an error", len(got))
	}
	if _, err := states.State(context.Background(), kpi.Ref{Plan: "yf", ID: "energy"}); err == nil {
		t.Errorf("State() on a closed store: nil error, want an error")
	}
}

// TestStatesIncremental checks that after a figure write only the
// indicators whose figures changed are evaluated again (the others keep
// their evaluation of the same day, told by its AsOf), and that a catalog
// change or a new day evaluates everything.
func TestStatesIncremental(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	syncCatalog(t, s, testCatalog(t))
	submit(t, s, figureOf(t, "yf", "high_tech", "2020", 12), figureOf(t, "yf", "energy", "2020", 0.39))
	morning := time.Date(2021, 6, 1, 9, 0, 0, 0, kpi.China)
	clk := testkit.NewClock(morning)
	states := kpi.NewStates(s, kpi.StatesOptions{Now: clk.Now})
	get := func() map[string]kpi.State {
		t.Helper()
		got, err := states.States(ctx)
		if err != nil {
			t.Fatalf("States: %v", err)
		}
		m := map[string]kpi.State{}
		for _, st := range got {
			m[st.Indicator.ID] = *st
		}
		return m
	}
	get()

	noon := morning.Add(3 * time.Hour)
	clk.Set(noon)
	submit(t, s, figureOf(t, "yf", "high_tech", "2020", 30))
	got := get()
	if st := got["high_tech"]; !st.Evaluation.AsOf.Equal(noon) || st.Evaluation.Status != kpi.StatusAchieved {
		t.Errorf("after its figure changed: high_tech evaluated as of %v with status %s, want %v and %s", st.Evaluation.AsOf, st.Evaluation.Status, noon, kpi.StatusAchieved)
	}
	for _, id := range []string{"energy", "alliance", "patents"} {
		if asOf := got[id].Evaluation.AsOf; !asOf.Equal(morning) {
			t.Errorf("after another indicator's figure changed: %s evaluated as of %v, want its morning evaluation kept", id, asOf)
		}
	}

	evening := noon.Add(3 * time.Hour)
	clk.Set(evening)
	cat := testCatalog(t)
	cat.Indicators[1].Target = 0.35 // energy
	syncCatalog(t, s, cat)
	got = get()
	for id, st := range got {
		if !st.Evaluation.AsOf.Equal(evening) {
			t.Errorf("after a catalog change: %s evaluated as of %v, want %v", id, st.Evaluation.AsOf, evening)
		}
	}
	if tg := got["energy"].Indicator.Target; tg != 0.35 {
		t.Errorf("after a catalog change: energy's indicator has target %v, want 0.35", tg)
	}

	tomorrow := time.Date(2021, 6, 2, 0, 0, 1, 0, kpi.China)
	clk.Set(tomorrow)
	for id, st := range get() {
		if !st.Evaluation.AsOf.Equal(tomorrow) {
			t.Errorf("on a new day: %s evaluated as of %v, want %v", id, st.Evaluation.AsOf, tomorrow)
		}
	}
}

// TestStatesShareTheCatalog checks that the states point into the store's
// one catalog rather than holding copies (180,000 indicators are not
// copied per evaluation), keep pointing there after a write re-evaluates
// one of them, and that serve's --reporting-from gives the plans a copy
// of their own instead of writing into the shared catalog.
func TestStatesShareTheCatalog(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	syncCatalog(t, s, testCatalog(t))
	cat, err := s.Catalog(ctx)
	if err != nil {
		t.Fatalf("Catalog: %v", err)
	}
	from := time.Date(2021, 3, 1, 0, 0, 0, 0, kpi.China)
	now := time.Date(2021, 6, 1, 9, 0, 0, 0, kpi.China)
	states := kpi.NewStates(s, kpi.StatesOptions{Now: func() time.Time { return now }, ReportingFrom: from})
	check := func(when string) {
		t.Helper()
		got, err := states.States(ctx)
		if err != nil {
			t.Fatalf("States: %v", err)
		}
		if len(got) != len(cat.Indicators) {
			t.Fatalf("%s: %d states, want %d", when, len(got), len(cat.Indicators))
		}
		for i, st := range got {
			if st.Indicator != &cat.Indicators[i] {
				t.Errorf("%s: state of %v holds a copy of its indicator, want a pointer to the store's catalog", when, st.Indicator.Ref())
			}
			if !st.Plan.ReportingFrom.Equal(from) {
				t.Errorf("%s: plan %s reports from %v, want --reporting-from %v", when, st.Plan.ID, st.Plan.ReportingFrom, from)
			}
		}
	}
	check("first evaluation")
	submit(t, s, figureOf(t, "yf", "high_tech", "2020", 30))
	check("after a one-figure write")
	for _, p := range cat.Plans {
		if !p.ReportingFrom.IsZero() {
			t.Errorf("the store's catalog: plan %s reports from %v, want it unset (--reporting-from written into the shared catalog)", p.ID, p.ReportingFrom)
		}
	}
}

// TestStatesFiguresOnDemand checks that States with FiguresOnDemand keeps
// no figures in the states, evaluates exactly as States keeping them, and
// reads one indicator's figures for State; after a write, only the
// written indicator gets a new evaluation.
func TestStatesFiguresOnDemand(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	syncCatalog(t, s, testCatalog(t))
	submit(t, s,
		figureOf(t, "yf", "high_tech", "2019", 15), figureOf(t, "yf", "high_tech", "2020", 30),
		figureOf(t, "yf", "energy", "2020", 0.37),
		figureOf(t, "hy", "patents", "2020", 100), figureOf(t, "hy", "patents", "2022", 120),
	)
	now := day(t, "2021-06-01")
	onDemand := kpi.NewStates(s, kpi.StatesOptions{Now: func() time.Time { return now }, FiguresOnDemand: true})
	compare := func(when string) []*kpi.State {
		t.Helper()
		got, err := onDemand.States(ctx)
		if err != nil {
			t.Fatalf("States: %v", err)
		}
		want, err := kpi.NewStates(s, kpi.StatesOptions{Now: func() time.Time { return now }}).States(ctx)
		if err != nil {
			t.Fatalf("States: %v", err)
		}
		for i, st := range got {
			if st.Latest != nil {
				t.Errorf("%s: States()[%d].Latest = %v, want nil (figures on demand)", when, i, st.Latest)
			}
			if diff := cmp.Diff(want[i].Evaluation, st.Evaluation); diff != "" {
				t.Errorf("%s: %v evaluated otherwise than by States keeping figures (-keeping +on demand):\n%s", when, st.Indicator.Ref(), diff)
			}
			one, err := onDemand.State(ctx, st.Indicator.Ref())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want[i].Latest, one.Latest); diff != "" {
				t.Errorf("%s: State(%v).Latest (-store +got):\n%s", when, st.Indicator.Ref(), diff)
			}
		}
		return got
	}
	before := compare("first evaluation")
	submit(t, s, figureOf(t, "yf", "energy", "2020", 0.30))
	after := compare("after a write")
	for i := range after {
		changed := after[i].Pass != before[i].Pass
		if want := after[i].Indicator.ID == "energy"; changed != want {
			t.Errorf("after a write of energy's figure: %s evaluated again = %v, want %v", after[i].Indicator.ID, changed, want)
		}
		// Kept states are shared, not copied: a write costs what it changed.
		if shared := after[i] == before[i]; shared == changed {
			t.Errorf("after a write of energy's figure: %s's state shared with the last snapshot = %v, want %v", after[i].Indicator.ID, shared, !changed)
		}
	}
}
