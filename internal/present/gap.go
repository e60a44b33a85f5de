package present

import (
	"math"
	"strings"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// GapOf says how far ind evaluated as ev is from its target, the one way
// every surface prints 差距:
//
//   - an amount in the indicator's unit ("9家", "0.030吨标准煤/万元"), for a
//     percentage in percentage points, as a circular writes the distance
//     between two shares ("7.4个百分点", not "7.4%", which reads as a
//     relative gap; a milestone in percent keeps "40%" still to do); in
//     AmountDecimals, and never "0" while there is a gap (33 − 32.96 is
//     "0.04个百分点");
//   - a done-or-not line in words: a milestone "已完成" or "未完成" (with
//     the stage due by now, "未完成（2021年应达：方案已起草）"), a
//     continuing line the years reported not done ("2021年未完成") or
//     "无未完成年度";
//   - a growth line (逐年增长) that failed says what failed and by how much
//     instead of a bare 0 beside the failure: "2020年较上年下降3件",
//     "2020年较上年未增长", "2020年未报送";
//   - a line missed because its final figure never came, with no shortfall
//     to measure: "2022年未报送".
//
// "—" when there is no gap to give.
func GapOf(ind kpi.Indicator, ev kpi.Evaluation) string {
	if ev.Gap == nil || math.IsNaN(*ev.Gap) || math.IsInf(*ev.Gap, 0) {
		return Missing
	}
	if s := gapWords(ind, ev); s != "" {
		return s
	}
	if ind.Kind == kpi.KindMilestone {
		return Value(ind, *ev.Gap) // a percent still to do: 40%
	}
	return amount(ind, *ev.Gap, GapDecimals(ind, ev))
}

// GapClause is the gap as a clause of a sentence (a circular's paragraph,
// an alert's summary): "差距9家" where GapOf gives an amount, GapOf's words
// alone where it says what failed ("2020年较上年下降7件", "2021年未完成"),
// and "" where there is nothing to add: no gap, or a done-or-not
// milestone, whose figure already says 未完成.
func GapClause(ind kpi.Indicator, ev kpi.Evaluation) string {
	gap := GapOf(ind, ev)
	switch {
	case gap == Missing || ind.Kind == kpi.KindMilestone && ind.IsDoneOrNot():
		return ""
	case GapAmount(ind, ev) == nil && ind.Kind != kpi.KindMilestone:
		return gap
	}
	return "差距" + gap
}

// GapAmount is the gap GapOf prints as a number in the indicator's unit
// (for a share in points), nil where GapOf says it in words (已完成,
// 2020年较上年下降3件 …). The XLSX cell beside the words holds it.
func GapAmount(ind kpi.Indicator, ev kpi.Evaluation) *float64 {
	if GapOf(ind, ev) == Missing || gapWords(ind, ev) != "" {
		return nil
	}
	return ev.Gap
}

// gapWords is the gap of a line that GapOf words instead of measuring; ""
// for one it measures.
func gapWords(ind kpi.Indicator, ev kpi.Evaluation) string {
	periods := func(what string) string {
		if len(ev.ReasonPeriods) == 0 {
			return ""
		}
		ps := make([]string, len(ev.ReasonPeriods))
		for i, p := range ev.ReasonPeriods {
			ps[i] = Period(p) + what
		}
		return strings.Join(ps, "、")
	}
	gap := *ev.Gap
	switch {
	case ev.Reason == kpi.ReasonFinalOverdue && gap == 0:
		return periods("未报送")
	case ind.Kind == kpi.KindContinuing:
		switch ev.Reason {
		case kpi.ReasonYearNotDone:
			return periods("未完成")
		case kpi.ReasonYearsMissing:
			return periods("未报送")
		}
		if gap == 0 {
			// No year reported not done: years may still be missing,
			// which the report duty and, at the end, the reason say.
			return "无未完成年度"
		}
		return Value(ind, 0)
	case ind.IsDoneOrNot():
		if gap > 0 {
			return "未完成" + stageDue(ind, ev)
		}
		return Value(ind, 1)
	case ind.Kind != kpi.KindIncrease:
		return ""
	}
	switch ev.Reason {
	case kpi.ReasonFell:
		if len(ev.Falls) != len(ev.ReasonPeriods) {
			return periods("较上年下降")
		}
		ps := make([]string, len(ev.ReasonPeriods))
		for i, p := range ev.ReasonPeriods {
			fall := ev.Falls[i]
			ps[i] = Period(p) + "较上年下降" + amount(ind, fall, apart(fall, 0, max(kpi.DecimalsWritten(fall), AmountDecimals(ind, ev)), true))
		}
		return strings.Join(ps, "、")
	case kpi.ReasonFlat:
		return periods("较上年未增长")
	case kpi.ReasonYearsMissing:
		return periods("未报送")
	}
	return ""
}

// stageDue names the stage a milestone not done should have reached by
// ev's instant, from its dated stages: "（2021年应达：方案已起草）"; ""
// without one due.
func stageDue(ind kpi.Indicator, ev kpi.Evaluation) string {
	var due *kpi.Stage
	for i, st := range ind.Stages {
		if !ev.AsOf.IsZero() && !st.Period.End().After(ev.AsOf) && (due == nil || st.Period.End().After(due.Period.End())) {
			due = &ind.Stages[i]
		}
	}
	if due == nil {
		return ""
	}
	what := due.Text
	if what == "" {
		what = "完成" + Plain(due.Percent) + "%"
	}
	return "（" + Period(due.Period) + "应达：" + what + "）"
}

// amount prints an amount of ind's unit with d decimals: a share's in
// percentage points.
func amount(ind kpi.Indicator, v float64, d int) string {
	n := Fixed(v, d)
	if n == Missing {
		return n
	}
	if ind.IsPercent() {
		return n + "个百分点"
	}
	return n + ind.Unit
}

// AmountDecimals is the one precision of the amounts a line says about ind
// evaluated as ev in the indicator's unit (in points for a share): the gap
// and the change per year, required and achieved. It is the decimals of
// the target, the deciding bar, the latest figure and the baseline, at most
// four, so 差距4.0个百分点 stands beside 需年均提高4.0个百分点 and never 4
// beside 4.0. Each amount widens on its own while it would print as 0.
func AmountDecimals(ind kpi.Indicator, ev kpi.Evaluation) int {
	d := Decimals(ind)
	for _, v := range []*float64{ev.Actual, ev.Bar} {
		if v != nil {
			d = max(d, kpi.DecimalsWritten(*v))
		}
	}
	if ev.Baseline != nil {
		d = max(d, kpi.DecimalsWritten(ev.Baseline.Value))
	}
	return min(d, maxDecimals)
}

// GapDecimals is how many decimals GapOf prints ev's gap with:
// AmountDecimals, more while a gap there is would print as 0; 0 for no
// gap or a met one (0个百分点, not 0.0个百分点 against ≥0.5%).
func GapDecimals(ind kpi.Indicator, ev kpi.Evaluation) int {
	if ev.Gap == nil || *ev.Gap == 0 {
		return 0
	}
	return apart(*ev.Gap, 0, AmountDecimals(ind, ev), true)
}
