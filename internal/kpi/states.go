package kpi

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// StatesOptions configures NewStates.
type StatesOptions struct {
	// Now is the clock indicators are evaluated at. Default time.Now; for
	// --as-of, a func returning the fixed instant.
	Now func() time.Time
	// ReportingFrom, when set, is the day reporting duty starts for every
	// plan that does not set its own reporting_from (serve's
	// --reporting-from): it replaces the day the plan was first loaded.
	ReportingFrom time.Time
}

// States is the StateService over a Store. It evaluates every current
// indicator of the store's catalog and keeps the result until the store is
// written to (Store.Generation changes) or the clock crosses midnight China
// time. Figures change rarely while scrapes come every 15 s from two
// Prometheus servers, and a national deployment carries 180,000 indicators:
// work that only changes on a write or a new day is not redone per scrape.
//
// After a write of figures, a store that implements CatalogGenerations
// has only the indicators whose figures changed evaluated again (one
// figure: one evaluation, not 180,000).
//
// Every status, period end, deadline and report due date falls on a
// midnight China time, so a cached state is exact for statuses and duties;
// only AsOf and Expected (which move continuously) may be up to a day old.
//
// States is safe for concurrent use. Callers asking at once share one
// evaluation: one waits while the other computes, then reads its result.
// The slices and pointers returned are shared between callers and must not
// be modified.
type States struct {
	store         StateSource
	now           func() time.Time
	reportingFrom time.Time
	snapshot      atomic.Pointer[statesSnapshot]
	// computing holds one token: whoever holds it may evaluate. A channel
	// rather than a mutex, so a caller whose context ends stops waiting.
	computing chan struct{}
	// pass numbers evaluations (State.Pass); changed only by the holder
	// of computing.
	pass uint64
}

var _ StateService = (*States)(nil)

// statesKey is what a snapshot depends on besides the code.
type statesKey struct {
	generation uint64
	day        int64 // days since 1970-01-01 in China time
}

type statesSnapshot struct {
	key    statesKey
	states []State
	index  map[Ref]int
	// catalog is the source's CatalogGeneration when the snapshot was
	// read (0 if the source has none).
	catalog uint64
}

// CatalogGenerations is implemented by a StateSource that can tell catalog
// changes from figure changes. CatalogGeneration increases with every
// committed change of the catalog (not of figures). With it, States
// re-evaluates after a figure write only the indicators whose figures
// changed: the others keep their evaluation of the same day, as a cached
// snapshot does.
type CatalogGenerations interface {
	CatalogGeneration() uint64
}

// NewStates returns a StateService evaluating the indicators of store.
func NewStates(store StateSource, opts StatesOptions) *States {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &States{store: store, now: now, reportingFrom: opts.ReportingFrom, computing: make(chan struct{}, 1)}
}

// Now returns the instant states are evaluated at.
func (s *States) Now() time.Time { return s.now() }

// States returns every current indicator with its figures and evaluation,
// in catalog order (plan, task, id).
func (s *States) States(ctx context.Context) ([]State, error) {
	snap, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	return snap.states, nil
}

// State returns one indicator's state; ENOTFOUND when the catalog has no
// such current indicator.
func (s *States) State(ctx context.Context, ref Ref) (State, error) {
	snap, err := s.current(ctx)
	if err != nil {
		return State{}, err
	}
	i, ok := snap.index[ref]
	if !ok {
		return State{}, Errorf(ENOTFOUND,
			"指标 %s/%s 不存在 (no current indicator %q in plan %q): check the plan and indicator ids against the targets file",
			ref.Plan, ref.ID, ref.ID, ref.Plan)
	}
	return snap.states[i], nil
}

// current returns a snapshot valid for the store's generation and today,
// evaluating one if the last is stale.
func (s *States) current(ctx context.Context) (*statesSnapshot, error) {
	if snap := s.snapshot.Load(); snap != nil && snap.key == s.key(s.now()) {
		return snap, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("evaluate indicators: %w", err)
	}
	select {
	case s.computing <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("evaluate indicators: %w", ctx.Err())
	}
	defer func() { <-s.computing }()

	// Whoever held the token before may just have done the work. The
	// generation is read before the store is, so a write landing meanwhile
	// makes the next call evaluate again rather than keep stale figures.
	now := s.now()
	key := s.key(now)
	if snap := s.snapshot.Load(); snap != nil && snap.key == key {
		return snap, nil
	}
	snap, err := s.evaluate(ctx, key, now)
	if err != nil {
		return nil, err
	}
	s.snapshot.Store(snap)
	return snap, nil
}

func (s *States) key(now time.Time) statesKey {
	return statesKey{generation: s.store.Generation(), day: chinaDay(now)}
}

// chinaDay numbers the day t falls on in China time.
func chinaDay(t time.Time) int64 {
	_, offset := t.In(China).Zone()
	secs := t.Unix() + int64(offset)
	day := secs / 86400
	if secs%86400 < 0 {
		day--
	}
	return day
}

func (s *States) evaluate(ctx context.Context, key statesKey, now time.Time) (*statesSnapshot, error) {
	// Read before the catalog, like the generation: a catalog write landing
	// meanwhile makes the next evaluation a full one.
	var catalogGen uint64
	cg, incremental := s.store.(CatalogGenerations)
	if incremental {
		catalogGen = cg.CatalogGeneration()
	}
	last := s.snapshot.Load()
	if incremental && last != nil && last.catalog == catalogGen && last.key.day == key.day {
		// Same catalog, same day: only the figures may have changed, and
		// the last snapshot holds the catalog already (a province's is
		// 180,000 indicators: not copied again for one figure).
		latest, err := s.store.Latest(ctx)
		if err != nil {
			return nil, fmt.Errorf("evaluate indicators: read figures: %w", err)
		}
		s.pass++
		snap := &statesSnapshot{key: key, states: make([]State, len(last.states)), index: last.index, catalog: catalogGen}
		for i, st := range last.states {
			obs := latest[st.Indicator.Ref()]
			if !sameFigures(st.Latest, obs) {
				st = State{Plan: st.Plan, Indicator: st.Indicator, Latest: obs, Evaluation: Evaluate(st.Plan, st.Indicator, obs, now), Pass: s.pass}
			}
			snap.states[i] = st
		}
		return snap, nil
	}
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return nil, fmt.Errorf("evaluate indicators: read catalog: %w", err)
	}
	latest, err := s.store.Latest(ctx)
	if err != nil {
		return nil, fmt.Errorf("evaluate indicators: read figures: %w", err)
	}
	plans := make(map[string]Plan, len(cat.Plans))
	for _, p := range cat.Plans {
		if p.ReportingFrom.IsZero() && !s.reportingFrom.IsZero() {
			p.ReportingFrom = s.reportingFrom
		}
		plans[p.ID] = p
	}
	s.pass++
	snap := &statesSnapshot{
		key:     key,
		states:  make([]State, 0, len(cat.Indicators)),
		catalog: catalogGen,
	}
	snap.index = make(map[Ref]int, len(cat.Indicators))
	for i, ind := range cat.Indicators {
		ref := ind.Ref()
		obs := latest[ref]
		plan, ok := plans[ind.Plan]
		if !ok {
			plan = Plan{ID: ind.Plan}
		}
		snap.index[ref] = i
		snap.states = append(snap.states, State{Plan: plan, Indicator: ind, Latest: obs, Evaluation: Evaluate(plan, ind, obs, now), Pass: s.pass})
	}
	return snap, nil
}

// sameFigures reports whether a and b are the same slice of the store's
// figures (not merely equal ones).
func sameFigures(a, b []Observation) bool {
	if len(a) != len(b) {
		return false
	}
	return len(a) == 0 || &a[0] == &b[0]
}
