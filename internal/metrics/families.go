package metrics

import (
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// descMeta is what the text exposition needs of a descriptor, which
// prometheus.Desc does not export.
type descMeta struct{ name, help string }

// family is one per-indicator kpi_* family with the labels plan, indicator
// and the family's own (names). Collect (through the registry) and the
// pre-rendered exposition both read samples off these, so the two cannot
// drift apart. docs/metrics.md gives the series budget they keep: at most
// ten series per indicator.
type family struct {
	descMeta
	desc *prometheus.Desc
	// alert is nil or the variant of desc that also carries the alert
	// text labels (alertLabelNames): a sample with text uses it. Both have
	// one name and help; the registry knows the family by desc.
	alert *prometheus.Desc
	// names are the labels besides indicator and plan, sorted; a sample
	// gives their values in this order.
	names []string
	// samples calls yield for each sample of st, in the order of its label
	// values. Values that cannot be computed are left out rather than
	// exported as NaN or 0. text is nil, or the alert text of the sample;
	// without words, unworded (a sample with text yields notWorded, for
	// callers that skip such samples).
	samples func(st *kpi.State, words bool, yield func(values []string, text *alertText, v float64))
}

// newFamilies returns the families, sorted by name as the registry sorts
// them.
func (c *Collector) newFamilies() []family {
	optional := func(get func(ev *kpi.Evaluation) *float64) func(*kpi.State, bool, func([]string, *alertText, float64)) {
		return func(st *kpi.State, _ bool, yield func([]string, *alertText, float64)) {
			if v := get(&st.Evaluation); v != nil {
				yield(nil, nil, *v)
			}
		}
	}
	fams := []family{
		{desc: c.leadUnit, names: []string{"lead_unit"}, samples: func(st *kpi.State, words bool, yield func([]string, *alertText, float64)) {
			units := st.Indicator.LeadUnits
			if !slices.IsSorted(units) {
				units = slices.Sorted(slices.Values(units))
			}
			for _, u := range units {
				yield([]string{u}, nil, 1)
			}
		}},
		{desc: c.target, samples: func(st *kpi.State, _ bool, yield func([]string, *alertText, float64)) {
			if bar, ok := decidingBar(st); ok {
				yield(nil, nil, bar)
			}
		}},
		{desc: c.progress, samples: optional(func(ev *kpi.Evaluation) *float64 { return ev.ProgressRatio })},
		{desc: c.actual, samples: optional(func(ev *kpi.Evaluation) *float64 { return ev.Actual })},
		{desc: c.expected, samples: optional(func(ev *kpi.Evaluation) *float64 { return ev.Expected })},
		{desc: c.requiredChange, names: []string{"type"}, samples: func(st *kpi.State, words bool, yield func([]string, *alertText, float64)) {
			if v := st.Evaluation.RequiredAnnualChange; v != nil {
				yield([]string{changeForm(&st.Evaluation)}, nil, *v)
			}
		}},
		{desc: c.status, alert: c.statusAlert, names: []string{"period", "status"}, samples: func(st *kpi.State, words bool, yield func([]string, *alertText, float64)) {
			ev := &st.Evaluation
			period := ""
			if ev.Period != nil {
				period = ev.Period.String()
			}
			var text *alertText
			if c.hasStatusText(st) {
				text = &notWorded
				if words {
					text = c.statusText(st)
				}
			}
			yield([]string{period, string(ev.Status)}, text, 1)
		}},
		{desc: c.reportDue, alert: c.reportDueAlert, names: []string{"overdue", "period"}, samples: func(st *kpi.State, words bool, yield func([]string, *alertText, float64)) {
			r := &st.Evaluation.Report
			if r.Due.IsZero() {
				return
			}
			period, overdue := "", "0"
			if r.Period != nil {
				period = r.Period.String()
			}
			var text *alertText
			if r.Overdue {
				overdue = "1"
				text = &notWorded
				if words {
					text = c.wordOverdue(st)
				}
			}
			yield([]string{overdue, period}, text, unixSeconds(r.Due))
		}},
	}
	for i := range fams {
		f := &fams[i]
		f.descMeta = c.meta[f.desc]
	}
	slices.SortFunc(fams, func(a, b family) int { return strings.Compare(a.name, b.name) })
	return fams
}

// notWorded stands for the alert text of a sample when the caller of
// family.samples did not ask for words.
var notWorded alertText

// decidingBar is kpi_target's value: the evaluation's deciding bar
// (Evaluation.Bar, kpi.DecidingBar of the effective target), what boards
// show as the target and measure the gap to. Increase lines (whose bar is
// the figure before) and continuing lines (years, not a figure) have none.
func decidingBar(st *kpi.State) (float64, bool) {
	if !hasGap(*st.Indicator) {
		return 0, false
	}
	return st.Evaluation.DecidingBar()
}

// changeForm is kpi_required_annual_change's type label: relative (a
// ratio per year) or absolute (the indicator's unit per year).
func changeForm(ev *kpi.Evaluation) string {
	if ev.ChangeIsRelative {
		return "relative"
	}
	return "absolute"
}

// label is one label pair of a sample.
type label struct{ name, value string }

// sampleLabels appends to buf the labels of one sample sorted by name:
// indicator, plan, the family's names with values, and the alert text.
func sampleLabels(buf []label, indicator, plan string, names, values []string, text *alertText) []label {
	buf = append(buf, label{"indicator", indicator}, label{"plan", plan})
	for i, n := range names {
		buf = append(buf, label{n, values[i]})
	}
	if text != nil {
		buf = append(buf, label{"dashboard", text.dashboard}, label{"description", text.description}, label{"summary", text.summary})
	}
	// A handful of labels: insertion sort.
	for i := 1; i < len(buf); i++ {
		for j := i; j > 0 && buf[j].name < buf[j-1].name; j-- {
			buf[j], buf[j-1] = buf[j-1], buf[j]
		}
	}
	return buf
}

// alertLabelNames are the labels of the alert text, present only on the
// samples that say something an alert rule sends (see alerttext.go).
var alertLabelNames = []string{"dashboard", "description", "summary"}

// compareLabelValues orders two samples of one family the way the registry
// does: by label values in label-name order.
func compareLabelValues(a, b []label) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	for i := range a {
		if d := strings.Compare(a[i].value, b[i].value); d != 0 {
			return d
		}
	}
	return 0
}
