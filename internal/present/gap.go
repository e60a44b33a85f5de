package present

import "github.com/yanfeng/kpimon/internal/kpi"

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
		return OptValue(ind, gap)
	}
	n := Fixed(*gap, GapDecimals(ind, *gap))
	if n == Missing {
		return n
	}
	if ind.Unit == "%" {
		return n + "个百分点"
	}
	return n + ind.Unit
}

// GapDecimals is how many decimals Gap prints gap with: its own and the
// target's, more while a gap there is would print as 0.
func GapDecimals(ind kpi.Indicator, gap float64) int {
	return apart(gap, 0, max(decimalsOf(gap), Decimals(ind)), gap != 0)
}
