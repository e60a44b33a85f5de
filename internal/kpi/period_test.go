package kpi_test

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/kpi"
)

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in   string
		want kpi.Period
		str  string // canonical form
	}{
		{"2021", kpi.Period{Year: 2021}, "2021"},
		{"2021-Q3", kpi.Period{Year: 2021, Quarter: 3}, "2021-Q3"},
		{"2021-q1", kpi.Period{Year: 2021, Quarter: 1}, "2021-Q1"},
		{"2021-06", kpi.Period{Year: 2021, Month: 6}, "2021-06"},
		{"2021-12", kpi.Period{Year: 2021, Month: 12}, "2021-12"},
		{"1900", kpi.Period{Year: 1900}, "1900"},
		{"2200-Q4", kpi.Period{Year: 2200, Quarter: 4}, "2200-Q4"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := kpi.ParsePeriod(tt.in)
			if err != nil {
				t.Fatalf("ParsePeriod(%q) error: %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParsePeriod(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
			if s := got.String(); s != tt.str {
				t.Errorf("ParsePeriod(%q).String() = %q, want %q", tt.in, s, tt.str)
			}
			// The canonical form parses back to the same period.
			again, err := kpi.ParsePeriod(got.String())
			if err != nil || again != got {
				t.Errorf("ParsePeriod(%q) = %#v, %v, want %#v", got.String(), again, err, got)
			}
		})
	}
}

func TestParsePeriodRejects(t *testing.T) {
	for _, in := range []string{
		"", "21", "20211", "2021-Q0", "2021-Q5", "2021-00", "2021-13", "2021-+3", "2021--1", "2021-Q+",
		"+202", "1899", "2201", "2021/06", "2021-6", "2021-Q03", "2021年", "abcd", "2021-H1", " 2021",
	} {
		t.Run(in, func(t *testing.T) {
			p, err := kpi.ParsePeriod(in)
			if !errors.Is(err, kpi.ErrInvalid) {
				t.Errorf("ParsePeriod(%q) = %v, %v; want an error wrapping ErrInvalid", in, p, err)
			}
		})
	}
}

func TestPeriodRoundTripEveryPeriod(t *testing.T) {
	for _, freq := range []kpi.Frequency{kpi.Annual, kpi.Quarterly, kpi.Monthly} {
		t.Run(string(freq), func(t *testing.T) {
			for p := kpi.FirstOfYear(2019, freq); p.Year < 2023; p = p.Next() {
				got, err := kpi.ParsePeriod(p.String())
				if err != nil || got != p {
					t.Fatalf("ParsePeriod(%q) = %#v, %v; want %#v", p.String(), got, err, p)
				}
				if p.Frequency() != freq {
					t.Errorf("%v.Frequency() = %s, want %s", p, p.Frequency(), freq)
				}
				if got := p.Next().Prev(); got != p {
					t.Errorf("%v.Next().Prev() = %v, want %v", p, got, p)
				}
				// Periods tile time: each starts where the one before ends.
				if !p.Next().Start().Equal(p.End()) {
					t.Errorf("%v.Next().Start() = %v, want %v.End() = %v", p, p.Next().Start(), p, p.End())
				}
				if !p.Before(p.Next()) || p.Next().Before(p) {
					t.Errorf("%v.Before(%v) wrong", p, p.Next())
				}
			}
		})
	}
}

func TestPeriodStartEnd(t *testing.T) {
	cst := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, kpi.China) }
	tests := []struct {
		period     string
		start, end time.Time
	}{
		{"2021", cst(2021, 1, 1), cst(2022, 1, 1)},
		{"2021-Q1", cst(2021, 1, 1), cst(2021, 4, 1)},
		{"2021-Q3", cst(2021, 7, 1), cst(2021, 10, 1)},
		{"2021-Q4", cst(2021, 10, 1), cst(2022, 1, 1)},
		{"2020-02", cst(2020, 2, 1), cst(2020, 3, 1)},
		{"2021-12", cst(2021, 12, 1), cst(2022, 1, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.period, func(t *testing.T) {
			p := period(t, tt.period)
			if got := p.Start(); !got.Equal(tt.start) {
				t.Errorf("%s.Start() = %v, want %v", tt.period, got, tt.start)
			}
			if got := p.End(); !got.Equal(tt.end) {
				t.Errorf("%s.End() = %v, want %v", tt.period, got, tt.end)
			}
		})
	}
	// China time: the end of 2021 is 16:00 UTC on 31 December.
	if got, want := kpi.DeadlineEnd(2021), time.Date(2021, 12, 31, 16, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("DeadlineEnd(2021) = %v, want %v", got, want)
	}
}

func TestPeriodNextPrev(t *testing.T) {
	tests := []struct{ p, next, prev string }{
		{"2021", "2022", "2020"},
		{"2021-Q1", "2021-Q2", "2020-Q4"},
		{"2021-Q4", "2022-Q1", "2021-Q3"},
		{"2021-01", "2021-02", "2020-12"},
		{"2021-12", "2022-01", "2021-11"},
	}
	for _, tt := range tests {
		t.Run(tt.p, func(t *testing.T) {
			p := period(t, tt.p)
			if got := p.Next().String(); got != tt.next {
				t.Errorf("%s.Next() = %s, want %s", tt.p, got, tt.next)
			}
			if got := p.Prev().String(); got != tt.prev {
				t.Errorf("%s.Prev() = %s, want %s", tt.p, got, tt.prev)
			}
		})
	}
}

func TestFirstOfYear(t *testing.T) {
	tests := []struct {
		freq kpi.Frequency
		want string
	}{
		{kpi.Annual, "2021"}, {kpi.Quarterly, "2021-Q1"}, {kpi.Monthly, "2021-01"}, {"", "2021"},
	}
	for _, tt := range tests {
		t.Run(string(tt.freq), func(t *testing.T) {
			if got := kpi.FirstOfYear(2021, tt.freq).String(); got != tt.want {
				t.Errorf("FirstOfYear(2021, %q) = %s, want %s", tt.freq, got, tt.want)
			}
		})
	}
}

func TestYearFraction(t *testing.T) {
	tests := []struct {
		name string
		t    time.Time
		want float64
	}{
		{"end of 2021", period(t, "2021").End(), 2022},
		{"end of 2021-Q3, by days", period(t, "2021-Q3").End(), 2021 + 273.0/365},
		{"end of 2020-02, a leap year", period(t, "2020-02").End(), 2020 + 60.0/366},
		{"noon on 2 January", time.Date(2021, 1, 2, 12, 0, 0, 0, kpi.China), 2021 + 1.5/365},
		{"UTC instants are read in China time", time.Date(2021, 12, 31, 16, 0, 0, 0, time.UTC), 2022},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := kpi.YearFraction(tt.t); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("YearFraction(%v) = %v, want %v", tt.t, got, tt.want)
			}
		})
	}
}

func TestPeriodJSON(t *testing.T) {
	type row struct {
		Period kpi.Period `json:"period"`
	}
	in := []row{{period(t, "2021")}, {period(t, "2021-Q3")}, {period(t, "2021-06")}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	if got, want := string(b), `[{"period":"2021"},{"period":"2021-Q3"},{"period":"2021-06"}]`; got != want {
		t.Errorf("json.Marshal = %s, want %s", got, want)
	}
	var out []row
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("json.Unmarshal: %v", err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("JSON round trip mismatch (-want +got):\n%s", diff)
	}
	var bad row
	if err := json.Unmarshal([]byte(`{"period":"2021-13"}`), &bad); !errors.Is(err, kpi.ErrInvalid) {
		t.Errorf("json.Unmarshal(2021-13) error = %v, want ErrInvalid", err)
	}
}

// TestPeriodEndedBy: a figure counts from the instant its period ends, the
// rule Evaluate applies and the web page's as-of tables reuse.
func TestPeriodEndedBy(t *testing.T) {
	asOf, err := kpi.ParseAsOf("2021-06-30") // 2021-06-30 23:59:59 China time
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		period string
		at     time.Time
		want   bool
	}{
		{"2020", asOf, true},
		// Ends at 2021-07-01 00:00, the end of the day as of 2021-06-30.
		{"2021-Q2", asOf, true},
		{"2021-Q2", asOf.Add(-time.Second), false},
		{"2021-Q2", asOf.Add(time.Second), true},
		{"2021-05", asOf, true},
		{"2021", asOf, false},
		{"2022", asOf, false},
	}
	for _, tt := range tests {
		p, err := kpi.ParsePeriod(tt.period)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.EndedBy(tt.at); got != tt.want {
			t.Errorf("%s.EndedBy(%s) = %v, want %v", tt.period, tt.at, got, tt.want)
		}
	}
}
