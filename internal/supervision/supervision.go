// Package supervision runs the supervision loop (督办) beside the
// evaluation: it opens an item for each lead unit of an indicator that
// turns red and closes it when the indicator leaves red (kpi.PlanSupervision
// over the evaluated states, applied to the store), takes the units'
// explanations and the supervision office's reviews with their permission
// checks, and lists items and explanations as they stood at the
// evaluation's clock (--as-of). It never changes a verdict.
package supervision

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// Store is what the service reads and writes.
type Store interface {
	kpi.SupervisionStore
	Indicator(ctx context.Context, ref kpi.Ref) (kpi.Indicator, error)
	AppendAudit(ctx context.Context, e kpi.AuditEntry) error
}

// Options configure a Service.
type Options struct {
	Store  Store
	States kpi.StateService
	// Red decides which states open an item; RedLights(DefaultLights())
	// when nil.
	Red func(kpi.State) bool
	// ResponseDays is how many working days a unit has to answer;
	// kpi.DefaultResponseDays when zero.
	ResponseDays int
	// Calendar says which days are working days (public holidays, 调休
	// working weekends; ReadCalendar); nil: Monday to Friday only.
	Calendar *kpi.Calendar
	// Now is the wall clock of deadlines and audit entries; time.Now when nil.
	Now func() time.Time
	// Frozen: the evaluation runs at a fixed --as-of date, so Sync opens
	// and closes nothing (the items of that day are history).
	Frozen bool
	Logger *slog.Logger
}

// Service is the supervision loop. It is safe for concurrent use.
type Service struct {
	o Options
	// mu serializes syncs; last is the states the last sync planned over
	// and applied (nil: none, or it failed), so the next one plans only
	// the states that changed since.
	mu   sync.Mutex
	last []*kpi.State
	// units caches the catalog's lead units for Counts, which /metrics
	// calls on every scrape: they change only with the catalog.
	units leadUnits
	// items caches the store's items for Counts and Items by store
	// Generation (every supervision write advances it), so a scrape or a
	// page's 督办 badge between writes reads nothing from the store.
	items itemsCache
}

// itemsCache is the store's items as read at generation gen; ok is false
// before the first read.
type itemsCache struct {
	mu    sync.Mutex
	ok    bool
	gen   uint64
	items []kpi.SupervisionItem
}

// generations is implemented by a store whose Generation advances with
// every write of supervision items (boltstore).
type generations interface{ Generation() uint64 }

// cachedItems returns the store's items, read again only when the store's
// Generation moved (on every call for a store without one). The
// generation is read before the items, so a write landing meanwhile only
// costs another read on the next call. Callers must not modify the items.
func (s *Service) cachedItems(ctx context.Context) ([]kpi.SupervisionItem, error) {
	g, ok := s.o.Store.(generations)
	if !ok {
		return s.o.Store.SupervisionItems(ctx)
	}
	gen := g.Generation()
	s.items.mu.Lock()
	defer s.items.mu.Unlock()
	if s.items.ok && s.items.gen == gen {
		return s.items.items, nil
	}
	items, err := s.o.Store.SupervisionItems(ctx)
	if err != nil {
		return nil, err
	}
	s.items.ok, s.items.gen, s.items.items = true, gen, items
	return items, nil
}

// leadUnits is the sorted lead units of the catalog of generation gen
// (the store's CatalogGeneration); ok is false before the first walk.
type leadUnits struct {
	mu    sync.Mutex
	ok    bool
	gen   uint64
	units []string
}

// New returns a service.
func New(o Options) *Service {
	if o.Red == nil {
		o.Red = RedLights(present.DefaultLights())
	}
	if o.ResponseDays <= 0 {
		o.ResponseDays = kpi.DefaultResponseDays
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{o: o}
}

// deadline is the answer deadline of an item opened or sent back now:
// ResponseDays working days of the Calendar on.
func (s *Service) deadline() time.Time {
	return s.o.Calendar.Deadline(s.o.Now(), s.o.ResponseDays)
}

// RedLights returns the red test of the issue: the statuses the lights map
// shows red (default 严重滞后, 不进反退, 逾期未达标), and an overdue report (逾期未报).
func RedLights(lights present.Lights) func(kpi.State) bool {
	return func(st kpi.State) bool {
		return lights.Of(st.Evaluation.Status) == present.Red || st.Evaluation.Report.Overdue
	}
}

// Actor is who opens and closes items in the audit log.
var Actor = kpi.Actor{Name: "supervision", Remote: "kpimon"}

// Sync opens and closes items to match the states now, and returns what it did.
// It plans over the states that changed since the last sync (a kept state
// is the same pointer across kpi.States snapshots): after a write of one
// figure, one indicator, not the whole catalog. A changed catalog (states
// of another length, or all new) or a failed last sync means a plan over
// every state.
func (s *Service) Sync(ctx context.Context) (kpi.SupervisionChanges, error) {
	return s.sync(ctx, false)
}

// sync is Sync; all plans over every state whatever changed.
func (s *Service) sync(ctx context.Context, all bool) (kpi.SupervisionChanges, error) {
	if s.o.Frozen {
		return kpi.SupervisionChanges{}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	last := s.last
	s.last = nil // until this sync is applied
	states, err := s.o.States.States(ctx)
	if err != nil {
		return kpi.SupervisionChanges{}, fmt.Errorf("supervision sync: %w", err)
	}
	items, err := s.o.Store.SupervisionItems(ctx)
	if err != nil {
		return kpi.SupervisionChanges{}, fmt.Errorf("supervision sync: %w", err)
	}
	var ch kpi.SupervisionChanges
	if changed, ok := changedStates(last, states); ok && !all {
		ch = kpi.PlanSupervisionOf(changed, items, s.o.Red, s.deadline())
	} else {
		ch = kpi.PlanSupervision(states, items, s.o.Red, s.deadline())
	}
	if !ch.Empty() {
		if err := s.o.Store.ApplySupervision(ctx, ch, Actor); err != nil {
			return ch, fmt.Errorf("supervision sync: %w", err)
		}
		s.o.Logger.InfoContext(ctx, "supervision items changed", "opened", len(ch.Open), "closed", len(ch.Close))
	}
	s.last = states
	return ch, nil
}

// changedStates returns the states of now that are not those of last (by
// pointer, index by index), and false when last is no base for a partial
// plan: none, another length (the catalog changed), or nothing kept (a
// full evaluation, as after a change of the catalog).
func changedStates(last, now []*kpi.State) ([]*kpi.State, bool) {
	if last == nil || len(last) != len(now) {
		return nil, false
	}
	var changed []*kpi.State
	for i, st := range now {
		if st != last[i] {
			changed = append(changed, st)
		}
	}
	return changed, len(changed) < len(now) || len(now) == 0
}

// Run syncs at start, after every write that changes figures or targets
// (changed is the store's Changed: the states that changed only), and
// every interval over every state (statuses and report duties change as
// the clock moves), until ctx ends.
func (s *Service) Run(ctx context.Context, changed func() <-chan struct{}, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	all := true
	for {
		ch := changed()
		if _, err := s.sync(ctx, all); err != nil && ctx.Err() == nil {
			s.o.Logger.ErrorContext(ctx, "supervision sync failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ch:
			all = false
		case <-tick.C:
			all = true
		}
	}
}

// Now is the evaluation's clock: items and explanations are shown as they
// stood then.
func (s *Service) Now() time.Time { return s.o.States.Now() }

// Explain files an explanation of ref for one of its lead units: a unit
// account for the indicators it leads only (EFORBIDDEN, audited, otherwise:
// cooperating units answer through the lead unit); the bureau and the
// supervision office for any lead unit (in.Unit names it when the
// indicator has several).
func (s *Service) Explain(ctx context.Context, ref kpi.Ref, in kpi.ExplanationInput, actor kpi.Actor) (kpi.Explanation, error) {
	e, err := s.PrepareExplanation(ctx, ref, in, actor)
	if err != nil {
		return kpi.Explanation{}, err
	}
	return s.FileExplanation(ctx, e, actor)
}

// PrepareExplanation applies Explain's rules without storing anything: the
// explanation FileExplanation stores, or Explain's error (a refusal of
// scope audited). A workbook's 情况说明 sheet checks every row with it
// before any row is filed, so a file is taken or refused whole.
func (s *Service) PrepareExplanation(ctx context.Context, ref kpi.Ref, in kpi.ExplanationInput, actor kpi.Actor) (kpi.Explanation, error) {
	ind, err := s.o.Store.Indicator(ctx, ref)
	if err != nil {
		return kpi.Explanation{}, err
	}
	unit, err := explainingUnit(ind, in.Unit, actor)
	if err != nil {
		s.deny(ctx, actor, ref, "explanation: "+err.Error())
		return kpi.Explanation{}, err
	}
	if ps := append(in.Check(), expectedByPassed(in.ExpectedBy, s.o.Now())...); len(ps) > 0 {
		e := kpi.Errorf(kpi.EINVALID, "情况说明有误\nthe explanation has problems")
		e.Problems = ps
		return kpi.Explanation{}, e
	}
	return kpi.Explanation{Ref: ref, Unit: unit, Reason: in.Reason, Measures: in.Measures,
		ExpectedBy: in.ExpectedBy, RevisedFigure: in.RevisedFigure}, nil
}

// expectedByPassed is the problem of an expected completion day
// (预计完成时间) that has already passed on now's day in China time: a
// unit cannot promise to finish by a day that is over. The day itself is
// still to come; an unreadable day is Check's problem.
func expectedByPassed(expectedBy string, now time.Time) []kpi.Problem {
	by, err := kpi.ParseDay(expectedBy)
	if err != nil {
		return nil
	}
	n := now.In(kpi.China)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, kpi.China)
	if !by.Before(today) {
		return nil
	}
	return []kpi.Problem{{Field: "expected_by", Value: expectedBy, Expected: today.Format(time.DateOnly) + "或以后",
		Message: "预计完成时间" + present.Date(by) + "已过（今天是" + present.Date(today) + "），请填写今天或以后的日期"}}
}

// FileExplanation stores an explanation PrepareExplanation returned.
func (s *Service) FileExplanation(ctx context.Context, e kpi.Explanation, actor kpi.Actor) (kpi.Explanation, error) {
	return s.o.Store.AddExplanation(ctx, e, actor)
}

// Red reports whether st opens items (Options.Red): the lead units of a
// red indicator are asked to explain it.
func (s *Service) Red(st kpi.State) bool { return s.o.Red(st) }

// ExplainingUnits is the lead units of ind that actor may file an
// explanation for (Explain's scope rule): every one for the bureau and the
// supervision office, a unit account's own lead units otherwise. The web
// form offers exactly these.
func ExplainingUnits(ind kpi.Indicator, actor kpi.Actor) []string {
	if actor.Oversees() {
		return ind.LeadUnits
	}
	var out []string
	for _, u := range actor.Units {
		if slices.Contains(ind.LeadUnits, u) {
			out = append(out, u)
		}
	}
	return out
}

// ItemUnits is the units whose supervision items actor sees (Filter.Units):
// nil, every unit, for one who Oversees; its own units otherwise.
func ItemUnits(actor kpi.Actor) []string {
	if actor.Oversees() {
		return nil
	}
	return append([]string{}, actor.Units...)
}

// explainingUnit is the unit an explanation speaks for: the one asked, or
// the only one (the first for a unit account) ExplainingUnits allows.
func explainingUnit(ind kpi.Indicator, asked string, actor kpi.Actor) (string, error) {
	units := ExplainingUnits(ind, actor)
	if actor.Oversees() {
		switch {
		case asked != "" && slices.Contains(units, asked):
			return asked, nil
		case asked == "" && len(units) == 1:
			return units[0], nil
		}
		names := strings.Join(units, "、")
		return "", kpi.Errorf(kpi.EINVALID, "请指明代哪个牵头单位说明（unit：%s）\nname the unit the explanation speaks for (unit: one of %s)", names, names)
	}
	for _, u := range units {
		if asked == "" || asked == u {
			return u, nil
		}
	}
	return "", kpi.Errorf(kpi.EFORBIDDEN, "%s 无权为指标“%s”提交情况说明：只有牵头单位可以说明\n%s may not explain %s/%s: only its lead units explain an indicator",
		actor.Name, ind.Name, actor.Name, ind.Plan, ind.ID)
}

// deny records a refused request in the audit log.
func (s *Service) deny(ctx context.Context, actor kpi.Actor, ref kpi.Ref, detail string) {
	if err := s.o.Store.AppendAudit(ctx, kpi.AuditEntry{At: s.o.Now(), Actor: actor.Name, Remote: actor.Remote,
		Action: kpi.ActionAccessDenied, Object: ref.Plan + "/" + ref.ID, Detail: detail}); err != nil {
		s.o.Logger.ErrorContext(ctx, "audit refused supervision request", "err", err)
	}
}

// Review records the office's 已审阅 (action kpi.SupervisionEventReview) or
// 退回 (kpi.SupervisionEventReturn, comment required, a new deadline
// ResponseDays working days on) of an explained item. Only the supervision
// office and the bureau review (EFORBIDDEN, audited, otherwise).
func (s *Service) Review(ctx context.Context, id uint64, action, comment string, actor kpi.Actor) (kpi.SupervisionItem, error) {
	it, err := s.o.Store.SupervisionItem(ctx, id)
	if err != nil {
		return it, err
	}
	if !actor.Oversees() {
		err := kpi.Errorf(kpi.EFORBIDDEN, "%s 无权审阅督办事项：需要督查室账号\n%s may not review supervision items: it takes a supervisor account", actor.Name, actor.Name)
		s.deny(ctx, actor, it.Ref, fmt.Sprintf("review of item %d: %s", id, err.Message))
		return kpi.SupervisionItem{}, err
	}
	in := kpi.SupervisionReviewInput{Action: action, Comment: comment}
	switch action {
	case kpi.SupervisionEventReview:
	case kpi.SupervisionEventReturn:
		in.Deadline = s.deadline()
	default:
		return kpi.SupervisionItem{}, kpi.Errorf(kpi.EINVALID, "审阅操作应为 review（已审阅）或 return（退回）\naction %q: want review or return", action)
	}
	if ps := kpi.CheckSupervisionComment(comment, action == kpi.SupervisionEventReturn); len(ps) > 0 {
		e := kpi.Errorf(kpi.EINVALID, "退回须填写意见\nthe comment has problems (a return needs one)")
		e.Problems = ps
		return kpi.SupervisionItem{}, e
	}
	in.Comment = strings.TrimSpace(comment)
	return s.o.Store.ReviewSupervision(ctx, id, in, actor)
}

// Filter selects items.
type Filter struct {
	Units []string // items of these units only; nil: every unit
	Ref   *kpi.Ref
	Open  bool // open items only
}

// Items returns the items as they stood at the evaluation's clock, newest
// first, with State the state at that instant (overdue included).
func (s *Service) Items(ctx context.Context, f Filter) ([]kpi.SupervisionItem, error) {
	all, err := s.cachedItems(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	var out []kpi.SupervisionItem
	for i := len(all) - 1; i >= 0; i-- {
		it, ok := all[i].AsOf(now)
		switch {
		case !ok, f.Units != nil && !slices.Contains(f.Units, it.Unit),
			f.Ref != nil && it.Ref != *f.Ref, f.Open && !it.Open():
			continue
		}
		it.State = it.StateAt(now)
		out = append(out, it)
	}
	return out, nil
}

// Explanations returns ref's explanations filed by the evaluation's clock,
// by unit then revision.
func (s *Service) Explanations(ctx context.Context, ref kpi.Ref) ([]kpi.Explanation, error) {
	all, err := s.o.Store.Explanations(ctx, ref)
	return s.asOf(all), err
}

// AllExplanations returns every explanation filed by the evaluation's clock.
func (s *Service) AllExplanations(ctx context.Context) ([]kpi.Explanation, error) {
	all, err := s.o.Store.AllExplanations(ctx)
	return s.asOf(all), err
}

func (s *Service) asOf(all []kpi.Explanation) []kpi.Explanation {
	now := s.Now()
	return slices.DeleteFunc(all, func(e kpi.Explanation) bool { return e.At.After(now) })
}

// Latest returns each unit's newest explanation of each indicator.
func Latest(all []kpi.Explanation) map[kpi.Ref]map[string]kpi.Explanation {
	out := map[kpi.Ref]map[string]kpi.Explanation{}
	for _, e := range all {
		if out[e.Ref] == nil {
			out[e.Ref] = map[string]kpi.Explanation{}
		}
		if old, ok := out[e.Ref][e.Unit]; !ok || e.Revision > old.Revision {
			out[e.Ref][e.Unit] = e
		}
	}
	return out
}

// Count is the number of items of one unit in one state.
type Count struct {
	Unit  string
	State kpi.SupervisionState
	N     int
}

// Counts counts the items at the evaluation's clock per unit and state:
// every state of every lead unit of the catalog and of every unit that
// ever had an item, zeros included, so a unit's series exist before its
// first item and boards show 0 rather than nothing (closed items count too).
func (s *Service) Counts(ctx context.Context) ([]Count, error) {
	items, err := s.cachedItems(ctx)
	if err != nil {
		return nil, err
	}
	units, err := s.leadUnits(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	n := make(map[string]map[kpi.SupervisionState]int, len(units))
	for _, u := range units {
		n[u] = map[kpi.SupervisionState]int{}
	}
	for _, it := range items {
		if n[it.Unit] == nil {
			n[it.Unit] = map[kpi.SupervisionState]int{}
		}
		if at, ok := it.AsOf(now); ok {
			n[it.Unit][at.StateAt(now)]++
		}
	}
	var out []Count
	for unit, byState := range n {
		for _, st := range kpi.SupervisionStates {
			out = append(out, Count{Unit: unit, State: st, N: byState[st]})
		}
	}
	slices.SortFunc(out, func(a, b Count) int {
		if a.Unit != b.Unit {
			if a.Unit < b.Unit {
				return -1
			}
			return 1
		}
		return slices.Index(kpi.SupervisionStates, a.State) - slices.Index(kpi.SupervisionStates, b.State)
	})
	return out, nil
}

// leadUnits returns the lead units of every indicator of the catalog. It
// walks the states once per catalog generation when the store tells catalog
// changes apart (kpi.CatalogGenerations), on every call otherwise. The
// generation is read before the states, so a catalog changed meanwhile
// only costs another walk on the next call.
func (s *Service) leadUnits(ctx context.Context) ([]string, error) {
	cg, cached := s.o.Store.(kpi.CatalogGenerations)
	var gen uint64
	if cached {
		gen = cg.CatalogGeneration()
		s.units.mu.Lock()
		defer s.units.mu.Unlock()
		if s.units.ok && s.units.gen == gen {
			return s.units.units, nil
		}
	}
	states, err := s.o.States.States(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var units []string
	for _, st := range states {
		for _, u := range st.Indicator.LeadUnits {
			if !seen[u] {
				seen[u] = true
				units = append(units, u)
			}
		}
	}
	slices.Sort(units)
	if cached {
		s.units.ok, s.units.gen, s.units.units = true, gen, units
	}
	return units, nil
}

// ForReport is ForReport on the service's store.
func (s *Service) ForReport(ctx context.Context, asOf time.Time) ([]kpi.Explanation, []kpi.SupervisionItem, error) {
	return ForReport(ctx, s.o.Store, asOf)
}

// ForReport returns what the circular quotes (report.Options.Explanations
// and .Supervision): the explanations filed by asOf and every item (the
// circular replays each as of asOf).
func ForReport(ctx context.Context, st kpi.SupervisionStore, asOf time.Time) ([]kpi.Explanation, []kpi.SupervisionItem, error) {
	ex, err := st.AllExplanations(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("explanations for the circular: %w", err)
	}
	ex = slices.DeleteFunc(ex, func(e kpi.Explanation) bool { return e.At.After(asOf) })
	items, err := st.SupervisionItems(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("supervision items for the circular: %w", err)
	}
	return ex, items, nil
}
