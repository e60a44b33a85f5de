// Package metrics exports kpimon's indicator states to Prometheus: a custom
// collector that reads every indicator's evaluation and emits immutable
// gauge samples (const metrics, made lighter: see series), the registry it
// lives on, and the /metrics handler. NewHandler, the handler kpimon
// serves, renders the collector's families in the text format once per
// change of the states and serves the stored gzip (a national catalog is
// 5.6 million series; see BENCHMARKS.md); Collector.Prerender does that
// rendering ahead of scrapes. Handler is client_golang's generic handler,
// which gathers and encodes every series per scrape.
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
}

// Collector is a prometheus.Collector exporting every indicator's state as
// evaluated by a kpi.StateService at scrape time. It is safe for concurrent
// use. Between scrapes it keeps only its fixed descriptors and the order to
// send the last states slice in.
type Collector struct {
	states  kpi.StateService
	logger  *slog.Logger
	version string

	info, leadUnit                                     *prometheus.Desc
	target, baseline, actual, actualByPeriod           *prometheus.Desc
	expected, projected, gap, progressRatio, paceRatio *prometheus.Desc
	status                                             *prometheus.Desc
	deadline, lastObservation, reportDue, overdue      *prometheus.Desc
	evaluationTime, buildInfo                          *prometheus.Desc

	// statusOrder is kpi.Statuses in label order: read-only.
	statusOrder []kpi.Status
	// families are the per-indicator families but kpi_indicator_info, by
	// name: what Collect and the pre-rendered exposition both walk.
	families []family
	meta     map[*prometheus.Desc]descMeta // read-only after NewCollector
	cache    *renderCache                  // NewHandler's pre-rendered exposition
	order    atomic.Pointer[stateOrder]
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
	statusOrder := slices.Clone(kpi.Statuses)
	slices.Sort(statusOrder)
	c := &Collector{
		statusOrder: statusOrder,
		states:      states,
		logger:      logger,
		version:     opts.BuildVersion,
		meta:        meta,

		info: desc("kpi_indicator_info",
			"Indicator definition, always 1: Chinese and English name, task number, lead units joined with 、, unit, kind and deadline year. 指标信息。",
			with("name", "name_en", "task", "lead_unit", "unit", "kind", "deadline")),
		leadUnit: desc("kpi_indicator_lead_unit",
			"One series per lead unit (牵头单位) of the indicator, always 1; join on (plan, indicator) to route by unit.",
			with("lead_unit")),
		target: desc("kpi_target",
			"Effective target in the indicator's unit (reduce_by: baseline × (1 − p); increase: the previous period's figure). 目标值。",
			ref),
		baseline: desc("kpi_baseline",
			"Baseline value the progress is measured from (given, or the first figure). 基期值。",
			ref),
		actual: desc("kpi_actual",
			"Latest actual figure (cumulative measures: the sum since the plan start), labelled with its period. 最新实际值。",
			with("period")),
		actualByPeriod: desc("kpi_actual_by_period",
			"Reported figure of each ended period (newest revision). 各期报送值。",
			with("period")),
		expected: desc("kpi_expected",
			"Where the indicator should be now on a straight path from baseline to target. 按进度应达值。",
			ref),
		projected: desc("kpi_projected",
			"Value projected at the deadline from the reported trend. 截止时预计值。",
			ref),
		gap: desc("kpi_gap",
			"Shortfall against the target in the indicator's unit, 0 when met. 差距。",
			ref),
		progressRatio: desc("kpi_progress_ratio",
			"Progress made from baseline toward target (1 = target reached). 完成进度。",
			ref),
		paceRatio: desc("kpi_pace_ratio",
			"Progress made over progress due by the latest figure's period (≥0.95 on track, ≥0.6 lagging, ≥0 off track, <0 deteriorating). 进度比。",
			ref),
		status: desc("kpi_status",
			"Evaluation status as a state set: one series per status, the current one is 1. 状态。",
			with("status")),
		deadline: desc("kpi_deadline_timestamp_seconds",
			"End of the indicator's deadline year, Unix seconds. 截止时间。",
			ref),
		lastObservation: desc("kpi_last_observation_timestamp_seconds",
			"When the newest counted figure was submitted, Unix seconds, labelled with its source (api, upload, web, inbox, pull:<name>, cli). 最近报送时间及来源。",
			with("source")),
		reportDue: desc("kpi_report_due_timestamp_seconds",
			"When the next awaited figure is due, Unix seconds; absent when nothing more is due. 报送截止时间。",
			ref),
		overdue: desc("kpi_report_overdue",
			"1 while the awaited figure is missing past its due date, else 0. 是否逾期未报。",
			ref),
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

// Describe sends every descriptor the collector may emit.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.info, c.leadUnit, c.target, c.baseline, c.actual, c.actualByPeriod,
		c.expected, c.projected, c.gap, c.progressRatio, c.paceRatio, c.status,
		c.deadline, c.lastObservation, c.reportDue, c.overdue, c.evaluationTime, c.buildInfo,
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
// linear pass instead of a full sort.
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
	order := c.labelOrder(states)
	for _, i := range order.info {
		ind := &states[i].Indicator
		ch <- &series{desc: c.info, labels: infoLabels(ind), value: 1}
	}
	var b seriesBuffer
	for _, i := range order.index {
		c.collectState(ch, &states[i], &b)
	}
}

// labelOrder returns the orders in which to send states: by (indicator,
// plan), and for kpi_indicator_info, whose labels sort differently, by its
// label values. The orders are kept while the StateService hands out the
// same slice (kpi.States does until a write or a new day), so they are
// worked out once per change.
func (c *Collector) labelOrder(states []kpi.State) *stateOrder {
	if len(states) == 0 {
		return &stateOrder{}
	}
	if o := c.order.Load(); o != nil && o.first == &states[0] && len(o.index) == len(states) {
		return o
	}
	index := make([]int32, len(states))
	for i := range index {
		index[i] = int32(i)
	}
	info := slices.Clone(index)
	slices.SortFunc(index, func(a, b int32) int {
		x, y := &states[a].Indicator, &states[b].Indicator
		if d := strings.Compare(x.ID, y.ID); d != 0 {
			return d
		}
		return strings.Compare(x.Plan, y.Plan)
	})
	values := make([][]string, len(states))
	for i := range states {
		for _, lp := range infoLabels(&states[i].Indicator) {
			values[i] = append(values[i], lp.GetValue())
		}
	}
	slices.SortFunc(info, func(a, b int32) int { return slices.Compare(values[a], values[b]) })
	o := &stateOrder{first: &states[0], index: index, info: info}
	c.order.Store(o)
	return o
}

// stateOrder is labelOrder's result for one states slice.
type stateOrder struct {
	first *kpi.State // identifies the slice
	index []int32    // by (indicator, plan)
	info  []int32    // by kpi_indicator_info's label values
}

// collectState sends the series of one indicator, family by family (each
// family's samples in label order).
func (c *Collector) collectState(ch chan<- prometheus.Metric, st *kpi.State, b *seriesBuffer) {
	ind := &st.Indicator
	b.reset(ind.Plan, ind.ID)
	for _, f := range c.families {
		f.samples(st, func(extra string, v float64) {
			switch {
			case f.extra == "":
				b.add(f.desc, v, b.ref)
			case f.extraAfterPlan:
				b.add(f.desc, v, b.with3(labelPair(f.extra, extra)))
			default:
				b.add(f.desc, v, b.with(f.extra, extra))
			}
		})
	}
	for i := range b.series {
		ch <- &b.series[i]
	}
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
