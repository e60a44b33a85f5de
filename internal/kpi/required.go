package kpi

import "math"

// AnnualChanges returns the average change per year still required to reach
// the target by the deadline (需年均增长 / 需年均下降) and the average change per
// year achieved so far, for an indicator evaluated as ev. It is a pure
// function of its arguments; Evaluate sets the results on the evaluation.
//
//   - The change is relative (a ratio per year, 0.12 = +12 %/年, compounded)
//     for level indicators that are not counts, when the figures involved are
//     positive; otherwise absolute, in the indicator's unit per year: counts
//     (家, 件 …) and cumulative sums (新增: the additions still needed per
//     year), and levels that are zero or negative.
//   - Time runs from the end of the latest figure's period to the end of the
//     deadline year (required), and from the end of the baseline's period to
//     the end of the latest figure's period (achieved).
//   - Required is nil when the indicator is achieved, when its deadline has
//     passed at ev.AsOf, when there is no figure, and for the kinds without a
//     numeric target (Kind.HasNumericTarget). Achieved is nil without a
//     baseline that lies before the latest figure (one figure only).
//   - A negative change is a fall: 需年均下降 for at_most and reduce_by.
func AnnualChanges(ind Indicator, ev Evaluation) (required, achieved *float64, relative bool) {
	if ev.Actual == nil || ev.Period == nil {
		return nil, nil, false
	}
	if !ind.Kind.HasNumericTarget() || ev.Target == nil {
		return nil, nil, false
	}
	actual, target := *ev.Actual, *ev.Target
	t := YearFraction(ev.Period.End())
	tD := YearFraction(ev.Deadline)

	var base *Baseline
	if ev.Baseline != nil && YearFraction(ev.Baseline.Period.End()) < t {
		base = ev.Baseline
	}
	bar := DecidingBar(ind, target)
	from := actual
	if base != nil {
		from = base.Value
	}
	relative = CompoundBasis(ind, from, actual, bar)

	change := func(from, to, years float64) *float64 {
		if relative {
			return finite(math.Pow(to/from, 1/years) - 1)
		}
		return finite((to - from) / years)
	}
	if base != nil {
		achieved = change(base.Value, actual, t-YearFraction(base.Period.End()))
	}
	open := ev.Status != StatusAchieved && ev.AsOf.Before(ev.Deadline) && tD > t
	if open {
		required = change(actual, bar, tD-t)
	}
	return required, achieved, relative
}

// setAnnualChanges fills the evaluation's required and achieved annual
// change (see AnnualChanges).
func (ev *Evaluation) setAnnualChanges(ind Indicator) {
	ev.RequiredAnnualChange, ev.AchievedAnnualChange, ev.ChangeIsRelative = AnnualChanges(ind, *ev)
}
