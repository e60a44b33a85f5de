package kpi_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/kpi"
)

func TestAnnualChanges(t *testing.T) {
	type changes struct {
		Required, Achieved *float64
		Relative           bool
	}
	share := indicator(func(ind *kpi.Indicator) { // 高新技术产业增加值占比达33%
		ind.Unit = "%"
		ind.Target = 33
	})
	energy := indicator(func(ind *kpi.Indicator) { // 万元GDP能耗下降为0.345
		ind.Kind = kpi.KindAtMost
		ind.Unit = "吨标准煤/万元"
		ind.Target = 0.345
	})
	added := indicator(func(ind *kpi.Indicator) { // 新增科技企业20家
		ind.Measure = kpi.MeasureCumulative
		ind.Target = 20
	})
	cut := indicator(func(ind *kpi.Indicator) { // 压缩10%以上 from the first figure
		ind.Kind = kpi.KindReduceBy
		ind.Unit = "万元"
		ind.Target = 10
	})
	rising := indicator(func(ind *kpi.Indicator) { ind.Kind = kpi.KindIncrease; ind.Target = 0; ind.Unit = "亿元" })
	done := indicator(func(ind *kpi.Indicator) { ind.Kind = kpi.KindMilestone; ind.Target = 1; ind.Unit = "项" })

	tests := []struct {
		name string
		ind  kpi.Indicator
		obs  []any
		asOf string
		want changes
	}{
		{
			// A share changes in 个百分点: from 22 at the
			// end of 2020 to 33 at the end of 2022 is 5.5 points a year; 20 →
			// 22 in 2020 was 2 points.
			name: "level percent share, in points",
			ind:  share, obs: []any{"2019", 20.0, "2020", 22.0}, asOf: "2021-06-30",
			want: changes{num(5.5), num(2), false},
		},
		{
			name: "count, absolute per year",
			ind:  indicator(nil), obs: []any{"2019", 10, "2020", 16}, asOf: "2021-06-30",
			want: changes{num(7), num(6), false},
		},
		{
			// 3 + 5 added since the start of 2019; 12 more in two years.
			name: "cumulative sum, additions per year",
			ind:  added, obs: []any{"2019", 3, "2020", 5}, asOf: "2021-06-30",
			want: changes{num(6), num(4), false},
		},
		{
			name: "at_most falls, relative and negative",
			ind:  energy, obs: []any{"2019", 0.5, "2020", 0.45}, asOf: "2021-06-30",
			want: changes{num(math.Sqrt(0.345/0.45) - 1), num(-0.1), true},
		},
		{
			// Target 100 × 0.9 = 90 from the first figure; 95 at the end of 2020.
			name: "reduce_by, relative fall",
			ind:  cut, obs: []any{"2019", 100, "2020", 95}, asOf: "2021-06-30",
			want: changes{num(math.Sqrt(90.0/95) - 1), num(-0.05), true},
		},
		{
			name: "already met: nothing required, the change achieved stays",
			ind:  indicator(nil), obs: []any{"2019", 20, "2020", 31}, asOf: "2021-06-30",
			want: changes{nil, num(11), false},
		},
		{
			name: "past the deadline: nothing required",
			ind:  indicator(nil), obs: []any{"2019", 10, "2022", 25}, asOf: "2023-06-30",
			want: changes{nil, num(5), false},
		},
		{
			// One figure: the first figure is the baseline, so no change so far.
			name: "no baseline, one figure",
			ind:  indicator(nil), obs: []any{"2020", 12}, asOf: "2021-06-30",
			want: changes{num(9), nil, false},
		},
		{
			name: "no figure",
			ind:  indicator(nil), obs: nil, asOf: "2021-06-30",
			want: changes{nil, nil, false},
		},
		{
			// A quarter's end: 2021-Q2 ends at 2021 + 181/365; 1.5 years and a bit remain.
			name: "count, quarterly figure",
			ind:  indicator(func(ind *kpi.Indicator) { ind.Frequency = kpi.Quarterly }),
			obs:  []any{"2021-Q1", 10, "2021-Q2", 12}, asOf: "2021-07-15",
			want: changes{num(18 / (2023 - (2021 + 181.0/365))), num(2 / ((181.0 - 90) / 365)), false},
		},
		{
			name: "level at zero falls back to absolute",
			ind:  share, obs: []any{"2019", 0, "2020", 3.0}, asOf: "2021-06-30",
			want: changes{num(15), num(3), false},
		},
		{
			name: "increase has no target to reach",
			ind:  rising, obs: []any{"2019", 1, "2020", 2}, asOf: "2021-06-30",
			want: changes{nil, nil, false},
		},
		{
			name: "milestone",
			ind:  done, obs: []any{"2020", 0}, asOf: "2021-06-30",
			want: changes{nil, nil, false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := kpi.Evaluate(plan2019, tt.ind, figs(t, tt.obs...), day(t, tt.asOf))
			req, ach, rel := kpi.AnnualChanges(tt.ind, ev)
			got := changes{req, ach, rel}
			if diff := cmp.Diff(tt.want, got, approx); diff != "" {
				t.Errorf("AnnualChanges(%s) (-want +got):\n%s", tt.name, diff)
			}
			// Evaluate sets the same on the evaluation.
			fromEval := changes{ev.RequiredAnnualChange, ev.AchievedAnnualChange, ev.ChangeIsRelative}
			if diff := cmp.Diff(got, fromEval, approx); diff != "" {
				t.Errorf("Evaluate fields (-AnnualChanges +Evaluate):\n%s", diff)
			}
		})
	}
}
