package ingest

import (
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/kpi"
)

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr error
	}{
		{"30", 30, nil},
		{"44,700", 44700, nil},
		{"４４７００", 44700, nil},
		{"４４，７００", 44700, nil},
		{"33%", 33, nil},
		{"３３％", 33, nil},
		{" 2.51 ", 2.51, nil},
		{"1,234.5", 1234.5, nil},
		{"-3", -3, nil},
		{"0.331", 0.331, nil},
		{"１２．５", 12.5, nil},
		{"", 0, ErrEmpty},
		{"   ", 0, ErrEmpty},
		{"abc", 0, ErrNotNumber},
		{"12家", 0, ErrNotNumber},
		{"NaN", 0, ErrNotFinite},
		{"Inf", 0, ErrNotFinite},
		{"-Inf", 0, ErrNotFinite},
		{"1e999", 0, ErrNotFinite},
		{"0x1p3", 0, ErrNotNumber},
		{"1-2", 0, ErrNotNumber},
		{"1_000", 0, ErrNotNumber},
		{"%", 0, ErrNotNumber},
		// A comma separates thousands only before exactly three digits.
		{"1,500", 1500, nil},
		{"1,234,567.5", 1234567.5, nil},
		{"-12,345", -12345, nil},
		{"２，５００", 2500, nil},
		{"1,5", 0, ErrComma},
		{"2,5%", 0, ErrComma},
		{"1.234,56", 0, ErrComma},
		{"12,34", 0, ErrComma},
		{"1,2345", 0, ErrComma},
		{"1234,567", 0, ErrComma},
		{"1,234,5", 0, ErrComma},
		{",500", 0, ErrComma},
		{"1,500.5,5", 0, ErrComma},
		{"１，５", 0, ErrComma},
		{"1,,500", 0, ErrComma},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseNumber(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseNumber(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Errorf("ParseNumber(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in   string
		want kpi.Period
		ok   bool
	}{
		{"2021", kpi.Period{Year: 2021}, true},
		{"2021年", kpi.Period{Year: 2021}, true},
		{"2021年度", kpi.Period{Year: 2021}, true},
		{"2020年末", kpi.Period{Year: 2020}, true},
		{"2019年底", kpi.Period{Year: 2019}, true},
		{"2021年6月末", kpi.Period{Year: 2021, Month: 6}, true},
		{"2021年三季度末", kpi.Period{Year: 2021, Quarter: 3}, true},
		{"2021末", kpi.Period{Year: 2021}, true},
		{"末", kpi.Period{}, false},
		{"2021年末末", kpi.Period{}, false},
		{"２０２１", kpi.Period{Year: 2021}, true},
		{"2021Q3", kpi.Period{Year: 2021, Quarter: 3}, true},
		{"2021-Q3", kpi.Period{Year: 2021, Quarter: 3}, true},
		{"2021-q1", kpi.Period{Year: 2021, Quarter: 1}, true},
		{"2021年第三季度", kpi.Period{Year: 2021, Quarter: 3}, true},
		{"2021年第3季度", kpi.Period{Year: 2021, Quarter: 3}, true},
		{"2021年三季度", kpi.Period{Year: 2021, Quarter: 3}, true},
		{"2021年Q4", kpi.Period{Year: 2021, Quarter: 4}, true},
		{"2021-06", kpi.Period{Year: 2021, Month: 6}, true},
		{"2021-6", kpi.Period{Year: 2021, Month: 6}, true},
		{"2021/06", kpi.Period{Year: 2021, Month: 6}, true},
		{"2021.06", kpi.Period{Year: 2021, Month: 6}, true},
		{"2021年6月", kpi.Period{Year: 2021, Month: 6}, true},
		{"2021年十二月", kpi.Period{Year: 2021, Month: 12}, true},
		{"202106", kpi.Period{Year: 2021, Month: 6}, true},
		{"2021/6/1", kpi.Period{Year: 2021, Month: 6}, true},
		{"2021-06-30", kpi.Period{Year: 2021, Month: 6}, true},
		{"2021年6月1日", kpi.Period{Year: 2021, Month: 6}, true},
		{"Jun-21", kpi.Period{Year: 2021, Month: 6}, true},
		{"dec-2020", kpi.Period{Year: 2020, Month: 12}, true},
		{"2021-06-32", kpi.Period{}, false},
		{"Foo-21", kpi.Period{}, false},
		{" 2021 ", kpi.Period{Year: 2021}, true},
		{"", kpi.Period{}, false},
		{"21", kpi.Period{}, false},
		{"2021-Q5", kpi.Period{}, false},
		{"2021-13", kpi.Period{}, false},
		{"2021-00", kpi.Period{}, false},
		{"2021年第五季度", kpi.Period{}, false},
		{"去年", kpi.Period{}, false},
		{"-2021", kpi.Period{}, false},
		{"2021-Q3-01", kpi.Period{}, false},
		{"1800", kpi.Period{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePeriod(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParsePeriod(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if tt.ok && got != tt.want {
				t.Errorf("ParsePeriod(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if !tt.ok && !errors.Is(err, kpi.ErrInvalid) {
				t.Errorf("ParsePeriod(%q) error %v does not wrap kpi.ErrInvalid", tt.in, err)
			}
		})
	}
}

// Reference forms of a number written in ASCII: plain digits with an
// optional point and exponent, or the integer part grouped by thousands
// commas. A trailing % and spaces are allowed around either.
var (
	refPlain   = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)
	refGrouped = regexp.MustCompile(`^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?([eE][+-]?[0-9]+)?$`)
)

// referenceNumber says what ParseNumber should make of an ASCII string:
// its value, or the error it must return.
func referenceNumber(s string) (float64, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	t = strings.ReplaceAll(t, " ", "")
	if t == "" {
		if strings.TrimSpace(s) == "" {
			return 0, ErrEmpty
		}
		return 0, ErrNotNumber
	}
	switch {
	case refPlain.MatchString(t):
	case refGrouped.MatchString(t):
		t = strings.ReplaceAll(t, ",", "")
	case strings.Contains(t, ",") && refPlain.MatchString(strings.ReplaceAll(t, ",", "")):
		return 0, ErrComma // a number but for its commas: refused as ambiguous
	default:
		return 0, ErrNotNumber
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, ErrNotFinite
	}
	return v, nil
}

// FuzzParseNumber checks ParseNumber against referenceNumber on ASCII
// input (comma forms included), and on any input that it never returns a
// non-finite number without an error.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"44,700", "４４７００", "33%", " 2.51 ", "NaN", "1e999", "-0", "１２．５", "%", ",,,",
		"1,5", "2,5%", "1.234,56", "1,234,567.89", "12,34", "+1,000", "-1,000e3", "1 000", ".5", "5.", "1,000.", "0x10", "1_000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, _, err := parseNumber(s)
		if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
			t.Fatalf("parseNumber(%q) = %v with no error", s, v)
		}
		if !isASCII(s) || strings.ContainsAny(s, "\t\n\v\f\r") {
			return // full-width forms fold to these; the table tests cover them
		}
		want, wantErr := referenceNumber(s)
		switch {
		case wantErr == nil && err != nil:
			t.Fatalf("parseNumber(%q) error %v, reference reads %v", s, err, want)
		case wantErr == nil && v != want:
			t.Fatalf("parseNumber(%q) = %v, reference reads %v", s, v, want)
		case wantErr != nil && err == nil:
			t.Fatalf("parseNumber(%q) = %v, reference refuses it (%v)", s, v, wantErr)
		case errors.Is(wantErr, ErrComma) && !errors.Is(err, ErrComma):
			t.Fatalf("parseNumber(%q) error %v, want ErrComma", s, err)
		}
	})
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2021", "2021年", "2021Q3", "2021-Q3", "2021年第三季度", "2021-06", "2021年6月", "202106", "2021年十二月", "２０２１", "2021/6/1", "Jun-21"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			return
		}
		if !p.Valid() {
			t.Fatalf("ParsePeriod(%q) = %+v, not a valid period", s, p)
		}
		// The canonical form parses back to the same period.
		q, err := ParsePeriod(p.String())
		if err != nil || q != p {
			t.Fatalf("ParsePeriod(%q) = %v; its canonical form %q parses to %v, %v", s, p, p.String(), q, err)
		}
	})
}

// TestPeriodFor: a date stands for the period of the indicator's frequency
// that it ends. On main 2021-12-31 was read as the month 2021-12 and an
// annual indicator refused it.
func TestPeriodFor(t *testing.T) {
	tests := []struct {
		in       string
		freq     kpi.Frequency
		want     kpi.Period
		dateWant string // a *DateError naming this period
	}{
		{"2021-12-31", kpi.Annual, kpi.Period{Year: 2021}, ""},
		{"2021/12/31", kpi.Annual, kpi.Period{Year: 2021}, ""},
		{"2021年12月31日", kpi.Annual, kpi.Period{Year: 2021}, ""},
		{"2021-12-31", "", kpi.Period{Year: 2021}, ""},
		{"2021-06-30", kpi.Annual, kpi.Period{}, "2021"},
		{"2021-12-30", kpi.Annual, kpi.Period{}, "2021"},
		{"2022-01-01", kpi.Annual, kpi.Period{}, "2022"},
		{"2021-12-31", kpi.Quarterly, kpi.Period{Year: 2021, Quarter: 4}, ""},
		{"2021-03-31", kpi.Quarterly, kpi.Period{Year: 2021, Quarter: 1}, ""},
		{"2021/6/30", kpi.Quarterly, kpi.Period{Year: 2021, Quarter: 2}, ""},
		{"2021年9月30日", kpi.Quarterly, kpi.Period{Year: 2021, Quarter: 3}, ""},
		{"2021-09-29", kpi.Quarterly, kpi.Period{}, "2021-Q3"},
		{"2021-08-31", kpi.Quarterly, kpi.Period{}, "2021-Q3"},
		{"2021-07-01", kpi.Quarterly, kpi.Period{}, "2021-Q3"},
		{"2021-06-30", kpi.Monthly, kpi.Period{Year: 2021, Month: 6}, ""},
		{"2021-06-01", kpi.Monthly, kpi.Period{Year: 2021, Month: 6}, ""}, // a typed month, as a spreadsheet stores it
		{"2024-02-29", kpi.Monthly, kpi.Period{Year: 2024, Month: 2}, ""},
		// Not dates: as ParsePeriod reads them; the frequency check is the caller's.
		{"2021", kpi.Annual, kpi.Period{Year: 2021}, ""},
		{"2021-Q3", kpi.Quarterly, kpi.Period{Year: 2021, Quarter: 3}, ""},
		{"2021-06", kpi.Annual, kpi.Period{Year: 2021, Month: 6}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in+"/"+string(tt.freq), func(t *testing.T) {
			got, err := PeriodFor(tt.in, tt.freq)
			var de *DateError
			if tt.dateWant != "" {
				if !errors.As(err, &de) || de.Period.String() != tt.dateWant || !errors.Is(err, kpi.ErrInvalid) {
					t.Fatalf("PeriodFor(%q, %q) = %v, %v; want a *DateError naming %s", tt.in, tt.freq, got, err, tt.dateWant)
				}
				if !strings.HasPrefix(de.Expected(), tt.dateWant+"，") {
					t.Errorf("Expected() = %q, want it to start with %s", de.Expected(), tt.dateWant)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("PeriodFor(%q, %q) = %v, %v; want %v", tt.in, tt.freq, got, err, tt.want)
			}
		})
	}
	// Not a date at all: the ordinary error, no DateError.
	if _, err := PeriodFor("2021-06-32", kpi.Annual); err == nil || errors.As(err, new(*DateError)) {
		t.Errorf("PeriodFor(2021-06-32) error = %v, want a period not understood", err)
	}
}
