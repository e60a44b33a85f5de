// Package present says kpimon's facts the one way people read them: a
// figure in its indicator's precision, a value with its unit, a target in
// words, a China-time date, a period and a status word. The web page, the
// command line, the XLSX template, the catalog change log and the report
// all call it, so two places cannot word one fact differently.
//
// Display rule (docs/method.md, "How figures are printed"): a figure is
// shown with at least the decimals it was handed in with and the decimals
// its target is written with (at most four of its own), whole amounts
// without ".0" (38240元, 185工作日), and never equal to its target when the
// verdict differs from what equality would say: precision widens until
// they differ (32.96% against ≥33% is "32.96%", 32.99999 is "32.99999").
// A gap is never printed as 0 while there is one. Figures computed by
// kpimon (expected, projected, a change per year) are shown in the
// target's precision (Decimals). Counts (kpi.IsCount: 家, 个, 件 …) are
// whole; done-or-not lines say 已完成 or 未完成; ratios (progress, pace, shares of a
// ranking) one decimal: "113.0%".
//
// It imports internal/kpi and the standard library only.
package present

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Missing is what a figure that cannot be shown (absent, NaN, ±Inf) prints as.
const Missing = "—"

// maxDecimals bounds the decimals a figure's own writing adds; maxWiden
// bounds how far precision widens to tell a figure from its target.
const (
	maxDecimals = 4
	maxWiden    = 9
)

// Decimals returns the precision of figures kpimon computes for ind
// (expected, projected, a change per year): as many decimals as the
// catalog writes its target and baseline with, at most four; whole for
// counts and milestones (target 0.345 → 3, 2.51 → 2, 30万元 → 0).
func Decimals(ind kpi.Indicator) int {
	if ind.IsCount() || ind.Kind == kpi.KindMilestone || ind.Kind == kpi.KindContinuing {
		return 0
	}
	d := 0
	if ind.Kind == kpi.KindAtLeast || ind.Kind == kpi.KindAtMost {
		d = kpi.DecimalsWritten(ind.Target)
	}
	if ind.Baseline != nil {
		d = max(d, kpi.DecimalsWritten(ind.Baseline.Value))
	}
	return min(d, maxDecimals)
}

// FigureDecimals returns how many decimals the figure v of ind is shown
// with: its own (at most four) and its target's, more where fewer would
// print it equal to the bar written in the target (the target, or a
// tolerance band's floor) while its verdict differs from that bar's. The
// XLSX number format of a figure's cell uses it.
func FigureDecimals(ind kpi.Indicator, v float64) int {
	d := max(kpi.DecimalsWritten(v), Decimals(ind))
	if ind.Kind != kpi.KindAtLeast && ind.Kind != kpi.KindAtMost || math.IsNaN(v) || math.IsInf(v, 0) {
		return d
	}
	bars := []float64{ind.Target}
	if ind.Tolerance > 0 {
		bars = append(bars, kpi.DecidingBar(ind, ind.Target))
	}
	for _, bar := range bars {
		d = apart(v, bar, d, kpi.Meets(ind, v, ind.Target) != kpi.Meets(ind, bar, ind.Target))
	}
	return d
}

// apart widens d, up to maxWiden, until v and bar print differently, when
// differ says they must.
func apart(v, bar float64, d int, differ bool) int {
	for differ && d < maxWiden && Fixed(v, d) == Fixed(bar, d) {
		d++
	}
	return d
}

// Number prints the figure v of ind by the display rule, without unit:
// "652.83", "2.51", "38240", "32.96".
func Number(ind kpi.Indicator, v float64) string {
	return Fixed(v, FigureDecimals(ind, v))
}

// EstimateOf prints a figure kpimon computed for ind evaluated as ev
// (expected, projected), with the unit ("—" when p is nil), in ind's
// precision (Decimals) or the figures' (latest, baseline) where they carry
// more — a projection from 0.32% and 0.51% toward ≥0.5% is 0.51%, not
// 0.5% — counts whole.
func EstimateOf(ind kpi.Indicator, ev kpi.Evaluation, p *float64) string {
	if p == nil {
		return Missing
	}
	d := Decimals(ind)
	if !ind.IsCount() && !ind.IsDoneOrNot() {
		if ev.Actual != nil {
			d = max(d, kpi.DecimalsWritten(*ev.Actual))
		}
		if ev.Baseline != nil {
			d = max(d, kpi.DecimalsWritten(ev.Baseline.Value))
		}
		d = min(d, maxDecimals)
	}
	n := Fixed(*p, d)
	if n == Missing || ind.IsDoneOrNot() {
		return n
	}
	return n + ind.Unit
}

// Fixed prints v with exactly decimals decimals, "—" when v is not finite,
// never "-0".
func Fixed(v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Missing
	}
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-")
	}
	return s
}

// Plain prints a number the way a person writes it where no indicator gives
// a precision (a target in a change log, a setting): at most four decimals,
// trailing zeros dropped: 28, 2.51, 0.021.
func Plain(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Missing
	}
	r := math.Round(v*1e4) / 1e4
	if r == 0 {
		r = 0 // no "-0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// Large prints a big number the way Chinese text counts it, in 万, 亿 and
// 万亿 (a limit in a message, not a figure): 1e15 → "1000万亿",
// 2.5e8 → "2.5亿", 30000 → "3万"; below 10000 as Plain.
func Large(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return Missing
	case a >= 1e12:
		return Plain(v/1e12) + "万亿"
	case a >= 1e8:
		return Plain(v/1e8) + "亿"
	case a >= 1e4:
		return Plain(v/1e4) + "万"
	}
	return Plain(v)
}

// Value prints v with ind's unit as Chinese text writes it: "652.8件",
// "2.51%", "0.345吨标准煤/万元"; a done-or-not milestone, and a continuing
// line's year, as 已完成 or 未完成; a milestone in percent as "60%".
func Value(ind kpi.Indicator, v float64) string {
	if ind.IsDoneOrNot() {
		if v >= 1 {
			return "已完成"
		}
		return "未完成"
	}
	n := Number(ind, v)
	if n == Missing {
		return n
	}
	return n + ind.Unit
}

// OptValue is Value for an optional figure: "—" when p is nil. A
// done-or-not line's figure is 已完成 or 未完成 here too, as on the page.
func OptValue(ind kpi.Indicator, p *float64) string {
	if p == nil {
		return Missing
	}
	return Value(ind, *p)
}

// withUnit prints a target figure with the unit as the catalog writes it.
func withUnit(ind kpi.Indicator, v float64) string { return Plain(v) + ind.Unit }

// Target says what ind must reach, in words: "≥30家", ">40家" (突破, strict),
// "40家左右（≥38家）" (tolerance), "≤0.345吨标准煤/万元", "逐年增长",
// "较基期压缩10%以上（≤90项）", "较基期倍增（≥2400万元）", "完成", "每年完成".
// ev supplies the effective target of a reduce_by or multiply line once the
// baseline is known.
func Target(ind kpi.Indicator, ev kpi.Evaluation) string {
	switch ind.Kind {
	case kpi.KindAtLeast, kpi.KindAtMost:
		return compared(ind, ind.Target, withUnit)
	case kpi.KindIncrease:
		return "逐年增长"
	case kpi.KindReduceBy:
		s := "较基期压缩" + Plain(ind.Target) + "%以上"
		if ev.Target != nil {
			s += "（" + compared(ind, *ev.Target, computed) + "）"
		}
		return s
	case kpi.KindMultiply:
		s := "较基期增长到" + Plain(ind.Target) + "倍"
		if ind.Target == 2 {
			s = "较基期倍增"
		}
		if ev.Target != nil {
			s += "（" + compared(ind, *ev.Target, computed) + "）"
		}
		return s
	case kpi.KindMilestone:
		return "完成"
	case kpi.KindContinuing:
		return "每年完成"
	}
	return withUnit(ind, ind.Target)
}

// compared says a target compared with a number: ≥, ≤, > or < for a strict
// one, and with a tolerance "40家左右（≥38家）". show prints the number:
// withUnit for a target as the catalog writes it, computed for one computed
// from a baseline.
func compared(ind kpi.Indicator, target float64, show func(kpi.Indicator, float64) string) string {
	atMost := ind.Kind.LowerIsBetter()
	sign := "≥"
	switch {
	case atMost && ind.Strict:
		sign = "<"
	case atMost:
		sign = "≤"
	case ind.Strict:
		sign = ">"
	}
	if ind.Tolerance > 0 {
		bar := target * (1 - ind.Tolerance/100)
		if atMost {
			bar = target * (1 + ind.Tolerance/100)
		}
		return show(ind, target) + "左右（" + sign + computed(ind, bar) + "）"
	}
	return sign + show(ind, target)
}

// computed prints a bar computed from the catalog (a baseline × 0.9, a
// target less its tolerance) as the figure that meets it: a count whole and
// rounded toward meeting it (≤37.8份 is ≤37份, ≥33.25家 is ≥34家, as 38份
// misses 37.8 and 33家 misses 33.25); anything else exact to four decimals
// (≤111.06万元, not ≤111.1万元, which 111.1 would miss), at least in ind's
// precision.
func computed(ind kpi.Indicator, bar float64) string {
	scale := 1e4
	if ind.IsCount() {
		scale = 1
	}
	x := bar * scale
	switch r := math.Round(x); {
	case math.Abs(x-r) <= 1e-6: // 37.800000000000004 is 37.8; 0.95 × 40 is 38
		x = r
	case ind.Kind.LowerIsBetter() != ind.Strict:
		x = math.Floor(x) // ≤ and >: the largest whole step still meeting it
	default:
		x = math.Ceil(x)
	}
	return Reported(ind, x/scale)
}

// Reason says why an evaluation has its status where the status alone does
// not ("有年度较上一年度下降：2021年"); "" when there is no reason to give.
func Reason(ev kpi.Evaluation) string {
	if ev.Reason == "" {
		return ""
	}
	s := ev.Reason.Chinese()
	if s == "" {
		s = string(ev.Reason)
	}
	if len(ev.ReasonPeriods) == 0 {
		return s
	}
	if ev.Reason == kpi.ReasonNeverReported && len(ev.ReasonPeriods) == 2 {
		return s + "（应报" + PeriodRange(ev.ReasonPeriods[0], ev.ReasonPeriods[1]) + "数据）"
	}
	periods := make([]string, len(ev.ReasonPeriods))
	for i, p := range ev.ReasonPeriods {
		periods[i] = Period(p)
	}
	return s + "：" + strings.Join(periods, "、")
}

// Date prints t's day in China time: "2021年3月31日"; "" for the zero time.
func Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(kpi.China)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// DueDate prints the last day a figure may be handed in: a duty due at
// midnight China time is due by the end of the day before.
func DueDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return Date(dueDay(t))
}

// dueDay is t in China time, a midnight moved back into the day it ends.
func dueDay(t time.Time) time.Time {
	c := t.In(kpi.China)
	if c.Hour() == 0 && c.Minute() == 0 && c.Second() == 0 && c.Nanosecond() == 0 {
		c = c.Add(-time.Nanosecond)
	}
	return c
}

// DateTime prints an instant in China time to the minute the way the
// district's pages print a day: "2021年3月31日 14:05", so a row that shows
// when something was done beside when it is due reads one way.
func DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return Date(t) + " " + t.In(kpi.China).Format("15:04")
}

// Time prints an instant in China time to the minute: "2021-03-31 14:05"
// (command-line tables and logs; pages and alert text use DateTime).
func Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(kpi.China).Format("2006-01-02 15:04")
}

// Period prints p in words: "2021年", "2021年第三季度", "2021年6月".
func Period(p kpi.Period) string {
	switch {
	case p.Quarter >= 1 && p.Quarter <= 4:
		return fmt.Sprintf("%d年第%s季度", p.Year, quarterWords[p.Quarter-1])
	case p.Quarter != 0:
		return fmt.Sprintf("%d年第%d季度", p.Year, p.Quarter)
	case p.Month != 0:
		return fmt.Sprintf("%d年%d月", p.Year, p.Month)
	}
	return fmt.Sprintf("%d年", p.Year)
}

var quarterWords = [4]string{"一", "二", "三", "四"}

// PeriodRange prints the periods from a to b: "2019–2020年",
// "2019年第一季度–2020年第四季度", "2020年" when a is b.
func PeriodRange(a, b kpi.Period) string {
	switch {
	case a == b:
		return Period(a)
	case a.Frequency() == kpi.Annual && b.Frequency() == kpi.Annual:
		return fmt.Sprintf("%d–%d年", a.Year, b.Year)
	}
	return Period(a) + "–" + Period(b)
}

// Status is the word shown to people for s: 已达标, 进度滞后 …; the code
// itself for a status without a word.
func Status(s kpi.Status) string {
	if w := s.Chinese(); w != "" {
		return w
	}
	return string(s)
}

// Ratio prints a ratio as a percentage with one decimal, always: 1.13 →
// "113.0%", 1.555 → "155.5%", never "-0.0%"; "—" when absent.
func Ratio(p *float64) string {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return Missing
	}
	return Fixed(*p*100, 1) + "%"
}

// Reported prints a figure as it was handed in, with ind's unit: Value, as
// the display rule already keeps every decimal the figure carries (to
// four), so a receipt never hides what was stored: "652.83件".
func Reported(ind kpi.Indicator, v float64) string { return Value(ind, v) }

// FigureNote says what a receipt should add about a figure of period p
// of ind: for a period beyond the target's deadline, that it is kept for
// the report duty and not judged ("超出目标期限（2022年），计入报送记录，不计入
// 达标判断"); "" otherwise.
func FigureNote(ind kpi.Indicator, p kpi.Period) string {
	if !ind.BeyondDeadline(p) {
		return ""
	}
	return fmt.Sprintf("超出目标期限（%d年），计入报送记录，不计入达标判断", ind.Deadline)
}

// Result is the word for what a submission did to one figure (新增, 修订,
// 未变), as receipts say it.
func Result(result string) string {
	switch result {
	case kpi.ResultAdded:
		return "新增"
	case kpi.ResultRevised:
		return "修订"
	case kpi.ResultUnchanged:
		return "未变"
	}
	return result
}

// OutcomeResult is Result for one outcome of a receipt: a revision that
// changed only the figure's note (the same value with a new 说明, such as
// 统计局核定) is 说明已更新.
func OutcomeResult(o kpi.Outcome) string {
	if o.Result == kpi.ResultRevised && o.NoteRevised {
		return "说明已更新"
	}
	return Result(o.Result)
}
