package kpi

import (
	"math"
	"sort"
	"time"
)

// Pace thresholds of the UN statistics progress methods (as Open SDG
// implements them): the pace ratio R is progress made over progress due.
const (
	onTrackPace = 0.95 // R ≥ 0.95: on track
	laggingPace = 0.6  // 0.6 ≤ R < 0.95: lagging; 0 ≤ R < 0.6: off track; R < 0: deteriorating
)

// relTolerance lets a figure equal to the target meet it even when the
// target was computed (reduce_by: 200 × (1 − 10/100) is 180.00000000000003).
const relTolerance = 1e-9

// Evaluate returns the state of ind at now, from obs: the counted figures of
// the indicator (the newest revision of each period), in any order. It is a
// pure function of its arguments and implements the method of DESIGN.md:
//
//   - A figure counts from the end of its period: figures whose period has
//     not ended by now are ignored. Figures of periods ending after the
//     deadline year are outside the plan's horizon: a target "by 2022" is
//     judged by the figures up to 2022 (they still count as reported for the
//     report duty).
//   - Where figures of different frequencies overlap (2021 and 2021-Q4), the
//     longer period's figure counts and the ones inside it are dropped, so a
//     cumulative sum never counts a quarter twice.
//   - Times are fractional years (YearFraction) of period ends; the deadline
//     year ends at DeadlineEnd(ind.Deadline).
//   - Baseline: the indicator's, else for a cumulative measure 0 at the start
//     of the plan's start year, else the first figure (with one figure only
//     the status is then insufficient_data, unless achieved).
//   - Cumulative measure: the actual is the sum of the figures of periods
//     starting at or after the plan's start; level: the latest figure.
//     increase and milestone always compare the figures themselves.
//   - The status follows the latest figure: a target met early and lost
//     since is not achieved.
//   - No figure at all (by now) is no_data, also after the deadline: nobody
//     reported, which is what the unit must be told.
//   - missed starts the instant the deadline year ends, as DESIGN.md says,
//     even though that year's own figure is typically not due for weeks: the
//     status then follows the latest figure in hand and changes once the
//     deadline year's figure arrives.
//   - Evaluation.Target is the target in the indicator's unit: reduce_by's
//     baseline × (1 − p) (0 until a baseline is known), increase's previous
//     figure (the bar to clear), a milestone's 1 (done).
//   - Gap is the shortfall against that target, 0 when met; for a
//     milestone 1 − the reported fraction.
//
// Numbers that cannot be computed (no baseline, a target equal to its
// baseline, no elapsed time) are nil, never NaN or ±Inf.
func Evaluate(plan Plan, ind Indicator, obs []Observation, now time.Time) Evaluation {
	deadline := DeadlineEnd(ind.Deadline)
	ev := Evaluation{
		Ref:      ind.Ref(),
		AsOf:     now,
		Target:   ind.Target,
		Deadline: deadline,
	}
	counted := countedFigures(obs, now)
	// counted is ordered by period end, so the figures judged are a prefix.
	deadlineSec := deadline.Unix()
	judged := counted[:sort.Search(len(counted), func(i int) bool { return counted[i].end > deadlineSec })]

	newest := -1
	for _, f := range counted {
		if newest < 0 || obs[f.obs].SubmittedAt.After(obs[newest].SubmittedAt) {
			newest = f.obs
		}
	}
	if newest >= 0 {
		at := obs[newest].SubmittedAt
		ev.LastSubmittedAt = &at
	}
	// The report duty looks at every counted figure, judged or not; read it
	// before the evaluation sums cumulative figures in place.
	var lastReported *Period
	if n := len(counted); n > 0 {
		p := counted[n-1].period
		lastReported = &p
	}

	switch ind.Kind {
	case KindIncrease:
		evaluateIncrease(&ev, ind, judged, now)
	case KindMilestone:
		evaluateMilestone(&ev, judged, now)
	default:
		evaluateTarget(&ev, plan, ind, judged, now)
	}

	// A milestone done is done: nothing more to report.
	if !(ind.Kind == KindMilestone && ev.Status == StatusAchieved) {
		ev.Report = reportDuty(plan, ind, lastReported, now)
	}
	ev.setAnnualChanges(ind)
	return ev
}

// figure is one counted observation with its period's bounds worked out.
// It holds no pointer, so a slice of figures costs the collector nothing.
type figure struct {
	period     Period
	start, end int64 // Unix seconds
	value      float64
	obs        int // index of the observation in Evaluate's obs
}

// countedFigures returns the figures of obs that count at now, ordered by
// period end: valid periods that have ended, finite values, one figure per
// period (the newest revision), and no figure inside another's period.
// obs is not modified.
func countedFigures(obs []Observation, now time.Time) []figure {
	figs := make([]figure, 0, len(obs))
	sorted := true
	nowSec := now.Unix() // floored: a period ending within this second has ended
	for i := range obs {
		o := &obs[i]
		if !o.Period.Valid() || math.IsNaN(o.Value) || math.IsInf(o.Value, 0) {
			continue
		}
		start, end := periodBounds(o.Period)
		if end > nowSec {
			continue
		}
		f := figure{period: o.Period, start: start, end: end, value: o.Value, obs: i}
		if n := len(figs); n > 0 && figureLess(f, figs[n-1]) {
			sorted = false
		}
		figs = append(figs, f)
	}
	if !sorted {
		sort.SliceStable(figs, func(i, j int) bool { return figureLess(figs[i], figs[j]) })
	}

	// Several figures for one period should not reach here (the store keeps
	// the newest revision), but if they do, the newest revision counts.
	out := figs[:0]
	mixed := false
	for _, f := range figs {
		if n := len(out); n > 0 && out[n-1].period == f.period {
			if newerRevision(obs[f.obs], obs[out[n-1].obs]) {
				out[n-1] = f
			}
			continue
		}
		if len(out) > 0 && f.period.Frequency() != out[0].period.Frequency() {
			mixed = true
		}
		out = append(out, f)
	}
	if mixed {
		out = dropContained(out)
	}
	return out
}

// figureLess orders figures by period end, longer periods first.
func figureLess(a, b figure) bool {
	if a.end != b.end {
		return a.end < b.end
	}
	return a.start < b.start
}

func newerRevision(a, b Observation) bool {
	if a.Revision != b.Revision {
		return a.Revision > b.Revision
	}
	return a.SubmittedAt.After(b.SubmittedAt)
}

// chinaOffset is China's offset from UTC in seconds (see China).
const chinaOffset = 8 * 60 * 60

// periodBounds returns Period.Start and Period.End as Unix seconds, without
// the cost of time.Date: Evaluate runs for every indicator of a national
// deployment.
func periodBounds(p Period) (start, end int64) {
	month, months := 1, 12
	switch {
	case p.Quarter != 0:
		month, months = 3*(p.Quarter-1)+1, 3
	case p.Month != 0:
		month, months = p.Month, 1
	}
	endYear, endMonth := p.Year, month+months
	if endMonth > 12 {
		endYear, endMonth = endYear+1, endMonth-12
	}
	return chinaMidnight(p.Year, month), chinaMidnight(endYear, endMonth)
}

// chinaMidnight returns the Unix time of the first instant of month m of
// year y in China time.
func chinaMidnight(y, m int) int64 {
	return daysFromCivil(y, m, 1)*86400 - chinaOffset
}

// daysFromCivil returns the days from 1970-01-01 to y-m-d in the proleptic
// Gregorian calendar (Howard Hinnant's days_from_civil), for y ≥ 0.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yearOfEra := y - era*400
	dayOfYear := (153*((m+9)%12)+2)/5 + d - 1 // from 1 March
	dayOfEra := yearOfEra*365 + yearOfEra/4 - yearOfEra/100 + dayOfYear
	return int64(era*146097 + dayOfEra - 719468)
}

// yearsAt returns the Unix time sec as a fractional year (YearFraction).
func yearsAt(sec int64) float64 { return YearFraction(time.Unix(sec, 0)) }

// dropContained removes quarterly and monthly figures of a year that has an
// annual figure, and monthly figures of a quarter that has a quarterly one:
// the longer period's figure is the one that counts.
func dropContained(figs []figure) []figure {
	years := map[int]bool{}
	quarters := map[[2]int]bool{}
	for _, f := range figs {
		switch f.period.Frequency() {
		case Annual:
			years[f.period.Year] = true
		case Quarterly:
			quarters[[2]int{f.period.Year, f.period.Quarter}] = true
		}
	}
	out := figs[:0]
	for _, f := range figs {
		p := f.period
		switch {
		case p.Frequency() != Annual && years[p.Year]:
			continue
		case p.Frequency() == Monthly && quarters[[2]int{p.Year, (p.Month-1)/3 + 1}]:
			continue
		}
		out = append(out, f)
	}
	return out
}

// evaluateTarget evaluates the kinds with a numeric target: at_least,
// at_most and reduce_by (which is at_most against baseline × (1 − p)).
func evaluateTarget(ev *Evaluation, plan Plan, ind Indicator, figs []figure, now time.Time) {
	better := 1.0 // the sign of a change for the better
	if ind.Kind == KindAtMost || ind.Kind == KindReduceBy {
		better = -1
	}

	// series is the indicator's value at each period end.
	series := figs
	if ind.Measure == MeasureCumulative {
		series = runningTotals(figs, planStart(plan, figs))
	}

	var base *Baseline
	switch {
	case ind.Baseline != nil:
		b := *ind.Baseline
		base = &b
	case ind.Measure == MeasureCumulative:
		// Nothing added yet at the start of the plan.
		freq := ind.Frequency
		if !freq.Valid() {
			freq = Annual
		}
		start := plan.StartYear
		if start == 0 && len(series) > 0 {
			start = series[0].period.Year
		}
		if start != 0 {
			base = &Baseline{Period: FirstOfYear(start, freq).Prev(), Value: 0}
		}
	case len(series) > 0:
		base = &Baseline{Period: series[0].period, Value: series[0].value}
	}
	ev.Baseline = base

	target := ind.Target
	if ind.Kind == KindReduceBy {
		target = 0 // unknown until there is a baseline
		if base != nil {
			target = base.Value * (1 - ind.Target/100)
		}
	}
	ev.Target = target
	if math.IsNaN(target) || math.IsInf(target, 0) {
		// Only a broken targets file gets here; say nothing rather than
		// something wrong.
		ev.Target = 0
		ev.Status = StatusInsufficientData
		if len(series) == 0 {
			ev.Status = StatusNoData
		}
		return
	}

	tD := YearFraction(ev.Deadline)
	var t0 float64
	if base != nil {
		t0 = YearFraction(base.Period.End())
		// How far along the straight path from baseline to target the
		// indicator should be by now.
		if tD > t0 {
			elapsedNow := clamp((YearFraction(now)-t0)/(tD-t0), 0, 1)
			ev.Expected = finite(base.Value + (target-base.Value)*elapsedNow)
		}
	}

	if len(series) == 0 {
		ev.Status = StatusNoData
		return
	}
	latest := series[len(series)-1]
	actual := latest.value
	period := latest.period
	ev.Actual = finite(actual)
	ev.Period = &period
	achieved := better*(actual-target) >= -tolerance(target)
	if achieved {
		ev.Gap = finite(0)
	} else {
		ev.Gap = finite(better * (target - actual))
	}

	t := yearsAt(latest.end)
	var elapsed *float64
	if base != nil && tD > t0 {
		elapsed = finite((t - t0) / (tD - t0))
	}
	// Progress is only defined when the target lies ahead of the baseline.
	targetAhead := base != nil && better*(target-base.Value) > 0
	if targetAhead {
		ev.ProgressRatio = finite((actual - base.Value) / (target - base.Value))
		if elapsed != nil && *elapsed > 0 && ev.ProgressRatio != nil {
			ev.PaceRatio = finite(*ev.ProgressRatio / *elapsed)
		}
	}
	if base != nil {
		ev.Projected = project(base.Value, t0, actual, t, tD)
	}

	switch {
	case achieved:
		ev.Status = StatusAchieved
	case !now.Before(ev.Deadline):
		ev.Status = StatusMissed
	case elapsed == nil || *elapsed <= 0:
		// The latest figure is the baseline itself (or older): no movement
		// to judge yet.
		ev.Status = StatusInsufficientData
	case !targetAhead:
		// The baseline already met the target and the latest figure has
		// fallen short of it.
		ev.Status = StatusDeteriorating
	case ev.PaceRatio == nil:
		ev.Status = StatusInsufficientData
	default:
		ev.Status = paceStatus(*ev.PaceRatio)
	}
}

// planStart is the instant a cumulative measure sums from (Unix seconds):
// the start of the plan's start year, or of the first figure's year when the
// plan has none.
func planStart(plan Plan, figs []figure) int64 {
	switch {
	case plan.StartYear != 0:
		return chinaMidnight(plan.StartYear, 1)
	case len(figs) > 0:
		return chinaMidnight(figs[0].period.Year, 1)
	}
	return 0
}

// runningTotals turns figs, in place, into the sum since start at the end of
// each figure's period, leaving out figures of periods that began before
// start.
func runningTotals(figs []figure, start int64) []figure {
	out := figs[:0]
	sum := 0.0
	for _, f := range figs {
		if f.start < start {
			continue
		}
		sum += f.value
		f.value = sum
		out = append(out, f)
	}
	return out
}

// evaluateIncrease evaluates "each period above the one before". The latest
// figure is compared with the newest earlier figure of the same frequency
// (or, without one, an earlier given baseline). Before the deadline: above
// is on_track, equal lagging, below deteriorating. After the deadline the
// judgment freezes on the last step up to the deadline: achieved when it
// rose, missed otherwise — the plan's words (持续增长) ask for growth at the
// end of the plan, and a stricter "every step rose" would let one dip years
// ago decide a target met in every year since.
func evaluateIncrease(ev *Evaluation, ind Indicator, figs []figure, now time.Time) {
	switch {
	case ind.Baseline != nil:
		b := *ind.Baseline
		ev.Baseline = &b
	case len(figs) > 0:
		ev.Baseline = &Baseline{Period: figs[0].period, Value: figs[0].value}
	}
	if len(figs) == 0 {
		ev.Status = StatusNoData
		return
	}
	latest := figs[len(figs)-1]
	ev.Actual = finite(latest.value)
	ev.Period = &latest.period

	var previous *float64
	for i := len(figs) - 2; i >= 0; i-- {
		if figs[i].period.Frequency() == latest.period.Frequency() {
			previous = finite(figs[i].value)
			break
		}
	}
	if previous == nil && ind.Baseline != nil && ind.Baseline.Period.End().Unix() < latest.end {
		previous = finite(ind.Baseline.Value)
	}
	if ev.Baseline != nil {
		ev.Projected = project(ev.Baseline.Value, YearFraction(ev.Baseline.Period.End()), latest.value, yearsAt(latest.end), YearFraction(ev.Deadline))
	}

	deadlinePassed := !now.Before(ev.Deadline)
	if previous == nil {
		ev.Status = StatusInsufficientData
		if deadlinePassed {
			ev.Status = StatusMissed
		}
		return
	}
	// The bar the latest figure must clear is the one before it.
	ev.Target = *previous
	ev.Gap = finite(math.Max(0, *previous-latest.value))
	rose := latest.value > *previous
	switch {
	case deadlinePassed && rose:
		ev.Status = StatusAchieved
	case deadlinePassed:
		ev.Status = StatusMissed
	case rose:
		ev.Status = StatusOnTrack
	case latest.value < *previous:
		ev.Status = StatusDeteriorating
	default:
		ev.Status = StatusLagging
	}
}

// evaluateMilestone evaluates a qualitative line reported as 1 (done) or 0:
// achieved when the latest figure is at least 1, in_progress before the
// deadline, missed after it. Progress is the reported fraction done.
func evaluateMilestone(ev *Evaluation, figs []figure, now time.Time) {
	ev.Target = 1
	if len(figs) == 0 {
		ev.Status = StatusNoData
		return
	}
	latest := figs[len(figs)-1]
	ev.Actual = finite(latest.value)
	ev.Period = &latest.period
	ev.ProgressRatio = finite(clamp(latest.value, 0, 1))
	done := latest.value >= 1-tolerance(1)
	if done {
		ev.Gap = finite(0)
	} else {
		ev.Gap = finite(1 - latest.value)
	}
	switch {
	case done:
		ev.Status = StatusAchieved
	case !now.Before(ev.Deadline):
		ev.Status = StatusMissed
	default:
		ev.Status = StatusInProgress
	}
}

// paceStatus maps a pace ratio to a status.
func paceStatus(pace float64) Status {
	switch {
	case pace >= onTrackPace:
		return StatusOnTrack
	case pace >= laggingPace:
		return StatusLagging
	case pace >= 0:
		return StatusOffTrack
	}
	return StatusDeteriorating
}

// project carries the change from (t0, from) to (t, to) on to the deadline
// tD: compound annual growth when both values are positive, a straight line
// otherwise. A latest figure at the deadline is its own projection.
func project(from, t0, to, t, tD float64) *float64 {
	switch {
	case t >= tD:
		return finite(to)
	case t <= t0:
		return nil
	case from > 0 && to > 0:
		return finite(to * math.Pow(to/from, (tD-t)/(t-t0)))
	}
	return finite(to + (to-from)*(tD-t)/(t-t0))
}

// reportDuty works out the unit's duty to report. The plan's periods run at
// the indicator's frequency (annual when unset; a milestone without a
// frequency has no periodic duty) from the first period of the plan's start
// year (without one: the period after the baseline, else the deadline year's
// first) to the last period of the deadline year. The figure awaited is that
// of the period after the latest one reported: an older gap is forgiven once
// a later figure is in. It is due its period's end plus DueDays days and
// overdue after that. When the last period has been reported nothing more is
// due: Period nil, Due zero.
func reportDuty(plan Plan, ind Indicator, lastReported *Period, now time.Time) ReportDuty {
	freq := ind.Frequency
	if !freq.Valid() {
		if ind.Kind == KindMilestone {
			return ReportDuty{}
		}
		freq = Annual
	}
	var first Period
	switch {
	case plan.StartYear != 0:
		first = FirstOfYear(plan.StartYear, freq)
	case ind.Baseline != nil && ind.Baseline.Period.Valid():
		first = periodAt(ind.Baseline.Period.End(), freq)
	default:
		first = FirstOfYear(ind.Deadline, freq)
	}
	last := FirstOfYear(ind.Deadline+1, freq).Prev()

	awaited := first
	if lastReported != nil {
		if next := periodAt(lastReported.End(), freq); next.End().After(awaited.End()) {
			awaited = next
		}
	}
	if awaited.End().After(last.End()) {
		return ReportDuty{}
	}
	due := awaited.End().AddDate(0, 0, ind.DueDays)
	return ReportDuty{Period: &awaited, Due: due, Overdue: now.After(due)}
}

// periodAt returns the period of frequency freq that holds the instant t.
func periodAt(t time.Time, freq Frequency) Period {
	t = t.In(China)
	switch freq {
	case Quarterly:
		return Period{Year: t.Year(), Quarter: (int(t.Month())-1)/3 + 1}
	case Monthly:
		return Period{Year: t.Year(), Month: int(t.Month())}
	}
	return Period{Year: t.Year()}
}

func tolerance(target float64) float64 { return relTolerance * math.Max(1, math.Abs(target)) }

func clamp(x, lo, hi float64) float64 { return math.Min(hi, math.Max(lo, x)) }

// finite returns a pointer to x, or nil when x is NaN or infinite, so no
// such value leaks into metrics or JSON.
func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}
