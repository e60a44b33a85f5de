package kpi

import "time"

// FirstYear and LastYear bound the years kpimon reads: a period's, and a
// written day's (an as-of date, a catalog's reporting_from and stage days,
// an explanation's expected-by, a circular's 成文日期, --reporting.from).
// Wide enough for any plan, narrow enough that a slip such as 0221 or
// 20221 is refused rather than taken, and every day read has a valid
// Period.
const (
	FirstYear = 1900
	LastYear  = 2200
)

// DayForm says in Chinese how a day is written, for messages that refuse
// one and name where it came from ("成文日期“2021-7-5”无效：" + DayForm).
const DayForm = "应写作2021-06-30这样的日期，年份在1900至2200之间"

// ParseDay reads a day written 2021-06-30 (nothing around it) as its
// first instant in China time. Any other form, or a year outside
// FirstYear–LastYear, is an *Error (EINVALID) that says in Chinese what was
// read and how to write it. It is the one parser of written days.
func ParseDay(s string) (time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, s, China)
	if err != nil || d.Year() < FirstYear || d.Year() > LastYear {
		return time.Time{}, Errorf(EINVALID, "日期“%s”无效：%s", ExcerptN(s, 40), DayForm)
	}
	return d, nil
}

// ParseAsOf reads an as-of date (--as-of, ?as_of=, a circular's date) as
// the last second of that day in China time, the instant indicators are
// evaluated at "as of" the day: what was known that day counts. Errors are
// ParseDay's.
func ParseAsOf(s string) (time.Time, error) {
	d, err := ParseDay(s)
	if err != nil {
		return time.Time{}, err
	}
	return d.AddDate(0, 0, 1).Add(-time.Second), nil
}
