package kpi

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// China is the time zone periods and deadlines are reckoned in. China keeps
// no daylight saving time, so a fixed zone is exact and needs no tzdata.
var China = time.FixedZone("CST", 8*60*60)

// Period is a reporting period: a year, a quarter or a month. The zero
// Period is invalid. Exactly one of Quarter and Month may be non-zero.
type Period struct {
	Year    int
	Quarter int // 1..4, or 0
	Month   int // 1..12, or 0
}

// YearPeriod returns the annual period y.
func YearPeriod(y int) Period { return Period{Year: y} }

// Frequency returns the frequency the period belongs to.
func (p Period) Frequency() Frequency {
	switch {
	case p.Quarter != 0:
		return Quarterly
	case p.Month != 0:
		return Monthly
	}
	return Annual
}

// Valid reports whether p is a well-formed period.
func (p Period) Valid() bool {
	if p.Year < FirstYear || p.Year > LastYear {
		return false
	}
	if p.Quarter != 0 && p.Month != 0 {
		return false
	}
	return p.Quarter >= 0 && p.Quarter <= 4 && p.Month >= 0 && p.Month <= 12
}

// String returns the canonical form: 2021, 2021-Q3 or 2021-06.
func (p Period) String() string {
	switch {
	case p.Quarter != 0:
		return fmt.Sprintf("%04d-Q%d", p.Year, p.Quarter)
	case p.Month != 0:
		return fmt.Sprintf("%04d-%02d", p.Year, p.Month)
	}
	return fmt.Sprintf("%04d", p.Year)
}

// ParsePeriod parses the canonical forms 2021, 2021-Q3 and 2021-06. Lenient
// forms people type (2021年第三季度 …) are the ingest package's business.
func ParsePeriod(s string) (Period, error) {
	var p Period
	var err error
	switch {
	case len(s) == 4:
		p.Year, err = strconv.Atoi(s)
	case len(s) == 7 && s[4] == '-' && (s[5] == 'Q' || s[5] == 'q'):
		p.Year, err = strconv.Atoi(s[:4])
		if err == nil {
			p.Quarter, err = strconv.Atoi(s[6:])
		}
		if p.Quarter == 0 {
			err = fmt.Errorf("quarter 0")
		}
	case len(s) == 7 && s[4] == '-':
		p.Year, err = strconv.Atoi(s[:4])
		if err == nil {
			p.Month, err = strconv.Atoi(s[5:])
		}
		if p.Month == 0 {
			err = fmt.Errorf("month 0")
		}
	default:
		err = fmt.Errorf("unknown form")
	}
	// strconv.Atoi takes a sign: without this check "2021-+3" would be March.
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && i != 4 && !(i == 5 && (s[i] == 'Q' || s[i] == 'q')) {
			err = fmt.Errorf("not a digit at %d", i)
		}
	}
	if err != nil || !p.Valid() {
		return Period{}, fmt.Errorf("period %q: want 2021, 2021-Q3 or 2021-06: %w", s, ErrInvalid)
	}
	return p, nil
}

// Start returns the first instant of the period.
func (p Period) Start() time.Time {
	first, _ := p.months()
	return time.Date(p.Year, time.Month(first), 1, 0, 0, 0, 0, China)
}

// months is the calendar months p spans in its year: the first (1–12) and
// how many (12, 3 or 1).
func (p Period) months() (first, n int) {
	switch {
	case p.Quarter != 0:
		return 3*(p.Quarter-1) + 1, 3
	case p.Month != 0:
		return p.Month, 1
	}
	return 1, 12
}

// End returns the instant the period ends (the first instant of the next).
// A figure counts from the end of its period.
func (p Period) End() time.Time { return p.Next().Start() }

// Next returns the period after p of the same frequency.
func (p Period) Next() Period {
	switch {
	case p.Quarter != 0:
		if p.Quarter == 4 {
			return Period{Year: p.Year + 1, Quarter: 1}
		}
		return Period{Year: p.Year, Quarter: p.Quarter + 1}
	case p.Month != 0:
		if p.Month == 12 {
			return Period{Year: p.Year + 1, Month: 1}
		}
		return Period{Year: p.Year, Month: p.Month + 1}
	}
	return Period{Year: p.Year + 1}
}

// Prev returns the period before p of the same frequency.
func (p Period) Prev() Period {
	switch {
	case p.Quarter != 0:
		if p.Quarter == 1 {
			return Period{Year: p.Year - 1, Quarter: 4}
		}
		return Period{Year: p.Year, Quarter: p.Quarter - 1}
	case p.Month != 0:
		if p.Month == 1 {
			return Period{Year: p.Year - 1, Month: 12}
		}
		return Period{Year: p.Year, Month: p.Month - 1}
	}
	return Period{Year: p.Year - 1}
}

// Before reports whether p ends before q ends.
func (p Period) Before(q Period) bool { return p.End().Before(q.End()) }

// FirstOfYear returns the first period of year y at frequency f.
func FirstOfYear(y int, f Frequency) Period {
	switch f {
	case Quarterly:
		return Period{Year: y, Quarter: 1}
	case Monthly:
		return Period{Year: y, Month: 1}
	}
	return Period{Year: y}
}

// YearFraction returns t as a fractional year in China time:
// the end of 2021 is 2022.0, the end of 2021-Q3 is 2021.75 (by days).
func YearFraction(t time.Time) float64 {
	t = t.In(China)
	y := t.Year()
	start := time.Date(y, 1, 1, 0, 0, 0, 0, China)
	next := time.Date(y+1, 1, 1, 0, 0, 0, 0, China)
	return float64(y) + float64(t.Sub(start))/float64(next.Sub(start))
}

// DeadlineEnd returns the instant a deadline year ends.
func DeadlineEnd(year int) time.Time { return YearPeriod(year).End() }

// MarshalText encodes the period in its canonical form.
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText decodes a canonical period.
func (p *Period) UnmarshalText(b []byte) error {
	q, err := ParsePeriod(strings.TrimSpace(string(b)))
	if err != nil {
		return err
	}
	*p = q
	return nil
}
