package kpi_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// verdict is what docs/method.md's rules decide: the status, why, the
// target value shown and where the baseline came from.
type verdict struct {
	Status kpi.Status
	Reason string // "fell 2021", "" for none
	Target *float64
	Base   string // "2018=200 base_period", "" for none
	Pace   *float64
	// Measured, when a case states it, is what the deciding bar, points
	// and the pace basis decide: gap, progress and the change per year.
	Measured *measured
}

// measured is the part of an evaluation measured to the deciding bar.
type measured struct {
	Gap, Progress, Required, Achieved *float64
	Relative                          bool
}

func verdictOf(ev kpi.Evaluation) verdict {
	o := outcomeOf(ev)
	v := verdict{Status: ev.Status, Reason: o.Reason, Target: ev.Target, Pace: ev.PaceRatio,
		Measured: &measured{Gap: ev.Gap, Progress: ev.ProgressRatio, Required: ev.RequiredAnnualChange, Achieved: ev.AchievedAnnualChange, Relative: ev.ChangeIsRelative}}
	if o.Baseline != "" {
		v.Base = o.Baseline + " " + string(ev.BaselineOrigin)
	}
	return v
}

// TestEvaluateMethod has a case for every rule of docs/method.md, with the
// series the issue names among them (plan 2019–2022, base year 2018).
func TestEvaluateMethod(t *testing.T) {
	plan := plan2019
	plan.BaseYear = 2018

	energy := indicator(func(ind *kpi.Indicator) {
		ind.Kind, ind.Unit, ind.Target = kpi.KindAtMost, "吨标准煤/万元", 0.331
	})
	increase := indicator(func(ind *kpi.Indicator) { ind.Kind, ind.Unit, ind.Target = kpi.KindIncrease, "万元", 0 })
	cut := indicator(func(ind *kpi.Indicator) {
		ind.Kind, ind.Unit, ind.Target, ind.BaselineRule = kpi.KindReduceBy, "工作日", 10, kpi.BaselineFirstObservation
	})
	cutFromGiven := indicator(func(ind *kpi.Indicator) {
		ind.Kind, ind.Unit, ind.Target = kpi.KindReduceBy, "工作日", 10
		ind.Baseline = &kpi.Baseline{Period: period(t, "2018"), Value: 200, Source: "2018年审批事项清单"}
	})
	about40 := indicator(func(ind *kpi.Indicator) { ind.Target, ind.Tolerance = 40, 5 })
	over40 := indicator(func(ind *kpi.Indicator) { ind.Target, ind.Strict = 40, true })
	overShare := indicator(func(ind *kpi.Indicator) { ind.Unit, ind.Target, ind.Strict = "%", 2.5, true })
	rdShare := indicator(func(ind *kpi.Indicator) { ind.Unit, ind.Target = "%", 2.51 })
	double := indicator(func(ind *kpi.Indicator) {
		ind.Kind, ind.Unit, ind.Target, ind.BaselineRule = kpi.KindMultiply, "万元", 2, kpi.BaselineFirstObservation
	})
	percentMilestone := indicator(func(ind *kpi.Indicator) { ind.Kind, ind.Unit, ind.Target = kpi.KindMilestone, "%", 100 })
	staged := indicator(func(ind *kpi.Indicator) {
		ind.Kind, ind.Unit, ind.Target = kpi.KindMilestone, "%", 100
		ind.Stages = []kpi.Stage{{Period: period(t, "2020"), Percent: 30, Text: "方案已起草"}, {Period: period(t, "2021"), Percent: 60, Text: "方案已上报"}}
	})
	doneOrNot := indicator(func(ind *kpi.Indicator) { ind.Kind, ind.Unit, ind.Target = kpi.KindMilestone, "项", 1 })
	yearly := indicator(func(ind *kpi.Indicator) { ind.Kind, ind.Unit, ind.Target = kpi.KindContinuing, "项", 1 })

	// The energy series: 0.400 at the end of 2019 (t0 2020.0) towards 0.331
	// at the end of 2022 (tD 2023.0); 0.345 at the end of 2021 (t 2022.0):
	// progress 0.055/0.069, elapsed 2/3.
	// A positive level: the pace is compound (docs/method.md §5), the rate
	// achieved a year over the rate required a year from the baseline.
	compound := func(base, actual, bar, years, horizon float64) float64 {
		return (math.Pow(actual/base, 1/years) - 1) / (math.Pow(bar/base, 1/horizon) - 1)
	}
	energyPace := compound(0.4, 0.345, 0.331, 2, 3)

	tests := []struct {
		name string
		ind  kpi.Indicator
		obs  []kpi.Observation
		now  string
		want verdict
	}{
		// The end of a day holds every period ending at the next midnight:
		// as of 2021-12-31 the 2021 figure counts. 12
		// (2019) → 28 (2021) toward 30 by 2022: progress 16/18 in 2/3 of
		// the time, pace 4/3, on track; without 2021 it was 4/18 in 1/3,
		// lagging.
		{
			name: "as of the last day of 2021, the 2021 figure counts", ind: indicator(nil), now: "2021-12-31",
			obs:  figs(t, "2019", 12, "2020", 16, "2021", 28),
			want: verdict{Status: kpi.StatusOnTrack, Target: num(30), Base: "2019=12 first_figure", Pace: num((16.0 / 18) / (2.0 / 3))},
		},
		{
			name: "as of the day before, it does not", ind: indicator(nil), now: "2021-12-30",
			obs:  figs(t, "2019", 12, "2020", 16, "2021", 28),
			want: verdict{Status: kpi.StatusLagging, Target: num(30), Base: "2019=12 first_figure", Pace: num((4.0 / 18) / (1.0 / 3))},
		},

		// Deadline grace.
		{
			name: "energy on track mid-2022", ind: energy, now: "2022-06-30",
			obs:  figs(t, "2019", 0.400, "2020", 0.370, "2021", 0.345),
			want: verdict{Status: kpi.StatusOnTrack, Target: num(0.331), Base: "2019=0.4 first_figure", Pace: num(energyPace)},
		},
		{
			name: "energy after the deadline year, before its figure is due: on track, not missed", ind: energy, now: "2023-02-15",
			obs:  figs(t, "2019", 0.400, "2020", 0.370, "2021", 0.345),
			want: verdict{Status: kpi.StatusOnTrack, Reason: "awaiting_final 2022", Target: num(0.331), Base: "2019=0.4 first_figure", Pace: num(energyPace)},
		},
		{
			name: "energy with the 2022 figure overdue: missed", ind: energy, now: "2023-04-15",
			obs:  figs(t, "2019", 0.400, "2020", 0.370, "2021", 0.345),
			want: verdict{Status: kpi.StatusMissed, Reason: "final_overdue 2022", Target: num(0.331), Base: "2019=0.4 first_figure", Pace: num(energyPace)},
		},
		{
			name: "energy: the 2022 figure in before it is due decides at once", ind: energy, now: "2023-02-15",
			obs:  figs(t, "2019", 0.400, "2020", 0.370, "2021", 0.345, "2022", 0.340),
			want: verdict{Status: kpi.StatusMissed, Target: num(0.331), Base: "2019=0.4 first_figure", Pace: num(compound(0.4, 0.340, 0.331, 3, 3))},
		},

		// Growth lines over the whole plan.
		{
			// 逐年 cannot be certified without 2020: as a
			// continuing line's missing year, 数据不足 naming it.
			name: "increase with 2020 never reported: 数据不足, not achieved", ind: increase, now: "2023-06-30",
			obs:  figs(t, "2019", 1000, "2021", 1200, "2022", 1300),
			want: verdict{Status: kpi.StatusInsufficientData, Reason: "years_missing 2020", Target: num(1200), Base: "2019=1000 first_figure"},
		},
		{
			name: "increase 1000, 1200, 900, 950: missed, not achieved", ind: increase, now: "2023-06-30",
			obs:  figs(t, "2019", 1000, "2020", 1200, "2021", 900, "2022", 950),
			want: verdict{Status: kpi.StatusMissed, Reason: "fell 2021", Target: num(900), Base: "2019=1000 first_figure"},
		},
		{
			name: "increase 300, 320, 310: 不进反退 while the plan runs, not missed", ind: increase, now: "2023-02-15",
			obs:  figs(t, "2019", 300, "2020", 320, "2021", 310),
			want: verdict{Status: kpi.StatusDeteriorating, Reason: "fell 2021", Target: num(320), Base: "2019=300 first_figure"},
		},
		{
			name: "increase: the base year counts as the first base", ind: increase, now: "2023-06-30",
			obs:  figs(t, "2018", 100, "2019", 90, "2020", 110, "2021", 120, "2022", 130),
			want: verdict{Status: kpi.StatusMissed, Reason: "fell 2019", Target: num(120), Base: "2018=100 base_period"},
		},
		{
			name: "increase rising every year from the base is achieved", ind: increase, now: "2023-06-30",
			obs:  figs(t, "2018", 100, "2019", 105, "2020", 110, "2021", 120, "2022", 130),
			want: verdict{Status: kpi.StatusAchieved, Target: num(120), Base: "2018=100 base_period"},
		},
		{
			name: "increase rising every year but the last figure never came: missed", ind: increase, now: "2023-06-30",
			obs:  figs(t, "2019", 105, "2020", 110, "2021", 120),
			want: verdict{Status: kpi.StatusMissed, Reason: "final_overdue 2022", Target: num(110), Base: "2019=105 first_figure"},
		},

		// Insufficient data stays insufficient.
		{
			name: "increase with a single 2022 figure: 数据不足 after the deadline, no target", ind: increase, now: "2023-06-30",
			obs:  figs(t, "2022", 950),
			want: verdict{Status: kpi.StatusInsufficientData, Reason: "need_two_figures", Base: "2022=950 first_figure"},
		},
		{
			name: "reduce_by with a single 2022 figure: 数据不足 after the deadline", ind: cut, now: "2023-06-30",
			obs:  figs(t, "2022", 80),
			want: verdict{Status: kpi.StatusInsufficientData, Reason: "need_baseline", Target: num(72), Base: "2022=80 first_figure"},
		},
		{
			name: "reduce_by without any figure has no target", ind: cut, now: "2023-06-30",
			want: verdict{Status: kpi.StatusNoData, Reason: "never_reported 2019,2022"},
		},

		// Lines that never reported, after the plan closes: still 未报送 and not completed, naming the periods asked for,
		// also when the only figure lies after the deadline.
		{
			name: "a 2020 line reported only for 2021 is 未报送 naming 2019–2020", ind: indicator(func(ind *kpi.Indicator) { ind.Deadline = 2020 }), now: "2023-06-30",
			obs:  figs(t, "2021", 12),
			want: verdict{Status: kpi.StatusNoData, Reason: "never_reported 2019,2020", Target: num(30)},
		},

		// Existing-level baselines.
		{
			name: "reduce_by from the 2018 level: 200 → 175 is achieved", ind: cut, now: "2023-06-30",
			obs:  figs(t, "2018", 200, "2020", 190, "2021", 180, "2022", 175),
			want: verdict{Status: kpi.StatusAchieved, Target: num(180), Base: "2018=200 base_period", Pace: num(compound(200, 175, 180, 4, 4))},
		},
		{
			name: "reduce_by without a base figure cuts from the first", ind: cut, now: "2023-06-30",
			obs:  figs(t, "2020", 190, "2021", 180, "2022", 175),
			want: verdict{Status: kpi.StatusMissed, Target: num(171), Base: "2020=190 first_figure", Pace: num(compound(190, 175, 171, 2, 2))},
		},
		{
			name: "reduce_by from an explicit baseline says so", ind: cutFromGiven, now: "2021-06-30",
			obs:  figs(t, "2020", 190),
			want: verdict{Status: kpi.StatusOnTrack, Target: num(180), Base: "2018=200 indicator", Pace: num(compound(200, 190, 180, 2, 4))},
		},

		// 左右 and 突破.
		{name: "40家左右: 38 meets it", ind: about40, now: "2023-06-30", obs: figs(t, "2022", 38), want: verdict{Status: kpi.StatusAchieved, Target: num(40), Base: "2022=38 first_figure"}},
		{name: "40家左右: 37 does not", ind: about40, now: "2023-06-30", obs: figs(t, "2022", 37), want: verdict{Status: kpi.StatusMissed, Target: num(40), Base: "2022=37 first_figure"}},
		{name: "突破40家: 40 is not yet met", ind: over40, now: "2023-06-30", obs: figs(t, "2022", 40), want: verdict{Status: kpi.StatusMissed, Target: num(40), Base: "2022=40 first_figure"}},
		{name: "突破40家: 41 meets it", ind: over40, now: "2023-06-30", obs: figs(t, "2022", 41), want: verdict{Status: kpi.StatusAchieved, Target: num(40), Base: "2022=41 first_figure"}},

		// The deciding bar: gap, progress, pace and the
		// change required are measured to the figure that meets the target.
		{
			// 突破40家 is met at 41: at 38 a year before the deadline, 3 more
			// are needed (not 2, which reaches 40 and misses).
			name: "突破40家 at 38: gap, progress and required change measured to 41", ind: over40, now: "2022-06-30",
			obs: figs(t, "2019", 30, "2020", 34, "2021", 38),
			want: verdict{Status: kpi.StatusOnTrack, Target: num(40), Base: "2019=30 first_figure", Pace: num((8.0 / 11) / (2.0 / 3)),
				Measured: &measured{Gap: num(3), Progress: num(8.0 / 11), Required: num(3), Achieved: num(4)}},
		},
		{
			// 40家左右 is met at 38: at 37, one more meets it.
			name: "40家左右 at 37: gap, progress and required change measured to 38", ind: about40, now: "2022-06-30",
			obs: figs(t, "2019", 30, "2020", 33, "2021", 37),
			want: verdict{Status: kpi.StatusOnTrack, Target: num(40), Base: "2019=30 first_figure", Pace: num((7.0 / 8) / (2.0 / 3)),
				Measured: &measured{Gap: num(1), Progress: num(7.0 / 8), Required: num(1), Achieved: num(3.5)}},
		},
		{
			// A strict share: one step of the target's last decimal past it.
			name: "超过2.5% at 2.5: the gap is one step, 0.1 point", ind: overShare, now: "2023-06-30",
			obs: figs(t, "2021", 2.3, "2022", 2.5),
			want: verdict{Status: kpi.StatusMissed, Target: num(2.5), Base: "2021=2.3 first_figure", Pace: num((0.2 / 0.3) / 1),
				Measured: &measured{Gap: num(0.1), Progress: num(0.2 / 0.3), Achieved: num(0.2)}},
		},

		// Shares change in 个百分点: 2.10 % → 2.51 % in
		// one year is 0.41 points a year, not +19.5 %.
		{
			name: "a share's required and achieved change are in points", ind: rdShare, now: "2022-06-30",
			obs: figs(t, "2019", 1.9, "2020", 2.0, "2021", 2.1),
			want: verdict{Status: kpi.StatusOffTrack, Target: num(2.51), Base: "2019=1.9 first_figure", Pace: num((0.2 / 0.61) / (2.0 / 3)),
				Measured: &measured{Gap: num(0.41), Progress: num(0.2 / 0.61), Required: num(0.41), Achieved: num(0.1)}},
		},

		// One pace basis: 50000 → 85000 in three years
		// toward 100000 grows 19.3 % a year where doubling in four needs
		// 18.9 %: on track, beside 需年均增长17.6% for the last year.
		{
			name: "a positive level is paced on compound growth, as its required growth is", ind: double, now: "2022-06-30",
			obs: figs(t, "2018", 50000, "2021", 85000),
			want: verdict{Status: kpi.StatusOnTrack, Target: num(100000), Base: "2018=50000 base_period", Pace: num(compound(50000, 85000, 100000, 3, 4)),
				Measured: &measured{Gap: num(15000), Progress: num(0.7), Required: num(100000.0/85000 - 1), Achieved: num(math.Cbrt(1.7) - 1), Relative: true}},
		},

		// 原地倍增.
		{
			name: "doubling from the base year, half way with three quarters of the time gone", ind: double, now: "2022-06-30",
			obs:  figs(t, "2018", 1000, "2021", 1500),
			want: verdict{Status: kpi.StatusLagging, Target: num(2000), Base: "2018=1000 base_period", Pace: num(compound(1000, 1500, 2000, 3, 4))},
		},
		{
			name: "doubling reached", ind: double, now: "2023-06-30",
			obs:  figs(t, "2018", 1000, "2022", 2000),
			want: verdict{Status: kpi.StatusAchieved, Target: num(2000), Base: "2018=1000 base_period", Pace: num(1)},
		},

		// Milestones.
		{
			name: "a percent milestone without stages is paced from the plan's start", ind: percentMilestone, now: "2021-06-30",
			// 731 of the plan's 1461 days had passed at the end of 2020.
			obs:  figs(t, "2020", 35),
			want: verdict{Status: kpi.StatusLagging, Target: num(100), Pace: num(0.35 / (731.0 / 1461))},
		},
		{
			name: "a staged milestone at its stage is on track", ind: staged, now: "2021-06-30",
			obs:  figs(t, "2020", 30),
			want: verdict{Status: kpi.StatusOnTrack, Target: num(100), Pace: num(1)},
		},
		{
			name: "a stalled staged milestone lags before its deadline", ind: staged, now: "2022-06-30",
			obs:  figs(t, "2020", 30, "2021", 30),
			want: verdict{Status: kpi.StatusOffTrack, Target: num(100), Pace: num(0.5)},
		},
		{
			name: "a done-or-not milestone without stages is in progress", ind: doneOrNot, now: "2022-06-30",
			obs:  figs(t, "2021", 0),
			want: verdict{Status: kpi.StatusInProgress, Target: num(1)},
		},
		{
			name: "a milestone done is achieved", ind: staged, now: "2022-06-30",
			obs:  figs(t, "2021", 100),
			want: verdict{Status: kpi.StatusAchieved, Target: num(100), Pace: num(1 / 0.6)},
		},

		// Continuing lines.
		{
			name: "continuing, done every year so far", ind: yearly, now: "2022-06-30",
			obs:  figs(t, "2019", 1, "2020", 1, "2021", 1),
			want: verdict{Status: kpi.StatusOnTrack, Target: num(1)},
		},
		{
			name: "continuing, a year not done: off track while the plan runs", ind: yearly, now: "2022-06-30",
			obs:  figs(t, "2019", 1, "2020", 0, "2021", 1),
			want: verdict{Status: kpi.StatusOffTrack, Reason: "year_not_done 2020", Target: num(1)},
		},
		{
			name: "continuing, every year done: achieved", ind: yearly, now: "2023-06-30",
			obs:  figs(t, "2019", 1, "2020", 1, "2021", 1, "2022", 1),
			want: verdict{Status: kpi.StatusAchieved, Target: num(1)},
		},
		{
			name: "continuing, a year not done: missed at the end", ind: yearly, now: "2023-06-30",
			obs:  figs(t, "2019", 1, "2020", 0, "2021", 1, "2022", 1),
			want: verdict{Status: kpi.StatusMissed, Reason: "year_not_done 2020", Target: num(1)},
		},
		{
			name: "continuing, a year never reported: 数据不足 naming it", ind: yearly, now: "2023-06-30",
			obs:  figs(t, "2019", 1, "2021", 1, "2022", 1),
			want: verdict{Status: kpi.StatusInsufficientData, Reason: "years_missing 2020", Target: num(1)},
		},
		{
			name: "continuing, the last year never reported: missed", ind: yearly, now: "2023-06-30",
			obs:  figs(t, "2019", 1, "2020", 1, "2021", 1),
			want: verdict{Status: kpi.StatusMissed, Reason: "final_overdue 2022", Target: num(1)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// As --as-of and ?as_of= read the day: its end.
			at, err := kpi.ParseAsOf(tt.now)
			if err != nil {
				t.Fatal(err)
			}
			ev := kpi.Evaluate(plan, tt.ind, tt.obs, at)
			got := verdictOf(ev)
			if tt.want.Measured == nil {
				got.Measured = nil
			}
			if diff := cmp.Diff(tt.want, got, approx); diff != "" {
				t.Errorf("Evaluate(%s, %v) as of %s (-want +got):\n%s", tt.ind.Kind, tt.obs, tt.now, diff)
			}
		})
	}
}
