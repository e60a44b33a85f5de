package present

import (
	"math"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// RequiredChange says the average change per year still required to reach
// the deciding bar by the deadline (kpi.AnnualChanges): "需年均增长8.5%",
// "需年均下降4.2%", "需年均增加7家", "需年均减少1.5万元", for a share in
// points "需年均提高0.41个百分点"; "—" when none is required or it cannot be
// computed. A count still required is rounded up:
// 6.5 more enterprises a year means 7.
func RequiredChange(ind kpi.Indicator, ev kpi.Evaluation) string {
	s := annualChange(ind, ev, ev.RequiredAnnualChange, true)
	if s == Missing {
		return s
	}
	return "需" + s
}

// AchievedChange says the average change per year from the baseline to the
// latest figure: "年均增长10.0%", "年均增加6家"; "—" when unknown.
func AchievedChange(ind kpi.Indicator, ev kpi.Evaluation) string {
	return annualChange(ind, ev, ev.AchievedAnnualChange, false)
}

// annualChange words a change per year, "—" when there is none.
func annualChange(ind kpi.Indicator, ev kpi.Evaluation, change *float64, roundUp bool) string {
	if change == nil || math.IsNaN(*change) || math.IsInf(*change, 0) {
		return Missing
	}
	v := *change
	if ev.ChangeIsRelative {
		word := "年均增长"
		if v < 0 {
			word = "年均下降"
		}
		return word + Fixed(math.Abs(v)*100, 1) + "%"
	}
	word, unit := "年均增加", ind.Unit
	if v < 0 {
		word = "年均减少"
	}
	if ind.IsPercent() {
		// A share rises and falls in points: 需年均提高0.41个百分点.
		word, unit = "年均提高", "个百分点"
		if v < 0 {
			word = "年均降低"
		}
	}
	a := math.Abs(v)
	if ind.IsCount() {
		if roundUp {
			// Whole things: 6.5 more a year means 7.
			return word + Fixed(math.Ceil(a-1e-9), 0) + ind.Unit
		}
		// An average of whole things so far: 4.5 a year, not 4 or 5.
		return word + Plain(math.Round(a*10)/10) + ind.Unit
	}
	return word + Fixed(a, ChangeDecimals(ind, ev, &a)) + unit
}

// ChangeDecimals is the precision of the absolute change per year change
// of ind evaluated as ev: AmountDecimals, the one precision of the gap
// beside it, widened while a change there is would print as 0.
func ChangeDecimals(ind kpi.Indicator, ev kpi.Evaluation, change *float64) int {
	d := AmountDecimals(ind, ev)
	if change != nil {
		d = apart(*change, 0, d, *change != 0)
	}
	return d
}

// RequiredAmount is the change per year still required as RequiredChange
// says it, as a number: a count's rounded up to whole things (6.5 more
// firms a year is 7), the sign kept; nil where none is required. The XLSX
// cell beside the words holds it.
func RequiredAmount(ind kpi.Indicator, ev kpi.Evaluation) *float64 {
	v := ev.RequiredAnnualChange
	if v == nil || ev.ChangeIsRelative || !ind.IsCount() {
		return v
	}
	r := math.Copysign(math.Ceil(math.Abs(*v)-1e-9), *v)
	return &r
}
