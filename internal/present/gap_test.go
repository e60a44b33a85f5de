package present

import (
	"math"
	"testing"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestGapOf: a growth line that failed with nothing to measure says what
// failed, not 差距0件.
func TestGapOf(t *testing.T) {
	grow := kpi.Indicator{Kind: kpi.KindIncrease, Unit: "件"}
	y := func(year int) []kpi.Period { return []kpi.Period{kpi.YearPeriod(year)} }
	tests := []struct {
		name string
		ev   kpi.Evaluation
		want string
	}{
		{"flat", kpi.Evaluation{Status: kpi.StatusLagging, Gap: num(0), Reason: kpi.ReasonFlat, ReasonPeriods: y(2020)}, "0件（2020年较上年持平）"},
		{"fell and rose again", kpi.Evaluation{Status: kpi.StatusDeteriorating, Gap: num(0), Reason: kpi.ReasonFell, ReasonPeriods: y(2020)}, "0件（2020年较上年下降）"},
		{"a year never reported", kpi.Evaluation{Status: kpi.StatusInsufficientData, Gap: num(0), Reason: kpi.ReasonYearsMissing, ReasonPeriods: y(2020)}, "0件（2020年未报送）"},
		{"a fall still measured", kpi.Evaluation{Status: kpi.StatusDeteriorating, Gap: num(10), Reason: kpi.ReasonFell, ReasonPeriods: y(2021)}, "10件"},
		{"rose", kpi.Evaluation{Status: kpi.StatusOnTrack, Gap: num(0)}, "0件"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := GapOf(grow, tt.ev); got != tt.want {
				t.Errorf("GapOf(%s) = %q, want %q", tt.ev.Reason, got, tt.want)
			}
		})
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
			if got := Gap(tt.ind, tt.gap); got != tt.want {
				t.Errorf("Gap(%v) = %q, want %q", tt.gap, got, tt.want)
			}
		})
	}
}
