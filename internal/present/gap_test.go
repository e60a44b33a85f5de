package present

import (
	"math"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestGapOf: a failed line says what failed and by how much, never a bare
// 0 beside the failure; a done-or-not line's gap is in words, not 1 or 0.
func TestGapOf(t *testing.T) {
	grow := kpi.Indicator{Kind: kpi.KindIncrease, Unit: "件"}
	growShare := kpi.Indicator{Kind: kpi.KindIncrease, Unit: "%"}
	milestone := kpi.Indicator{Kind: kpi.KindMilestone, Unit: "项", Target: 1}
	percentMilestone := kpi.Indicator{Kind: kpi.KindMilestone, Unit: "%", Target: 100}
	continuing := kpi.Indicator{Kind: kpi.KindContinuing, Unit: "项", Target: 1}
	staged := milestone
	staged.Stages = []kpi.Stage{{Period: kpi.YearPeriod(2021), Percent: 30, Text: "方案已起草"}, {Period: kpi.YearPeriod(2022), Percent: 60}}
	count := kpi.Indicator{Kind: kpi.KindAtLeast, Target: 30, Unit: "家"}
	y := func(years ...int) []kpi.Period {
		var ps []kpi.Period
		for _, year := range years {
			ps = append(ps, kpi.YearPeriod(year))
		}
		return ps
	}
	tests := []struct {
		name string
		ind  kpi.Indicator
		ev   kpi.Evaluation
		want string
	}{
		{"flat", grow, kpi.Evaluation{Status: kpi.StatusLagging, Gap: num(0), Reason: kpi.ReasonFlat, ReasonPeriods: y(2020)}, "2020年较上年未增长"},
		// 差距0件（2020年较上年下降） beside 不进反退 said nothing of the fall.
		{"fell and rose again", grow, kpi.Evaluation{Status: kpi.StatusDeteriorating, Gap: num(0), Reason: kpi.ReasonFell, ReasonPeriods: y(2020), Falls: []float64{3}}, "2020年较上年下降3件"},
		{"fell twice", grow, kpi.Evaluation{Status: kpi.StatusMissed, Gap: num(5), Reason: kpi.ReasonFell, ReasonPeriods: y(2020, 2022), Falls: []float64{3, 5}}, "2020年较上年下降3件、2022年较上年下降5件"},
		{"the latest fell", grow, kpi.Evaluation{Status: kpi.StatusDeteriorating, Gap: num(10), Reason: kpi.ReasonFell, ReasonPeriods: y(2021), Falls: []float64{10}}, "2021年较上年下降10件"},
		{"a share fell in points", growShare, kpi.Evaluation{Status: kpi.StatusDeteriorating, Gap: num(0), Actual: num(2.3), Reason: kpi.ReasonFell, ReasonPeriods: y(2020), Falls: []float64{0.2}}, "2020年较上年下降0.2个百分点"},
		{"fell without amounts", grow, kpi.Evaluation{Status: kpi.StatusDeteriorating, Gap: num(0), Reason: kpi.ReasonFell, ReasonPeriods: y(2020)}, "2020年较上年下降"},
		{"a year never reported", grow, kpi.Evaluation{Status: kpi.StatusInsufficientData, Gap: num(0), Reason: kpi.ReasonYearsMissing, ReasonPeriods: y(2020)}, "2020年未报送"},
		{"the final figure never came", grow, kpi.Evaluation{Status: kpi.StatusMissed, Gap: num(0), Reason: kpi.ReasonFinalOverdue, ReasonPeriods: y(2022)}, "2022年未报送"},
		{"rose", grow, kpi.Evaluation{Status: kpi.StatusOnTrack, Gap: num(0)}, "0件"},
		// A done-or-not milestone's gap printed a bare 1 or 0.
		{"milestone not done", milestone, kpi.Evaluation{Status: kpi.StatusInProgress, Gap: num(1), Actual: num(0)}, "未完成"},
		{"milestone done", milestone, kpi.Evaluation{Status: kpi.StatusAchieved, Gap: num(0), Actual: num(1)}, "已完成"},
		{"milestone missed, final overdue", milestone, kpi.Evaluation{Status: kpi.StatusMissed, Gap: num(1), Actual: num(0), Reason: kpi.ReasonFinalOverdue, ReasonPeriods: y(2022)}, "未完成"},
		{"milestone not done, a stage due", staged, kpi.Evaluation{Status: kpi.StatusOffTrack, Gap: num(1), Actual: num(0), AsOf: time.Date(2022, 6, 30, 0, 0, 0, 0, kpi.China)}, "未完成（2021年应达：方案已起草）"},
		{"milestone not done, no stage due yet", staged, kpi.Evaluation{Status: kpi.StatusOnTrack, Gap: num(1), Actual: num(0), AsOf: time.Date(2021, 6, 30, 0, 0, 0, 0, kpi.China)}, "未完成"},
		{"milestone in percent", percentMilestone, kpi.Evaluation{Status: kpi.StatusLagging, Gap: num(40), Actual: num(60)}, "40%"},
		// Not 已完成 beside years never reported (完成进度33.3%).
		{"continuing, no year reported not done", continuing, kpi.Evaluation{Status: kpi.StatusOnTrack, Gap: num(0), ProgressRatio: num(1.0 / 3)}, "无未完成年度"},
		{"continuing, a year not done", continuing, kpi.Evaluation{Status: kpi.StatusOffTrack, Gap: num(1), Reason: kpi.ReasonYearNotDone, ReasonPeriods: y(2021)}, "2021年未完成"},
		{"continuing, a year missing", continuing, kpi.Evaluation{Status: kpi.StatusInsufficientData, Gap: num(0), Reason: kpi.ReasonYearsMissing, ReasonPeriods: y(2020)}, "2020年未报送"},
		{"continuing, final overdue", continuing, kpi.Evaluation{Status: kpi.StatusMissed, Gap: num(0), Reason: kpi.ReasonFinalOverdue, ReasonPeriods: y(2022)}, "2022年未报送"},
		{"a count still measured after its final figure is overdue", count, kpi.Evaluation{Status: kpi.StatusMissed, Gap: num(9), Actual: num(21), Reason: kpi.ReasonFinalOverdue, ReasonPeriods: y(2022)}, "9家"},
		{"none", count, kpi.Evaluation{}, Missing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := GapOf(tt.ind, tt.ev); got != tt.want {
				t.Errorf("GapOf(%s %s) = %q, want %q", tt.ind.Kind, tt.ev.Reason, got, tt.want)
			}
			// The XLSX cell holds a number only where the words are one.
			if a := GapAmount(tt.ind, tt.ev); a != nil && amount(tt.ind, *a, GapDecimals(tt.ind, tt.ev)) != tt.want && tt.ind.Kind != kpi.KindMilestone {
				t.Errorf("GapAmount = %v beside %q", *a, tt.want)
			}
		})
	}
}

// TestGapClause: in a sentence an amount is 差距…, words stand alone, and a
// milestone's 未完成 is not said twice.
func TestGapClause(t *testing.T) {
	grow := kpi.Indicator{Kind: kpi.KindIncrease, Unit: "件"}
	count := kpi.Indicator{Kind: kpi.KindAtLeast, Target: 30, Unit: "家"}
	milestone := kpi.Indicator{Kind: kpi.KindMilestone, Unit: "项", Target: 1}
	fell := kpi.Evaluation{Gap: num(0), Reason: kpi.ReasonFell, ReasonPeriods: []kpi.Period{kpi.YearPeriod(2020)}, Falls: []float64{7}}
	for _, tt := range []struct {
		ind  kpi.Indicator
		ev   kpi.Evaluation
		want string
	}{
		{count, kpi.Evaluation{Gap: num(9), Actual: num(21)}, "差距9家"},
		{grow, fell, "2020年较上年下降7件"},
		{milestone, kpi.Evaluation{Gap: num(1), Actual: num(0)}, ""},
		{count, kpi.Evaluation{}, ""},
	} {
		if got := GapClause(tt.ind, tt.ev); got != tt.want {
			t.Errorf("GapClause(%s) = %q, want %q", tt.ind.Kind, got, tt.want)
		}
	}
}

// TestGapAndChangeShareOnePrecision: the gap and the change per year of one
// line are one quantity and print with one precision.
func TestGapAndChangeShareOnePrecision(t *testing.T) {
	share := kpi.Indicator{Kind: kpi.KindAtLeast, Target: 100, Unit: "%"}
	ev := kpi.Evaluation{
		Status: kpi.StatusOnTrack, Actual: num(96), Bar: num(100), Gap: num(4),
		Baseline:             &kpi.Baseline{Period: kpi.YearPeriod(2018), Value: 84.5},
		RequiredAnnualChange: num(4), AchievedAnnualChange: num(3.833333333),
	}
	// Before: 差距4个百分点 beside 需年均提高4.0个百分点.
	if gap, req, ach := GapOf(share, ev), RequiredChange(share, ev), AchievedChange(share, ev); gap != "4.0个百分点" || req != "需年均提高4.0个百分点" || ach != "年均提高3.8个百分点" {
		t.Errorf("gap %q, required %q, achieved %q; want 4.0个百分点, 需年均提高4.0个百分点, 年均提高3.8个百分点", gap, req, ach)
	}
	// Two decimals in the target's bar: both in two.
	fees := kpi.Indicator{Kind: kpi.KindReduceBy, Target: 10, Unit: "万元", Baseline: &kpi.Baseline{Period: kpi.YearPeriod(2018), Value: 12.5}}
	ev = kpi.Evaluation{Status: kpi.StatusLagging, Actual: num(11.5), Target: num(11.25), Bar: num(11.25), Gap: num(0.25), RequiredAnnualChange: num(-0.25)}
	if gap, req := GapOf(fees, ev), RequiredChange(fees, ev); gap != "0.25万元" || req != "需年均减少0.25万元" {
		t.Errorf("gap %q, required %q; want 0.25万元, 需年均减少0.25万元", gap, req)
	}
}

func TestGap(t *testing.T) {
	share := kpi.Indicator{Kind: kpi.KindAtLeast, Target: 29.4, Unit: "%"}
	tests := []struct {
		name string
		ind  kpi.Indicator
		gap  *float64
		want string
	}{
		{"percentage points", share, num(29.4 - 22.0), "7.4个百分点"},
		{"a count", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 30, Unit: "家"}, num(14), "14家"},
		{"a ratio", kpi.Indicator{Kind: kpi.KindAtMost, Target: 0.331, Unit: "吨标准煤/万元"}, num(0.361 - 0.331), "0.030吨标准煤/万元"},
		{"a percent milestone", kpi.Indicator{Kind: kpi.KindMilestone, Target: 100, Unit: "%"}, num(40), "40%"},
		// 差距0.0个百分点 beside a miss.
		{"a small gap in points", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 33, Unit: "%"}, num(33 - 32.96), "0.04个百分点"},
		{"a tiny gap is never 0", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 33, Unit: "%"}, num(33 - 32.999999), "0.000001个百分点"},
		{"a whole gap without .0", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 100000, Unit: "万元"}, num(15000), "15000万元"},
		{"no gap", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 33, Unit: "%"}, num(0), "0个百分点"},
		{"no gap to a target with decimals", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 0.5, Unit: "%"}, num(0), "0个百分点"},
		{"none", share, nil, Missing},
		{"not a number", share, num(math.NaN()), Missing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := GapOf(tt.ind, kpi.Evaluation{Gap: tt.gap}); got != tt.want {
				t.Errorf("GapOf(%v) = %q, want %q", tt.gap, got, tt.want)
			}
		})
	}
}
