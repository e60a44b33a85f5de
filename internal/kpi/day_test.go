package kpi_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestParseDay: the one parser of written days takes 2021-06-30 forms in
// the years FirstYear–LastYear, midnight China time, and refuses anything
// else with an EINVALID error that quotes the text and says how to write it.
func TestParseDay(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time // zero: refused
	}{
		{"2021-06-30", time.Date(2021, 6, 30, 0, 0, 0, 0, kpi.China)},
		{"1900-01-01", time.Date(1900, 1, 1, 0, 0, 0, 0, kpi.China)},
		{"2200-12-31", time.Date(2200, 12, 31, 0, 0, 0, 0, kpi.China)},
		{"1899-12-31", time.Time{}},
		{"2201-01-01", time.Time{}},
		{"0021-06-30", time.Time{}},
		{"9999-01-01", time.Time{}},
		{"2021-6-30", time.Time{}},
		{"2021/06/30", time.Time{}},
		{"2021-02-30", time.Time{}},
		{" 2021-06-30", time.Time{}},
		{"2021-06-30T00:00:00+08:00", time.Time{}},
		{"明年", time.Time{}},
		{"", time.Time{}},
	}
	for _, tt := range tests {
		got, err := kpi.ParseDay(tt.in)
		if tt.want.IsZero() {
			if kpi.ErrorCode(err) != kpi.EINVALID || !strings.Contains(err.Error(), kpi.DayForm) || !strings.Contains(err.Error(), "“"+tt.in+"”") {
				t.Errorf("ParseDay(%q) = %v, %v; want EINVALID quoting it and saying %s", tt.in, got, err, kpi.DayForm)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) || got.Location() != kpi.China {
			t.Errorf("ParseDay(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// TestParseDayEchoesAnExcerpt: a long refused text is quoted as kpi's one
// excerpt (ExcerptN), not whole.
func TestParseDayEchoesAnExcerpt(t *testing.T) {
	long := strings.Repeat("二〇二一年", 1000)
	_, err := kpi.ParseDay(long)
	if err == nil || !strings.Contains(err.Error(), "“"+kpi.ExcerptN(long, 40)+"”") || len(err.Error()) > 400 {
		t.Errorf("ParseDay(%d bytes) = %v; want it quoted as ExcerptN(s, 40)", len(long), err)
	}
}

// TestDayBoundsAreOne: the years a written day may have are the years a
// period may have, and the words that refuse a day say those years.
func TestDayBoundsAreOne(t *testing.T) {
	for _, y := range []int{kpi.FirstYear - 1, kpi.FirstYear, kpi.LastYear, kpi.LastYear + 1} {
		_, err := kpi.ParseDay(strconv.Itoa(y) + "-07-01")
		dayOK := err == nil
		if periodOK := kpi.YearPeriod(y).Valid(); dayOK != periodOK {
			t.Errorf("year %d: day valid %v, period valid %v", y, dayOK, periodOK)
		}
	}
	for _, y := range []int{kpi.FirstYear, kpi.LastYear} {
		if !strings.Contains(kpi.DayForm, strconv.Itoa(y)) {
			t.Errorf("DayForm %q does not name the bound %d", kpi.DayForm, y)
		}
	}
}

// TestParseAsOf: an as-of day is its last second in China time, and its
// errors are ParseDay's.
func TestParseAsOf(t *testing.T) {
	got, err := kpi.ParseAsOf("2021-06-30")
	if want := time.Date(2021, 6, 30, 23, 59, 59, 0, kpi.China); err != nil || !got.Equal(want) {
		t.Errorf("ParseAsOf(2021-06-30) = %v, %v; want %v", got, err, want)
	}
	for _, s := range []string{"2201-01-01", "2021-6-30", "yesterday"} {
		_, err := kpi.ParseAsOf(s)
		_, dayErr := kpi.ParseDay(s)
		if err == nil || dayErr == nil || err.Error() != dayErr.Error() {
			t.Errorf("ParseAsOf(%q) = %v; want ParseDay's error %v", s, err, dayErr)
		}
	}
}

// TestExpectedByIsADay: an explanation's expected-by date is accepted
// exactly when ParseDay accepts it (it once had bounds of its own,
// 2000–2100), and refused with the day's form.
func TestExpectedByIsADay(t *testing.T) {
	for _, s := range []string{"1900-01-01", "1999-12-31", "2150-06-30", "2200-12-31", "2201-01-01", "1899-12-31", "2021-6-30"} {
		_, err := kpi.ParseDay(s)
		in := kpi.ExplanationInput{Reason: "a", Measures: "b", ExpectedBy: s}
		ps := in.Check()
		if refused := len(ps) > 0; refused != (err != nil) {
			t.Errorf("expected_by %q: problems %v, ParseDay error %v; want them to agree", s, ps, err)
		}
		if len(ps) > 0 && (ps[0].Field != "expected_by" || !strings.Contains(ps[0].Message, kpi.DayForm)) {
			t.Errorf("expected_by %q: problem %+v, want expected_by saying %s", s, ps[0], kpi.DayForm)
		}
	}
}
