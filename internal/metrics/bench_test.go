package metrics

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

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

// BenchmarkScrape measures a full /metrics request: evaluation, metric
// construction, gathering and text encoding.
func BenchmarkScrape(b *testing.B) {
	inds, obs := largeFixture(benchIndicators)
	store := openStore(b, inds, obs)
	reg := NewRegistry(newTestCollector(store))
	h := Handler(reg, nil)
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", "text/plain")
	b.ReportAllocs()
	b.ResetTimer()
	var size int
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("scrape status %d", w.Code)
		}
		size = w.Body.Len()
	}
	b.ReportMetric(float64(size), "bytes/scrape")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchIndicators, "ns/indicator")
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
