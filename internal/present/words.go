package present

import "github.com/yanfeng/kpimon/internal/kpi"

// The words of an indicator's definition, as the indicator page shows it.

// Kind words what a kind of indicator asks: "不低于目标", "逐年增长".
func Kind(k kpi.Kind) string {
	switch k {
	case kpi.KindAtLeast:
		return "不低于目标"
	case kpi.KindAtMost:
		return "不高于目标"
	case kpi.KindIncrease:
		return "逐年增长"
	case kpi.KindReduceBy:
		return "按比例压缩"
	case kpi.KindMultiply:
		return "较基期倍增"
	case kpi.KindMilestone:
		return "里程碑（完成 / 未完成，或完成百分比）"
	case kpi.KindContinuing:
		return "每年完成（每年报 1 完成 / 0 未完成）"
	}
	return string(k)
}

// Frequency words how often figures are reported: "每年", "每季度".
func Frequency(f kpi.Frequency) string {
	switch f {
	case kpi.Annual:
		return "每年"
	case kpi.Quarterly:
		return "每季度"
	case kpi.Monthly:
		return "每月"
	}
	return string(f)
}

// Measure words what a figure measures: "期末存量", "累计新增（自规划起始年）".
func Measure(m kpi.Measure) string {
	switch m {
	case kpi.MeasureLevel:
		return "期末存量"
	case kpi.MeasureCumulative:
		return "累计新增（自规划起始年）"
	}
	return string(m)
}
