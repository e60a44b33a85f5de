package ingest

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Errors of ParseNumber, for errors.Is.
var (
	ErrEmpty     = errors.New("empty")
	ErrNotNumber = errors.New("not a number")
	ErrNotFinite = errors.New("not a finite number")
	// ErrComma is a comma that is not a thousands separator: "1,5",
	// "2,5%", "1.234,56", "12,34". It may be a decimal comma, so the
	// number is refused rather than guessed.
	ErrComma = errors.New("ambiguous comma")
)

// parseNumber reads a number as people type it: "44,700", full-width
// "４４７００", "33%", " 2.51 ". A trailing % is dropped (percent values are
// kept in percent points). A comma is a thousands separator only in the
// integer part, after one to three digits, and followed by exactly three
// digits each time ("1,234,567.5"); any other comma is ErrComma, since
// "1,5" is 1.5 to much of the world and 15 to strconv.
// It also says whether the text carried a percent sign.
func parseNumber(s string) (v float64, percent bool, err error) {
	// Fast path: plain decimal numbers, what machines write.
	if plainDecimal(s) {
		if v, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(v, 0) {
			return v, false, nil
		}
	}
	t := normalise(s)
	if t == "" {
		return 0, false, ErrEmpty
	}
	if strings.HasSuffix(t, "%") {
		percent = true
		t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	}
	t = strings.ReplaceAll(t, " ", "")
	if strings.Contains(t, ",") {
		if !thousandsGrouped(t) {
			return 0, percent, ErrComma
		}
		t = strings.ReplaceAll(t, ",", "")
	}
	if t == "" || strings.ContainsAny(t, "xXpP_") { // no hex floats or Go digit separators
		return 0, percent, ErrNotNumber
	}
	v, err = strconv.ParseFloat(t, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return 0, percent, ErrNotFinite
		}
		return 0, percent, ErrNotNumber
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, percent, ErrNotFinite
	}
	return v, percent, nil
}

// thousandsGrouped reports whether every comma of t separates thousands:
// t's integer part (after an optional sign, before a point or exponent) is
// one to three digits, then groups of a comma and three digits, and no
// comma comes after it.
func thousandsGrouped(t string) bool {
	if t != "" && (t[0] == '+' || t[0] == '-') {
		t = t[1:]
	}
	end := strings.IndexAny(t, ".eE")
	if end < 0 {
		end = len(t)
	}
	if strings.Contains(t[end:], ",") {
		return false
	}
	groups := strings.Split(t[:end], ",")
	for i, g := range groups {
		switch {
		case !isDigits(g):
			return false
		case i == 0 && len(g) > 3:
			return false
		case i > 0 && len(g) != 3:
			return false
		}
	}
	return true
}

// commaAdvice tells a submitter how to write a number whose comma is
// ambiguous: "1,5" → 1.5 (or 15), "1.234,56" → 1234.56.
func commaAdvice(value string) string {
	t := strings.ReplaceAll(normalise(value), " ", "")
	t = strings.TrimSuffix(t, "%")
	asDecimal := strings.ReplaceAll(t, ".", "")
	if i := strings.LastIndex(asDecimal, ","); i >= 0 {
		asDecimal = strings.ReplaceAll(asDecimal[:i], ",", "") + "." + asDecimal[i+1:]
	}
	asWhole := strings.ReplaceAll(t, ",", "")
	asDecimal, asWhole = kpi.ExcerptN(asDecimal, 40), kpi.ExcerptN(asWhole, 40)
	return fmt.Sprintf("数值中的逗号有歧义：小数请用小数点（如 %s），千位分隔只用于每三位数字之前（如 1,500），也可以不写逗号（如 %s）\n"+
		"the comma is ambiguous: write decimals with a point (%s); a thousands comma must be followed by exactly three digits (1,500), or leave it out (%s)",
		asDecimal, asWhole, asDecimal, asWhole)
}

// plainDecimal reports whether s is digits with an optional sign, point and
// exponent: no hex, no underscores, no words like NaN.
func plainDecimal(s string) bool {
	digits := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits = true
		case c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E':
		default:
			return false
		}
	}
	return digits && s[0] != 'e' && s[0] != 'E'
}

// normalise folds full-width characters to their narrow forms, maps the
// Chinese comma and full stop people type in numbers, and trims spaces.
func normalise(s string) string {
	if !isASCII(s) {
		s = width.Fold.String(s)
		s = strings.NewReplacer("，", ",", "。", ".", "\u00a0", " ").Replace(s)
	}
	return strings.TrimSpace(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// ParsePeriod reads a period as people type it: 2021, 2021年, 2021年末,
// 2021Q3, 2021-Q3, 2021年第三季度, 2021年3季度, 2021-06, 2021/06, 2021.06,
// 2021年6月, 2021年6月底, 202106. A full date (2021/6/1, 2021-06-30, 2021年6月1日) and Excel's
// Jun-21 count as their month: spreadsheets turn a typed month into a date.
// An indicator's figure reads its period with PeriodFor, where a date
// stands for the year or quarter it ends.
func ParsePeriod(s string) (kpi.Period, error) {
	p, _, err := parseDated(s)
	return p, err
}

// PeriodFor reads the period of a figure of an indicator reported at freq,
// as ParsePeriod does, except that a date stands for the period it ends: a
// figure is a level as it stood then. 2021-12-31 is the year 2021 of an
// annual indicator, the quarter 2021-Q4 of a quarterly one and the month
// 2021-12 of a monthly one. A monthly indicator takes any date as its month
// (a spreadsheet stores a typed 2021-06 as 2021-06-01). Another date is
// refused (a *DateError) saying which period to write.
func PeriodFor(s string, freq kpi.Frequency) (kpi.Period, error) {
	p, day, err := parseDated(s)
	if err != nil || day == 0 {
		return p, err
	}
	end := time.Date(p.Year, time.Month(p.Month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	switch freq {
	case kpi.Annual, "":
		if p.Month == 12 && day == end {
			return kpi.Period{Year: p.Year}, nil
		}
		return kpi.Period{}, &DateError{Frequency: kpi.Annual, Period: kpi.Period{Year: p.Year}}
	case kpi.Quarterly:
		q := kpi.Period{Year: p.Year, Quarter: (p.Month-1)/3 + 1}
		if p.Month%3 == 0 && day == end {
			return q, nil
		}
		return kpi.Period{}, &DateError{Frequency: kpi.Quarterly, Period: q}
	}
	return p, nil
}

// DateError is a date that ends no period of its indicator's frequency:
// 2021-06-30 for an annual indicator. Period is the one the date falls in,
// which the submitter most likely means.
type DateError struct {
	Frequency kpi.Frequency
	Period    kpi.Period
}

func (e *DateError) Error() string {
	return fmt.Sprintf("a date stands for a %s period only at its end: write %s", e.Frequency, e.Period)
}

// Unwrap makes a DateError an invalid input (kpi.ErrInvalid).
func (e *DateError) Unwrap() error { return kpi.ErrInvalid }

// Expected says what to write instead, in Chinese and English.
func (e *DateError) Expected() string {
	last := e.Period.End().AddDate(0, 0, -1).Format("2006-01-02")
	if e.Frequency == kpi.Quarterly {
		return fmt.Sprintf("%s，或季末日期 %s\n%s, or the quarter's last day %s", e.Period, last, e.Period, last)
	}
	return fmt.Sprintf("%s，或年末日期 %s\n%s, or the year's last day %s", e.Period, last, e.Period, last)
}

// Message says why the date is refused, in Chinese and English.
func (e *DateError) Message() string {
	if e.Frequency == kpi.Quarterly {
		return "该指标按季度报送，日期只有季末（3月31日、6月30日、9月30日、12月31日）才代表该季度\n" +
			"this indicator is reported quarterly: only a quarter's last day (03-31, 06-30, 09-30, 12-31) stands for the quarter"
	}
	return "该指标按年度报送，日期只有年末（12月31日）才代表该年\nthis indicator is reported annually: only a year's last day (12-31) stands for the year"
}

// parseDated is ParsePeriod keeping the day of a full date (0 for none).
func parseDated(s string) (kpi.Period, int, error) {
	if len(s) == 4 { // fast path: a year
		if y, err := strconv.Atoi(s); err == nil && y >= kpi.FirstYear && y <= kpi.LastYear {
			return kpi.Period{Year: y}, 0, nil
		}
	}
	t := strings.ReplaceAll(normalise(s), " ", "")
	bad := fmt.Errorf("报告期 %q 无法识别\nperiod %q not understood: write 2021, 2021-Q3 or 2021-06: %w", s, s, kpi.ErrInvalid)
	if p, ok := englishMonth(t); ok { // Jun-21, what English Excel shows for a typed month
		return p, 0, nil
	}
	if len(t) < 4 {
		return kpi.Period{}, 0, bad
	}
	y, err := strconv.Atoi(t[:4])
	if err != nil || t[0] == '+' || t[0] == '-' {
		return kpi.Period{}, 0, bad
	}
	p := kpi.Period{Year: y}
	rest := t[4:]
	rest = strings.TrimPrefix(rest, "年")
	rest = strings.TrimPrefix(rest, "度") // 2021年度
	// 2020年末, 2021年6月底, 2021年三季度末: a level as it stood at the
	// period's end, which is what the period's figure is.
	if r, ok := strings.CutSuffix(rest, "末"); ok {
		rest = r
	} else if r, ok := strings.CutSuffix(rest, "底"); ok {
		rest = r
	}
	if rest == "" {
		if !p.Valid() {
			return kpi.Period{}, 0, bad
		}
		return p, 0, nil
	}
	if len(rest) == 2 && isDigits(rest) && len(t) == 6 { // 202106
		rest = "-" + rest
	}
	rest = strings.TrimLeft(rest, "-/.")
	month, day := stripDay(rest) // a full date counts as its month here
	if day != 0 {
		rest = month
	}
	p.Quarter, p.Month, err = quarterOrMonth(rest)
	if err != nil || !p.Valid() || (p.Quarter == 0 && p.Month == 0) || (day != 0 && p.Month == 0) {
		return kpi.Period{}, 0, bad
	}
	return p, day, nil
}

// quarterOrMonth reads what follows a period's year: Q3, 第三季度, 3季,
// 6月, 06. A month of 0 is an error.
func quarterOrMonth(rest string) (quarter, month int, err error) {
	switch {
	case strings.HasPrefix(rest, "Q") || strings.HasPrefix(rest, "q"):
		quarter, err = smallNumber(rest[1:])
		return quarter, 0, err
	case strings.HasSuffix(rest, "季度") || strings.HasSuffix(rest, "季"):
		r := strings.TrimSuffix(strings.TrimSuffix(rest, "度"), "季")
		quarter, err = smallNumber(strings.TrimPrefix(r, "第"))
		return quarter, 0, err
	}
	month, err = smallNumber(strings.TrimSuffix(rest, "月"))
	if err == nil && month == 0 {
		err = ErrNotNumber
	}
	return 0, month, err
}

// stripDay returns the month part and the day of "6-1", "06/01", "6.1" or
// "6月1日"; the day is 0 where rest is no such date.
func stripDay(rest string) (string, int) {
	if r, ok := strings.CutSuffix(rest, "日"); ok {
		if month, day, ok := strings.Cut(r, "月"); ok {
			return month + "月", dayOf(day)
		}
		return "", 0
	}
	if i := strings.IndexAny(rest, "-/."); i > 0 && i <= 2 && isDigits(rest[:i]) {
		return rest[:i], dayOf(rest[i+1:])
	}
	return "", 0
}

// dayOf reads a day of the month, 1 to 31; 0 if s is none.
func dayOf(s string) int {
	if len(s) > 2 || !isDigits(s) {
		return 0
	}
	d, _ := strconv.Atoi(s)
	if d < 1 || d > 31 {
		return 0
	}
	return d
}

var englishMonths = map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}

// englishMonth reads "Jun-21" or "Jun-2021".
func englishMonth(t string) (kpi.Period, bool) {
	if len(t) != 6 && len(t) != 8 || t[3] != '-' {
		return kpi.Period{}, false
	}
	m, ok := englishMonths[strings.ToLower(t[:3])]
	if !ok || !isDigits(t[4:]) {
		return kpi.Period{}, false
	}
	y, _ := strconv.Atoi(t[4:])
	if len(t) == 6 {
		y += 2000
	}
	p := kpi.Period{Year: y, Month: m}
	return p, p.Valid()
}

var chineseNumerals = map[string]int{
	"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
	"十一": 11, "十二": 12, "两": 2,
}

// smallNumber reads 1..12 in digits or Chinese numerals.
func smallNumber(s string) (int, error) {
	if n, ok := chineseNumerals[s]; ok {
		return n, nil
	}
	if s == "" || len(s) > 2 || !isDigits(s) {
		return 0, ErrNotNumber
	}
	return strconv.Atoi(s)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
