// Package metrics exports kpimon's indicator states to Prometheus: a custom
// collector that evaluates every indicator at scrape time and emits const
// metrics, the registry it lives on, and the /metrics handler.
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
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

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
// use: it keeps no state between scrapes beyond its fixed descriptors.
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
}

// NewCollector returns a collector reading states at every scrape.
func NewCollector(states kpi.StateService, opts Options) *Collector {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ref := []string{"plan", "indicator"}
	with := func(extra ...string) []string { return append(append([]string{}, ref...), extra...) }
	desc := func(name, help string, labels []string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	return &Collector{
		states:  states,
		logger:  logger,
		version: opts.BuildVersion,

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
			"Latest actual figure (cumulative measures: the sum since the plan start). 最新实际值。",
			ref),
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
			"When the newest counted figure was submitted, Unix seconds. 最近报送时间。",
			ref),
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
	for i := range states {
		c.collectState(ch, &states[i])
	}
}

// collectState sends the series of one indicator. Values that cannot be
// computed are left out rather than exported as NaN or 0.
func (c *Collector) collectState(ch chan<- prometheus.Metric, st *kpi.State) {
	ind := &st.Indicator
	ev := &st.Evaluation
	plan, id := ind.Plan, ind.ID

	c.send(ch, c.info, 1, plan, id,
		ind.Name, ind.NameEN, strconv.Itoa(ind.Task), strings.Join(ind.LeadUnits, leadUnitSep),
		ind.Unit, string(ind.Kind), strconv.Itoa(ind.Deadline))
	for _, u := range ind.LeadUnits {
		c.send(ch, c.leadUnit, 1, plan, id, u)
	}

	if targetKnown(ind, ev) {
		c.send(ch, c.target, ev.Target, plan, id)
	}
	if ev.Baseline != nil {
		c.send(ch, c.baseline, ev.Baseline.Value, plan, id)
	}
	c.sendOptional(ch, c.actual, ev.Actual, plan, id)
	for _, o := range st.Latest {
		// As of an earlier date, periods not yet ended were not yet known.
		if o.Period.Valid() && !o.Period.End().After(ev.AsOf) {
			c.send(ch, c.actualByPeriod, o.Value, plan, id, o.Period.String())
		}
	}
	c.sendOptional(ch, c.expected, ev.Expected, plan, id)
	c.sendOptional(ch, c.projected, ev.Projected, plan, id)
	c.sendOptional(ch, c.gap, ev.Gap, plan, id)
	c.sendOptional(ch, c.progressRatio, ev.ProgressRatio, plan, id)
	c.sendOptional(ch, c.paceRatio, ev.PaceRatio, plan, id)
	for _, s := range kpi.Statuses {
		v := 0.0
		if s == ev.Status {
			v = 1
		}
		c.send(ch, c.status, v, plan, id, string(s))
	}

	if !ev.Deadline.IsZero() {
		c.send(ch, c.deadline, unixSeconds(ev.Deadline), plan, id)
	}
	if ev.LastSubmittedAt != nil {
		c.send(ch, c.lastObservation, unixSeconds(*ev.LastSubmittedAt), plan, id)
	}
	if !ev.Report.Due.IsZero() {
		c.send(ch, c.reportDue, unixSeconds(ev.Report.Due), plan, id)
	}
	overdue := 0.0
	if ev.Report.Overdue {
		overdue = 1
	}
	c.send(ch, c.overdue, overdue, plan, id)
}

// targetKnown reports whether ev.Target holds a target: a reduce_by target
// needs a baseline, and an increase indicator's bar (the previous figure)
// needs two figures, which is when its gap is known.
func targetKnown(ind *kpi.Indicator, ev *kpi.Evaluation) bool {
	switch ind.Kind {
	case kpi.KindReduceBy:
		return ev.Baseline != nil
	case kpi.KindIncrease:
		return ev.Gap != nil
	}
	return true
}

func (c *Collector) sendOptional(ch chan<- prometheus.Metric, d *prometheus.Desc, v *float64, labels ...string) {
	if v != nil {
		c.send(ch, d, *v, labels...)
	}
}

// send emits one gauge. A label value the exposition cannot carry (invalid
// UTF-8 in a catalog text) fails only that series, visibly.
func (c *Collector) send(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	m, err := prometheus.NewConstMetric(d, prometheus.GaugeValue, v, labels...)
	if err != nil {
		m = prometheus.NewInvalidMetric(d, fmt.Errorf("indicator %s/%s: %w", labels[0], labels[1], err))
	}
	ch <- m
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
