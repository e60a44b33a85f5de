package main

import (
	"testing"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestFlagDaysAreDays: --reporting.from and --as-of take a day exactly when
// kpi.ParseDay does, at the same instants as the server.
func TestFlagDaysAreDays(t *testing.T) {
	for _, day := range []string{"2021-06-30", "1900-01-01", "2200-12-31", "1899-12-31", "2201-01-01", "2021-6-30"} {
		want, dayErr := kpi.ParseDay(day)
		from, err := parseReportingFrom(day)
		if (err != nil) != (dayErr != nil) || !from.Equal(want) {
			t.Errorf("--reporting.from %s = %v, %v; ParseDay: %v, %v", day, from, err, want, dayErr)
		}
		wantEnd, _ := kpi.ParseAsOf(day)
		clock, err := clockFor(day)
		if (err != nil) != (dayErr != nil) || (err == nil && !clock().Equal(wantEnd)) {
			t.Errorf("--as-of %s: %v; ParseAsOf: %v, ParseDay: %v", day, err, wantEnd, dayErr)
		}
	}
}
