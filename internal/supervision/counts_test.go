package supervision_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/supervision"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// countsFixture is a store with n indicators led by units unit0..unit(k-1)
// and a service on it.
type countsFixture struct {
	st    *boltstore.Store
	svc   *supervision.Service
	cat   kpi.Catalog
	clock *testkit.Clock
}

func newCountsFixture(tb testing.TB, n, k int) *countsFixture {
	tb.Helper()
	clock := testkit.NewClock(time.Date(2022, 6, 30, 10, 0, 0, 0, kpi.China))
	cat := planOf()
	for i := range n {
		cat.Indicators = append(cat.Indicators, countsIndicator(fmt.Sprintf("x%05d", i), fmt.Sprintf("unit%03d", i%k)))
	}
	st, _, svc := serviceOn(tb, clock, cat)
	return &countsFixture{st: st, cat: cat, clock: clock, svc: svc}
}

func countsIndicator(id, unit string) kpi.Indicator {
	return kpi.Indicator{Plan: "p", ID: id, Name: "指标" + id, Task: 1, LeadUnits: []string{unit},
		Unit: "家", Kind: kpi.KindAtLeast, Target: 30, Deadline: 2023, Frequency: kpi.Annual, DueDays: 90, Measure: kpi.MeasureLevel,
		Baseline: &kpi.Baseline{Period: kpi.YearPeriod(2020), Value: 10}}
}

// countUnits lists the units of counts, in order, once each.
func countUnits(counts []supervision.Count) []string {
	var units []string
	for _, c := range counts {
		if len(units) == 0 || units[len(units)-1] != c.Unit {
			units = append(units, c.Unit)
		}
	}
	return units
}

// TestCountsCacheLeadUnits: Counts keeps the catalog's lead units between
// scrapes and gives the same counts; a catalog change (a new lead unit)
// shows at the next call, and items still count.
func TestCountsCacheLeadUnits(t *testing.T) {
	ctx := context.Background()
	f := newCountsFixture(t, 6, 3)
	first, err := f.svc.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := countUnits(first), []string{"unit000", "unit001", "unit002"}; !slices.Equal(got, want) || len(first) != 3*len(kpi.SupervisionStates) {
		t.Fatalf("counts of units %v (%d rows), want %v with every state", got, len(first), want)
	}
	again, err := f.svc.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(first, again) {
		t.Errorf("second Counts %+v, want the first %+v", again, first)
	}

	// An item opens (a figure falls behind): the cached units still carry
	// the counts, equal to a fresh service's.
	if _, err := f.st.AddObservations(ctx, kpi.Submission{Actor: kpi.Actor{Name: "tjj", All: true}, Source: "cli", At: f.clock.Now(),
		Observations: []kpi.Observation{{Plan: "p", Indicator: "x00001", Period: kpi.YearPeriod(2021), Value: 8}}}); err != nil {
		t.Fatal(err)
	}
	if ch, err := f.svc.Sync(ctx); err != nil || len(ch.Open) != 1 {
		t.Fatalf("Sync opened %d items, %v; want 1", len(ch.Open), err)
	}
	withItem, err := f.svc.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fresh := supervision.New(supervision.Options{Store: f.st, States: kpi.NewStates(f.st, kpi.StatesOptions{Now: f.clock.Now}), Now: f.clock.Now})
	want, err := fresh.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(withItem, want) {
		t.Errorf("Counts %+v, a fresh service's %+v", withItem, want)
	}
	pending := 0
	for _, c := range withItem {
		if c.Unit == "unit001" && c.State == kpi.SupervisionPending {
			pending = c.N
		}
	}
	if pending != 1 {
		t.Errorf("unit001 pending %d, want 1: %+v", pending, withItem)
	}

	// A new catalog with a new lead unit: its series appear at once.
	cat := f.cat
	cat.Indicators = append(slices.Clone(cat.Indicators), countsIndicator("y", "unit999"))
	if _, err := f.st.SyncCatalog(ctx, cat, kpi.Actor{Name: "catalog"}); err != nil {
		t.Fatal(err)
	}
	after, err := f.svc.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := countUnits(after), []string{"unit000", "unit001", "unit002", "unit999"}; !slices.Equal(got, want) {
		t.Errorf("after a catalog change: units %v, want %v", got, want)
	}
}

// BenchmarkCounts is one /metrics scrape's kpi_supervision_items on a
// catalog of 2000 indicators led by 60 units.
func BenchmarkCounts(b *testing.B) {
	ctx := context.Background()
	f := newCountsFixture(b, 2000, 60)
	if _, err := f.svc.Counts(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.svc.Counts(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// countingStore counts reads of every item.
type countingStore struct {
	*boltstore.Store
	reads int
}

func (c *countingStore) SupervisionItems(ctx context.Context) ([]kpi.SupervisionItem, error) {
	c.reads++
	return c.Store.SupervisionItems(ctx)
}

// TestCountsReadItemsOncePerGeneration: scrapes between writes read the
// items from the store once; a supervision write (a sync opening an item)
// makes the next scrape read them again and count the new item.
func TestCountsReadItemsOncePerGeneration(t *testing.T) {
	ctx := context.Background()
	f := newCountsFixture(t, 4, 2)
	cs := &countingStore{Store: f.st}
	svc := supervision.New(supervision.Options{Store: cs, States: kpi.NewStates(f.st, kpi.StatesOptions{Now: f.clock.Now}), Now: f.clock.Now})
	for range 3 {
		if _, err := svc.Counts(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if cs.reads != 1 {
		t.Errorf("3 scrapes read the items %d times, want 1", cs.reads)
	}
	if _, err := f.st.AddObservations(ctx, kpi.Submission{Actor: kpi.Actor{Name: "tjj", All: true}, Source: "cli", At: f.clock.Now(),
		Observations: []kpi.Observation{{Plan: "p", Indicator: "x00001", Period: kpi.YearPeriod(2021), Value: 8}}}); err != nil {
		t.Fatal(err)
	}
	if ch, err := svc.Sync(ctx); err != nil || len(ch.Open) != 1 {
		t.Fatalf("Sync opened %d items, %v; want 1", len(ch.Open), err)
	}
	reads := cs.reads
	counts, err := svc.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cs.reads != reads+1 {
		t.Errorf("the scrape after a write read the items %d times, want 1", cs.reads-reads)
	}
	n := 0
	for _, c := range counts {
		n += c.N
	}
	if n != 1 {
		t.Errorf("counts %+v: %d items, want 1", counts, n)
	}
}
