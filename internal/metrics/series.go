package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"
)

// series is one gauge sample: an immutable metric like
// prometheus.NewConstMetric's, made lighter for catalogs of 180,000
// indicators (about 25 series each). Its label pairs are sorted by name and
// shared between the series of one indicator (plan and indicator are
// allocated once per indicator, status pairs once per collector); the
// registry treats a written metric's labels as immutable, so sharing is safe.
type series struct {
	desc   *prometheus.Desc
	labels []*dto.LabelPair
	value  float64
}

var _ prometheus.Metric = (*series)(nil)

func (s *series) Desc() *prometheus.Desc { return s.desc }

func (s *series) Write(m *dto.Metric) error {
	m.Label = s.labels
	m.Gauge = &dto.Gauge{Value: proto.Float64(s.value)}
	return nil
}

func labelPair(name, value string) *dto.LabelPair {
	return &dto.LabelPair{Name: proto.String(name), Value: proto.String(value)}
}

// seriesBuffer collects the series of one indicator. Label pairs are
// allocated in small slabs; the series slice is handed to the registry
// and so is fresh for each indicator.
type seriesBuffer struct {
	series []series
	ref    []*dto.LabelPair // indicator, plan: the labels of most series
}

func (b *seriesBuffer) reset(plan, indicator string) {
	b.series = make([]series, 0, 28)
	b.ref = []*dto.LabelPair{labelPair("indicator", indicator), labelPair("plan", plan)}
}

func (b *seriesBuffer) add(d *prometheus.Desc, v float64, labels []*dto.LabelPair) {
	b.series = append(b.series, series{desc: d, labels: labels, value: v})
}

// with returns indicator, name=value, plan: the label order of a family
// whose extra label sorts between indicator and plan (lead_unit, period).
func (b *seriesBuffer) with(name, value string) []*dto.LabelPair {
	return []*dto.LabelPair{b.ref[0], labelPair(name, value), b.ref[1]}
}

// with3 returns indicator, plan, extra: for a label sorting after plan
// (status).
func (b *seriesBuffer) with3(extra *dto.LabelPair) []*dto.LabelPair {
	return []*dto.LabelPair{b.ref[0], b.ref[1], extra}
}
