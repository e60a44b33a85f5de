package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yanfeng/kpimon/internal/supervision"
)

// SupervisionCounts is what kpi_supervision_items reads: the supervision
// service's counts per unit and state at the evaluation's clock.
type SupervisionCounts interface {
	Counts(ctx context.Context) ([]supervision.Count, error)
}

// supervisionCollector exports kpi_supervision_items{unit,state}: a
// handful of series per unit (one per state), not per indicator. It is
// gathered per scrape with the rest of the registry: the count of items
// past their deadline changes with the clock, and there are few items.
type supervisionCollector struct {
	src    SupervisionCounts
	logger *slog.Logger
	desc   *prometheus.Desc
}

// RegisterSupervision registers kpi_supervision_items on reg.
func RegisterSupervision(reg prometheus.Registerer, src SupervisionCounts, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return reg.Register(&supervisionCollector{src: src, logger: logger, desc: prometheus.NewDesc("kpi_supervision_items",
		"Supervision items (督办) per lead unit and state: pending 待说明, overdue 逾期未说明 (pending past its answer deadline), "+
			"answered 已说明, reviewed 已审阅, closed 已办结. Every state of a unit that ever had an item is present, zeros included.",
		[]string{"unit", "state"}, nil)})
}

func (c *supervisionCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *supervisionCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	counts, err := c.src.Counts(ctx)
	if err != nil {
		// Logged, and the series are absent for this scrape: the rest
		// of /metrics is still served.
		c.logger.Error("supervision items for /metrics", "err", err)
		return
	}
	for _, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n.N), n.Unit, string(n.State))
	}
}
