package kpi

import (
	"fmt"
	"time"
)

// ParseAsOf reads an --as-of / ?as_of= date (2021-06-30) and returns the
// last second of that day in China time, the instant indicators are
// evaluated at "as of" the day.
func ParseAsOf(date string) (time.Time, error) {
	d, err := time.ParseInLocation("2006-01-02", date, China)
	if err != nil {
		return time.Time{}, fmt.Errorf("as-of date %q: want a date like 2021-06-30: %w", date, ErrInvalid)
	}
	return d.AddDate(0, 0, 1).Add(-time.Second), nil
}
