// Package metrics exports kpimon's indicator states to Prometheus: a custom
// collector that reads every indicator's evaluation and emits immutable
// gauge samples (const metrics, made lighter: see series), the registry it
// lives on, and the /metrics handler. NewHandler, the handler kpimon
// serves, renders the collector's families in the text format once per
// change of the states and serves the stored gzip (a national catalog of
// 180,000 indicators is about 1.5 million series, 8.1 per indicator; see
// BENCHMARKS.md) instead of gathering and encoding every series per scrape
// as client_golang's generic handler would; Collector.Prerender does that
// rendering ahead of scrapes.
//
// Every indicator series carries the labels plan and indicator. Descriptive
// labels (Chinese name, unit, kind …) live only on kpi_indicator_info, and
// the lead units on kpi_indicator_lead_unit, one series per lead unit, so
// that the many numeric series stay short; queries and alert rules join
// them with `* on(plan, indicator) group_left(...)`. An indicator with two
// lead units has two kpi_indicator_lead_unit series, so an alert joined on
// it fires once per lead unit and Alertmanager can tell both.
package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"weak"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// leadUnitSep joins several lead units in kpi_indicator_info's lead_unit
// label, as the source table writes them.
const leadUnitSep = "、"

// statesTimeout bounds one evaluation of every indicator, so a stuck store
// cannot pile up scrapes (promhttp's own timeout only ends the response).
const statesTimeout = time.Minute

// Options configure a Collector.
type Options struct {
	// Logger receives scrape errors. Default: discard.
	Logger *slog.Logger
	// BuildVersion is exported as kpimon_build_info{version}.
	BuildVersion string
	// Links are the addresses the alert text points at (see
	// RegisterLinks for the info metric carrying them).
	Links Links
}

// Collector is a prometheus.Collector exporting every indicator's state as
// evaluated by a kpi.StateService at scrape time. It is safe for concurrent
// use. Between scrapes it keeps only its fixed descriptors and the order to
// send the last states slice in.
type Collector struct {
	states  kpi.StateService
	logger  *slog.Logger
	version string
	links   Links

	info, leadUnit                     *prometheus.Desc
	target, progress, actual, expected *prometheus.Desc
	requiredChange                     *prometheus.Desc
	status, statusAlert                *prometheus.Desc
	reportDue, reportDueAlert          *prometheus.Desc
	evaluationTime, buildInfo          *prometheus.Desc

	// families are the per-indicator families but kpi_indicator_info, by
	// name: what Collect and the pre-rendered exposition both walk.
	families []family
	meta     map[*prometheus.Desc]descMeta // read-only after NewCollector
	cache    *renderCache                  // NewHandler's pre-rendered exposition
	// worded counts the alert texts worded, for logs and tests.
	worded atomic.Int64
	order  atomic.Pointer[stateOrder]
	// recov holds the indicators recently seen to leave an alerted status,
	// and the states slice seen last to tell them.
	recov recoveries
}

// NewCollector returns a collector reading states at every scrape.
func NewCollector(states kpi.StateService, opts Options) *Collector {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ref := []string{"plan", "indicator"}
	with := func(extra ...string) []string { return append(append([]string{}, ref...), extra...) }
	meta := map[*prometheus.Desc]descMeta{}
	desc := func(name, help string, labels []string) *prometheus.Desc {
		d := prometheus.NewDesc(name, help, labels, nil)
		meta[d] = descMeta{name: name, help: help}
		return d
	}
	const (
		statusHelp = "Current evaluation status, one series per indicator, always 1; period is the latest figure's. " +
			"An alerted status (lagging, off_track, deteriorating, missed, and no_data once the report duty ended) also carries the alert text: summary, description, dashboard. 状态。"
		dueHelp = "When the awaited figure of period is due, Unix seconds; overdue=1 once that has passed without it " +
			"(then with the alert text: summary, description, dashboard); absent when nothing more is due. 报送期限。"
	)
	c := &Collector{
		states:  states,
		logger:  logger,
		version: opts.BuildVersion,
		links:   opts.Links,
		meta:    meta,

		info: desc("kpi_indicator_info",
			"Indicator definition, always 1: Chinese and English name, task number, lead units joined with 、, unit, kind and deadline year. 指标信息。",
			with("name", "name_en", "task", "lead_unit", "unit", "kind", "deadline")),
		leadUnit: desc("kpi_indicator_lead_unit",
			"One series per lead unit (牵头单位) of the indicator, always 1; join on (plan, indicator) to route by unit.",
			with("lead_unit")),
		target: desc("kpi_target",
			"The deciding bar in the indicator's unit: the figure that decides whether the target is met and the gap is measured to (突破40家 → 41, 40家左右 → 38; reduce_by: baseline × (1 − p)); a milestone's full completion. Absent for increase and continuing lines, which have no figure to reach, and while unknown. 目标值（判定线）。",
			ref),
		progress: desc("kpi_progress_ratio",
			"kpimon's progress ratio, as GET /api/v1/indicators gives it: from baseline to the deciding bar (1 = reached), a milestone's share done, a continuing line's years done of years due. Absent where kpimon has none (increase lines, no baseline). 完成进度。",
			ref),
		actual: desc("kpi_actual",
			"Latest actual figure (cumulative measures: the sum since the plan start); its period is kpi_status's period label. 最新实际值。",
			ref),
		expected: desc("kpi_expected",
			"Where the indicator should be now on a straight path from baseline to target. 按进度应达值。",
			ref),
		requiredChange: desc("kpi_required_annual_change",
			"Average change per year still required from the latest figure to reach the target by the deadline: type=relative a ratio per year (0.12 = +12 %/年, compounded), type=absolute the indicator's unit per year; negative is a required fall. Absent when achieved, past the deadline or without a figure. 需年均变化。",
			with("type")),
		status:      desc("kpi_status", statusHelp, with("period", "status")),
		statusAlert: desc("kpi_status", statusHelp, with(append([]string{"period", "status"}, alertLabelNames...)...)),
		reportDue:   desc("kpi_report_due_timestamp_seconds", dueHelp, with("overdue", "period")),
		reportDueAlert: desc("kpi_report_due_timestamp_seconds", dueHelp,
			with(append([]string{"overdue", "period"}, alertLabelNames...)...)),
		evaluationTime: desc("kpi_evaluation_timestamp_seconds",
			"The instant the indicators are evaluated at (now, or --as-of), Unix seconds. 评估时点。",
			nil),
		buildInfo: desc("kpimon_build_info",
			"kpimon build, always 1 (go_build_info carries the Go version).",
			[]string{"version"}),
	}
	c.families = c.newFamilies()
	c.cache = newRenderCache(c)
	return c
}

// Describe sends every descriptor the collector may emit but the alert
// variants of kpi_status and kpi_report_due_timestamp_seconds: they share
// the name (and so the registry's descriptor id) of the plain ones and
// differ in label names, which a registered descriptor may not.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.info, c.leadUnit, c.target, c.progress, c.actual, c.expected, c.requiredChange,
		c.status, c.reportDue, c.evaluationTime, c.buildInfo,
	} {
		ch <- d
	}
}

// Collect evaluates every indicator and sends its series. A store error
// fails the scrape with an invalid metric (promhttp reports it and counts
// promhttp_metric_handler_errors_total) and is logged; the process goes on.
//
// Indicators are sent in the order of their (indicator, plan) labels, and
// the series of each in label order, so that every family arrives sorted
// and the registry's sort of a national catalog (millions of series) is a
// linear pass instead of a full sort. Series with alert text, which the
// registry sorts after the others of their family, are sent last.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(c.buildInfo, prometheus.GaugeValue, 1, c.version)

	ctx, cancel := context.WithTimeout(context.Background(), statesTimeout)
	defer cancel()
	states, err := c.states.States(ctx)
	if err != nil {
		c.logger.Error("metrics: evaluate indicators for a scrape", "err", err)
		ch <- prometheus.NewInvalidMetric(c.info, fmt.Errorf("evaluate indicators: %w", err))
		return
	}
	ch <- prometheus.MustNewConstMetric(c.evaluationTime, prometheus.GaugeValue, unixSeconds(c.states.Now()))
	c.recov.see(states)
	order := c.labelOrder(states)
	for _, i := range order.info {
		ind := states[i].Indicator
		ch <- &series{desc: c.info, labels: infoLabels(ind), value: 1}
	}
	var buf []label
	var alerts []alertSample
	for _, i := range order.index {
		st := states[i]
		for fi := range c.families {
			f := &c.families[fi]
			f.samples(st, true, func(values []string, text *alertText, v float64) {
				buf = sampleLabels(buf[:0], st.Indicator.ID, st.Indicator.Plan, f.names, values, text)
				if text != nil {
					alerts = append(alerts, alertSample{desc: f.alert, labels: slices.Clone(buf), v: v})
					return
				}
				ch <- &series{desc: f.desc, labels: labelPairs(buf), value: v}
			})
		}
	}
	slices.SortStableFunc(alerts, func(a, b alertSample) int { return compareLabelValues(a.labels, b.labels) })
	for _, a := range alerts {
		ch <- &series{desc: a.desc, labels: labelPairs(a.labels), value: a.v}
	}
}

// alertSample is a sample with alert text, held back to be sent in order.
type alertSample struct {
	desc   *prometheus.Desc
	labels []label
	v      float64
}

func labelPairs(ls []label) []*dto.LabelPair {
	out := make([]*dto.LabelPair, len(ls))
	for i, l := range ls {
		out[i] = labelPair(l.name, l.value)
	}
	return out
}

// labelOrder returns the orders in which to send states: by (indicator,
// plan), and for kpi_indicator_info, whose labels sort differently, by its
// label values. The orders are kept while the StateService hands out the
// same slice (kpi.States does until a write or a new day), so they are
// worked out once per change.
func (c *Collector) labelOrder(states []*kpi.State) *stateOrder {
	if len(states) == 0 {
		return &stateOrder{}
	}
	if o := c.order.Load(); o != nil && o.first.Value() == &states[0] && len(o.index) == len(states) {
		return o
	}
	index := make([]int32, len(states))
	for i := range index {
		index[i] = int32(i)
	}
	info := slices.Clone(index)
	slices.SortFunc(index, func(a, b int32) int {
		x, y := states[a].Indicator, states[b].Indicator
		if d := strings.Compare(x.ID, y.ID); d != 0 {
			return d
		}
		return strings.Compare(x.Plan, y.Plan)
	})
	values := make([][]string, len(states))
	for i := range states {
		for _, lp := range infoLabels(states[i].Indicator) {
			values[i] = append(values[i], lp.GetValue())
		}
	}
	slices.SortFunc(info, func(a, b int32) int { return slices.Compare(values[a], values[b]) })
	o := &stateOrder{first: weak.Make(&states[0]), index: index, info: info}
	c.order.Store(o)
	return o
}

// stateOrder is labelOrder's result for one states slice.
type stateOrder struct {
	// first identifies the slice without keeping it alive: an incremental
	// rendering takes the order of the states it replaces, which must not
	// keep a province's states (150 MB) from being collected.
	first weak.Pointer[*kpi.State]
	index []int32 // by (indicator, plan)
	info  []int32 // by kpi_indicator_info's label values
}

// infoLabels returns kpi_indicator_info's label pairs, sorted by name.
func infoLabels(ind *kpi.Indicator) []*dto.LabelPair {
	return []*dto.LabelPair{
		labelPair("deadline", strconv.Itoa(ind.Deadline)),
		labelPair("indicator", ind.ID),
		labelPair("kind", string(ind.Kind)),
		labelPair("lead_unit", strings.Join(ind.LeadUnits, leadUnitSep)),
		labelPair("name", ind.Name),
		labelPair("name_en", ind.NameEN),
		labelPair("plan", ind.Plan),
		labelPair("task", strconv.Itoa(ind.Task)),
		labelPair("unit", ind.Unit),
	}
}

func unixSeconds(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}
