package metrics

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// benchIndicators is the catalog size of the scrape benchmarks: a few
// regions' worth. Per-series and per-indicator costs scale linearly, so
// ns/op ÷ benchIndicators estimates a national deployment (180,000
// indicators).
const benchIndicators = 3000

// largeFixture returns n indicators of the fixture's kinds with three
// annual figures each.
func largeFixture(n int) ([]kpi.Indicator, []kpi.Observation) {
	kinds := testIndicators()
	inds := make([]kpi.Indicator, 0, n)
	var obs []kpi.Observation
	for i := range n {
		ind := kinds[i%len(kinds)]
		ind.ID = fmt.Sprintf("%s_%05d", ind.ID, i)
		inds = append(inds, ind)
		for y, v := range []float64{12, 15, 19} {
			obs = append(obs, kpi.Observation{Plan: ind.Plan, Indicator: ind.ID, Period: kpi.YearPeriod(2019 + y), Value: v})
		}
	}
	return inds, obs
}

// BenchmarkScrape measures a full warm /metrics request, plain and
// gzip-compressed as Prometheus asks for it: through NewHandler (the kpi
// families pre-rendered once per change, what kpimon serves) and through
// promhttp.HandlerFor (client_golang gathers and encodes every series per
// request).
func BenchmarkScrape(b *testing.B) {
	inds, obs := largeFixture(benchIndicators)
	store := openStore(b, inds, obs)
	cached := newTestCollector(store)
	handlers := map[string]http.Handler{
		"cached":   NewHandler(cached, NewRegistry(cached), nil),
		"registry": promhttp.HandlerFor(NewRegistry(newTestCollector(store)), promhttp.HandlerOpts{}),
	}
	for _, name := range []string{"cached", "registry"} {
		for _, encoding := range []string{"identity", "gzip"} {
			b.Run(name+"/"+encoding, func(b *testing.B) {
				h := handlers[name]
				req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
				req.Header.Set("Accept", "text/plain")
				req.Header.Set("Accept-Encoding", encoding)
				b.ReportAllocs()
				var w countingWriter
				for b.Loop() {
					w = countingWriter{header: http.Header{}}
					h.ServeHTTP(&w, req)
					if w.code != http.StatusOK {
						b.Fatalf("scrape status %d", w.code)
					}
				}
				b.ReportMetric(float64(w.n), "bytes/scrape")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchIndicators, "ns/indicator")
			})
		}
	}
}

// BenchmarkRender measures what the Prerender loop pays once per change of
// the states: writing every indicator's families and compressing them
// (full), or compressing only chunks whose text changed when none did
// (reuse), or after one figure was written (one-changed: what a write
// costs, evaluation included).
func BenchmarkRender(b *testing.B) {
	inds, obs := largeFixture(benchIndicators)
	store := openStore(b, inds, obs)
	c := newTestCollector(store)
	states, err := c.states.States(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	full, err := c.render(states, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		prev *rendered
	}{{"full", nil}, {"reuse", full}} {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			var r *rendered
			for b.Loop() {
				if r, err = c.render(states, tt.prev); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(r.text.n), "bytes")
			b.ReportMetric(float64(r.reused), "reused-segments")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchIndicators, "ns/indicator")
		})
	}
	// What a one-figure write costs the Prerender loop: States evaluates
	// the one indicator again, and the rendering after the previous one
	// writes its chunks and alert lines again. The write itself is not
	// timed.
	b.Run("one-changed", func(b *testing.B) {
		b.ReportAllocs()
		prev := full
		lagging := inds[0] // high_tech_00000: 19 of 30, lagging
		v := 20.0
		for b.Loop() {
			b.StopTimer()
			v++
			sub := kpi.Submission{Actor: kpi.Actor{Name: "bench", All: true}, Source: "cli", At: submittedAt,
				Observations: []kpi.Observation{{Plan: lagging.Plan, Indicator: lagging.ID, Period: kpi.YearPeriod(2021), Value: v}}}
			if _, err := store.AddObservations(b.Context(), sub); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			states, err := c.states.States(b.Context())
			if err != nil {
				b.Fatal(err)
			}
			if prev, err = c.render(states, prev); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(prev.reused), "reused-segments")
		b.ReportMetric(float64(len(prev.segments)), "segments")
	})
}

// countingWriter is a ResponseWriter that counts the body and keeps none.
type countingWriter struct {
	header http.Header
	code   int
	n      int
}

func (w *countingWriter) Header() http.Header { return w.header }
func (w *countingWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *countingWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(p)
	return len(p), nil
}

// BenchmarkCollect measures the collector alone: evaluation and const
// metric construction, without gathering or encoding.
func BenchmarkCollect(b *testing.B) {
	inds, obs := largeFixture(benchIndicators)
	store := openStore(b, inds, obs)
	c := newTestCollector(store)
	ch := make(chan prometheus.Metric, 1024)
	done := make(chan int)
	go func() {
		n := 0
		for range ch {
			n++
		}
		done <- n
	}()
	b.ReportAllocs()
	for b.Loop() {
		c.Collect(ch)
	}
	close(ch)
	<-done
}
