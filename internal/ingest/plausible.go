package ingest

import (
	"fmt"
	"strings"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// plausibleMultiple is how far above its target (or baseline, when that is
// larger) a count may be before it is taken for a typo: 高新技术企业 2020 =
// 999999999 against a target of 30 is nine digits too many, and would turn
// every board green. A district's count rarely passes its five-year target
// tenfold; one that truly does is confirmed and stored.
const plausibleMultiple = 10

// How the submitter keeps a figure the rules doubt.
const (
	confirmAdviceZh = "如确属实，请确认后重新提交（表格加“确认”列填“是”；网页勾选“确认”）"
	confirmAdviceEn = "if it is right, confirm it and submit again: a 确认 (confirm) column saying 是, \"confirm\": true in JSON, or the page's 确认 box"
)

// checkPlausible refuses, unless the row confirms it, a figure above the
// indicator's catalog max, or a count above plausibleMultiple times its
// target. The message asks the submitter to check (请核实).
func checkPlausible(r *row, ind *kpi.Indicator, period kpi.Period, value float64, bad func(column, fld, value, expected, msg string)) bool {
	if r.Confirm {
		return true
	}
	if ind.Max != nil && value > *ind.Max {
		bad(r.col.value, "value", r.Value,
			fmt.Sprintf("不超过 %s%s\nat most %s %s", present.Number(*ind, *ind.Max), ind.Unit, present.Number(*ind, *ind.Max), ind.Unit),
			"数值超过该指标的合理上限，请核实单位和位数；"+confirmAdviceZh+
				"\nabove the indicator's plausible maximum: check the unit and the digits; "+confirmAdviceEn)
		return false
	}
	if fractionOfAPercent(r, ind, value) {
		pct := present.Number(*ind, value*100)
		bad(r.col.value, "value", r.Value,
			fmt.Sprintf("百分数，如 %s 或 %s%%\na percentage such as %s or %s%%", pct, pct, pct, pct),
			fmt.Sprintf("数值远小于目标（目标 %s%%），像是把百分数写成了小数（%s 应写作 %s 或 %s%%），请核实；%s\n"+
				"far below the target (%s%%), as if the percentage were written as a fraction (%s for %s%%): check it; %s",
				present.Number(*ind, ind.Target), r.Value, pct, pct, confirmAdviceZh, present.Number(*ind, ind.Target), r.Value, pct, confirmAdviceEn))
		return false
	}
	if limit, ok := countLimit(ind); ok && value > limit {
		bad(r.col.value, "value", r.Value,
			fmt.Sprintf("不超过目标的 %d 倍（%s%s）\nat most %d times the target (%s %s)",
				plausibleMultiple, present.Number(*ind, limit), ind.Unit, plausibleMultiple, present.Number(*ind, limit), ind.Unit),
			fmt.Sprintf("数值远超目标（目标 %s%s），请核实；%s\nfar above the target (%s %s): check the unit and the digits; %s",
				present.Number(*ind, ind.Target), ind.Unit, confirmAdviceZh, present.Number(*ind, ind.Target), ind.Unit, confirmAdviceEn))
		return false
	}
	return true
}

// countLimit is the largest count a figure of ind may be without being
// confirmed; false when the rule does not apply (not a count, a target
// that is not a number of things — a cut in percent, a milestone — or a
// catalog max, which says what is plausible instead).
func countLimit(ind *kpi.Indicator) (float64, bool) {
	if !ind.IsCount() || ind.Target <= 0 || ind.Max != nil {
		return 0, false
	}
	switch ind.Kind {
	case kpi.KindAtLeast, kpi.KindAtMost:
	default:
		return 0, false
	}
	ref := ind.Target
	if ind.Baseline != nil && ind.Baseline.Value > ref {
		ref = ind.Baseline.Value
	}
	return ref * plausibleMultiple, true
}

// fractionOfAPercent reports whether a share's figure looks like its
// percentage written as a fraction: 0.33 for 33% (what a spreadsheet holds
// in a percent-styled cell, pasted as a value or exported). It applies to
// a figure written without a % sign, between 0 and 1, and at most a
// twentieth of the share's target (or baseline, if larger): 0.33 against
// 33%, 0.0251 against 2.51%.
func fractionOfAPercent(r *row, ind *kpi.Indicator, value float64) bool {
	if !ind.IsPercent() || ind.Target <= 0 || strings.ContainsAny(r.Value, "%％") || value <= 0 || value >= 1 {
		return false
	}
	switch ind.Kind {
	case kpi.KindAtLeast, kpi.KindAtMost:
	default:
		return false
	}
	ref := ind.Target
	if ind.Baseline != nil && ind.Baseline.Value > ref {
		ref = ind.Baseline.Value
	}
	return value <= ref/20
}
