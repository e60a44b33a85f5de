package present

import "github.com/yanfeng/kpimon/internal/kpi"

// Gap says how far a figure is from its target: in the indicator's unit
// ("9家", "0.030吨标准煤/万元"), and for a percentage in percentage points,
// as a circular writes the distance between two shares ("差距7.4个百分点",
// not "7.4%", which reads as a relative gap; a milestone in percent keeps
// "40%" still to do); "—" for nil.
func Gap(ind kpi.Indicator, gap *float64) string {
	if gap == nil || ind.Unit != "%" || ind.Kind == kpi.KindMilestone {
		return OptValue(ind, gap)
	}
	n := Number(ind, *gap)
	if n == Missing {
		return n
	}
	return n + "个百分点"
}
