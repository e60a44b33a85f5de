package kpi

import (
	"context"
	"fmt"
	"slices"
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
	// FiguresOnDemand keeps no figures in memory, with a source that is a
	// FigureSource: States leaves every State.Latest nil, and State reads
	// the one indicator's figures from the source. A province's figures
	// (1.8 million) would otherwise stay in memory for every state; the
	// server's readers of States (the /metrics rendering, the overview,
	// the indicator list) use the evaluation only.
	FiguresOnDemand bool
}

// FigureSource is a StateSource that reads figures per indicator and
// tells which indicators' figures a commit changed. With one, States
// reads the figures of a whole catalog one indicator at a time (never
// all in one map) and, after a write of figures, re-reads and evaluates
// only the indicators the write changed.
type FigureSource interface {
	// LatestOf returns the newest revision of each period of one
	// indicator, ordered by period (nil without figures).
	LatestOf(ctx context.Context, ref Ref) ([]Observation, error)
	// EachLatest calls fn for every indicator with figures, with what
	// LatestOf would return, from one snapshot. obs is valid only during
	// the call.
	EachLatest(ctx context.Context, fn func(ref Ref, obs []Observation) error) error
	// FiguresChangedSince returns the indicators whose figures changed in
	// the commits after generation gen (Generation), and false when it
	// does not know them all (too long ago, or too many).
	FiguresChangedSince(gen uint64) ([]Ref, bool)
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
	figures       FigureSource // nil: store is not one
	onDemand      bool         // FiguresOnDemand with figures set
	now           func() time.Time
	reportingFrom time.Time
	snapshot      atomic.Pointer[statesSnapshot]
	// computing holds one token: whoever holds it may evaluate. A channel
	// rather than a mutex, so a caller whose context ends stops waiting.
	computing chan struct{}
	// pass numbers evaluations (State.Pass); changed only by the holder
	// of computing.
	pass uint64
	// supervision is what the store's supervision items and explanations
	// were at a SupervisionGeneration; used only by the holder of computing.
	supervision supervisionRead
}

// supervisionRead is one read of the supervision items and explanations
// (read-only once made), and the generation it was read at.
type supervisionRead struct {
	ok           bool
	generation   uint64
	items        []SupervisionItem
	explanations []Explanation
}

var _ StateService = (*States)(nil)

// statesKey is what a snapshot depends on besides the code.
type statesKey struct {
	generation uint64
	day        int64 // days since 1970-01-01 in China time
}

type statesSnapshot struct {
	key    statesKey
	states []*State // shared between snapshots: never modified once stored
	index  map[Ref]int
	// catalog is the source's CatalogGeneration when the snapshot was
	// read (0 if the source has none).
	catalog uint64
	// notes are the supervision notes set on states (evaluate): a state
	// whose indicator is not here has none.
	notes map[Ref][]SupervisionNote
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
	figures, _ := store.(FigureSource)
	return &States{store: store, figures: figures, onDemand: opts.FiguresOnDemand && figures != nil,
		now: now, reportingFrom: opts.ReportingFrom, computing: make(chan struct{}, 1)}
}

// Now returns the instant states are evaluated at.
func (s *States) Now() time.Time { return s.now() }

// States returns every current indicator with its figures and evaluation,
// in catalog order (plan, task, id).
func (s *States) States(ctx context.Context) ([]*State, error) {
	snap, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	return snap.states, nil
}

// State returns one indicator's state; ENOTFOUND when the catalog has no
// such current indicator. With FiguresOnDemand its Latest is read now (a
// write landing meanwhile may show in Latest before the evaluation).
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
	st := *snap.states[i]
	if s.onDemand {
		if st.Latest, err = s.figures.LatestOf(ctx, ref); err != nil {
			return State{}, fmt.Errorf("state of %s/%s: read figures: %w", ref.Plan, ref.ID, err)
		}
	}
	return st, nil
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

// evaluate evaluates the figures (evaluateFigures) and sets each state's
// open supervision items beside its evaluation: a state whose items
// changed gets a new Pass, so the alert text is worded again, with the
// verdict untouched. After a write of figures (the snapshot built on the
// last) only the indicators with items now or in the last snapshot are
// looked at: every other state carries the last snapshot's notes (none),
// so a write's cost grows with the open items, not with the catalog.
func (s *States) evaluate(ctx context.Context, key statesKey, now time.Time) (*statesSnapshot, error) {
	notes, err := s.supervisionNotes(ctx, now)
	if err != nil {
		return nil, err
	}
	last := s.snapshot.Load()
	snap, incremental, err := s.evaluateFigures(ctx, key, now)
	if err != nil {
		return nil, err
	}
	snap.notes = notes
	set := func(i int, note []SupervisionNote) {
		if st := snap.states[i]; !sameNotes(st.Supervision, note) {
			changed := *st // the last snapshot may share st
			changed.Supervision, changed.Pass = note, s.pass
			snap.states[i] = &changed
		}
	}
	if !incremental || last == nil {
		for i, st := range snap.states {
			set(i, notes[st.Indicator.Ref()])
		}
		return snap, nil
	}
	for ref, note := range notes {
		if i, ok := snap.index[ref]; ok {
			set(i, note)
		}
	}
	for ref := range last.notes {
		if _, ok := notes[ref]; !ok {
			if i, ok := snap.index[ref]; ok {
				set(i, nil)
			}
		}
	}
	return snap, nil
}

// supervisionNotes reads the open supervision items at now, if the store
// keeps them (SupervisionReader); explanations only when there are items.
func (s *States) supervisionNotes(ctx context.Context, now time.Time) (map[Ref][]SupervisionNote, error) {
	sr, ok := s.store.(SupervisionReader)
	if !ok {
		return nil, nil
	}
	// Read again only when they changed, where the store says so. The
	// generation is taken before the read: a change landing meanwhile
	// moves it past what is kept, so the next evaluation reads again.
	sg, cached := s.store.(SupervisionGenerations)
	var gen uint64
	if cached {
		gen = sg.SupervisionGeneration()
		if r := s.supervision; r.ok && r.generation == gen {
			return s.notesOf(r, now), nil
		}
	}
	items, err := sr.SupervisionItems(ctx)
	if err != nil {
		return nil, fmt.Errorf("evaluate indicators: read supervision: %w", err)
	}
	r := supervisionRead{ok: true, generation: gen, items: items}
	if len(items) > 0 {
		if r.explanations, err = sr.AllExplanations(ctx); err != nil {
			return nil, fmt.Errorf("evaluate indicators: read explanations: %w", err)
		}
	}
	if cached {
		s.supervision = r
	}
	return s.notesOf(r, now), nil
}

// notesOf returns the notes of a read of the supervision at now.
func (s *States) notesOf(r supervisionRead, now time.Time) map[Ref][]SupervisionNote {
	if len(r.items) == 0 {
		return nil
	}
	return SupervisionNotes(r.items, r.explanations, now)
}

// evaluateFigures returns the states with their figures evaluated, and
// whether the snapshot was built on the last one (same catalog and day:
// every state it did not evaluate again is the last one's, notes included).
func (s *States) evaluateFigures(ctx context.Context, key statesKey, now time.Time) (*statesSnapshot, bool, error) {
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
		if s.figures != nil {
			if refs, ok := s.figures.FiguresChangedSince(last.key.generation); ok {
				snap, err := s.evaluateChanged(ctx, key, now, last, refs)
				return snap, err == nil, err
			}
		} else {
			latest, err := s.store.Latest(ctx)
			if err != nil {
				return nil, false, fmt.Errorf("evaluate indicators: read figures: %w", err)
			}
			s.pass++
			snap := &statesSnapshot{key: key, states: make([]*State, len(last.states)), index: last.index, catalog: catalogGen}
			for i, st := range last.states {
				obs := latest[st.Indicator.Ref()]
				if !sameFigures(st.Latest, obs) {
					st = &State{Plan: st.Plan, Indicator: st.Indicator, Latest: obs, Evaluation: Evaluate(*st.Plan, *st.Indicator, obs, now), Supervision: st.Supervision, Pass: s.pass}
				}
				snap.states[i] = st
			}
			return snap, true, nil
		}
	}
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("evaluate indicators: read catalog: %w", err)
	}
	// The states point into the catalog (shared, read-only); a plan
	// given serve's --reporting-from is a copy of its own.
	plans := make(map[string]*Plan, len(cat.Plans))
	for i := range cat.Plans {
		p := &cat.Plans[i]
		if p.ReportingFrom.IsZero() && !s.reportingFrom.IsZero() {
			own := *p
			own.ReportingFrom = s.reportingFrom
			p = &own
		}
		plans[p.ID] = p
	}
	s.pass++
	snap := &statesSnapshot{
		key:     key,
		states:  make([]*State, len(cat.Indicators)),
		catalog: catalogGen,
	}
	snap.index = make(map[Ref]int, len(cat.Indicators))
	// One allocation for the states of a whole evaluation; a write
	// replaces the pointers of the states it changed.
	block := make([]State, len(cat.Indicators))
	for i := range cat.Indicators {
		ind := &cat.Indicators[i]
		plan, ok := plans[ind.Plan]
		if !ok {
			plan = &Plan{ID: ind.Plan}
			plans[ind.Plan] = plan
		}
		snap.index[ind.Ref()] = i
		block[i] = State{Plan: plan, Indicator: ind, Pass: s.pass}
		snap.states[i] = &block[i]
	}
	evaluated := make([]bool, len(snap.states))
	evaluate := func(ref Ref, obs []Observation) {
		i, ok := snap.index[ref]
		if !ok {
			return // figures of a removed indicator
		}
		st := snap.states[i]
		st.Evaluation = Evaluate(*st.Plan, *st.Indicator, obs, now)
		if !s.onDemand {
			st.Latest = obs
		}
		evaluated[i] = true
	}
	if s.figures != nil {
		// One indicator's figures at a time: a province's 1.8 million
		// figures are never all in memory (unless kept in the states).
		err := s.figures.EachLatest(ctx, func(ref Ref, obs []Observation) error {
			if !s.onDemand {
				obs = slices.Clone(obs)
			}
			evaluate(ref, obs)
			return nil
		})
		if err != nil {
			return nil, false, fmt.Errorf("evaluate indicators: read figures: %w", err)
		}
	} else {
		latest, err := s.store.Latest(ctx)
		if err != nil {
			return nil, false, fmt.Errorf("evaluate indicators: read figures: %w", err)
		}
		for ref, obs := range latest {
			evaluate(ref, obs)
		}
	}
	for i := range snap.states {
		if !evaluated[i] {
			st := snap.states[i]
			st.Evaluation = Evaluate(*st.Plan, *st.Indicator, nil, now)
		}
	}
	return snap, false, nil
}

// evaluateChanged returns the snapshot after last whose figures changed
// for refs only: their figures are read and evaluated again, every other
// state is kept as it is (with its Pass).
func (s *States) evaluateChanged(ctx context.Context, key statesKey, now time.Time, last *statesSnapshot, refs []Ref) (*statesSnapshot, error) {
	s.pass++
	snap := &statesSnapshot{key: key, states: slices.Clone(last.states), index: last.index, catalog: last.catalog}
	for _, ref := range refs {
		i, ok := snap.index[ref]
		if !ok {
			continue
		}
		obs, err := s.figures.LatestOf(ctx, ref)
		if err != nil {
			return nil, fmt.Errorf("evaluate indicators: read figures of %s/%s: %w", ref.Plan, ref.ID, err)
		}
		last := snap.states[i]
		st := &State{Plan: last.Plan, Indicator: last.Indicator, Evaluation: Evaluate(*last.Plan, *last.Indicator, obs, now), Supervision: last.Supervision, Pass: s.pass}
		if !s.onDemand {
			st.Latest = obs
		}
		snap.states[i] = st
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
