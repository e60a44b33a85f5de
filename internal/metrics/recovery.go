package metrics

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// recoveries remembers the indicators the collector saw leave an alerted
// status (alertedStatus) for one not alerted on: what the recovery text
// (wordRecovered, for KpiRecovered) is worded for, for recoveryWindow
// after the change was seen. Only those indicators carry it: a bulk load
// gives every indicator a recent figure, but only the few it took out of a
// red status a text (180,000 indicators: /metrics 166 MB, not 251).
//
// The collector learns of a change by comparing each state of a new
// states slice whose Pass changed with the previous state of the same
// indicator (recoveries.see), so the first states after start-up yield
// none: a restart within the day of a recovery drops its pending text,
// and KpiRecovered stops for it (docs/metrics.md).
type recoveries struct {
	mu   sync.Mutex
	last []*kpi.State // the states slice seen last; nil before the first
	// seen maps each recovered indicator to the evaluation instant of the
	// states in which its recovery was seen. Never modified once stored:
	// renderers read it on all cores while the next slice is looked at.
	seen atomic.Pointer[map[kpi.Ref]time.Time]
}

// alertedStatus reports whether st's kpi_status carries an alert text of
// its own: an alerted status, or no data once the report duty has ended.
func alertedStatus(st *kpi.State) bool {
	return alertingStatus(st.Evaluation.Status) || neverReported(st)
}

// see takes in a states slice the collector is about to export: records
// the indicators whose state changed from an alerted status to one not
// alerted on, and forgets those seen more than recoveryWindow before the
// evaluation instant of states. It returns the indicators whose recovery
// was forgotten, whose exported text thus changes although their state
// was kept (a rendering must not reuse their text). An entry is forgotten
// only when a new states slice arrives (a write, or a new day's
// evaluation, which renders every state again anyway), as a figure's text
// was before.
func (r *recoveries) see(states []*kpi.State) (forgotten map[kpi.Ref]bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	last := r.last
	if len(states) == 0 || len(last) == len(states) && &last[0] == &states[0] {
		return nil
	}
	r.last = states
	var old map[kpi.Ref]time.Time
	if p := r.seen.Load(); p != nil {
		old = *p
	}
	var next map[kpi.Ref]time.Time
	edit := func() {
		if next == nil {
			next = make(map[kpi.Ref]time.Time, len(old)+1)
			for ref, at := range old {
				next[ref] = at
			}
		}
	}
	now := states[0].Evaluation.AsOf // the latest of the states evaluated
	if last != nil {
		var index map[kpi.Ref]*kpi.State // built only if the layout changed
		for i, st := range states {
			if st.Evaluation.AsOf.After(now) {
				now = st.Evaluation.AsOf
			}
			ref := st.Indicator.Ref()
			var was *kpi.State
			if i < len(last) && (last[i] == st || last[i].Indicator.Ref() == ref) {
				was = last[i]
			} else {
				if index == nil {
					index = make(map[kpi.Ref]*kpi.State, len(last))
					for _, w := range last {
						index[w.Indicator.Ref()] = w
					}
				}
				was = index[ref]
			}
			// A state of a later evaluation (a higher Pass; 0 is unknown)
			// whose status left an alerted one. An older slice seen late
			// records none.
			if was == nil || was == st || st.Pass != 0 && st.Pass <= was.Pass || !alertedStatus(was) || alertedStatus(st) {
				continue
			}
			edit()
			next[ref] = st.Evaluation.AsOf
		}
	}
	for ref, at := range old {
		if now.Sub(at) >= recoveryWindow {
			if _, again := next[ref]; again && !next[ref].Equal(at) {
				continue // recovered again just now
			}
			edit()
			delete(next, ref)
			if forgotten == nil {
				forgotten = make(map[kpi.Ref]bool)
			}
			forgotten[ref] = true
		}
	}
	if next != nil {
		r.seen.Store(&next)
	}
	return forgotten
}

// recovered reports whether st's indicator left an alerted status within
// recoveryWindow, as far as the collector saw.
func (r *recoveries) recovered(st *kpi.State) bool {
	p := r.seen.Load()
	if p == nil {
		return false
	}
	_, ok := (*p)[st.Indicator.Ref()]
	return ok
}
