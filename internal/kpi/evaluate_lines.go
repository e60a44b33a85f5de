package kpi

import (
	"math"
	"time"
)

// evaluateIncrease evaluates "each period above the one before" (逐年增长,
// 持续增长) over the whole plan (docs/method.md, "Growth lines"): the chain
// is the indicator's explicit baseline where it is older than the first
// figure, then every figure of the latest figure's frequency up to the deadline
// (a figure of the base period before the plan starts included). A missing
// period is bridged: a figure is compared with the newest earlier one.
// Every step must rise: one fall is deteriorating while the plan runs (a
// flat step lagging) and missed once the deadline verdict is due; every
// step up and the deadline year's figure in is achieved. With fewer than
// two values there is nothing to compare: insufficient_data, also after the
// deadline. Target is the figure the latest had to pass; nil before that.
func evaluateIncrease(ev *Evaluation, plan Plan, ind Indicator, figs []figure, c closing) {
	// The latest figure's frequency: quarterly figures of a line reported
	// yearly are compared with each other, not with the year before.
	var freq Frequency
	if len(figs) > 0 {
		freq = figs[len(figs)-1].period.Frequency()
	}
	chain := make([]figure, 0, len(figs)+1)
	for _, f := range figs {
		if f.period.Frequency() == freq {
			chain = append(chain, f)
		}
	}
	if len(chain) == 0 {
		ev.Status = StatusNoData
		return
	}
	switch {
	case ind.Baseline != nil && ind.Baseline.Period.Valid() && ind.Baseline.Period.End().Unix() < chain[0].end:
		b := *ind.Baseline
		ev.Baseline = &b
		ev.BaselineOrigin = BaselineFromIndicator
		start, end := periodBounds(b.Period)
		chain = append([]figure{{period: b.Period, start: start, end: end, value: b.Value, obs: -1}}, chain...)
	default:
		ev.Baseline = &Baseline{Period: chain[0].period, Value: chain[0].value}
		ev.BaselineOrigin = firstFigureOrigin(plan, chain[0])
	}
	latest := chain[len(chain)-1]
	ev.Actual = finite(latest.value)
	ev.Period = &latest.period
	ev.Projected = project(ev.Baseline.Value, YearFraction(ev.Baseline.Period.End()), latest.value, yearsAt(latest.end), YearFraction(ev.Deadline))
	if len(chain) < 2 {
		ev.Status = StatusInsufficientData
		ev.Reason = ReasonNeedTwoFigures
		return
	}
	previous := chain[len(chain)-2].value
	ev.Target = finite(previous)
	ev.Gap = finite(math.Max(0, previous-latest.value))

	var fell, flat []Period
	var falls []float64
	for i := 1; i < len(chain); i++ {
		prev, cur := chain[i-1].value, chain[i].value
		switch {
		case cur < prev-tolerance(prev):
			fell = append(fell, chain[i].period)
			falls = append(falls, significant(prev-cur, 10))
		case cur <= prev+tolerance(prev):
			flat = append(flat, chain[i].period)
		}
	}
	switch {
	case len(fell) > 0:
		ev.Reason, ev.ReasonPeriods, ev.Falls = ReasonFell, fell, falls
	case len(flat) > 0:
		ev.Reason, ev.ReasonPeriods = ReasonFlat, flat
	}
	rose := ev.Reason == ""
	// 逐年 cannot be certified without every year: at the end, a plan
	// period never reported makes a line that rose insufficient, as a
	// continuing line's (docs/method.md, "Growth lines").
	var missing []Period
	if c.closed && rose && c.finalIn {
		missing = missingPeriods(plan, ind, freq, chain, c)
	}
	switch {
	case c.closed && rose && c.finalIn && len(missing) > 0:
		ev.Status = StatusInsufficientData
		ev.Reason, ev.ReasonPeriods = ReasonYearsMissing, missing
	case c.closed && rose && c.finalIn:
		ev.Status = StatusAchieved
	case c.closed:
		ev.Status = StatusMissed
		c.missedReason(ev)
	case len(fell) > 0:
		ev.Status = StatusDeteriorating
	case len(flat) > 0:
		ev.Status = StatusLagging
	default:
		ev.Status = StatusOnTrack
	}
	c.graceReason(ev)
}

// evaluateMilestone evaluates a line done once (docs/method.md,
// "Milestones"). Its figures are the share done: 1 of a target of 1 (done or
// not, unit 项), or a completion percent of a target of 100 (unit %). Done is
// achieved at once. Before the deadline verdict is due, a milestone with
// stages, or reported in percent, is judged by pace like an at-least target
// against its path: 0 at the plan's start, each stage's percent by the end
// of its period, 100 % at the deadline, straight between; a 0/1 milestone
// without stages is in_progress. After: missed.
func evaluateMilestone(ev *Evaluation, plan Plan, ind Indicator, figs []figure, c closing, now time.Time) {
	full := ind.Target
	if full <= 0 {
		full = 1
	}
	ev.Target = finite(full)
	path := milestonePath(plan, ind, figs, c.deadline)
	if path != nil {
		ev.Expected = finite(full * path.at(now.Unix()))
	}
	if len(figs) == 0 {
		ev.Status = StatusNoData
		return
	}
	latest := figs[len(figs)-1]
	ev.Actual = finite(latest.value)
	ev.Period = &latest.period
	done := clamp(latest.value/full, 0, 1)
	ev.ProgressRatio = finite(done)
	achieved := latest.value >= full-tolerance(full)
	if achieved {
		ev.Gap = finite(0)
	} else {
		ev.Gap = finite(full - latest.value)
	}
	due := 0.0
	if path != nil {
		due = path.at(latest.end)
		if due > 0 {
			ev.PaceRatio = finite(done / due)
		}
	}
	switch {
	case achieved:
		ev.Status = StatusAchieved
	case c.closed:
		ev.Status = StatusMissed
		c.missedReason(ev)
	case ev.PaceRatio != nil:
		ev.Status = paceStatus(*ev.PaceRatio)
	default:
		ev.Status = StatusInProgress
	}
	c.graceReason(ev)
}

// stagePath is a milestone's expected share done over time: straight lines
// between its points (Unix seconds, share 0..1), flat after the last.
type stagePath struct {
	at0    []int64
	shares []float64
}

func (p *stagePath) at(sec int64) float64 {
	if sec <= p.at0[0] {
		return p.shares[0]
	}
	for i := 1; i < len(p.at0); i++ {
		if sec <= p.at0[i] {
			t0, t1 := p.at0[i-1], p.at0[i]
			s0, s1 := p.shares[i-1], p.shares[i]
			return s0 + (s1-s0)*float64(sec-t0)/float64(t1-t0)
		}
	}
	return p.shares[len(p.shares)-1]
}

// milestonePath returns the path a milestone is judged against, nil for a
// 0/1 milestone without stages (done or not has no pace) or without a start.
func milestonePath(plan Plan, ind Indicator, figs []figure, deadline int64) *stagePath {
	if len(ind.Stages) == 0 && ind.IsDoneOrNot() {
		return nil
	}
	start := planStartSec(plan)
	if start == 0 && len(figs) > 0 {
		start = chinaMidnight(figs[0].period.Year, 1)
	}
	if start == 0 || start >= deadline {
		return nil
	}
	p := &stagePath{at0: []int64{start}, shares: []float64{0}}
	for _, st := range ind.Stages {
		_, end := periodBounds(st.Period)
		if end <= p.at0[len(p.at0)-1] || end >= deadline {
			continue
		}
		p.at0 = append(p.at0, end)
		p.shares = append(p.shares, clamp(st.Percent/100, 0, 1))
	}
	p.at0 = append(p.at0, deadline)
	p.shares = append(p.shares, 1)
	return p
}

// evaluateContinuing evaluates a line to keep doing (继续, 持续, 不断;
// docs/method.md, "Continuing lines"): each period of the plan, from its
// start to the deadline year, is reported 1 (done that period) or 0. A
// period not done is off_track while the plan runs and missed at the end;
// at the end every period must be done, the final one reported (missed when
// its figure never came) and earlier ones too (insufficient_data naming the
// periods not reported).
func evaluateContinuing(ev *Evaluation, plan Plan, ind Indicator, figs []figure, c closing) {
	ev.Target = finite(1)
	if len(figs) == 0 {
		ev.Status = StatusNoData
		return
	}
	latest := figs[len(figs)-1]
	ev.Actual = finite(latest.value)
	ev.Period = &latest.period

	freq := indicatorFrequency(ind)
	var notDone, missing []Period
	periods := 0
	for p := planFirstPeriod(plan, ind, freq); p.Year <= ind.Deadline; p = p.Next() {
		pStart, pEnd := periodBounds(p)
		if pEnd > c.now {
			break
		}
		periods++
		k := coveredFrom(figs, 0, pStart, pEnd)
		switch {
		case k < 0:
			missing = append(missing, p)
		case figs[k].value < 1-tolerance(1):
			notDone = append(notDone, p)
		}
	}
	if periods > 0 {
		ev.ProgressRatio = finite(float64(periods-len(notDone)-len(missing)) / float64(periods))
	}
	ev.Gap = finite(float64(len(notDone)))
	switch {
	case len(notDone) > 0 && c.closed:
		ev.Status = StatusMissed
		ev.Reason, ev.ReasonPeriods = ReasonYearNotDone, notDone
	case len(notDone) > 0:
		ev.Status = StatusOffTrack
		ev.Reason, ev.ReasonPeriods = ReasonYearNotDone, notDone
	case c.closed && !c.finalIn:
		ev.Status = StatusMissed
		c.missedReason(ev)
	case c.closed && len(missing) > 0:
		ev.Status = StatusInsufficientData
		ev.Reason, ev.ReasonPeriods = ReasonYearsMissing, missing
	case c.closed:
		ev.Status = StatusAchieved
	default:
		ev.Status = StatusOnTrack
	}
	c.graceReason(ev)
}

// missingPeriods lists the plan's periods of frequency freq, from its first
// to the deadline year's last ended by c.now, that no figure of figs
// covers.
func missingPeriods(plan Plan, ind Indicator, freq Frequency, figs []figure, c closing) []Period {
	var missing []Period
	for p := planFirstPeriod(plan, ind, freq); p.Year <= ind.Deadline; p = p.Next() {
		pStart, pEnd := periodBounds(p)
		if pEnd > c.now {
			break
		}
		if coveredFrom(figs, 0, pStart, pEnd) < 0 {
			missing = append(missing, p)
		}
	}
	return missing
}

// planFirstPeriod is the first period of the plan at frequency freq: the
// plan's start year's first, else the period after the indicator's baseline,
// else the deadline year's first.
func planFirstPeriod(plan Plan, ind Indicator, freq Frequency) Period {
	switch {
	case plan.StartYear != 0:
		return FirstOfYear(plan.StartYear, freq)
	case ind.Baseline != nil && ind.Baseline.Period.Valid():
		return periodAt(ind.Baseline.Period.End(), freq)
	}
	return FirstOfYear(ind.Deadline, freq)
}
