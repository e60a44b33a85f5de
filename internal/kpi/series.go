package kpi

import (
	"math"
	"time"
)

// CountedFigure is one point of the series an indicator is judged on: a
// period and the indicator's value at its end (for a cumulative measure,
// the sum since the plan's start).
type CountedFigure struct {
	Period Period
	Value  float64
}

// CountedSeries returns the figures Evaluate judges ind on at now, ordered
// by period end: the newest revision of each period that has ended by now
// and by the deadline, without figures inside a longer period's (2020-Q1
// beside 2020), and for a cumulative target the running sum since the plan's
// start. Its last value is Evaluation.Actual; charts draw it so that they
// show what was judged.
func CountedSeries(plan Plan, ind Indicator, obs []Observation, now time.Time) []CountedFigure {
	figs := judgedFigures(countedFigures(obs, now), DeadlineEnd(ind.Deadline).Unix())
	if ind.Kind.HasNumericTarget() {
		figs = targetSeries(plan, ind, figs)
	}
	out := make([]CountedFigure, len(figs))
	for i, f := range figs {
		out[i] = CountedFigure{Period: f.period, Value: f.value}
	}
	return out
}

// judgedFigures is the prefix of counted (ordered by period end) whose
// periods end by the deadline (Unix seconds): the figures the target is
// judged on.
func judgedFigures(counted []figure, deadline int64) []figure {
	n := 0
	for n < len(counted) && counted[n].end <= deadline {
		n++
	}
	return counted[:n]
}

// targetSeries is the indicator's value at each figure's period end for the
// kinds judged against a target: the figures themselves, or for a
// cumulative measure their running sum since the plan's start (figs is
// changed in place).
func targetSeries(plan Plan, ind Indicator, figs []figure) []figure {
	if ind.Measure == MeasureCumulative {
		return runningTotals(figs, planStart(plan, figs))
	}
	return figs
}

// PathPoint is a point in time, as a fractional year (YearFraction), and a
// value in the indicator's unit.
type PathPoint struct {
	Year  float64
	Value float64
}

// ExpectedPath returns the path from the baseline to the deciding bar
// (DecidingBar) by the deadline along which Evaluation.Expected is read,
// for the kinds judged that way (at_least, at_most, reduce_by, multiply):
// its two ends where the pace is linear, points every quarter of a year
// along the curve where it is compound (CompoundBasis); nil for the other
// kinds and where ev has no baseline or target.
func ExpectedPath(ind Indicator, ev Evaluation) []PathPoint {
	if !ind.Kind.HasNumericTarget() || ev.Baseline == nil || ev.Target == nil {
		return nil
	}
	b, bar := ev.Baseline.Value, ev.bar()
	t0, tD := YearFraction(ev.Baseline.Period.End()), YearFraction(ev.Deadline)
	actual := b
	if ev.Actual != nil {
		actual = *ev.Actual
	}
	if tD <= t0 || !CompoundBasis(ind, b, actual, bar) {
		return []PathPoint{{Year: t0, Value: b}, {Year: tD, Value: bar}}
	}
	var path []PathPoint
	for y := t0; y < tD; y += 0.25 {
		path = append(path, PathPoint{Year: y, Value: b * math.Pow(bar/b, (y-t0)/(tD-t0))})
	}
	return append(path, PathPoint{Year: tD, Value: bar})
}

// ExpectedProgress is the share of the way from the baseline to the
// deciding bar that is due by AsOf (Expected on that scale, as
// ProgressRatio is Actual); nil where there is no such way.
func (ev Evaluation) ExpectedProgress() *float64 {
	b := ev.Baseline
	if ev.Expected == nil || b == nil || ev.Target == nil {
		return nil
	}
	bar := ev.bar()
	if bar == b.Value {
		return nil
	}
	return finite((*ev.Expected - b.Value) / (bar - b.Value))
}

// DecidingBar is the evaluation's deciding bar: Bar, or Target where Bar
// is not set; false with neither.
func (ev *Evaluation) DecidingBar() (float64, bool) {
	switch {
	case ev.Bar != nil:
		return *ev.Bar, true
	case ev.Target != nil:
		return *ev.Target, true
	}
	return 0, false
}

// bar is the deciding bar of an evaluation with a target.
func (ev Evaluation) bar() float64 {
	b, _ := ev.DecidingBar()
	return b
}
