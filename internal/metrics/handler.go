package metrics

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
)

// Limits of the /metrics handler. A scrape serves the prepared rendering
// and costs milliseconds, so scrapes beyond the four in flight wait for a
// turn (up to maxScrapeWait, or the scraper's own timeout) instead of
// being refused: a fifth scraper gets its 200 a moment later, not a 503.
// The timeout stays under Prometheus' usual scrape timeout ceiling.
const (
	maxScrapesInFlight = 4
	maxScrapeWait      = 10 * time.Second
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

// NewHandler serves c's indicator families pre-rendered (Prerender keeps
// the rendering current in the background; see prerender.go), followed by the
// rest of reg (Go, process and build info, kpi_ingest_*, the handler's own
// metrics) gathered per request. It is the /metrics handler for catalogs
// of any size: a national catalog (180,000 indicators, about 1.5 million series)
// takes client_golang some 15 s to gather and encode, while its rendering
// only changes when the StateService hands out new states (after a write,
// or as the clock crosses a day), so it is rendered and compressed once
// per change and then served as stored bytes, in one gzip member with the
// live part (deflate.go).
//
// NewHandler takes c off reg (so gathering reg does not evaluate it a second
// time): afterwards c's families are served by this handler only.
//
// A store error is logged, counted in promhttp_metric_handler_errors_total
// {cause="gathering"} (an alert rule watches it) and the rest of the
// metrics are still served, without any indicator series.
//
// What client_golang's promhttp offers, and why most of it is not used
// here: promhttp.HandlerFor only encodes families it gathers, so it cannot
// serve the stored rendering, which is the point of this handler. Its
// HandlerOpts.MaxRequestsInFlight answers 503 beyond the cap, where a
// scrape of stored bytes should rather wait its turn (above); its
// ErrorLog is the slog logger here; its Registry option registers the
// promhttp_metric_handler_errors_total counter, which this handler
// registers itself under the same name and labels (so the alert rule on it
// holds). promhttp.InstrumentMetricHandler is used as it is (the
// promhttp_metric_handler_requests_total and _requests_in_flight metrics),
// and the format is negotiated with expfmt.NegotiateAccept over the two
// formats the stored text can be (the deprecated
// NegotiateIncludingOpenMetrics also offered protocol buffers).
func NewHandler(c *Collector, reg *prometheus.Registry, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	reg.Unregister(c)
	errs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "promhttp_metric_handler_errors_total",
		Help: "Total number of internal errors encountered by the promhttp metric handler.",
	}, []string{"cause"})
	if err := reg.Register(errs); err != nil {
		are, ok := err.(prometheus.AlreadyRegisteredError)
		if !ok {
			panic(fmt.Sprintf("metrics: register the handler's error counter: %v", err))
		}
		errs = are.ExistingCollector.(*prometheus.CounterVec)
	}
	errs.WithLabelValues("gathering")
	errs.WithLabelValues("encoding")
	h := &cachedHandler{
		c: c, reg: reg, logger: logger, errs: errs,
		inFlight: make(chan struct{}, maxScrapesInFlight),
	}
	return promhttp.InstrumentMetricHandler(reg, h)
}

type cachedHandler struct {
	c        *Collector
	reg      *prometheus.Registry
	logger   *slog.Logger
	errs     *prometheus.CounterVec
	inFlight chan struct{}
}

func (h *cachedHandler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	select {
	case h.inFlight <- struct{}{}:
	default:
		// Wait for a turn: each scrape ahead takes milliseconds.
		wait := time.NewTimer(maxScrapeWait)
		select {
		case h.inFlight <- struct{}{}:
			wait.Stop()
		case <-wait.C:
			http.Error(w, fmt.Sprintf("%d scrapes in flight for %s: try again later", maxScrapesInFlight, maxScrapeWait), http.StatusServiceUnavailable)
			return
		case <-req.Context().Done():
			wait.Stop()
			return
		}
	}
	defer func() { <-h.inFlight }()
	ctx, cancel := context.WithTimeout(req.Context(), scrapeTimeout)
	defer cancel()

	// The indicator families: the last complete rendering. A failure is
	// counted (an alert rule watches the counter) even while the last good
	// rendering is still served.
	kpiText, err := h.c.cache.forScrape(ctx)
	if err != nil {
		h.logger.Error("metrics: evaluate indicators for a scrape", "err", err)
		h.errs.WithLabelValues("gathering").Inc()
	}

	// The live part, small: gathered and encoded per request.
	format := negotiate(req.Header)
	var live bytes.Buffer
	if kpiText != nil {
		writeHeader(&live, h.c.meta[h.c.evaluationTime].name, h.c.meta[h.c.evaluationTime].help)
		live.WriteString(h.c.meta[h.c.evaluationTime].name)
		live.WriteByte(' ')
		live.Write(appendFloat(nil, unixSeconds(h.c.states.Now())))
		live.WriteByte('\n')
	}
	bi := h.c.meta[h.c.buildInfo]
	writeHeader(&live, bi.name, bi.help)
	live.WriteString(bi.name + `{version="` + escapeLabel(h.c.version) + "\"} 1\n")
	mfs, err := h.reg.Gather()
	if err != nil {
		h.logger.Error("metrics: gather process metrics", "err", err)
		h.errs.WithLabelValues("gathering").Inc()
	}
	enc := expfmt.NewEncoder(&live, format)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			h.logger.Error("metrics: encode", "family", mf.GetName(), "err", err)
			h.errs.WithLabelValues("encoding").Inc()
		}
	}
	if closer, ok := enc.(expfmt.Closer); ok {
		if err := closer.Close(); err != nil { // OpenMetrics' # EOF
			h.logger.Error("metrics: end the exposition", "err", err)
			h.errs.WithLabelValues("encoding").Inc()
		}
	}

	stored := kpiText.deflatedText()
	w.Header().Set("Content-Type", string(format))
	if acceptsGzip(req.Header.Get("Accept-Encoding")) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Add("Vary", "Accept-Encoding")
		err = writeGzip(w, stored, live.Bytes())
	} else {
		if kpiText != nil {
			err = kpiText.writePlain(w)
		}
		if err == nil {
			_, err = w.Write(live.Bytes())
		}
	}
	if err != nil {
		h.logger.Debug("metrics: write scrape response", "err", err)
	}
}

// negotiate picks the exposition format from the Accept header: OpenMetrics
// 1.0.0 when the client prefers it (Prometheus does), else the text format
// 0.0.4. The stored kpi_* families read the same in both (gauges, whose
// HELP holds no quote); OpenMetrics ends with # EOF, so a cut body is
// noticed. Protocol buffers are not offered: the stored rendering is text.
func negotiate(h http.Header) expfmt.Format {
	om, text := expfmt.NewFormat(expfmt.TypeOpenMetrics), expfmt.NewFormat(expfmt.TypeTextPlain)
	// The escaping parameter NegotiateAccept adds is left off: every name
	// served is a legacy Prometheus name, the same under any escaping.
	if expfmt.NegotiateAccept(h, om, text).FormatType() == expfmt.TypeOpenMetrics {
		return om
	}
	return text
}

// acceptsGzip reports whether an Accept-Encoding header admits gzip.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		params = strings.ReplaceAll(params, " ", "")
		if q, ok := strings.CutPrefix(params, "q="); ok {
			if v, err := strconv.ParseFloat(q, 64); err == nil && v == 0 {
				return false
			}
		}
		return true
	}
	return false
}
