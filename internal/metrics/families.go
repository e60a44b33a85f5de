package metrics

import (
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// descMeta is what the text exposition needs of a descriptor, which
// prometheus.Desc does not export.
type descMeta struct{ name, help string }

// family is one per-indicator kpi_* family with the labels plan, indicator
// and at most one more. Collect (through the registry) and the
// pre-rendered exposition both read samples off these, so the two cannot
// drift apart.
type family struct {
	descMeta
	desc *prometheus.Desc
	// extra is the label besides indicator and plan, "" if none;
	// extraAfterPlan tells whether it sorts after plan (status) or between
	// indicator and plan (lead_unit, period).
	extra          string
	extraAfterPlan bool
	// samples calls yield for each sample of st, in the order of the extra
	// label's value. Values that cannot be computed are left out rather
	// than exported as NaN or 0.
	samples func(st *kpi.State, yield func(extra string, v float64))
}

// newFamilies returns the families, sorted by name as the registry sorts
// them.
func (c *Collector) newFamilies() []family {
	optional := func(get func(ev *kpi.Evaluation) *float64) func(*kpi.State, func(string, float64)) {
		return func(st *kpi.State, yield func(string, float64)) {
			if v := get(&st.Evaluation); v != nil {
				yield("", *v)
			}
		}
	}
	fams := []family{
		{desc: c.leadUnit, extra: "lead_unit", samples: func(st *kpi.State, yield func(string, float64)) {
			units := st.Indicator.LeadUnits
			if !slices.IsSorted(units) {
				units = slices.Sorted(slices.Values(units))
			}
			for _, u := range units {
				yield(u, 1)
			}
		}},
		{desc: c.target, samples: func(st *kpi.State, yield func(string, float64)) {
			if t := st.Evaluation.Target; t != nil {
				yield("", *t)
			}
		}},
		{desc: c.baseline, samples: func(st *kpi.State, yield func(string, float64)) {
			if b := st.Evaluation.Baseline; b != nil {
				yield("", b.Value)
			}
		}},
		{desc: c.actual, extra: "period", samples: func(st *kpi.State, yield func(string, float64)) {
			if ev := &st.Evaluation; ev.Actual != nil && ev.Period != nil {
				yield(ev.Period.String(), *ev.Actual)
			}
		}},
		{desc: c.actualByPeriod, extra: "period", samples: periodSamples},
		{desc: c.expected, samples: optional(func(ev *kpi.Evaluation) *float64 { return ev.Expected })},
		{desc: c.projected, samples: optional(func(ev *kpi.Evaluation) *float64 { return ev.Projected })},
		{desc: c.gap, samples: optional(func(ev *kpi.Evaluation) *float64 { return ev.Gap })},
		{desc: c.progressRatio, samples: optional(func(ev *kpi.Evaluation) *float64 { return ev.ProgressRatio })},
		{desc: c.paceRatio, samples: optional(func(ev *kpi.Evaluation) *float64 { return ev.PaceRatio })},
		{desc: c.status, extra: "status", samples: func(st *kpi.State, yield func(string, float64)) {
			for _, s := range c.statusOrder {
				v := 0.0
				if s == st.Evaluation.Status {
					v = 1
				}
				yield(string(s), v)
			}
		}},
		{desc: c.deadline, samples: func(st *kpi.State, yield func(string, float64)) {
			if d := st.Evaluation.Deadline; !d.IsZero() {
				yield("", unixSeconds(d))
			}
		}},
		{desc: c.lastObservation, extra: "source", samples: func(st *kpi.State, yield func(string, float64)) {
			if t := st.Evaluation.LastSubmittedAt; t != nil {
				yield(lastSource(st, *t), unixSeconds(*t))
			}
		}},
		{desc: c.reportDue, samples: func(st *kpi.State, yield func(string, float64)) {
			if d := st.Evaluation.Report.Due; !d.IsZero() {
				yield("", unixSeconds(d))
			}
		}},
		{desc: c.overdue, samples: func(st *kpi.State, yield func(string, float64)) {
			v := 0.0
			if st.Evaluation.Report.Overdue {
				v = 1
			}
			yield("", v)
		}},
	}
	for i := range fams {
		f := &fams[i]
		f.descMeta = c.meta[f.desc]
		f.extraAfterPlan = f.extra > "plan"
	}
	slices.SortFunc(fams, func(a, b family) int { return strings.Compare(a.name, b.name) })
	return fams
}

// periodSamples yields kpi_actual_by_period for every period that had ended
// by the evaluation instant (as of an earlier date, later periods were not
// yet known), in label order.
func periodSamples(st *kpi.State, yield func(string, float64)) {
	type sample struct {
		period string
		v      float64
	}
	var buf [16]sample
	got := buf[:0]
	for _, o := range st.Latest {
		if o.Period.Valid() && !o.Period.End().After(st.Evaluation.AsOf) {
			got = append(got, sample{o.Period.String(), o.Value})
		}
	}
	byPeriod := func(a, b sample) int { return strings.Compare(a.period, b.period) }
	if !slices.IsSortedFunc(got, byPeriod) {
		slices.SortFunc(got, byPeriod)
	}
	for _, s := range got {
		yield(s.period, s.v)
	}
}

// lastSource is the source of the figure submitted at t: the newest counted
// one. Boards show it beside the submission time.
func lastSource(st *kpi.State, t time.Time) string {
	for i := len(st.Latest) - 1; i >= 0; i-- {
		if o := &st.Latest[i]; o.SubmittedAt.Equal(t) {
			return o.Source
		}
	}
	return ""
}
