package report_test

import (
	"testing"

	"github.com/yanfeng/kpimon/internal/present"
	"github.com/yanfeng/kpimon/internal/report"
)

// TestCircularLightsArePresents: every row's lamp, word and the summary's
// light counts are present's table applied to the row's status (the one
// home of lights, shared with the web page and the boards), for the
// default table and a changed one.
func TestCircularLightsArePresents(t *testing.T) {
	changed, err := present.ParseLights("no_data=red, lagging=green")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		opts   present.Lights // nil: the default
		lights present.Lights
	}{{"default", nil, present.DefaultLights()}, {"changed", changed, changed}} {
		t.Run(tt.name, func(t *testing.T) {
			c := sampleCircular(t, report.Options{Lights: tt.opts})
			counts := map[present.Light]int{}
			for _, task := range c.Tasks {
				for _, r := range task.Rows {
					want := tt.lights.Of(r.State.Evaluation.Status)
					if r.Light != want || r.LightWord != want.Word() {
						t.Errorf("%s (%s): light %v %q, want %v %q", r.Name, r.State.Evaluation.Status, r.Light, r.LightWord, want, want.Word())
					}
					counts[want]++
				}
			}
			for _, lc := range c.Summary.Lights {
				if lc.Count != counts[lc.Light] || lc.Word != lc.Light.Word() {
					t.Errorf("summary %v %q: %d, want %d", lc.Light, lc.Word, lc.Count, counts[lc.Light])
				}
			}
			if len(c.Summary.Lights) != len(present.LightOrder) {
				t.Errorf("summary lists %d lights, want %d (present.LightOrder)", len(c.Summary.Lights), len(present.LightOrder))
			}
		})
	}
}
