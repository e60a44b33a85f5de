package kpi

import "time"

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
	if hasTargetPath(ind.Kind) {
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

// hasTargetPath reports whether kind is judged by pace along a straight
// path from the baseline to a numeric target (evaluateTarget).
func hasTargetPath(kind Kind) bool {
	switch kind {
	case KindAtLeast, KindAtMost, KindReduceBy, KindMultiply:
		return true
	}
	return false
}

// PathPoint is a point in time, as a fractional year (YearFraction), and a
// value in the indicator's unit.
type PathPoint struct {
	Year  float64
	Value float64
}

// ExpectedPath returns the two ends of the straight path from the baseline
// to the target by the deadline, along which Evaluation.Expected is read,
// for the kinds judged that way (at_least, at_most, reduce_by, multiply);
// nil for the others and where ev has no baseline or target.
func ExpectedPath(ind Indicator, ev Evaluation) []PathPoint {
	if !hasTargetPath(ind.Kind) || ev.Baseline == nil || ev.Target == nil {
		return nil
	}
	return []PathPoint{
		{Year: YearFraction(ev.Baseline.Period.End()), Value: ev.Baseline.Value},
		{Year: YearFraction(ev.Deadline), Value: *ev.Target},
	}
}

// ExpectedProgress is the share of the way from the baseline to the target
// that is due by AsOf (Expected on that scale, as ProgressRatio is Actual);
// nil where there is no such way.
func (ev Evaluation) ExpectedProgress() *float64 {
	b := ev.Baseline
	if ev.Expected == nil || b == nil || ev.Target == nil || *ev.Target == b.Value {
		return nil
	}
	return finite((*ev.Expected - b.Value) / (*ev.Target - b.Value))
}
