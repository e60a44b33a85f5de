package supervision

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// memSource is an in-memory store for kpi.States and the Service: a
// catalog, one figure per indicator, supervision items. A write of one
// figure advances the generation and is the only change
// FiguresChangedSince names, as boltstore's is.
type memSource struct {
	kpi.ObservationReader // Observations: not used by States
	kpi.SupervisionStore  // only the methods below are used

	mu      sync.Mutex
	cat     kpi.Catalog
	figures map[kpi.Ref][]kpi.Observation
	gen     uint64
	changed map[uint64]kpi.Ref // generation → the indicator written then
	items   []kpi.SupervisionItem
	now     time.Time
}

func newMemSource(n int, now time.Time) *memSource {
	m := &memSource{figures: map[kpi.Ref][]kpi.Observation{}, changed: map[uint64]kpi.Ref{}, gen: 1, now: now}
	m.cat.Plans = []kpi.Plan{{ID: "p", Title: "规划", StartYear: 2021, EndYear: 2025}}
	for i := range n {
		ind := kpi.Indicator{Plan: "p", ID: fmt.Sprintf("x%06d", i), Name: "指标", Task: 1, LeadUnits: []string{fmt.Sprintf("单位%02d", i%40)},
			Unit: "家", Kind: kpi.KindAtLeast, Target: 30, Deadline: 2025, Frequency: kpi.Annual, DueDays: 90, Measure: kpi.MeasureLevel,
			Baseline: &kpi.Baseline{Period: kpi.YearPeriod(2020), Value: 10}}
		m.cat.Indicators = append(m.cat.Indicators, ind)
		m.figures[ind.Ref()] = []kpi.Observation{{Plan: "p", Indicator: ind.ID, Period: kpi.YearPeriod(2021), Value: 20, Revision: 1}}
	}
	return m
}

// write stores one figure of indicator i: 8 (below the baseline, red) or
// 20 (on track).
func (m *memSource) write(i int, red bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ref := m.cat.Indicators[i].Ref()
	v := 20.0
	if red {
		v = 8
	}
	m.figures[ref] = []kpi.Observation{{Plan: "p", Indicator: ref.ID, Period: kpi.YearPeriod(2021), Value: v, Revision: m.figures[ref][0].Revision + 1}}
	m.gen++
	m.changed[m.gen] = ref
}

func (m *memSource) Catalog(context.Context) (kpi.Catalog, error) { return m.cat, nil }
func (m *memSource) Latest(context.Context) (map[kpi.Ref][]kpi.Observation, error) {
	panic("States reads figures per indicator from a FigureSource")
}
func (m *memSource) Generation() uint64        { m.mu.Lock(); defer m.mu.Unlock(); return m.gen }
func (m *memSource) CatalogGeneration() uint64 { return 1 }
func (m *memSource) LatestOf(_ context.Context, ref kpi.Ref) ([]kpi.Observation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.figures[ref], nil
}
func (m *memSource) EachLatest(_ context.Context, fn func(kpi.Ref, []kpi.Observation) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for ref, obs := range m.figures {
		if err := fn(ref, obs); err != nil {
			return err
		}
	}
	return nil
}
func (m *memSource) FiguresChangedSince(gen uint64) ([]kpi.Ref, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var refs []kpi.Ref
	for g := gen + 1; g <= m.gen; g++ {
		if ref, ok := m.changed[g]; ok {
			refs = append(refs, ref)
		}
	}
	return refs, true
}
func (m *memSource) SupervisionItems(context.Context) ([]kpi.SupervisionItem, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.items), nil
}
func (m *memSource) AllExplanations(context.Context) ([]kpi.Explanation, error) { return nil, nil }
func (m *memSource) ApplySupervision(_ context.Context, ch kpi.SupervisionChanges, _ kpi.Actor) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range ch.Open {
		it := kpi.SupervisionItem{ID: uint64(len(m.items) + 1), Ref: o.Ref, Unit: o.Unit,
			Events: []kpi.SupervisionEvent{{At: m.now, Action: kpi.SupervisionEventOpen, Deadline: &o.Deadline, Status: o.Status}}}
		it.Replay()
		m.items = append(m.items, it)
	}
	for _, c := range ch.Close {
		it := &m.items[c.ID-1]
		it.Events = append(slices.Clip(it.Events), kpi.SupervisionEvent{At: m.now, Action: kpi.SupervisionEventClose, Status: c.Status})
		it.Replay()
	}
	m.gen++ // a supervision write: States sets the notes again
	return nil
}
func (m *memSource) Indicator(context.Context, kpi.Ref) (kpi.Indicator, error) {
	return kpi.Indicator{}, kpi.Errorf(kpi.ENOTFOUND, "not used")
}
func (m *memSource) AppendAudit(context.Context, kpi.AuditEntry) error { return nil }

// countingRed is RedLights(default) counting the states it is asked about.
type countingRed struct {
	red   func(kpi.State) bool
	asked map[kpi.Ref]int
}

func (c *countingRed) Red(st kpi.State) bool {
	c.asked[st.Indicator.Ref()]++
	return c.red(st)
}

// TestSyncAfterAWriteVisitsOnlyTheChangedIndicator: after a write of one
// figure, the sync decides about that indicator only (the red test is
// asked about no other), opens and closes its items exactly as a plan over
// every state would, and the periodic pass still looks at all.
func TestSyncAfterAWriteVisitsOnlyTheChangedIndicator(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2022, 6, 30, 10, 0, 0, 0, kpi.China)
	const n = 500
	src := newMemSource(n, now)
	src.write(7, true) // red before the first sync
	states := kpi.NewStates(src, kpi.StatesOptions{Now: func() time.Time { return now }, FiguresOnDemand: true})
	red := &countingRed{red: RedLights(present.DefaultLights()), asked: map[kpi.Ref]int{}}
	svc := New(Options{Store: src, States: states, Red: red.Red, Now: func() time.Time { return now }})
	ref := func(i int) kpi.Ref { return src.cat.Indicators[i].Ref() }
	sync := func(all bool) kpi.SupervisionChanges {
		t.Helper()
		clear(red.asked)
		ch, err := svc.sync(ctx, all)
		if err != nil {
			t.Fatal(err)
		}
		return ch
	}
	// The full plan the partial one must equal, over the states now.
	fullPlan := func() kpi.SupervisionChanges {
		t.Helper()
		all, err := states.States(ctx)
		if err != nil {
			t.Fatal(err)
		}
		items, _ := src.SupervisionItems(ctx)
		return kpi.PlanSupervision(all, items, RedLights(present.DefaultLights()), (*kpi.Calendar)(nil).Deadline(now, kpi.DefaultResponseDays))
	}

	if ch := sync(false); len(ch.Open) != 1 || ch.Open[0].Ref != ref(7) || len(red.asked) != n {
		t.Fatalf("first sync: %+v, asked about %d indicators; want x000007 opened after looking at all %d", ch, len(red.asked), n)
	}
	// The opening is a supervision write: x000007's state gets its note.
	if ch := sync(false); !ch.Empty() || len(red.asked) != 1 || red.asked[ref(7)] != 1 {
		t.Errorf("sync after opening: %+v, asked about %d indicators; want nothing done, only x000007 asked", ch, len(red.asked))
	}

	src.write(300, true)
	want := fullPlan()
	if ch := sync(false); len(ch.Open) != 1 || ch.Open[0].Ref != ref(300) || len(red.asked) != 1 || red.asked[ref(300)] != 1 {
		t.Errorf("sync after a write to x000300: %+v, asked about %d indicators; want x000300 opened, only it asked", ch, len(red.asked))
	} else if ch.Open[0] != want.Open[0] || len(want.Open) != 1 || len(want.Close) != 0 {
		t.Errorf("partial plan %+v, a plan over every state %+v", ch, want)
	}
	sync(false) // the notes of the opening

	src.write(7, false) // back on track: its item closes, x000300's stays
	want = fullPlan()
	if ch := sync(false); len(ch.Close) != 1 || ch.Close[0].ID != 1 || len(ch.Open) != 0 || len(red.asked) != 1 || red.asked[ref(7)] != 1 {
		t.Errorf("sync after x000007 recovered: %+v, asked about %d indicators; want item 1 closed, only x000007 asked", ch, len(red.asked))
	} else if !slices.Equal(ch.Close, want.Close) || len(want.Open) != 0 {
		t.Errorf("partial plan %+v, a plan over every state %+v", ch, want)
	}

	// The periodic pass looks at every state and finds nothing left to do.
	if ch := sync(true); !ch.Empty() || len(red.asked) != n {
		t.Errorf("periodic sync: %+v, asked about %d; want nothing, all %d asked", ch, len(red.asked), n)
	}
	// A new day evaluates every indicator again (new states): all asked.
	now = now.AddDate(0, 0, 1)
	if ch := sync(false); !ch.Empty() || len(red.asked) != n {
		t.Errorf("sync on a new day: %+v, asked about %d; want nothing, all %d asked", ch, len(red.asked), n)
	}
}

// BenchmarkSyncAfterWrite is the supervision work of one write of one
// figure at 10,000 and 100,000 indicators with 200 open items: the states'
// re-evaluation (one indicator's figures, the notes of the open items)
// and the sync. "before" is what a write cost before the sync and the
// notes followed the changed states: the plan over every state and the
// notes loop over every state (replayed here as kpi.States ran it);
// "after" is Sync. Compare ns/op across sizes: after should be flat.
func BenchmarkSyncAfterWrite(b *testing.B) {
	ctx := context.Background()
	now := time.Date(2022, 6, 30, 10, 0, 0, 0, kpi.China)
	for _, n := range []int{10_000, 100_000} {
		for _, mode := range []string{"before", "after"} {
			b.Run(fmt.Sprintf("%s/states=%d", mode, n), func(b *testing.B) {
				src := newMemSource(n, now)
				for i := range 100 {
					src.write(i*(n/100), true) // 100 red indicators, 2 items each below
				}
				for i := range src.cat.Indicators {
					src.cat.Indicators[i].LeadUnits = append(src.cat.Indicators[i].LeadUnits, "区统计局")
				}
				states := kpi.NewStates(src, kpi.StatesOptions{Now: func() time.Time { return now }, FiguresOnDemand: true})
				svc := New(Options{Store: src, States: states, Now: func() time.Time { return now }})
				for range 2 { // open the items, then set their notes
					if _, err := svc.sync(ctx, true); err != nil {
						b.Fatal(err)
					}
				}
				if items, _ := src.SupervisionItems(ctx); len(items) != 200 {
					b.Fatalf("%d items open, want 200", len(items))
				}
				i := 0
				b.ReportAllocs()
				for b.Loop() {
					i++
					src.write(n/2+1, i%2 == 0) // red and back: an item opens or closes
					if mode == "after" {
						if _, err := svc.Sync(ctx); err != nil {
							b.Fatal(err)
						}
						continue
					}
					if _, err := svc.sync(ctx, true); err != nil {
						b.Fatal(err)
					}
					all, _ := states.States(ctx)
					items, _ := src.SupervisionItems(ctx)
					notes := kpi.SupervisionNotes(items, nil, now)
					same := 0
					for _, st := range all {
						if len(notes[st.Indicator.Ref()]) == len(st.Supervision) {
							same++
						}
					}
					if same == 0 {
						b.Fatal("no state has its notes")
					}
				}
			})
		}
	}
}
