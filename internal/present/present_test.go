package present

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

func ptr(v float64) *float64 { return &v }

func TestNumber(t *testing.T) {
	energy := kpi.Indicator{Kind: kpi.KindAtMost, Target: 0.345, Unit: "吨标准煤/万元"}
	share := kpi.Indicator{Kind: kpi.KindAtLeast, Target: 2.51, Unit: "%"}
	money := kpi.Indicator{Kind: kpi.KindAtLeast, Target: 30, Unit: "万元"}
	firms := kpi.Indicator{Kind: kpi.KindAtLeast, Target: 30, Unit: "家"}
	fine := kpi.Indicator{Kind: kpi.KindAtLeast, Target: 0.123456, Unit: "%"}
	tests := []struct {
		name string
		ind  kpi.Indicator
		v    float64
		want string
	}{
		// kpimon status printed these two raw before present existed.
		{"float noise in a one-decimal figure", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 8.5, Unit: "%"}, 8.399999999999999, "8.4"},
		{"float noise in a gap", energy, 0.020999999999999963, "0.021"},
		{"target decimals", energy, 0.3, "0.300"},
		{"a figure's own decimals", share, 2.514, "2.514"},
		{"whole amounts without .0", money, 38240, "38240"},
		{"decimals as handed in, not rounded half-even", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 100, Unit: "人/万人"}, 104.25, "104.25"},
		{"counts", firms, 27, "27"},
		{"at most four of its own", fine, 0.1234567, "0.1235"},
		{"negative zero", share, -0.00001, "0.00"},
		{"negative", share, -3.5, "-3.50"},
		// A miss was rounded onto its target.
		{"a share just short of ≥33%", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 33, Unit: "%"}, 32.96, "32.96"},
		{"a rate just short of 13", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 13, Unit: "件/万人"}, 12.96, "12.96"},
		{"0.45% against 0.5%", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 0.5, Unit: "%"}, 0.45, "0.45"},
		{"a computed miss widens past four decimals", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 33, Unit: "%"}, 32.999999, "32.999999"},
		{"an at-most miss widens", kpi.Indicator{Kind: kpi.KindAtMost, Target: 0.345, Unit: "吨标准煤/万元"}, 0.34500002, "0.34500002"},
		{"a strict target met by a hair is not printed equal", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 2.5, Unit: "%", Strict: true}, 2.500001, "2.500001"},
		{"a strict target missed at equality stays equal", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 2.5, Unit: "%", Strict: true}, 2.5, "2.5"},
		{"short of a tolerance band's floor", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 33, Unit: "%", Tolerance: 5}, 31.349999, "31.349999"},
		{"a met figure is not widened", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 33, Unit: "%"}, 33.000001, "33"},
		{"NaN", share, math.NaN(), "—"},
		{"infinity", share, math.Inf(1), "—"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Number(tt.ind, tt.v); got != tt.want {
				t.Errorf("Number(%v, %v) = %q, want %q", tt.ind.Target, tt.v, got, tt.want)
			}
		})
	}
}

func TestValue(t *testing.T) {
	tests := []struct {
		name string
		ind  kpi.Indicator
		v    float64
		want string
	}{
		{"count", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 30, Unit: "件"}, 652, "652件"},
		{"percent", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 2.5, Unit: "%"}, 2.51, "2.51%"},
		{"whole money", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 100000, Unit: "万元"}, 85000, "85000万元"},
		{"whole days", kpi.Indicator{Kind: kpi.KindAtMost, Target: 180, Unit: "工作日"}, 185, "185工作日"},
		{"compound unit", kpi.Indicator{Kind: kpi.KindAtMost, Target: 0.345, Unit: "吨标准煤/万元"}, 0.345, "0.345吨标准煤/万元"},
		{"milestone done", kpi.Indicator{Kind: kpi.KindMilestone, Target: 1}, 1, "已完成"},
		{"milestone not done", kpi.Indicator{Kind: kpi.KindMilestone, Target: 1}, 0, "未完成"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Value(tt.ind, tt.v); got != tt.want {
				t.Errorf("Value(%v) = %q, want %q", tt.v, got, tt.want)
			}
		})
	}
	if got := OptValue(kpi.Indicator{Unit: "家"}, nil); got != "—" {
		t.Errorf("OptValue(nil) = %q, want —", got)
	}
	if got := OptValue(kpi.Indicator{Kind: kpi.KindAtLeast, Target: 30, Unit: "家"}, ptr(27)); got != "27家" {
		t.Errorf("OptValue(27) = %q, want 27家", got)
	}
	if got := EstimateOf(kpi.Indicator{Kind: kpi.KindAtLeast, Target: 30, Unit: "家"}, kpi.Evaluation{}, ptr(27.7)); got != "28家" {
		t.Errorf("EstimateOf(27.7) = %q, want 28家", got)
	}
	if got := EstimateOf(kpi.Indicator{Kind: kpi.KindAtLeast, Target: 2.51, Unit: "%"}, kpi.Evaluation{}, ptr(2.456789)); got != "2.46%" {
		t.Errorf("EstimateOf(2.456789) = %q, want 2.46%%", got)
	}
	// Computed figures carry the figures' decimals where they have more
	// than the target (docs/method.md §13): 0.32%, 0.51% toward ≥0.5%.
	share := kpi.Indicator{Kind: kpi.KindAtLeast, Target: 0.5, Unit: "%"}
	ev := kpi.Evaluation{Actual: ptr(0.51), Baseline: &kpi.Baseline{Value: 0.32}}
	if got := EstimateOf(share, ev, ptr(0.51)); got != "0.51%" {
		t.Errorf("EstimateOf(0.51) toward ≥0.5%% = %q, want 0.51%%", got)
	}
	if got := EstimateOf(kpi.Indicator{Kind: kpi.KindAtLeast, Target: 30, Unit: "家"}, kpi.Evaluation{Actual: ptr(21)}, ptr(27.7)); got != "28家" {
		t.Errorf("EstimateOf(27.7) of a count = %q, want 28家", got)
	}
	if got := EstimateOf(share, ev, nil); got != Missing {
		t.Errorf("EstimateOf(nil) = %q, want %s", got, Missing)
	}
}

func TestReported(t *testing.T) {
	ind := kpi.Indicator{Kind: kpi.KindAtLeast, Target: 30, Unit: "万元"}
	tests := []struct {
		v    float64
		want string
	}{
		{652.83, "652.83万元"},
		{652, "652万元"},
		{0.1 + 0.2, "0.3万元"},
		{1.234567, "1.2346万元"},
	}
	for _, tt := range tests {
		if got := Reported(ind, tt.v); got != tt.want {
			t.Errorf("Reported(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func num(v float64) *float64 { return &v }

func TestReason(t *testing.T) {
	tests := []struct {
		name string
		ev   kpi.Evaluation
		want string
	}{
		{"none", kpi.Evaluation{}, ""},
		{"without periods", kpi.Evaluation{Reason: kpi.ReasonNeedTwoFigures}, kpi.ReasonNeedTwoFigures.Chinese()},
		{"never reported, the periods asked for", kpi.Evaluation{Reason: kpi.ReasonNeverReported, ReasonPeriods: []kpi.Period{kpi.YearPeriod(2019), kpi.YearPeriod(2020)}}, "完成时限已过，应报数据从未报送（应报2019–2020年数据）"},
		{"never reported, quarters", kpi.Evaluation{Reason: kpi.ReasonNeverReported, ReasonPeriods: []kpi.Period{{Year: 2019, Quarter: 1}, {Year: 2020, Quarter: 4}}}, "完成时限已过，应报数据从未报送（应报2019年第一季度–2020年第四季度数据）"},
		{"with periods", kpi.Evaluation{Reason: kpi.ReasonFell, ReasonPeriods: []kpi.Period{kpi.YearPeriod(2021), {Year: 2022, Quarter: 1}}}, "有年度较上一年度下降：2021年、2022年第一季度"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Reason(tt.ev); got != tt.want {
				t.Errorf("Reason(%v) = %q, want %q", tt.ev.Reason, got, tt.want)
			}
		})
	}
}

func TestTarget(t *testing.T) {
	baseline := &kpi.Baseline{Period: kpi.YearPeriod(2019), Value: 100}
	tests := []struct {
		name string
		ind  kpi.Indicator
		ev   kpi.Evaluation
		want string
	}{
		{"at least in a count", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 30, Unit: "家"}, kpi.Evaluation{}, "≥30家"},
		{"at least in percent", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 33, Unit: "%"}, kpi.Evaluation{}, "≥33%"},
		{"at most", kpi.Indicator{Kind: kpi.KindAtMost, Target: 0.345, Unit: "吨标准煤/万元"}, kpi.Evaluation{}, "≤0.345吨标准煤/万元"},
		{"increase", kpi.Indicator{Kind: kpi.KindIncrease, Unit: "件"}, kpi.Evaluation{}, "逐年增长"},
		{"reduce by without baseline", kpi.Indicator{Kind: kpi.KindReduceBy, Target: 10, Unit: "项"}, kpi.Evaluation{}, "较基期压缩10%以上"},
		{"reduce by with baseline", kpi.Indicator{Kind: kpi.KindReduceBy, Target: 10, Unit: "项"}, kpi.Evaluation{Target: num(90), Baseline: baseline}, "较基期压缩10%以上（≤90项）"},
		{"reduce by, exact beyond the indicator's precision", kpi.Indicator{Kind: kpi.KindReduceBy, Target: 10, Unit: "万元", Baseline: &kpi.Baseline{Value: 123.4}}, kpi.Evaluation{Target: num(111.06), Baseline: baseline}, "较基期压缩10%以上（≤111.06万元）"},
		{"reduce by in the indicator's precision", kpi.Indicator{Kind: kpi.KindReduceBy, Target: 10, Unit: "工作日"}, kpi.Evaluation{Target: num(15 * 0.9), Baseline: baseline}, "较基期压缩10%以上（≤13.5工作日）"},
		{"reduce by a count: 38份 would miss 37.8", kpi.Indicator{Kind: kpi.KindReduceBy, Target: 10, Unit: "份"}, kpi.Evaluation{Target: num(42 * (1 - 10.0/100)), Baseline: baseline}, "较基期压缩10%以上（≤37份）"},
		{"reduce by a count, whole already", kpi.Indicator{Kind: kpi.KindReduceBy, Target: 10, Unit: "个"}, kpi.Evaluation{Target: num(20 * (1 - 10.0/100)), Baseline: baseline}, "较基期压缩10%以上（≤18个）"},
		{"multiply a count: 15家 would miss 15.2", kpi.Indicator{Kind: kpi.KindMultiply, Target: 1.6, Unit: "家"}, kpi.Evaluation{Target: num(9.5 * 1.6)}, "较基期增长到1.6倍（≥16家）"},
		{"tolerance in a count: 33家 would miss 33.25", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 35, Unit: "家", Tolerance: 5}, kpi.Evaluation{}, "35家左右（≥34家）"},
		{"tolerance at most in a count", kpi.Indicator{Kind: kpi.KindAtMost, Target: 35, Unit: "家", Tolerance: 5}, kpi.Evaluation{}, "35家左右（≤36家）"},
		{"tolerance in percent, exact", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 33, Unit: "%", Tolerance: 5}, kpi.Evaluation{}, "33%左右（≥31.35%）"},
		{"strict at least (突破)", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 40, Unit: "家", Strict: true}, kpi.Evaluation{}, ">40家"},
		{"tolerance (左右)", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 40, Unit: "家", Tolerance: 5}, kpi.Evaluation{}, "40家左右（≥38家）"},
		{"multiply without baseline", kpi.Indicator{Kind: kpi.KindMultiply, Target: 2, Unit: "万元"}, kpi.Evaluation{}, "较基期倍增"},
		{"multiply with baseline", kpi.Indicator{Kind: kpi.KindMultiply, Target: 2, Unit: "万元", Baseline: &kpi.Baseline{Value: 1200.5}}, kpi.Evaluation{Target: num(2401)}, "较基期倍增（≥2401.0万元）"},
		{"multiply by three", kpi.Indicator{Kind: kpi.KindMultiply, Target: 3, Unit: "万元"}, kpi.Evaluation{}, "较基期增长到3倍"},
		{"milestone", kpi.Indicator{Kind: kpi.KindMilestone, Target: 1}, kpi.Evaluation{}, "完成"},
		{"continuing", kpi.Indicator{Kind: kpi.KindContinuing, Target: 1, Unit: "项"}, kpi.Evaluation{}, "每年完成"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Target(tt.ind, tt.ev); got != tt.want {
				t.Errorf("Target(%v) = %q, want %q", tt.ind.Kind, got, tt.want)
			}
		})
	}
}

func TestDates(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"date", Date(time.Date(2021, 3, 31, 12, 0, 0, 0, kpi.China)), "2021年3月31日"},
		{"date in UTC shown in China time", Date(time.Date(2021, 3, 31, 17, 0, 0, 0, time.UTC)), "2021年4月1日"},
		{"zero date", Date(time.Time{}), ""},
		{"midnight is due by the day before", DueDate(time.Date(2022, 3, 2, 0, 0, 0, 0, kpi.China)), "2022年3月1日"},
		{"due during the day", DueDate(time.Date(2022, 3, 2, 17, 0, 0, 0, kpi.China)), "2022年3月2日"},
		{"due in UTC, shown in China time", DueDate(time.Date(2022, 3, 1, 16, 0, 0, 0, time.UTC)), "2022年3月1日"},
		{"zero due date", DueDate(time.Time{}), ""},
		{"time", Time(time.Date(2021, 3, 31, 6, 5, 0, 0, time.UTC)), "2021-03-31 14:05"},
		{"date and time, as a page prints a day", DateTime(time.Date(2021, 3, 31, 16, 5, 0, 0, time.UTC)), "2021年4月1日 00:05"},
		{"zero date and time", DateTime(time.Time{}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestWords(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"year", Period(kpi.YearPeriod(2021)), "2021年"},
		{"quarter", Period(kpi.Period{Year: 2021, Quarter: 3}), "2021年第三季度"},
		{"month", Period(kpi.Period{Year: 2021, Month: 6}), "2021年6月"},
		{"status", Status(kpi.StatusLagging), "进度滞后"},
		{"unknown status", Status("odd"), "odd"},
		{"ratio to one decimal", Ratio(ptr(1.555556)), "155.6%"},
		{"whole ratio keeps its decimal beside others", Ratio(ptr(1.13)), "113.0%"},
		{"ratio never -0", Ratio(ptr(-0.0001)), "0.0%"},
		{"absent ratio", Ratio(nil), "—"},
		{"plain", Plain(0.1 + 0.2), "0.3"},
		{"plain four places", Plain(0.331234), "0.3312"},
		{"plain negative zero", Plain(-0.00001), "0"},
		{"plain large", Plain(44700), "44700"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestResult(t *testing.T) {
	for result, want := range map[string]string{kpi.ResultAdded: "新增", kpi.ResultRevised: "修订", kpi.ResultUnchanged: "未变", "other": "other"} {
		if got := Result(result); got != want {
			t.Errorf("Result(%q) = %q, want %q", result, got, want)
		}
	}
}

// TestOutcomeResult: a revision that changed only the note says so
// (说明已更新); every other outcome says its result.
func TestOutcomeResult(t *testing.T) {
	for _, tt := range []struct {
		o    kpi.Outcome
		want string
	}{
		{kpi.Outcome{Result: kpi.ResultRevised, NoteRevised: true}, "说明已更新"},
		{kpi.Outcome{Result: kpi.ResultRevised}, "修订"},
		{kpi.Outcome{Result: kpi.ResultAdded}, "新增"},
		{kpi.Outcome{Result: kpi.ResultUnchanged}, "未变"},
	} {
		if got := OutcomeResult(tt.o); got != tt.want {
			t.Errorf("OutcomeResult(%+v) = %q, want %q", tt.o, got, tt.want)
		}
	}
}

// TestDueDateIsACalendarRule: every year's figure is due by 31 March, the
// leap year 2020 too (a 90-day count said 3月30日).
func TestDueDateIsACalendarRule(t *testing.T) {
	ind := kpi.Indicator{DueDays: 90, Frequency: kpi.Annual}
	for _, year := range []int{2019, 2020, 2021, 2022, 2023} {
		if got, want := DueDate(ind.DueAt(kpi.YearPeriod(year))), fmt.Sprintf("%d年3月31日", year+1); got != want {
			t.Errorf("the %d figure is due by %s, want %s", year, got, want)
		}
	}
	quarterly := kpi.Indicator{DueDays: 15, Frequency: kpi.Quarterly}
	if got := DueDate(quarterly.DueAt(kpi.Period{Year: 2021, Quarter: 3})); got != "2021年10月15日" {
		t.Errorf("2021-Q3 with 15 days is due by %s, want 2021年10月15日", got)
	}
}

func TestLarge(t *testing.T) {
	for _, tt := range []struct {
		v    float64
		want string
	}{
		{1e15, "1000万亿"}, {-1e15, "-1000万亿"}, {2.5e8, "2.5亿"}, {1e12, "1万亿"},
		{30000, "3万"}, {12345, "1.2345万"}, {9999, "9999"}, {0, "0"}, {math.Inf(1), Missing},
	} {
		if got := Large(tt.v); got != tt.want {
			t.Errorf("Large(%g) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
