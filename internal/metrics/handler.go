package metrics

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Limits of the /metrics handler. Two Prometheus servers scraping every
// 15 s need two requests in flight; more are refused with 503 rather than
// evaluating the whole catalog many times over. The timeout stays under
// Prometheus' usual scrape timeout ceiling.
const (
	maxScrapesInFlight = 4
	scrapeTimeout      = 30 * time.Second
)

// NewRegistry returns a registry of its own holding c and the Go, process
// and build-info collectors. Other parts of kpimon (ingest) register their
// metrics on it too.
func NewRegistry(c *Collector) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		c,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
	)
	return reg
}

// Handler serves reg's metrics. A collector error is logged and the rest of
// the metrics are still served (promhttp_metric_handler_errors_total counts
// it, and an alert rule watches that counter); the handler's own metrics
// are registered on reg.
func Handler(reg *prometheus.Registry, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return promhttp.InstrumentMetricHandler(reg, promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:            slog.NewLogLogger(logger.Handler(), slog.LevelError),
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: maxScrapesInFlight,
		Timeout:             scrapeTimeout,
		Registry:            reg,
	}))
}
