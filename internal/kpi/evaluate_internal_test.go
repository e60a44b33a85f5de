package kpi

import "testing"

// periodBounds must agree with Period.Start and Period.End for every period
// a Period may hold.
func TestPeriodBounds(t *testing.T) {
	for _, freq := range []Frequency{Annual, Quarterly, Monthly} {
		t.Run(string(freq), func(t *testing.T) {
			for p := FirstOfYear(1900, freq); p.Year <= 2200; p = p.Next() {
				start, end := periodBounds(p)
				if want := p.Start().Unix(); start != want {
					t.Fatalf("periodBounds(%v) start = %d, want %d", p, start, want)
				}
				if want := p.End().Unix(); end != want {
					t.Fatalf("periodBounds(%v) end = %d, want %d", p, end, want)
				}
			}
		})
	}
}
