package kpi_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/yanfeng/kpimon/internal/kpi"
)

func TestCountedSeriesIsWhatEvaluateJudges(t *testing.T) {
	plan := kpi.Plan{ID: "p", StartYear: 2019}
	ind := kpi.Indicator{
		Plan: "p", ID: "firms", Unit: "家", Kind: kpi.KindAtLeast,
		Measure: kpi.MeasureCumulative, Target: 40, Deadline: 2021, Frequency: kpi.Annual,
	}
	period := func(s string) kpi.Period {
		p, err := kpi.ParsePeriod(s)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	var obs []kpi.Observation
	for _, f := range []struct {
		period string
		value  float64
	}{{"2018", 7}, {"2019", 10}, {"2020-Q1", 3}, {"2020-Q2", 3}, {"2020-Q3", 3}, {"2020-Q4", 3}, {"2020", 12}, {"2021", 5}, {"2022", 9}} {
		obs = append(obs, kpi.Observation{Plan: "p", Indicator: "firms", Period: period(f.period), Value: f.value})
	}
	now := time.Date(2022, 6, 30, 0, 0, 0, 0, kpi.China)
	got := kpi.CountedSeries(plan, ind, obs, now)
	// 2018 is before the plan, 2020's quarters lie inside 2020, 2022 is after the deadline.
	want := []kpi.CountedFigure{{Period: period("2019"), Value: 10}, {Period: period("2020"), Value: 22}, {Period: period("2021"), Value: 27}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CountedSeries (-want +got):\n%s", diff)
	}
	ev := kpi.Evaluate(plan, ind, obs, now)
	if ev.Actual == nil || *ev.Actual != got[len(got)-1].Value {
		t.Errorf("Evaluate actual = %v, want the series' last value %v", ev.Actual, got[len(got)-1].Value)
	}
	path := kpi.ExpectedPath(ind, ev)
	if len(path) != 2 || path[0].Value != ev.Baseline.Value || path[1].Value != *ev.Target {
		t.Errorf("ExpectedPath = %v, want baseline %v to target %v", path, ev.Baseline.Value, *ev.Target)
	}
	if p := ev.ExpectedProgress(); p == nil || *p != 1 {
		t.Errorf("ExpectedProgress after the deadline = %v, want 1", p)
	}
}
