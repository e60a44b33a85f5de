package report

import (
	"math"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/chart"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// The indicator chart draws the figures the evaluation judged: where
// quarterly figures are left from before a change to annual reporting, the
// annual figure of that year is the one that counts, in the chart as in the
// verdict (2019 = 10, 2020 = 12 and four 2020 quarters of 3 sum to 22, not 34).
func TestIndicatorChartDrawsTheJudgedSeries(t *testing.T) {
	plan := kpi.Plan{ID: "p", StartYear: 2019}
	ind := kpi.Indicator{
		Plan: "p", ID: "firms", Name: "新增企业", Unit: "家", Kind: kpi.KindAtLeast,
		Measure: kpi.MeasureCumulative, Target: 22, Deadline: 2022, Frequency: kpi.Annual,
	}
	var obs []kpi.Observation
	add := func(period string, v float64) {
		p, err := kpi.ParsePeriod(period)
		if err != nil {
			t.Fatal(err)
		}
		obs = append(obs, kpi.Observation{Plan: "p", Indicator: "firms", Period: p, Value: v})
	}
	add("2019", 10)
	for _, q := range []string{"2020-Q1", "2020-Q2", "2020-Q3", "2020-Q4"} {
		add(q, 3)
	}
	add("2020", 12)
	now := time.Date(2021, 6, 30, 0, 0, 0, 0, kpi.China)
	ev := kpi.Evaluate(plan, ind, obs, now)
	if ev.Actual == nil || *ev.Actual != 22 {
		t.Fatalf("Evaluate: actual %v, want 22", ev.Actual)
	}
	scene := IndicatorChart(kpi.State{Plan: &plan, Indicator: &ind, Latest: obs, Evaluation: ev}, nil)

	var markers []chart.Point
	targetY := math.NaN()
	for _, sh := range scene.Shapes {
		switch {
		case sh.Kind == chart.KindCircle && sh.Fill == present.DefaultLights().Of(ev.Status).Color():
			markers = append(markers, sh.Points[0])
		case sh.Kind == chart.KindLine && sh.Stroke == targetColor:
			targetY = sh.Points[0].Y
		}
	}
	if len(markers) != 2 {
		t.Fatalf("chart has %d figure markers, want 2 (2019 and 2020): %v", len(markers), markers)
	}
	// The target is 22, so the last figure sits on the target line.
	if last := markers[len(markers)-1]; math.Abs(last.Y-targetY) > 0.01 {
		t.Errorf("last figure drawn at y=%.1f, target line (22) at y=%.1f: the chart ends at another value than the evaluation", last.Y, targetY)
	}
}
