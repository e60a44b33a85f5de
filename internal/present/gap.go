package present

import (
	"strings"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Gap says how far a figure is from its target: in the indicator's unit
// ("9家", "0.030吨标准煤/万元"), and for a percentage in percentage points,
// as a circular writes the distance between two shares ("差距7.4个百分点",
// not "7.4%", which reads as a relative gap; a milestone in percent keeps
// "40%" still to do); "—" for nil. By the display rule: its own decimals
// and the target's, and never "0" while there is a gap (33 − 32.96 is
// "0.04个百分点").
func Gap(ind kpi.Indicator, gap *float64) string {
	if gap == nil {
		return Missing
	}
	if ind.Kind == kpi.KindMilestone {
		if ind.IsDoneOrNot() {
			return Number(ind, *gap) // what is left to do: 1
		}
		return Value(ind, *gap)
	}
	n := Fixed(*gap, GapDecimals(ind, *gap))
	if n == Missing {
		return n
	}
	if ind.IsPercent() {
		return n + "个百分点"
	}
	return n + ind.Unit
}

// GapDecimals is how many decimals Gap prints gap with: its own and the
// target's, more while a gap there is would print as 0.
func GapDecimals(ind kpi.Indicator, gap float64) int {
	if gap == 0 {
		return 0 // met: 0个百分点, not 0.0个百分点 against ≥0.5%
	}
	return apart(gap, 0, max(kpi.DecimalsWritten(gap), Decimals(ind)), true) // gap ≠ 0 here
}

// GapOf says how far an evaluation is from its target, as Gap does; where
// a growth line (逐年增长) falls short with no shortfall to measure, it adds
// what failed to the bare "0": "0件（2020年较上年持平）", "0件（2021年较上年
// 下降）", "0件（2020年未报送）".
func GapOf(ind kpi.Indicator, ev kpi.Evaluation) string {
	if ind.Kind != kpi.KindIncrease || ev.Gap != nil && *ev.Gap > 0 || len(ev.ReasonPeriods) == 0 {
		return Gap(ind, ev.Gap)
	}
	var what string
	switch ev.Reason {
	case kpi.ReasonFell:
		what = "较上年下降"
	case kpi.ReasonFlat:
		what = "较上年持平"
	case kpi.ReasonYearsMissing:
		what = "未报送"
	default:
		return Gap(ind, ev.Gap)
	}
	periods := make([]string, len(ev.ReasonPeriods))
	for i, p := range ev.ReasonPeriods {
		periods[i] = Period(p)
	}
	return Gap(ind, ev.Gap) + "（" + strings.Join(periods, "、") + what + "）"
}
