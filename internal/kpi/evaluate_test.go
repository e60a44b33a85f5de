package kpi_test

import (
	"math"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// outcome is what a test states about an Evaluation: every number, with nil
// where none can be computed.
type outcome struct {
	Status    kpi.Status
	Reason    string // "reason 2021,2022", "" for none
	Target    *float64
	Actual    *float64
	Period    string // period of the latest actual, "" for none
	Baseline  string // "2018=10", "" for none
	Gap       *float64
	Progress  *float64
	Pace      *float64
	Expected  *float64
	Projected *float64
}

func outcomeOf(ev kpi.Evaluation) outcome {
	o := outcome{
		Status: ev.Status, Target: ev.Target, Actual: ev.Actual, Gap: ev.Gap,
		Progress: ev.ProgressRatio, Pace: ev.PaceRatio, Expected: ev.Expected, Projected: ev.Projected,
	}
	if ev.Period != nil {
		o.Period = ev.Period.String()
	}
	if ev.Reason != "" {
		o.Reason = string(ev.Reason)
		for i, p := range ev.ReasonPeriods {
			sep := ","
			if i == 0 {
				sep = " "
			}
			o.Reason += sep + p.String()
		}
	}
	if ev.Baseline != nil {
		o.Baseline = ev.Baseline.Period.String() + "=" + formatFloat(ev.Baseline.Value)
	}
	return o
}

func formatFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// approx compares computed numbers to hand-worked ones.
var approx = cmpopts.EquateApprox(1e-9, 1e-12)

func num(x float64) *float64 { return &x }

func day(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation("2006-01-02", s, kpi.China)
	if err != nil {
		t.Fatalf("day(%q): %v", s, err)
	}
	return d
}

func period(t testing.TB, s string) kpi.Period {
	t.Helper()
	p, err := kpi.ParsePeriod(s)
	if err != nil {
		t.Fatalf("ParsePeriod(%q): %v", s, err)
	}
	return p
}

// fig is a figure as the store returns it: submitted a month after its
// period ended.
func fig(t testing.TB, p string, v float64) kpi.Observation {
	t.Helper()
	per := period(t, p)
	return kpi.Observation{
		Plan: "yf", Indicator: "x", Period: per, Value: v, Source: "api", SubmittedBy: "tj",
		SubmittedAt: per.End().AddDate(0, 1, 0), Revision: 1,
	}
}

func figs(t testing.TB, pairs ...any) []kpi.Observation {
	t.Helper()
	var out []kpi.Observation
	for i := 0; i+1 < len(pairs); i += 2 {
		var v float64
		switch x := pairs[i+1].(type) {
		case int:
			v = float64(x)
		case float64:
			v = x
		}
		out = append(out, fig(t, pairs[i].(string), v))
	}
	return out
}

func baseline(t testing.TB, p string, v float64) *kpi.Baseline {
	t.Helper()
	return &kpi.Baseline{Period: period(t, p), Value: v}
}

var plan2019 = kpi.Plan{ID: "yf", Title: "雁峰区创新型区", StartYear: 2019, EndYear: 2022}

// indicator returns an annual at_least level indicator due 2022 with the
// changes applied.
func indicator(change func(*kpi.Indicator)) kpi.Indicator {
	ind := kpi.Indicator{
		ID: "x", Plan: "yf", Name: "高新技术企业", Unit: "家", Kind: kpi.KindAtLeast,
		Target: 30, Deadline: 2022, Frequency: kpi.Annual, DueDays: 90, Measure: kpi.MeasureLevel,
	}
	if change != nil {
		change(&ind)
	}
	return ind
}

func TestEvaluate(t *testing.T) {
	// Years as fractions of a year: the end of a period is the start of the next.
	q1End2021 := 2021 + 90.0/365  // 2021-04-01
	q2End2021 := 2021 + 181.0/365 // 2021-07-01
	jan2021End := 2021 + 31.0/365 // 2021-02-01
	feb2021End := 2021 + 59.0/365 // 2021-03-01
	june2021 := 2021 + 151.0/365  // 2021-06-01
	june2020 := 2020 + 152.0/366  // 2020-06-01, a leap year
	q1End2020 := 2020 + 91.0/366  // 2020-04-01

	withBaseline := func(b *kpi.Baseline, target float64) func(*kpi.Indicator) {
		return func(ind *kpi.Indicator) { ind.Baseline = b; ind.Target = target }
	}
	hte := indicator(withBaseline(baseline(t, "2018", 10), 30)) // at_least 30 by 2022 from 10 in 2018
	noBase := indicator(nil)
	energy := indicator(func(ind *kpi.Indicator) { // 万元GDP综合能耗下降为0.331
		ind.Kind = kpi.KindAtMost
		ind.Unit = "吨标准煤/万元"
		ind.Target = 0.331
		ind.Baseline = baseline(t, "2018", 0.4)
	})
	// The energy line is a positive level: its pace is compound, the
	// annual rate achieved from 0.4 (end of 2018) over the rate that takes
	// 0.4 to 0.331 by the end of 2022; the expected path is compound too.
	energyPace := func(a float64) float64 { return (math.Sqrt(a/0.4) - 1) / (math.Pow(0.331/0.4, 0.25) - 1) }
	energyExpected := 0.4 * math.Sqrt(0.331/0.4)
	accidents := indicator(func(ind *kpi.Indicator) {
		ind.Kind = kpi.KindAtMost
		ind.Target = 0
		ind.Baseline = baseline(t, "2018", 4)
	})
	growth := indicator(func(ind *kpi.Indicator) { // a growth rate in percent points
		ind.Unit = "%"
		ind.Target = 3
		ind.Baseline = baseline(t, "2018", -2)
	})
	quarterly := indicator(func(ind *kpi.Indicator) {
		ind.Frequency = kpi.Quarterly
		ind.Target = 20
		ind.Deadline = 2021
	})
	monthly := indicator(func(ind *kpi.Indicator) {
		ind.Frequency = kpi.Monthly
		ind.Target = 200
		ind.Deadline = 2021
	})
	added := indicator(func(ind *kpi.Indicator) { // 新增“四上企业”40家
		ind.Measure = kpi.MeasureCumulative
		ind.Target = 40
	})
	addedQuarterly := indicator(func(ind *kpi.Indicator) {
		ind.Measure = kpi.MeasureCumulative
		ind.Frequency = kpi.Quarterly
		ind.Target = 40
		ind.Deadline = 2020
	})
	cut := indicator(func(ind *kpi.Indicator) { // 压缩10%以上
		ind.Kind = kpi.KindReduceBy
		ind.Target = 10
		ind.Baseline = baseline(t, "2018", 200)
	})
	cutFromFirst := indicator(func(ind *kpi.Indicator) {
		ind.Kind = kpi.KindReduceBy
		ind.Target = 10
		ind.BaselineRule = kpi.BaselineFirstObservation
	})
	increase := indicator(func(ind *kpi.Indicator) { // 持续增长
		ind.Kind = kpi.KindIncrease
		ind.Target = 0
	})
	increaseFrom4 := indicator(func(ind *kpi.Indicator) {
		ind.Kind = kpi.KindIncrease
		ind.Target = 0
		ind.Baseline = baseline(t, "2018", 4)
	})
	milestone := indicator(func(ind *kpi.Indicator) {
		ind.Kind = kpi.KindMilestone
		ind.Unit = "项"
		ind.Target = 1
		ind.Deadline = 2020
		ind.Frequency = ""
	})
	milestone2021 := milestone
	milestone2021.Deadline = 2021

	tests := []struct {
		name string
		plan kpi.Plan
		ind  kpi.Indicator
		obs  []kpi.Observation
		now  string
		want outcome
	}{
		// at_least, baseline 10 (2018), target 30 by 2022, judged at the start
		// of 2021: half the time has gone, so 20 is expected.
		{
			name: "at_least on track",
			ind:  hte, obs: figs(t, "2019", 15, "2020", 20), now: "2021-01-01",
			want: outcome{Status: kpi.StatusOnTrack, Target: num(30), Actual: num(20), Period: "2020", Baseline: "2018=10",
				Gap: num(10), Progress: num(0.5), Pace: num(1), Expected: num(20), Projected: num(40)},
		},
		{
			name: "at_least pace 0.95 is on track",
			ind:  hte, obs: figs(t, "2020", 19.5), now: "2021-01-01",
			want: outcome{Status: kpi.StatusOnTrack, Target: num(30), Actual: num(19.5), Period: "2020", Baseline: "2018=10",
				Gap: num(10.5), Progress: num(0.475), Pace: num(0.95), Expected: num(20), Projected: num(19.5 * 1.95)},
		},
		{
			name: "at_least pace 0.6 is lagging",
			ind:  hte, obs: figs(t, "2020", 16), now: "2021-01-01",
			want: outcome{Status: kpi.StatusLagging, Target: num(30), Actual: num(16), Period: "2020", Baseline: "2018=10",
				Gap: num(14), Progress: num(0.3), Pace: num(0.6), Expected: num(20), Projected: num(16 * 1.6)},
		},
		{
			name: "at_least off track",
			ind:  hte, obs: figs(t, "2020", 12), now: "2021-01-01",
			want: outcome{Status: kpi.StatusOffTrack, Target: num(30), Actual: num(12), Period: "2020", Baseline: "2018=10",
				Gap: num(18), Progress: num(0.1), Pace: num(0.2), Expected: num(20), Projected: num(12 * 1.2)},
		},
		{
			name: "at_least no change is off track",
			ind:  hte, obs: figs(t, "2020", 10), now: "2021-01-01",
			want: outcome{Status: kpi.StatusOffTrack, Target: num(30), Actual: num(10), Period: "2020", Baseline: "2018=10",
				Gap: num(20), Progress: num(0), Pace: num(0), Expected: num(20), Projected: num(10)},
		},
		{
			name: "at_least below the baseline is deteriorating",
			ind:  hte, obs: figs(t, "2020", 8), now: "2021-01-01",
			want: outcome{Status: kpi.StatusDeteriorating, Target: num(30), Actual: num(8), Period: "2020", Baseline: "2018=10",
				Gap: num(22), Progress: num(-0.1), Pace: num(-0.2), Expected: num(20), Projected: num(8 * 0.8)},
		},
		{
			name: "equality meets the target",
			ind:  hte, obs: figs(t, "2020", 30), now: "2021-01-01",
			want: outcome{Status: kpi.StatusAchieved, Target: num(30), Actual: num(30), Period: "2020", Baseline: "2018=10",
				Gap: num(0), Progress: num(1), Pace: num(2), Expected: num(20), Projected: num(90)},
		},
		{
			name: "a target met early and then lost follows the latest figure",
			ind:  hte, obs: figs(t, "2019", 31, "2020", 25), now: "2021-01-01",
			want: outcome{Status: kpi.StatusOnTrack, Target: num(30), Actual: num(25), Period: "2020", Baseline: "2018=10",
				Gap: num(5), Progress: num(0.75), Pace: num(1.5), Expected: num(20), Projected: num(62.5)},
		},
		{
			name: "deadline passed and not achieved is missed",
			ind:  hte, obs: figs(t, "2021", 20, "2022", 28), now: "2023-03-01",
			want: outcome{Status: kpi.StatusMissed, Target: num(30), Actual: num(28), Period: "2022", Baseline: "2018=10",
				Gap: num(2), Progress: num(0.9), Pace: num(0.9), Expected: num(30), Projected: num(28)},
		},
		{
			name: "deadline passed and achieved",
			ind:  hte, obs: figs(t, "2021", 20, "2022", 30), now: "2023-03-01",
			want: outcome{Status: kpi.StatusAchieved, Target: num(30), Actual: num(30), Period: "2022", Baseline: "2018=10",
				Gap: num(0), Progress: num(1), Pace: num(1), Expected: num(30), Projected: num(30)},
		},
		{
			name: "deadline grace: the pace verdict stays until the final figure is due",
			ind:  hte, obs: figs(t, "2021", 25), now: "2023-01-01",
			want: outcome{Status: kpi.StatusOnTrack, Reason: "awaiting_final 2022", Target: num(30), Actual: num(25), Period: "2021", Baseline: "2018=10",
				Gap: num(5), Progress: num(0.75), Pace: num(1), Expected: num(30), Projected: num(25 * math.Cbrt(2.5))},
		},
		{
			name: "deadline grace ends when the final figure is overdue: missed",
			ind:  hte, obs: figs(t, "2021", 25), now: "2023-04-02",
			want: outcome{Status: kpi.StatusMissed, Reason: "final_overdue 2022", Target: num(30), Actual: num(25), Period: "2021", Baseline: "2018=10",
				Gap: num(5), Progress: num(0.75), Pace: num(1), Expected: num(30), Projected: num(25 * math.Cbrt(2.5))},
		},
		{
			name: "figures of periods after the deadline year are not judged",
			ind:  hte, obs: figs(t, "2022", 28, "2023", 31), now: "2024-06-01",
			want: outcome{Status: kpi.StatusMissed, Target: num(30), Actual: num(28), Period: "2022", Baseline: "2018=10",
				Gap: num(2), Progress: num(0.9), Pace: num(0.9), Expected: num(30), Projected: num(28)},
		},
		{
			name: "figures in the future are ignored",
			ind:  hte, obs: figs(t, "2020", 20, "2021", 40), now: "2021-06-01",
			want: outcome{Status: kpi.StatusOnTrack, Target: num(30), Actual: num(20), Period: "2020", Baseline: "2018=10",
				Gap: num(10), Progress: num(0.5), Pace: num(1), Expected: num(10 + 20*(june2021-2019)/4), Projected: num(40)},
		},
		{
			name: "only figures in the future is no_data",
			ind:  hte, obs: figs(t, "2020", 30), now: "2020-06-01",
			want: outcome{Status: kpi.StatusNoData, Target: num(30), Baseline: "2018=10", Expected: num(10 + 20*(june2020-2019)/4)},
		},
		{
			name: "no_data",
			ind:  hte, now: "2021-01-01",
			want: outcome{Status: kpi.StatusNoData, Target: num(30), Baseline: "2018=10", Expected: num(20)},
		},
		{
			name: "no_data after the deadline names the periods the plan asked for",
			ind:  hte, now: "2024-01-01",
			want: outcome{Status: kpi.StatusNoData, Reason: "never_reported 2019,2022", Target: num(30), Baseline: "2018=10", Expected: num(30)},
		},
		{
			name: "no baseline and a single figure is insufficient_data",
			ind:  noBase, obs: figs(t, "2019", 12), now: "2021-01-01",
			want: outcome{Status: kpi.StatusInsufficientData, Reason: "need_two_figures", Target: num(30), Actual: num(12), Period: "2019", Baseline: "2019=12",
				Gap: num(18), Progress: num(0), Expected: num(18)},
		},
		{
			name: "no baseline and a single figure meeting the target is achieved",
			ind:  noBase, obs: figs(t, "2019", 35), now: "2021-01-01",
			want: outcome{Status: kpi.StatusAchieved, Target: num(30), Actual: num(35), Period: "2019", Baseline: "2019=35",
				Gap: num(0), Expected: num(35 - 5.0/3)},
		},
		{
			name: "no baseline and a single figure after the deadline is missed",
			ind:  noBase, obs: figs(t, "2019", 12), now: "2023-06-01",
			want: outcome{Status: kpi.StatusMissed, Reason: "final_overdue 2022", Target: num(30), Actual: num(12), Period: "2019", Baseline: "2019=12",
				Gap: num(18), Progress: num(0), Expected: num(30)},
		},
		{
			name: "no baseline: the first figure serves",
			ind:  noBase, obs: figs(t, "2019", 10, "2020", 20), now: "2021-01-01",
			want: outcome{Status: kpi.StatusOnTrack, Target: num(30), Actual: num(20), Period: "2020", Baseline: "2019=10",
				Gap: num(10), Progress: num(0.5), Pace: num(1.5), Expected: num(10 + 20.0/3), Projected: num(80)},
		},
		{
			name: "target equal to the baseline and fallen below it is deteriorating",
			ind:  indicator(withBaseline(baseline(t, "2018", 30), 30)), obs: figs(t, "2020", 29), now: "2021-01-01",
			want: outcome{Status: kpi.StatusDeteriorating, Target: num(30), Actual: num(29), Period: "2020", Baseline: "2018=30",
				Gap: num(1), Expected: num(30), Projected: num(29 * 29.0 / 30)},
		},
		{
			name: "target equal to the baseline and held is achieved",
			ind:  indicator(withBaseline(baseline(t, "2018", 30), 30)), obs: figs(t, "2020", 30), now: "2021-01-01",
			want: outcome{Status: kpi.StatusAchieved, Target: num(30), Actual: num(30), Period: "2020", Baseline: "2018=30",
				Gap: num(0), Expected: num(30), Projected: num(30)},
		},
		{
			name: "baseline above the target and fallen below it is deteriorating",
			ind:  indicator(withBaseline(baseline(t, "2018", 35), 30)), obs: figs(t, "2020", 28), now: "2021-01-01",
			want: outcome{Status: kpi.StatusDeteriorating, Target: num(30), Actual: num(28), Period: "2020", Baseline: "2018=35",
				Gap: num(2), Expected: num(32.5), Projected: num(28 * 0.8)},
		},

		// at_most: energy use per 万元 GDP down from 0.4 to 0.331.
		{
			name: "at_most on track",
			ind:  energy, obs: figs(t, "2020", 0.36), now: "2021-01-01",
			want: outcome{Status: kpi.StatusOnTrack, Target: num(0.331), Actual: num(0.36), Period: "2020", Baseline: "2018=0.4",
				Gap: num(0.029), Progress: num(0.04 / 0.069), Pace: num(energyPace(0.36)), Expected: num(energyExpected), Projected: num(0.36 * 0.9)},
		},
		{
			name: "at_most lagging",
			ind:  energy, obs: figs(t, "2020", 0.37), now: "2021-01-01",
			want: outcome{Status: kpi.StatusLagging, Target: num(0.331), Actual: num(0.37), Period: "2020", Baseline: "2018=0.4",
				Gap: num(0.039), Progress: num(0.03 / 0.069), Pace: num(energyPace(0.37)), Expected: num(energyExpected), Projected: num(0.37 * 0.37 / 0.4)},
		},
		{
			name: "at_most equality meets the target",
			ind:  energy, obs: figs(t, "2020", 0.331), now: "2021-01-01",
			want: outcome{Status: kpi.StatusAchieved, Target: num(0.331), Actual: num(0.331), Period: "2020", Baseline: "2018=0.4",
				Gap: num(0), Progress: num(1), Pace: num(energyPace(0.331)), Expected: num(energyExpected), Projected: num(0.331 * 0.331 / 0.4)},
		},
		{
			name: "at_most above the baseline is deteriorating",
			ind:  energy, obs: figs(t, "2020", 0.42), now: "2021-01-01",
			want: outcome{Status: kpi.StatusDeteriorating, Target: num(0.331), Actual: num(0.42), Period: "2020", Baseline: "2018=0.4",
				Gap: num(0.089), Progress: num(-0.02 / 0.069), Pace: num(energyPace(0.42)), Expected: num(energyExpected), Projected: num(0.42 * 1.05)},
		},
		{
			name: "at_most towards a zero target",
			ind:  accidents, obs: figs(t, "2020", 2), now: "2021-01-01",
			want: outcome{Status: kpi.StatusOnTrack, Target: num(0), Actual: num(2), Period: "2020", Baseline: "2018=4",
				Gap: num(2), Progress: num(0.5), Pace: num(1), Expected: num(2), Projected: num(1)},
		},
		{
			// Linear from 4 to 0 goes on to −4 by 2022: no count is below 0.
			name: "zero meets a zero target and projects linearly, not below 0",
			ind:  accidents, obs: figs(t, "2020", 0), now: "2021-01-01",
			want: outcome{Status: kpi.StatusAchieved, Target: num(0), Actual: num(0), Period: "2020", Baseline: "2018=4",
				Gap: num(0), Progress: num(1), Pace: num(2), Expected: num(2), Projected: num(0)},
		},
		{
			name: "negative baseline towards a positive target",
			ind:  growth, obs: figs(t, "2020", 0.5), now: "2021-01-01",
			want: outcome{Status: kpi.StatusOnTrack, Target: num(3), Actual: num(0.5), Period: "2020", Baseline: "2018=-2",
				Gap: num(2.5), Progress: num(0.5), Pace: num(1), Expected: num(0.5), Projected: num(3)},
		},
		{
			name: "negative actual below a negative baseline",
			ind:  growth, obs: figs(t, "2020", -3), now: "2021-01-01",
			want: outcome{Status: kpi.StatusDeteriorating, Target: num(3), Actual: num(-3), Period: "2020", Baseline: "2018=-2",
				Gap: num(6), Progress: num(-0.2), Pace: num(-0.4), Expected: num(0.5), Projected: num(-4)},
		},

		// Quarterly and monthly periods: time runs by days between period ends.
		{
			name: "quarterly periods",
			ind:  quarterly, obs: figs(t, "2021-Q1", 10, "2021-Q2", 12), now: "2021-07-01",
			want: outcome{Status: kpi.StatusLagging, Target: num(20), Actual: num(12), Period: "2021-Q2", Baseline: "2021-Q1=10",
				Gap: num(8), Progress: num(0.2), Pace: num(0.2 / ((q2End2021 - q1End2021) / (2022 - q1End2021))),
				Expected:  num(10 + 10*(q2End2021-q1End2021)/(2022-q1End2021)),
				Projected: num(12 * math.Pow(1.2, (2022-q2End2021)/(q2End2021-q1End2021)))},
		},
		{
			name: "monthly periods",
			ind:  monthly, obs: figs(t, "2021-02", 110, "2021-01", 100), now: "2021-03-01",
			want: outcome{Status: kpi.StatusOnTrack, Target: num(200), Actual: num(110), Period: "2021-02", Baseline: "2021-01=100",
				Gap: num(90), Progress: num(0.1), Pace: num(0.1 / ((feb2021End - jan2021End) / (2022 - jan2021End))),
				Expected:  num(100 + 100*(feb2021End-jan2021End)/(2022-jan2021End)),
				Projected: num(110 * math.Pow(1.1, (2022-feb2021End)/(feb2021End-jan2021End)))},
		},

		// Cumulative (新增): summed since the plan start, from 0 at its start.
		{
			name: "cumulative sums since the plan start",
			plan: plan2019, ind: added, obs: figs(t, "2018", 100, "2019", 10, "2020", 12), now: "2021-01-01",
			want: outcome{Status: kpi.StatusOnTrack, Target: num(40), Actual: num(22), Period: "2020", Baseline: "2018=0",
				Gap: num(18), Progress: num(0.55), Pace: num(1.1), Expected: num(20), Projected: num(44)},
		},
		{
			name: "cumulative single figure",
			plan: plan2019, ind: added, obs: figs(t, "2019", 5), now: "2021-01-01",
			want: outcome{Status: kpi.StatusOffTrack, Target: num(40), Actual: num(5), Period: "2019", Baseline: "2018=0",
				Gap: num(35), Progress: num(0.125), Pace: num(0.5), Expected: num(20), Projected: num(20)},
		},
		{
			name: "cumulative reaching the target is achieved",
			plan: plan2019, ind: added, obs: figs(t, "2019", 25, "2020", 15), now: "2021-01-01",
			want: outcome{Status: kpi.StatusAchieved, Target: num(40), Actual: num(40), Period: "2020", Baseline: "2018=0",
				Gap: num(0), Progress: num(1), Pace: num(2), Expected: num(20), Projected: num(80)},
		},
		{
			name: "cumulative quarterly",
			plan: plan2019, ind: addedQuarterly,
			obs: figs(t, "2018-Q4", 50, "2019-Q1", 3, "2019-Q2", 4, "2019-Q3", 5, "2019-Q4", 6), now: "2020-01-01",
			want: outcome{Status: kpi.StatusLagging, Target: num(40), Actual: num(18), Period: "2019-Q4", Baseline: "2018-Q4=0",
				Gap: num(22), Progress: num(0.45), Pace: num(0.9), Expected: num(20), Projected: num(36)},
		},
		{
			name: "cumulative: an annual figure replaces the quarters inside it",
			plan: plan2019, ind: added, obs: figs(t, "2019-Q1", 3, "2019", 10, "2020-Q1", 4), now: "2020-06-01",
			want: outcome{Status: kpi.StatusOnTrack, Target: num(40), Actual: num(14), Period: "2020-Q1", Baseline: "2018=0",
				Gap: num(26), Progress: num(0.35), Pace: num(0.35 / ((q1End2020 - 2019) / 4)),
				Expected: num(40 * (june2020 - 2019) / 4), Projected: num(14 + 14*(2023-q1End2020)/(q1End2020-2019))},
		},

		// reduce_by: at most baseline × (1 − 10%).
		{
			name: "reduce_by equality meets the effective target",
			ind:  cut, obs: figs(t, "2020", 180), now: "2021-01-01",
			want: outcome{Status: kpi.StatusAchieved, Target: num(180), Actual: num(180), Period: "2020", Baseline: "2018=200",
				Gap: num(0), Progress: num(1), Pace: num(2), Expected: num(190), Projected: num(162)},
		},
		{
			name: "reduce_by on track",
			ind:  cut, obs: figs(t, "2020", 190), now: "2021-01-01",
			want: outcome{Status: kpi.StatusOnTrack, Target: num(180), Actual: num(190), Period: "2020", Baseline: "2018=200",
				Gap: num(10), Progress: num(0.5), Pace: num(1), Expected: num(190), Projected: num(180.5)},
		},
		{
			name: "reduce_by from the first figure",
			ind:  cutFromFirst, obs: figs(t, "2019", 200, "2020", 195), now: "2021-01-01",
			want: outcome{Status: kpi.StatusLagging, Target: num(180), Actual: num(195), Period: "2020", Baseline: "2019=200",
				Gap: num(15), Progress: num(0.25), Pace: num(0.75), Expected: num(200 - 20.0/3), Projected: num(195 * 0.975 * 0.975)},
		},
		{
			name: "reduce_by single figure",
			ind:  cutFromFirst, obs: figs(t, "2019", 200), now: "2021-01-01",
			want: outcome{Status: kpi.StatusInsufficientData, Reason: "need_baseline", Target: num(180), Actual: num(200), Period: "2019", Baseline: "2019=200",
				Gap: num(20), Progress: num(0), Expected: num(200 - 20.0/3)},
		},
		{
			name: "reduce_by without baseline or data",
			ind:  cutFromFirst, now: "2021-01-01",
			want: outcome{Status: kpi.StatusNoData},
		},

		// increase: each period above the one before.
		{
			name: "increase rose is on_track",
			ind:  increase, obs: figs(t, "2019", 5, "2020", 6), now: "2021-01-01",
			want: outcome{Status: kpi.StatusOnTrack, Target: num(5), Actual: num(6), Period: "2020", Baseline: "2019=5",
				Gap: num(0), Projected: num(6 * 1.2 * 1.2)},
		},
		{
			name: "increase equal is lagging",
			ind:  increase, obs: figs(t, "2019", 5, "2020", 5), now: "2021-01-01",
			want: outcome{Status: kpi.StatusLagging, Reason: "flat 2020", Target: num(5), Actual: num(5), Period: "2020", Baseline: "2019=5",
				Gap: num(0), Projected: num(5)},
		},
		{
			name: "increase fell is deteriorating",
			ind:  increase, obs: figs(t, "2019", 5, "2020", 4), now: "2021-01-01",
			want: outcome{Status: kpi.StatusDeteriorating, Reason: "fell 2020", Target: num(5), Actual: num(4), Period: "2020", Baseline: "2019=5",
				Gap: num(1), Projected: num(4 * 0.8 * 0.8)},
		},
		{
			name: "increase single figure is insufficient_data",
			ind:  increase, obs: figs(t, "2019", 5), now: "2021-01-01",
			want: outcome{Status: kpi.StatusInsufficientData, Reason: "need_two_figures", Actual: num(5), Period: "2019", Baseline: "2019=5"},
		},
		{
			name: "increase compares a single figure with the given baseline",
			ind:  increaseFrom4, obs: figs(t, "2019", 5), now: "2021-01-01",
			want: outcome{Status: kpi.StatusOnTrack, Target: num(4), Actual: num(5), Period: "2019", Baseline: "2018=4",
				Gap: num(0), Projected: num(5 * math.Pow(1.25, 3))},
		},
		{
			name: "increase compares periods of the same frequency",
			ind:  increase, obs: figs(t, "2020", 20, "2021-Q1", 6, "2021-Q2", 7), now: "2021-07-01",
			want: outcome{Status: kpi.StatusOnTrack, Target: num(6), Actual: num(7), Period: "2021-Q2", Baseline: "2021-Q1=6",
				Gap: num(0), Projected: num(7 * math.Pow(7.0/6, (2023-q2End2021)/(q2End2021-q1End2021)))},
		},
		{
			name: "increase after the deadline: a fall during the plan is missed although the last step rose",
			ind:  increase, obs: figs(t, "2020", 7, "2021", 5, "2022", 6), now: "2023-06-01",
			want: outcome{Status: kpi.StatusMissed, Reason: "fell 2021", Target: num(5), Actual: num(6), Period: "2022", Baseline: "2020=7",
				Gap: num(0), Projected: num(6)},
		},
		{
			name: "increase after the deadline: every step rose is achieved",
			ind:  increase, obs: figs(t, "2019", 3, "2020", 4, "2021", 5, "2022", 6), now: "2023-06-01",
			want: outcome{Status: kpi.StatusAchieved, Target: num(5), Actual: num(6), Period: "2022", Baseline: "2019=3",
				Gap: num(0), Projected: num(6)},
		},
		{
			name: "increase after the deadline: every step rose but 2019 was never reported",
			ind:  increase, obs: figs(t, "2020", 4, "2021", 5, "2022", 6), now: "2023-06-01",
			want: outcome{Status: kpi.StatusInsufficientData, Reason: "years_missing 2019", Target: num(5), Actual: num(6), Period: "2022", Baseline: "2020=4",
				Gap: num(0), Projected: num(6)},
		},
		{
			name: "increase after the deadline: the last step fell is missed",
			ind:  increase, obs: figs(t, "2021", 6, "2022", 5), now: "2023-06-01",
			want: outcome{Status: kpi.StatusMissed, Reason: "fell 2022", Target: num(6), Actual: num(5), Period: "2022", Baseline: "2021=6",
				Gap: num(1), Projected: num(5)},
		},
		{
			name: "increase after the deadline with a single figure is insufficient_data",
			ind:  increase, obs: figs(t, "2022", 5), now: "2023-06-01",
			want: outcome{Status: kpi.StatusInsufficientData, Reason: "need_two_figures", Actual: num(5), Period: "2022", Baseline: "2022=5", Projected: num(5)},
		},
		{
			name: "increase no_data",
			ind:  increase, now: "2021-06-01",
			want: outcome{Status: kpi.StatusNoData},
		},

		// milestone: done (1) or not (0).
		{
			name: "milestone no_data",
			ind:  milestone, now: "2020-03-01",
			want: outcome{Status: kpi.StatusNoData, Target: num(1)},
		},
		{
			name: "milestone not done before the deadline is in_progress",
			ind:  milestone, obs: figs(t, "2019", 0), now: "2020-03-01",
			want: outcome{Status: kpi.StatusInProgress, Target: num(1), Actual: num(0), Period: "2019", Gap: num(1), Progress: num(0)},
		},
		{
			name: "milestone done is achieved",
			ind:  milestone, obs: figs(t, "2019", 0, "2020", 1), now: "2021-02-01",
			want: outcome{Status: kpi.StatusAchieved, Target: num(1), Actual: num(1), Period: "2020", Gap: num(0), Progress: num(1)},
		},
		{
			name: "milestone not done after the deadline is missed",
			ind:  milestone, obs: figs(t, "2020", 0), now: "2021-02-01",
			want: outcome{Status: kpi.StatusMissed, Target: num(1), Actual: num(0), Period: "2020", Gap: num(1), Progress: num(0)},
		},
		{
			name: "milestone done then undone follows the latest figure",
			ind:  milestone2021, obs: figs(t, "2019", 1, "2020", 0), now: "2021-01-01",
			want: outcome{Status: kpi.StatusInProgress, Target: num(1), Actual: num(0), Period: "2020", Gap: num(1), Progress: num(0)},
		},
		{
			name: "milestone done after the deadline year is missed",
			ind:  milestone, obs: figs(t, "2020", 0, "2021", 1), now: "2022-03-01",
			want: outcome{Status: kpi.StatusMissed, Target: num(1), Actual: num(0), Period: "2020", Gap: num(1), Progress: num(0)},
		},

		// Input the store should never give, handled anyway.
		{
			name: "non-finite figures are ignored",
			ind:  hte, obs: figs(t, "2019", math.NaN(), "2020", 20, "2021-Q1", math.Inf(1)), now: "2021-06-01",
			want: outcome{Status: kpi.StatusOnTrack, Target: num(30), Actual: num(20), Period: "2020", Baseline: "2018=10",
				Gap: num(10), Progress: num(0.5), Pace: num(1), Expected: num(10 + 20*(june2021-2019)/4), Projected: num(40)},
		},
		{
			name: "the newest revision of a period counts",
			ind:  hte,
			obs: append(figs(t, "2020", 12), func() kpi.Observation {
				o := fig(t, "2020", 20)
				o.Revision = 2
				return o
			}()),
			now: "2021-01-01",
			want: outcome{Status: kpi.StatusOnTrack, Target: num(30), Actual: num(20), Period: "2020", Baseline: "2018=10",
				Gap: num(10), Progress: num(0.5), Pace: num(1), Expected: num(20), Projected: num(40)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := tt.plan
			if plan.ID == "" {
				plan = plan2019
			}
			ev := kpi.Evaluate(plan, tt.ind, tt.obs, day(t, tt.now))
			if diff := cmp.Diff(tt.want, outcomeOf(ev), approx); diff != "" {
				t.Errorf("Evaluate(%s, %v) mismatch (-want +got):\n%s", tt.ind.Kind, tt.obs, diff)
			}
			// Whatever the order of the figures, the result is the same.
			reversed := slices.Clone(tt.obs)
			slices.Reverse(reversed)
			if diff := cmp.Diff(ev, kpi.Evaluate(plan, tt.ind, reversed, day(t, tt.now))); diff != "" {
				t.Errorf("Evaluate with figures in reverse order differs (-inorder +reversed):\n%s", diff)
			}
		})
	}
}

// TestEvaluateInstantBoundaries checks that a deadline and a figure's period
// take effect at the exact instant their period ends.
func TestEvaluateInstantBoundaries(t *testing.T) {
	ind := indicator(func(ind *kpi.Indicator) { ind.Baseline = baseline(t, "2018", 10) })
	deadline := kpi.DeadlineEnd(2022)
	finalDue := deadline.AddDate(0, 0, ind.DueDays)
	periodEnd := period(t, "2020").End()
	tests := []struct {
		name string
		obs  []kpi.Observation
		now  time.Time
		want kpi.Status
	}{
		{"a nanosecond before the deadline ends", figs(t, "2021", 25), deadline.Add(-time.Nanosecond), kpi.StatusOnTrack},
		{"the instant the deadline year ends: the pace verdict stays", figs(t, "2021", 25), deadline, kpi.StatusOnTrack},
		{"the instant the final figure is due", figs(t, "2021", 25), finalDue, kpi.StatusOnTrack},
		{"a nanosecond after the final figure is due", figs(t, "2021", 25), finalDue.Add(time.Nanosecond), kpi.StatusMissed},
		{"the instant the final figure's period ends, it decides", figs(t, "2021", 25, "2022", 29), deadline, kpi.StatusMissed},
		{"a second before the day the figure's period ends with is over", figs(t, "2020", 30), periodEnd.Add(-2 * time.Second), kpi.StatusNoData},
		// The end of 2020-12-31 (23:59:59, kpi.ParseAsOf) holds the 2020 figure.
		{"the last second of the figure's period", figs(t, "2020", 30), periodEnd.Add(-time.Second), kpi.StatusAchieved},
		{"the instant the figure's period ends", figs(t, "2020", 30), periodEnd, kpi.StatusAchieved},
		{"the end of the deadline year's last day, its figure in, decides", figs(t, "2021", 25, "2022", 29), deadline.Add(-time.Second), kpi.StatusMissed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := kpi.Evaluate(plan2019, ind, tt.obs, tt.now).Status; got != tt.want {
				t.Errorf("Evaluate(..., %v).Status = %s, want %s", tt.now, got, tt.want)
			}
		})
	}
}

func TestEvaluateIdentity(t *testing.T) {
	ind := indicator(nil)
	now := day(t, "2021-05-04")
	ev := kpi.Evaluate(plan2019, ind, nil, now)
	got := struct {
		Ref      kpi.Ref
		AsOf     time.Time
		Deadline time.Time
	}{ev.Ref, ev.AsOf, ev.Deadline}
	want := struct {
		Ref      kpi.Ref
		AsOf     time.Time
		Deadline time.Time
	}{kpi.Ref{Plan: "yf", ID: "x"}, now, day(t, "2023-01-01")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Evaluate identity fields mismatch (-want +got):\n%s", diff)
	}
}

// TestProjectionStaysInRange: a coverage rising fast is projected to 100 %
// at most, not 146.7 % (the sample's 一件事一次办 line: 35 % in 2019, 91 % in
// 2021); a share with a catalog max, or figures outside 0–100, is not cut.
func TestProjectionStaysInRange(t *testing.T) {
	coverage := indicator(func(ind *kpi.Indicator) { ind.Unit, ind.Target = "%", 100 })
	ev := kpi.Evaluate(plan2019, coverage, figs(t, "2019", 35, "2021", 91), day(t, "2022-06-30"))
	if ev.Projected == nil || *ev.Projected != 100 {
		t.Errorf("projected %v, want 100", ev.Projected)
	}
	over := 500.0
	coverage.Max = &over
	if ev := kpi.Evaluate(plan2019, coverage, figs(t, "2019", 35, "2021", 91), day(t, "2022-06-30")); ev.Projected == nil || *ev.Projected <= 100 {
		t.Errorf("with a max of 500: projected %v, want the trend's", ev.Projected)
	}
}

// TestEvaluateFalls: a growth line that fell says by how much each fall
// went, beside its periods, so its gap can say so after the next rise.
func TestEvaluateFalls(t *testing.T) {
	ind := indicator(func(ind *kpi.Indicator) { ind.Kind, ind.Unit = kpi.KindIncrease, "件" })
	ev := kpi.Evaluate(plan2019, ind, figs(t, "2019", 260, "2020", 257, "2021", 251.4, "2022", 300), day(t, "2023-06-30"))
	if ev.Reason != kpi.ReasonFell || len(ev.ReasonPeriods) != 2 {
		t.Fatalf("reason %s %v, want fell in 2020 and 2021", ev.Reason, ev.ReasonPeriods)
	}
	if diff := cmp.Diff([]float64{3, 5.6}, ev.Falls); diff != "" {
		t.Errorf("Falls (-want +got):\n%s", diff)
	}
	if ev := kpi.Evaluate(plan2019, ind, figs(t, "2019", 260, "2020", 260), day(t, "2021-06-30")); ev.Falls != nil {
		t.Errorf("a flat line has Falls %v", ev.Falls)
	}
}

func TestEvaluateLastSubmittedAt(t *testing.T) {
	ind := indicator(nil)
	at := func(p string, v float64, submitted string) kpi.Observation {
		o := fig(t, p, v)
		o.SubmittedAt = day(t, submitted)
		return o
	}
	tests := []struct {
		name string
		obs  []kpi.Observation
		now  string
		want *time.Time
	}{
		{name: "nothing reported", now: "2021-06-01", want: nil},
		{
			name: "the newest submission of the counted figures",
			obs:  []kpi.Observation{at("2019", 1, "2020-05-01"), at("2020", 2, "2021-02-01"), at("2018", 1, "2021-03-01")},
			now:  "2021-06-01",
			want: func() *time.Time { d := day(t, "2021-03-01"); return &d }(),
		},
		{
			name: "a figure of a period not yet ended does not count",
			obs:  []kpi.Observation{at("2019", 1, "2020-05-01"), at("2021", 2, "2021-05-01")},
			now:  "2021-06-01",
			want: func() *time.Time { d := day(t, "2020-05-01"); return &d }(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := kpi.Evaluate(plan2019, ind, tt.obs, day(t, tt.now)).LastSubmittedAt
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("LastSubmittedAt mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEvaluateLeavesInputAlone(t *testing.T) {
	obs := figs(t, "2021", 3, "2019", 1, "2020", 2)
	want := slices.Clone(obs)
	kpi.Evaluate(plan2019, indicator(nil), obs, day(t, "2022-06-01"))
	if diff := cmp.Diff(want, obs); diff != "" {
		t.Errorf("Evaluate changed its input (-want +got):\n%s", diff)
	}
}

func TestEvaluateReportDuty(t *testing.T) {
	annual := indicator(nil) // plan from 2019, deadline 2022, due 90 days after the year
	quarterly := indicator(func(ind *kpi.Indicator) { ind.Frequency = kpi.Quarterly; ind.DueDays = 15 })
	monthly := indicator(func(ind *kpi.Indicator) { ind.Frequency = kpi.Monthly; ind.DueDays = 10 })
	noFrequency := indicator(func(ind *kpi.Indicator) { ind.Frequency = "" })
	milestone := indicator(func(ind *kpi.Indicator) { ind.Kind = kpi.KindMilestone; ind.Frequency = ""; ind.Target = 1 })
	milestoneAnnual := indicator(func(ind *kpi.Indicator) { ind.Kind = kpi.KindMilestone; ind.Target = 1 })
	staged := indicator(func(ind *kpi.Indicator) {
		ind.Kind, ind.Unit, ind.Target = kpi.KindMilestone, "%", 100
		ind.Stages = []kpi.Stage{{Period: period(t, "2020"), Percent: 30}, {Period: period(t, "2021"), Percent: 60}}
	})
	noStart := kpi.Plan{ID: "yf"}
	withBaseline := indicator(func(ind *kpi.Indicator) { ind.Baseline = baseline(t, "2020", 5) })
	// from is the seed plan with reporting duty starting on a day;
	// loaded, the plan first loaded into the store that day.
	from := func(d string) kpi.Plan { p := plan2019; p.ReportingFrom = day(t, d); return p }
	loaded := func(d string) kpi.Plan { p := plan2019; p.LoadedAt = day(t, d).Add(15 * time.Hour); return p }

	// A due date is a calendar rule: 90 days is three
	// months, the end of March, in the leap year 2020 too (a day count made
	// the 2019 figure due on 30 March).
	dueOf := map[string]string{"2019": "2020-04-01", "2020": "2021-04-01", "2021": "2022-04-01", "2022": "2023-04-01"}

	type duty struct {
		Period  string
		Due     string
		Overdue bool
	}
	tests := []struct {
		name string
		plan kpi.Plan
		ind  kpi.Indicator
		obs  []kpi.Observation
		now  time.Time
		want duty
	}{
		{
			name: "before the first period ends, its figure is awaited",
			ind:  annual, now: day(t, "2019-06-01"),
			want: duty{"2019", dueOf["2019"], false},
		},
		{
			name: "not overdue on the due instant",
			ind:  annual, now: day(t, dueOf["2019"]),
			want: duty{"2019", dueOf["2019"], false},
		},
		{
			name: "overdue just after the due instant",
			ind:  annual, now: day(t, dueOf["2019"]).Add(time.Nanosecond),
			want: duty{"2019", dueOf["2019"], true},
		},
		{
			name: "a reported period points at the next one",
			ind:  annual, obs: figs(t, "2019", 1), now: day(t, "2020-05-01"),
			want: duty{"2020", dueOf["2020"], false},
		},
		{
			name: "the next period overdue",
			ind:  annual, obs: figs(t, "2019", 1), now: day(t, "2021-04-02"),
			want: duty{"2020", dueOf["2020"], true},
		},
		{
			name: "an older gap is not forgiven: the oldest owed period is named",
			ind:  annual, obs: figs(t, "2020", 1), now: day(t, "2021-05-01"),
			want: duty{"2019", dueOf["2019"], true},
		},
		{
			name: "history imported with 2021 missing names 2021",
			plan: loaded("2022-01-01"), ind: annual, obs: figs(t, "2019", 1, "2020", 2), now: day(t, "2022-06-30"),
			want: duty{"2021", dueOf["2021"], true},
		},
		{
			name: "a fresh plan owes nothing due before it was loaded",
			plan: loaded("2023-06-30"), ind: annual, now: day(t, "2023-07-01"),
			want: duty{},
		},
		{
			name: "a fresh plan owes the periods due after it was loaded",
			plan: loaded("2021-06-30"), ind: annual, now: day(t, "2022-06-30"),
			want: duty{"2021", dueOf["2021"], true},
		},
		{
			name: "a figure due on the instant the duty starts is history",
			plan: from("2022-04-01"), ind: annual, now: day(t, "2022-06-30"),
			want: duty{"2022", dueOf["2022"], false},
		},
		{
			name: "a figure due the day after the duty starts is owed",
			plan: from("2022-03-31"), ind: annual, now: day(t, "2022-06-30"),
			want: duty{"2021", dueOf["2021"], true},
		},
		{
			name: "the plan's reporting_from wins over the day it was loaded",
			plan: func() kpi.Plan { p := loaded("2023-06-30"); p.ReportingFrom = day(t, "2020-01-01"); return p }(),
			ind:  annual, obs: figs(t, "2019", 1), now: day(t, "2021-06-30"),
			want: duty{"2020", dueOf["2020"], true},
		},
		{
			name: "a figure before its period ends does not count as reported yet",
			ind:  annual, obs: figs(t, "2019", 1, "2020", 2), now: day(t, "2020-12-31"),
			want: duty{"2020", dueOf["2020"], false},
		},
		{
			name: "the last period of the deadline year unreported stays overdue for half a year",
			ind:  annual, obs: figs(t, "2019", 1, "2020", 1, "2021", 1), now: day(t, "2023-09-27"),
			want: duty{"2022", dueOf["2022"], true},
		},
		{
			name: "the duty ends half a year after the last figure was due",
			ind:  annual, obs: figs(t, "2019", 1, "2020", 1, "2021", 1), now: day(t, "2023-09-29"),
			want: duty{},
		},
		{
			name: "the last period reported ends the duty, older gaps too",
			ind:  annual, obs: figs(t, "2019", 1, "2022", 1), now: day(t, "2023-05-01"),
			want: duty{},
		},
		{
			name: "every period reported: nothing more is due",
			ind:  annual, obs: figs(t, "2021", 1, "2022", 2), now: day(t, "2023-05-01"),
			want: duty{},
		},
		{
			// The duty ends; TestNeverReported holds that it is still
			// counted as unreported.
			name: "a figure after the deadline year ends the duty",
			ind:  annual, obs: figs(t, "2023", 2), now: day(t, "2024-05-01"),
			want: duty{},
		},
		{
			name: "quarterly overdue",
			plan: from("2021-02-01"), ind: quarterly, obs: figs(t, "2021-Q1", 1), now: day(t, "2021-07-17"),
			want: duty{"2021-Q2", "2021-07-16", true},
		},
		{
			name: "quarterly not yet due",
			plan: from("2021-02-01"), ind: quarterly, obs: figs(t, "2021-Q1", 1), now: day(t, "2021-07-16"),
			want: duty{"2021-Q2", "2021-07-16", false},
		},
		{
			name: "monthly",
			plan: from("2021-12-01"), ind: monthly, obs: figs(t, "2021-11", 1), now: day(t, "2022-01-05"),
			want: duty{"2021-12", "2022-01-11", false},
		},
		{
			name: "an annual figure covers the quarters of its year",
			plan: from("2021-01-01"), ind: quarterly, obs: figs(t, "2020", 1), now: day(t, "2021-03-01"),
			want: duty{"2021-Q1", "2021-04-16", false},
		},
		{
			name: "no frequency is annual",
			ind:  noFrequency, now: day(t, "2019-06-01"),
			want: duty{"2019", dueOf["2019"], false},
		},
		{
			name: "a milestone owes a report at its deadline only",
			ind:  milestone, now: day(t, "2021-06-01"),
			want: duty{"2022", dueOf["2022"], false},
		},
		{
			name: "a milestone with a frequency is not nagged every year",
			ind:  milestoneAnnual, obs: figs(t, "2019", 0), now: day(t, "2021-06-01"),
			want: duty{"2022", dueOf["2022"], false},
		},
		{
			name: "a milestone's unreported stage is owed",
			ind:  staged, now: day(t, "2021-06-01"),
			want: duty{"2020", dueOf["2020"], true},
		},
		{
			name: "a milestone's later stage is owed once the earlier is in",
			ind:  staged, obs: figs(t, "2020", 30), now: day(t, "2022-06-01"),
			want: duty{"2021", dueOf["2021"], true},
		},
		{
			name: "a milestone report after a stage stands for it",
			ind:  staged, obs: figs(t, "2021", 50), now: day(t, "2022-06-01"),
			want: duty{"2022", dueOf["2022"], false},
		},
		{
			name: "a milestone done has nothing more to report",
			ind:  milestoneAnnual, obs: figs(t, "2019", 1), now: day(t, "2021-06-01"),
			want: duty{},
		},
		{
			name: "a plan without a start year starts after the baseline",
			plan: noStart, ind: withBaseline, now: day(t, "2021-06-01"),
			want: duty{"2021", dueOf["2021"], false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := tt.plan
			if plan.ID == "" {
				plan = plan2019
			}
			r := kpi.Evaluate(plan, tt.ind, tt.obs, tt.now).Report
			var got duty
			if r.Period != nil {
				got.Period = r.Period.String()
			}
			if !r.Due.IsZero() {
				got.Due = r.Due.In(kpi.China).Format("2006-01-02")
				if !r.Due.Equal(day(t, got.Due)) {
					t.Errorf("Report.Due = %v, want midnight China time", r.Due)
				}
			}
			got.Overdue = r.Overdue
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Evaluate(%v at %v).Report mismatch (-want +got):\n%s", tt.obs, tt.now, diff)
			}
		})
	}
}

// FuzzEvaluate checks that no input makes a NaN or an infinity leak, and
// that the status is always one of Statuses.
func FuzzEvaluate(f *testing.F) {
	f.Add(uint8(0), 30.0, 10.0, 0.0, -1.0, 1e300, int64(2021))
	f.Add(uint8(1), 0.0, 0.0, 0.0, 0.0, 0.0, int64(2023))
	f.Add(uint8(2), -5.0, -5.0, 1e-300, -1e-300, 5.0, int64(2020))
	f.Add(uint8(3), 100.0, 0.0, 1e308, 1e308, -1e308, int64(2022))
	f.Add(uint8(4), 1.0, 1.0, 1.0, 0.0, 1.0, int64(2021))
	f.Fuzz(func(t *testing.T, kind uint8, target, base, v1, v2, v3 float64, nowYear int64) {
		ind := indicator(func(ind *kpi.Indicator) {
			ind.Kind = kpi.Kinds[int(kind)%len(kpi.Kinds)]
			ind.Target = target
			if kind&8 != 0 {
				ind.Baseline = &kpi.Baseline{Period: kpi.YearPeriod(2018), Value: base}
			}
			if kind&16 != 0 {
				ind.Measure = kpi.MeasureCumulative
			}
		})
		obs := figs(t, "2019", v1, "2020", v2, "2021-Q1", v3)
		now := time.Date(int(2015+(nowYear%15+15)%15), 3, 1, 0, 0, 0, 0, kpi.China)
		ev := kpi.Evaluate(plan2019, ind, obs, now)
		if !slices.Contains(kpi.Statuses, ev.Status) {
			t.Errorf("Evaluate(...).Status = %q, want one of %v", ev.Status, kpi.Statuses)
		}
		for name, p := range map[string]*float64{
			"Actual": ev.Actual, "Expected": ev.Expected, "Gap": ev.Gap, "ProgressRatio": ev.ProgressRatio,
			"PaceRatio": ev.PaceRatio, "Projected": ev.Projected, "Target": ev.Target,
		} {
			if p != nil && (math.IsNaN(*p) || math.IsInf(*p, 0)) {
				t.Errorf("Evaluate(...).%s = %v, want a finite number or nil", name, *p)
			}
		}
		if ev.Gap != nil && *ev.Gap < 0 {
			t.Errorf("Evaluate(...).Gap = %v, want ≥ 0", *ev.Gap)
		}
	})
}

// TestNeverReported: a line that never reported a figure of the plan's
// periods is not completed after the plan closes: 未报送 naming the periods
// asked for, and unreported (逾期未报 in rankings) once the duty has ended,
// where the final figure was owed.
func TestNeverReported(t *testing.T) {
	annual := indicator(func(ind *kpi.Indicator) { ind.Deadline = 2020 })
	loadedLate := plan2019
	loadedLate.ReportingFrom = day(t, "2023-01-01")
	tests := []struct {
		name       string
		plan       kpi.Plan
		obs        []kpi.Observation
		now        string
		reason     string
		unreported bool
	}{
		{"never, duty from the plan's start", plan2019, nil, "2023-06-30", "never_reported 2019,2020", true},
		{"only a figure after the deadline", plan2019, figs(t, "2021", 12), "2023-06-30", "never_reported 2019,2020", true},
		{"still overdue while the duty runs", plan2019, nil, "2021-05-01", "never_reported 2019,2020", true},
		{"before the final figure is due: nothing said yet", plan2019, nil, "2021-03-01", "", true},
		{"loaded after the plan: history, not owed", loadedLate, nil, "2023-06-30", "never_reported 2019,2020", false},
		{"reported, then missing the final figure: missed, not unreported", plan2019, figs(t, "2019", 12), "2023-06-30", "final_overdue 2020", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := kpi.Evaluate(tt.plan, annual, tt.obs, day(t, tt.now))
			if got := outcomeOf(ev).Reason; got != tt.reason {
				t.Errorf("reason %q, want %q", got, tt.reason)
			}
			if got := ev.Report.Unreported(); got != tt.unreported {
				t.Errorf("Report.Unreported() = %v (%+v), want %v", got, ev.Report, tt.unreported)
			}
		})
	}
}

// TestCountBarIsWhole: a count's bar computed from a baseline (压缩10%以上
// of 18 steps is ≤16.2) is the whole count that meets it, 16: at 17 the
// gap is 1个, not 0.8个, and progress is measured to 16.
func TestCountBarIsWhole(t *testing.T) {
	steps := indicator(func(ind *kpi.Indicator) {
		ind.Kind, ind.Unit, ind.Target = kpi.KindReduceBy, "个", 10
		ind.Baseline = baseline(t, "2018", 18)
	})
	ev := kpi.Evaluate(plan2019, steps, figs(t, "2020", 17), day(t, "2021-06-30"))
	if ev.Bar == nil || *ev.Bar != 16 || ev.Gap == nil || *ev.Gap != 1 || ev.ProgressRatio == nil || *ev.ProgressRatio != 0.5 {
		t.Errorf("bar %v gap %v progress %v, want 16, 1, 0.5", ev.Bar, ev.Gap, ev.ProgressRatio)
	}
	for _, tt := range []struct {
		ind    kpi.Indicator
		target float64
		want   float64
	}{
		{indicator(nil), 30, 30},
		{indicator(func(ind *kpi.Indicator) { ind.Strict = true }), 40, 41},
		{indicator(func(ind *kpi.Indicator) { ind.Strict = true }), 40.5, 41},
		{indicator(nil), 30.2, 31},
		{steps, 16.2, 16},
		{indicator(func(ind *kpi.Indicator) { ind.Kind, ind.Strict = kpi.KindAtMost, true }), 16.2, 16},
		{indicator(func(ind *kpi.Indicator) { ind.Kind, ind.Strict = kpi.KindAtMost, true }), 16, 15},
		{indicator(func(ind *kpi.Indicator) { ind.Unit = "%" }), 16.2, 16.2},
	} {
		if got := kpi.DecidingBar(tt.ind, tt.target); got != tt.want {
			t.Errorf("DecidingBar(%s %s strict %v, %v) = %v, want %v", tt.ind.Kind, tt.ind.Unit, tt.ind.Strict, tt.target, got, tt.want)
		}
	}
}
