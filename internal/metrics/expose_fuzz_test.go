package metrics

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// fixedStates is a StateService over states made up by a test.
type fixedStates struct {
	states []*kpi.State
	now    time.Time
}

func (f fixedStates) States(context.Context) ([]*kpi.State, error) { return f.states, nil }
func (f fixedStates) State(_ context.Context, ref kpi.Ref) (kpi.State, error) {
	for _, s := range f.states {
		if s.Indicator.Ref() == ref {
			return *s, nil
		}
	}
	return kpi.State{}, kpi.Errorf(kpi.ENOTFOUND, "no %v", ref)
}
func (f fixedStates) Now() time.Time { return f.now }

// FuzzExposeMatchesRegistry is a differential fuzz of the hand-written
// exposition renderer (expose.go): whatever the labels and figures, the
// rendered text parses with expfmt's text parser, and to the same families
// and samples as client_golang's registry makes of the same Collector.
func FuzzExposeMatchesRegistry(f *testing.F) {
	f.Add("high_tech", "yanfeng", "高新技术企业", "家", "区科工信局", 25.0, 30.0, 5.0, 0.8, uint8(1), uint16(2021), true)
	f.Add(`we"ird\id`, "p\nq", "名\\称", "%", "单位\"甲\"", math.NaN(), math.Inf(1), math.Copysign(0, -1), math.Inf(-1), uint8(4), uint16(2020), false)
	f.Add("x", "p", "", "", "", 1e-300, 1e300, 8.399999999999999, 0.020999999999999963, uint8(8), uint16(1900), true)
	f.Fuzz(func(t *testing.T, id, plan, name, unit, lead string, actual, target, gap, pace float64, status uint8, year uint16, withFigure bool) {
		for _, s := range []string{id, plan, name, unit, lead} {
			if !utf8.ValidString(s) {
				return // the catalog refuses such text; the registry would too
			}
		}
		if id == "" || plan == "" || id == "other" && plan == "p" {
			return
		}
		asOf := time.Date(2022, 3, 1, 0, 0, 0, 0, kpi.China)
		p := kpi.Plan{ID: plan, Title: "计划", StartYear: 2019, EndYear: 2022}
		ind := kpi.Indicator{ID: id, Plan: plan, Name: name, Unit: unit, Kind: kpi.KindAtLeast, Target: target,
			Deadline: 2022, Frequency: kpi.Annual, Measure: kpi.MeasureLevel}
		if lead != "" {
			ind.LeadUnits = []string{lead}
		}
		ev := kpi.Evaluation{Ref: ind.Ref(), AsOf: asOf, Status: kpi.Statuses[int(status)%len(kpi.Statuses)],
			Target: &target, Gap: &gap, PaceRatio: &pace, Deadline: kpi.DeadlineEnd(2022)}
		var latest []kpi.Observation
		if withFigure {
			period := kpi.YearPeriod(1900 + int(year)%300)
			ev.Actual, ev.Period = &actual, &period
			latest = []kpi.Observation{{Plan: plan, Indicator: id, Period: period, Value: actual, SubmittedAt: asOf}}
		}
		other := kpi.Indicator{ID: "other", Plan: "p", Name: "别的", Unit: "件", Kind: kpi.KindIncrease, Deadline: 2022,
			Frequency: kpi.Annual, Measure: kpi.MeasureLevel}
		states := []*kpi.State{
			{Plan: &p, Indicator: &ind, Latest: latest, Evaluation: ev},
			{Plan: &kpi.Plan{ID: "p", Title: "另一计划"}, Indicator: &other, Evaluation: kpi.Evaluation{Ref: other.Ref(), AsOf: asOf, Status: kpi.StatusNoData}},
		}
		c := NewCollector(fixedStates{states: states, now: asOf}, Options{BuildVersion: "fuzz"})

		r, err := c.render(states, nil)
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		var text strings.Builder
		if err := r.writePlain(&text); err != nil {
			t.Fatal(err)
		}
		parser := expfmt.NewTextParser(model.LegacyValidation)
		rendered, err := parser.TextToMetricFamilies(strings.NewReader(text.String()))
		if err != nil {
			t.Fatalf("the rendered exposition does not parse: %v\n%s", err, text.String())
		}

		reg := prometheus.NewRegistry()
		reg.MustRegister(c)
		gathered, err := reg.Gather()
		if err != nil {
			t.Fatalf("the registry refuses the same metrics: %v", err)
		}
		registry := map[string]*dto.MetricFamily{}
		for _, mf := range gathered {
			registry[mf.GetName()] = mf
		}
		for name, mf := range rendered {
			want, ok := registry[name]
			if !ok {
				t.Errorf("rendered family %s is not in the registry's exposition", name)
				continue
			}
			if got, w := samples(mf), samples(want); !slices.Equal(got, w) {
				t.Errorf("family %s: rendered samples\n%v\nregistry's\n%v", name, got, w)
			}
			if mf.GetHelp() != want.GetHelp() || mf.GetType() != want.GetType() {
				t.Errorf("family %s: rendered HELP/TYPE %q/%v, registry's %q/%v", name, mf.GetHelp(), mf.GetType(), want.GetHelp(), want.GetType())
			}
		}
		// Every per-indicator family of the registry is rendered.
		for name, mf := range registry {
			if _, ok := rendered[name]; ok {
				continue
			}
			for _, m := range mf.GetMetric() {
				if slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool { return l.GetName() == "indicator" }) {
					t.Errorf("the registry's family %s has per-indicator samples the rendering lacks", name)
					break
				}
			}
		}
	})
}

// samples lists a family's samples as "labels value", sorted, with every
// NaN written alike.
func samples(mf *dto.MetricFamily) []string {
	var out []string
	for _, m := range mf.GetMetric() {
		ls := model.LabelSet{}
		for _, l := range m.GetLabel() {
			ls[model.LabelName(l.GetName())] = model.LabelValue(l.GetValue())
		}
		var v float64
		switch {
		case m.Gauge != nil:
			v = m.GetGauge().GetValue()
		case m.Counter != nil:
			v = m.GetCounter().GetValue()
		case m.Untyped != nil:
			v = m.GetUntyped().GetValue()
		}
		s := model.SampleValue(v).String()
		if math.IsNaN(v) {
			s = "NaN"
		}
		out = append(out, ls.String()+" "+s)
	}
	slices.Sort(out)
	return out
}
