package kpi

import (
	"math"
	"sort"
	"strconv"
	"time"
)

// Pace thresholds of the UN statistics progress methods (as Open SDG
// implements them): the pace ratio R is progress made over progress due.
// The boards' help texts print them from here.
const (
	OnTrackPace = 0.95 // R ≥ 0.95: on track
	LaggingPace = 0.6  // 0.6 ≤ R < 0.95: lagging; 0 ≤ R < 0.6: off track; R < 0: deteriorating
)

// relTolerance lets a figure equal to the target meet it even when the
// target was computed (reduce_by: 200 × (1 − 10/100) is 180.00000000000003).
const relTolerance = 1e-9

// dutyAfterClose is how long after the deadline year's figure was due the
// report duty of an indicator whose final figure never came ends: half a
// year of reminders, then the plan is closed (docs/method.md, "Report duty").
const dutyAfterClose = 180 * 24 * time.Hour

// Evaluate returns the state of ind at now, from obs: the counted figures of
// the indicator (the newest revision of each period), in any order. It is a
// pure function of its arguments and implements docs/method.md; each rule
// there has a worked example and a test in evaluate_test.go. In short:
//
//   - A figure counts from the end of its period. Figures of periods ending
//     after the deadline year are outside the target's horizon (they still
//     count as reported for the report duty). Where figures of different
//     frequencies overlap (2021 and 2021-Q4), the longer period's counts.
//   - Baseline: the indicator's explicit one, else for a cumulative measure
//     0 at the plan's start, else the first figure, which is a figure of the
//     plan's base period (现有基础, Plan.BaseYear) where one is reported.
//     Evaluation.BaselineOrigin says which.
//   - Deadline grace: the deadline verdict (achieved, or missed) waits for the
//     deadline year's figure until it is due (deadline year end + DueDays);
//     until then the status is the pace verdict on the figures in hand.
//   - A verdict that needs two figures or a baseline and lacks them is
//     insufficient_data, also after the deadline, with a Reason.
//   - increase: every period of the plan must rise over the one before (the
//     base period counts where reported); one fall is deteriorating while the
//     plan runs and missed at the end.
//   - reduce_by and multiply: at most baseline × (1 − p), at least
//     baseline × factor, judged by pace like any target.
//   - milestone: done, or a completion percent judged by pace against its
//     stages (a straight line from the plan start where it has none);
//     continuing: each year done, met only when every year is.
//   - No figure at all is no_data, also after the deadline.
//
// Numbers that cannot be computed are nil, never NaN or ±Inf.
func Evaluate(plan Plan, ind Indicator, obs []Observation, now time.Time) Evaluation {
	deadline := DeadlineEnd(ind.Deadline)
	ev := Evaluation{
		Ref:      ind.Ref(),
		AsOf:     now,
		Deadline: deadline,
	}
	counted := countedFigures(obs, now)
	// counted is ordered by period end, so the figures judged are a prefix.
	deadlineSec := deadline.Unix()
	judged := judgedFigures(counted, deadlineSec)

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
	// The report duty looks at every counted figure, judged or not; work it
	// out before the evaluation sums cumulative figures in place.
	ev.Report = reportDuty(plan, ind, counted, now)

	c := closing{deadline: deadlineSec, now: now.Unix() + 1}
	c.finalIn = len(judged) > 0 && judged[len(judged)-1].end == deadlineSec
	finalDue := ind.DueAt(periodAt(deadline.Add(-time.Second), indicatorFrequency(ind)))
	c.closed = endedBy(deadlineSec, now) && (c.finalIn || now.After(finalDue))
	c.final = periodAt(deadline.Add(-time.Second), indicatorFrequency(ind))

	switch ind.Kind {
	case KindIncrease:
		evaluateIncrease(&ev, plan, ind, judged, c)
	case KindMilestone:
		evaluateMilestone(&ev, plan, ind, judged, c, now)
	case KindContinuing:
		evaluateContinuing(&ev, plan, ind, judged, c)
	default:
		evaluateTarget(&ev, plan, ind, judged, c, now)
	}
	// A line done is done: nothing more to report.
	if ind.Kind == KindMilestone && ev.Status == StatusAchieved {
		ev.Report = ReportDuty{}
	}
	// Nothing ever came for the plan's periods and the verdict is due: not
	// completed, naming the periods the plan asked for (docs/method.md,
	// "Report duty").
	if ev.Status == StatusNoData && c.closed {
		ev.Reason = ReasonNeverReported
		ev.ReasonPeriods = []Period{planFirstPeriod(plan, ind, indicatorFrequency(ind)), c.final}
		start := plan.DutyStart()
		ev.Report.NeverReported = ev.Report.Period == nil && (start.IsZero() || finalDue.After(start))
	}
	ev.setAnnualChanges(ind)
	ev.clean(ind)
	return ev
}

// closing is where an indicator stands with its deadline (Unix seconds).
type closing struct {
	deadline int64 // end of the deadline year
	now      int64
	final    Period // the deadline year's last period at the indicator's frequency
	// finalIn: a figure of the deadline year's last period is in.
	finalIn bool
	// closed: the deadline verdict is due: the deadline year has ended and
	// its figure is in or was due and has not come.
	closed bool
}

// graceReason notes, while the deadline verdict waits for the final figure,
// that the status is the pace verdict.
func (c closing) graceReason(ev *Evaluation) {
	if !c.closed && c.now >= c.deadline && ev.Reason == "" {
		ev.Reason = ReasonAwaitingFinal
		ev.ReasonPeriods = []Period{c.final}
	}
}

// missedReason says why a closed indicator is missed when its final figure
// never came.
func (c closing) missedReason(ev *Evaluation) {
	if !c.finalIn && ev.Reason == "" {
		ev.Reason = ReasonFinalOverdue
		ev.ReasonPeriods = []Period{c.final}
	}
}

// indicatorFrequency is the indicator's frequency, annual when unset.
func indicatorFrequency(ind Indicator) Frequency {
	if ind.Frequency.Valid() {
		return ind.Frequency
	}
	return Annual
}

// planStartSec is the instant the plan starts (Unix seconds), 0 when the
// plan has no start year.
func planStartSec(plan Plan) int64 {
	if plan.StartYear == 0 {
		return 0
	}
	return chinaMidnight(plan.StartYear, 1)
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
	for i := range obs {
		o := &obs[i]
		if !o.Period.Valid() || math.IsNaN(o.Value) || math.IsInf(o.Value, 0) {
			continue
		}
		start, end := periodBounds(o.Period)
		if !endedBy(end, now) {
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

// EndedBy reports whether a figure of period p counts at the instant at:
// a figure counts from the end of its period (docs/method.md, "Time").
// Evaluate counts by the same rule; pages that list figures "as of" a day
// use it to leave out those the evaluation does not count yet.
func (p Period) EndedBy(at time.Time) bool {
	_, end := periodBounds(p)
	return endedBy(end, at)
}

// endedBy is EndedBy on a period end in Unix seconds. The instant at
// stands for its whole second: a period ending by the end of that second
// has ended. So the end of a day (23:59:59, kpi.ParseAsOf) holds every
// period ending at the following midnight: as of 2021-12-31 the 2021
// figure counts (docs/method.md, "Time").
func endedBy(end int64, at time.Time) bool { return end <= at.Unix()+1 }

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
	month, months := p.months()
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
// at_most, reduce_by (at most baseline × (1 − p)) and multiply (at least
// baseline × factor).
func evaluateTarget(ev *Evaluation, plan Plan, ind Indicator, figs []figure, c closing, now time.Time) {
	better := betterSign(ind) // the sign of a change for the better
	relative := ind.Kind.TargetFromBaseline()

	// series is the indicator's value at each period end.
	series := targetSeries(plan, ind, figs)
	base, origin := targetBaseline(plan, ind, series)
	ev.Baseline, ev.BaselineOrigin = base, origin

	target := ind.Target
	switch {
	case relative && base == nil:
		target = math.NaN() // unknown until there is a baseline
	case ind.Kind == KindReduceBy:
		target = base.Value * (1 - ind.Target/100)
	case ind.Kind == KindMultiply:
		target = base.Value * ind.Target
	}
	ev.Target = finite(target)
	if ev.Target == nil {
		ev.Status = StatusNoData
		if len(series) > 0 {
			// Only a broken targets file gets here (no baseline rule for a
			// relative target); say nothing rather than something wrong.
			ev.Status = StatusInsufficientData
			ev.Reason = ReasonNeedBaseline
		}
		return
	}

	// Gap, progress, pace, the expected figure and the required change
	// are measured to the bar that decides the verdict (突破40家: 41).
	bar := DecidingBar(ind, target)
	ev.Bar = finite(bar)
	tD := YearFraction(ev.Deadline)
	var t0 float64
	if base != nil {
		t0 = YearFraction(base.Period.End())
		ev.Expected = expectedOnPath(ind, base, series, bar, t0, tD, now)
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
	achieved := meets(ind, better, actual, target)
	if achieved {
		ev.Gap = finite(0)
	} else {
		ev.Gap = finite(cleanSum(math.Max(0, better*(bar-actual))))
	}

	t := yearsAt(latest.end)
	var elapsed *float64
	if base != nil && tD > t0 {
		elapsed = finite((t - t0) / (tD - t0))
	}
	// Progress is only defined when the bar lies ahead of the baseline.
	targetAhead := base != nil && better*(bar-base.Value) > 0
	if targetAhead {
		ev.ProgressRatio = finite((actual - base.Value) / (bar - base.Value))
		if elapsed != nil && *elapsed > 0 && ev.ProgressRatio != nil {
			ev.PaceRatio = finite(*ev.ProgressRatio / *elapsed)
			if CompoundBasis(ind, base.Value, actual, bar) {
				ev.PaceRatio = compoundPace(base.Value, actual, bar, t-t0, tD-t0)
			}
		}
	}
	if base != nil {
		ev.Projected = project(base.Value, t0, actual, t, tD)
	}

	// A target relative to a baseline taken from the figures cannot be
	// judged on that same figure: a cut from 200 to 200 is no cut.
	onlyBaseline := relative && ev.BaselineOrigin != BaselineFromIndicator && latest.end <= base.Period.End().Unix()
	targetVerdict(ev, c, targetFacts{onlyBaseline: onlyBaseline, achieved: achieved, elapsed: elapsed, targetAhead: targetAhead})
	c.graceReason(ev)
}

// targetBaseline is the baseline a numeric target is measured from: the
// indicator's own, nothing added yet at the plan's start for a cumulative
// figure, else the first figure; nil (and no origin) when there is none.
func targetBaseline(plan Plan, ind Indicator, series []figure) (*Baseline, BaselineOrigin) {
	switch {
	case ind.Baseline != nil:
		b := *ind.Baseline
		return &b, BaselineFromIndicator
	case ind.Measure == MeasureCumulative:
		start := plan.StartYear
		if start == 0 && len(series) > 0 {
			start = series[0].period.Year
		}
		if start != 0 {
			return &Baseline{Period: FirstOfYear(start, indicatorFrequency(ind)).Prev(), Value: 0}, BaselineFromPlanStart
		}
	case len(series) > 0:
		return &Baseline{Period: series[0].period, Value: series[0].value}, firstFigureOrigin(plan, series[0])
	}
	return nil, ""
}

// expectedOnPath is how far along the path from baseline to bar the
// indicator should be by now: straight, or compound on a compound basis;
// nil when the deadline is not after the baseline.
func expectedOnPath(ind Indicator, base *Baseline, series []figure, bar, t0, tD float64, now time.Time) *float64 {
	if tD <= t0 {
		return nil
	}
	elapsedNow := clamp((YearFraction(now)-t0)/(tD-t0), 0, 1)
	if len(series) > 0 && CompoundBasis(ind, base.Value, series[len(series)-1].value, bar) {
		return finite(base.Value * math.Pow(bar/base.Value, elapsedNow))
	}
	return finite(base.Value + (bar-base.Value)*elapsedNow)
}

// targetFacts are what a numeric target's verdict is decided on.
type targetFacts struct {
	onlyBaseline bool     // the latest figure is the baseline a relative target was taken from
	achieved     bool     // the latest figure meets the target
	elapsed      *float64 // share of the time from baseline to deadline at the latest figure
	targetAhead  bool     // the bar lies ahead of the baseline
}

// targetVerdict sets ev's status (and reason) for a numeric target whose
// pace, if any, is already in ev.
func targetVerdict(ev *Evaluation, c closing, f targetFacts) {
	switch {
	case f.onlyBaseline:
		ev.Status = StatusInsufficientData
		ev.Reason = ReasonNeedBaseline
	case f.achieved:
		ev.Status = StatusAchieved
	case c.closed:
		ev.Status = StatusMissed
		c.missedReason(ev)
	case f.elapsed == nil || *f.elapsed <= 0:
		// The latest figure is the baseline itself (or older): no movement
		// to judge yet.
		ev.Status = StatusInsufficientData
		ev.Reason = ReasonNeedTwoFigures
	case !f.targetAhead:
		// The baseline already met the target and the latest figure has
		// fallen short of it.
		ev.Status = StatusDeteriorating
	case ev.PaceRatio == nil:
		ev.Status = StatusInsufficientData
		ev.Reason = ReasonNeedTwoFigures
	default:
		ev.Status = paceStatus(*ev.PaceRatio)
	}
}

// firstFigureOrigin says whether the first figure, taken as the baseline,
// is of the plan's base period (before the plan starts) or inside the plan.
func firstFigureOrigin(plan Plan, first figure) BaselineOrigin {
	if start := planStartSec(plan); start != 0 && first.end <= start {
		return BaselineFromBasePeriod
	}
	return BaselineFromFirstFigure
}

// meets reports whether actual meets target for an indicator whose better
// direction is better (+1: higher is better): equality meets unless the
// target is strict; a tolerance (左右) widens the bar by its percent.
func meets(ind Indicator, better, actual, target float64) bool {
	if ind.Strict {
		return better*(actual-target) > tolerance(target)
	}
	slack := tolerance(target)
	if ind.Tolerance > 0 {
		slack = math.Max(slack, math.Abs(target)*ind.Tolerance/100)
	}
	return better*(actual-target) >= -slack
}

// CompoundBasis reports whether an indicator's pace and change per year
// are compound (ratios of annual growth rates) rather than linear in its
// unit (docs/method.md, "Pace"): for a level indicator that is neither a
// count nor a share (%), when the baseline, the figure and the bar are all
// positive. Counts, cumulative sums and shares are linear: 个百分点 and
// 家 add up, they do not compound.
func CompoundBasis(ind Indicator, base, actual, bar float64) bool {
	return ind.Measure != MeasureCumulative && !ind.IsCount() && !ind.IsPercent() &&
		base > 0 && actual > 0 && bar > 0
}

// compoundPace is the ratio of the compound annual growth rate achieved
// from base to actual in years to the rate that takes base to bar in
// horizon years, as the UN ESCAP progress assessment computes it; nil
// where the required rate is 0.
func compoundPace(base, actual, bar, years, horizon float64) *float64 {
	if years <= 0 || horizon <= 0 {
		return nil
	}
	achieved := math.Pow(actual/base, 1/years) - 1
	required := math.Pow(bar/base, 1/horizon) - 1
	if required == 0 {
		return nil
	}
	return finite(achieved / required)
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

// paceStatus maps a pace ratio to a status.
func paceStatus(pace float64) Status {
	switch {
	case pace >= OnTrackPace:
		return StatusOnTrack
	case pace >= LaggingPace:
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

// clean rounds the numbers of ev that kpimon computed to 10 significant
// digits, once all decisions are made: 2.51 − 2.36 is 0.15, not
// 0.15000000000000002, in the API, /metrics and the XLSX. A figure as
// handed in is left alone; a sum of figures is computed.
func (ev *Evaluation) clean(ind Indicator) {
	computed := []*float64{ev.Target, ev.Bar, ev.Expected, ev.Gap, ev.ProgressRatio, ev.PaceRatio, ev.Projected,
		ev.RequiredAnnualChange, ev.AchievedAnnualChange}
	if ind.Measure == MeasureCumulative {
		computed = append(computed, ev.Actual)
	}
	for _, p := range computed {
		if p != nil {
			*p = significant(*p, 10)
		}
	}
	if p := ev.Projected; p != nil {
		*p = ev.withinFigureRange(ind, *p)
	}
}

// withinFigureRange bounds a figure kpimon projects to the range the
// indicator's figures can take (the ingest checks): a share in percent
// without a catalog max 0–100, a count not below 0 — unless the
// evaluation's own figures lie outside it (a rate that can be negative is
// no share). A coverage of 91 % rising 28 points a year is projected at
// 100 %, not 146.7 %.
func (ev *Evaluation) withinFigureRange(ind Indicator, v float64) float64 {
	lo, hi := math.Inf(-1), math.Inf(1)
	switch {
	case ind.IsPercent() && ind.Max == nil:
		lo, hi = 0, 100
	case ind.IsCount():
		lo = 0
	}
	for _, f := range []*float64{ev.Actual, ev.baselineValue()} {
		if f != nil && (*f < lo || *f > hi) {
			return v
		}
	}
	return math.Min(math.Max(v, lo), hi)
}

// baselineValue is the baseline's figure, nil without one.
func (ev *Evaluation) baselineValue() *float64 {
	if ev.Baseline == nil {
		return nil
	}
	return &ev.Baseline.Value
}

// Significant rounds x to n significant digits: 2.87 − 2.74 to 12 is
// 0.13, not 0.129999999999999. kpi, the XLSX report and the XLSX reader
// all round by it.
func Significant(x float64, n int) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', n, 64), 64)
	if err != nil {
		return x
	}
	return r
}

// significant is Significant with −0 made 0.
func significant(x float64, n int) float64 {
	if x == 0 {
		return 0
	}
	return Significant(x, n)
}
