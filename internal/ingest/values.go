package ingest

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Errors of ParseNumber, for errors.Is.
var (
	ErrEmpty     = errors.New("empty")
	ErrNotNumber = errors.New("not a number")
	ErrNotFinite = errors.New("not a finite number")
)

// ParseNumber reads a number as people type it: "44,700", full-width
// "４４７００", "33%", " 2.51 ". A trailing % is dropped (percent values are
// kept in percent points).
func ParseNumber(s string) (float64, error) {
	v, _, err := parseNumber(s)
	return v, err
}

// parseNumber also says whether the text carried a percent sign.
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
	t = strings.ReplaceAll(t, ",", "")
	t = strings.ReplaceAll(t, " ", "")
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

// ParsePeriod reads a period as people type it: 2021, 2021年, 2021Q3,
// 2021-Q3, 2021年第三季度, 2021年3季度, 2021-06, 2021/06, 2021.06, 2021年6月, 202106.
func ParsePeriod(s string) (kpi.Period, error) {
	if len(s) == 4 { // fast path: a year
		if y, err := strconv.Atoi(s); err == nil && y >= 1900 && y <= 2200 {
			return kpi.Period{Year: y}, nil
		}
	}
	t := strings.ReplaceAll(normalise(s), " ", "")
	bad := fmt.Errorf("报告期 %q 无法识别 / period %q not understood: write 2021, 2021-Q3 or 2021-06: %w", s, s, kpi.ErrInvalid)
	if len(t) < 4 {
		return kpi.Period{}, bad
	}
	y, err := strconv.Atoi(t[:4])
	if err != nil || t[0] == '+' || t[0] == '-' {
		return kpi.Period{}, bad
	}
	p := kpi.Period{Year: y}
	rest := t[4:]
	rest = strings.TrimPrefix(rest, "年")
	rest = strings.TrimPrefix(rest, "度") // 2021年度
	if rest == "" {
		if !p.Valid() {
			return kpi.Period{}, bad
		}
		return p, nil
	}
	if len(rest) == 2 && isDigits(rest) && len(t) == 6 { // 202106
		rest = "-" + rest
	}
	rest = strings.TrimLeft(rest, "-/.")
	switch {
	case strings.HasPrefix(rest, "Q") || strings.HasPrefix(rest, "q"):
		p.Quarter, err = smallNumber(rest[1:])
	case strings.HasSuffix(rest, "季度") || strings.HasSuffix(rest, "季"):
		r := strings.TrimSuffix(strings.TrimSuffix(rest, "度"), "季")
		p.Quarter, err = smallNumber(strings.TrimPrefix(r, "第"))
	case strings.HasSuffix(rest, "月"):
		p.Month, err = smallNumber(strings.TrimSuffix(rest, "月"))
		if p.Month == 0 {
			err = bad
		}
	default:
		p.Month, err = smallNumber(rest)
		if p.Month == 0 {
			err = bad
		}
	}
	if err != nil || !p.Valid() || (p.Quarter == 0 && p.Month == 0) {
		return kpi.Period{}, bad
	}
	return p, nil
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
