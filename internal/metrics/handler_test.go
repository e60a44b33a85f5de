package metrics

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// get scrapes url asking for the given Accept-Encoding and returns the
// decoded body and the Content-Encoding answered.
func get(t *testing.T, url, encoding string) (string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", encoding) // set: the transport leaves the body alone
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	var body io.Reader = resp.Body
	ce := resp.Header.Get("Content-Encoding")
	if ce == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatalf("gzip body: %v", err)
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("read scrape: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape status = %d, want 200:\n%s", resp.StatusCode, b)
	}
	return string(b), ce
}

// kpiBlocks returns the kpi_* families but kpi_ingest_* of a text
// exposition, one block of HELP, TYPE and samples each, sorted: the
// registry and the handler may put families in different orders.
func kpiBlocks(text string) []string {
	var blocks []string
	for block := range strings.SplitSeq(text, "# HELP ") {
		if strings.HasPrefix(block, "kpi_") && !strings.HasPrefix(block, "kpi_ingest") {
			blocks = append(blocks, "# HELP "+block)
		}
	}
	slices.Sort(blocks)
	return blocks
}

// TestHandlerMatchesRegistry checks that the pre-rendered exposition is
// exactly what client_golang makes of the Collector: same families,
// labels, values, HELP and TYPE, byte for byte, plain and gzip.
func TestHandlerMatchesRegistry(t *testing.T) {
	odd := testIndicators()[:2]
	odd[0].ID, odd[0].Name = `quote"back\slash`, "带\n换行"
	odd[1].Plan = "other-plan"
	other := testPlan
	other.ID = "other-plan"
	tests := []struct {
		name string
		// anyOrder: the same indicator id in two plans puts lead_unit
		// and period series in (indicator, plan, x) order, where the
		// registry sorts (indicator, x, plan); Prometheus takes either.
		anyOrder bool
		plans    []kpi.Plan
		inds     []kpi.Indicator
		obs      []kpi.Observation
	}{
		{name: "fixture", inds: testIndicators(), obs: testObservations()},
		{name: "large", inds: func() []kpi.Indicator { i, _ := largeFixture(200); return i }(), obs: func() []kpi.Observation { _, o := largeFixture(200); return o }()},
		{name: "escaped labels and two plans", anyOrder: true, plans: []kpi.Plan{testPlan, other}, inds: append(testIndicators(), odd...)},
		{name: "empty catalog"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plans := tt.plans
			if plans == nil {
				plans = []kpi.Plan{testPlan}
			}
			store := openStorePlans(t, plans, tt.inds, tt.obs)
			c := newTestCollector(store)
			want := kpiBlocks(string(exposition(t, c)))
			srv := httptest.NewServer(NewHandler(c, NewRegistry(c), nil))
			defer srv.Close()
			for _, enc := range []string{"gzip", "identity"} {
				body, _ := get(t, srv.URL, enc)
				got := kpiBlocks(body)
				if tt.anyOrder {
					want, got = sortSamples(want), sortSamples(got)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("Accept-Encoding %s: kpi families differ from the registry's (-want +got):\n%s", enc, diff)
				}
			}
		})
	}
}

// sortSamples sorts the lines of each block.
func sortSamples(blocks []string) []string {
	var out []string
	for _, b := range blocks {
		lines := strings.Split(b, "\n")
		slices.Sort(lines)
		out = append(out, strings.Join(lines, "\n"))
	}
	return out
}

func TestHandlerGolden(t *testing.T) {
	store := openStore(t, testIndicators(), testObservations())
	c := newTestCollector(store)
	srv := httptest.NewServer(NewHandler(c, NewRegistry(c), nil))
	defer srv.Close()
	golden, err := readGolden()
	if err != nil {
		t.Fatal(err)
	}
	body, ce := get(t, srv.URL, "gzip")
	if ce != "gzip" {
		t.Errorf("Content-Encoding = %q, want gzip", ce)
	}
	if diff := cmp.Diff(kpiBlocks(golden), kpiBlocks(body)); diff != "" {
		t.Errorf("kpi families differ from testdata/collector.prom (-want +got):\n%s", diff)
	}
	for _, want := range []string{"go_goroutines ", `kpimon_build_info{version="test"} 1`, "promhttp_metric_handler_requests_total{code=\"200\"} "} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
}

// TestHandlerFollowsWrites checks the cache: a scrape after a write shows
// the new figure; scrapes without one serve the same bytes.
func TestHandlerFollowsWrites(t *testing.T) {
	ctx := context.Background()
	store := openStore(t, testIndicators(), testObservations())
	c := newTestCollector(store)
	h := NewHandler(c, NewRegistry(c), nil)
	srv := httptest.NewServer(h)
	defer srv.Close()

	first, _ := get(t, srv.URL, "gzip")
	second, _ := get(t, srv.URL, "gzip")
	if diff := cmp.Diff(kpiBlocks(first), kpiBlocks(second)); diff != "" {
		t.Errorf("two scrapes without a write differ (-first +second):\n%s", diff)
	}
	sub := kpi.Submission{Actor: kpi.Actor{Name: "test", All: true}, Source: "cli", At: submittedAt,
		Observations: []kpi.Observation{{Plan: testPlan.ID, Indicator: "platform", Period: kpi.YearPeriod(2020), Value: 1}}}
	if _, err := store.AddObservations(ctx, sub); err != nil {
		t.Fatal(err)
	}
	after, _ := get(t, srv.URL, "gzip")
	want := `kpi_actual_by_period{indicator="platform",period="2020",plan="test-plan"} 1`
	if !strings.Contains(after, want) {
		t.Errorf("scrape after a write lacks %s:\n%s", want, grepLines(after, "kpi_actual_by_period"))
	}
	if strings.Contains(first, want) {
		t.Errorf("scrape before the write already holds %s", want)
	}
}

func TestHandlerConcurrentScrapes(t *testing.T) {
	store := openStore(t, testIndicators(), testObservations())
	c := newTestCollector(store)
	want := kpiBlocks(string(exposition(t, c)))
	srv := httptest.NewServer(NewHandler(c, NewRegistry(c), nil))
	defer srv.Close()
	const scrapers = 3 // under maxScrapesInFlight
	got := make([][]string, scrapers)
	var wg sync.WaitGroup
	for i := range scrapers {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
			resp, err := http.DefaultClient.Do(req) // transparent gzip
			if err != nil {
				got[i] = []string{err.Error()}
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			got[i] = kpiBlocks(string(b))
		})
	}
	wg.Wait()
	for i := range got {
		if diff := cmp.Diff(want, got[i]); diff != "" {
			t.Errorf("scraper %d (-want +got):\n%s", i, diff)
		}
	}
}

func TestHandlerStoreError(t *testing.T) {
	store := openStore(t, testIndicators(), testObservations())
	c := newTestCollector(store)
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewHandler(c, NewRegistry(c), nil))
	defer srv.Close()
	get(t, srv.URL, "gzip")
	body, _ := get(t, srv.URL, "gzip")
	if strings.Contains(body, "kpi_indicator_info") || strings.Contains(body, "kpi_evaluation_timestamp_seconds") {
		t.Errorf("scrape with a closed store holds indicator series:\n%s", grepLines(body, "kpi_"))
	}
	if !strings.Contains(body, "go_goroutines") {
		t.Errorf("scrape with a closed store lacks go_goroutines: the process metrics must still be served")
	}
	if got, want := grepLines(body, `promhttp_metric_handler_errors_total{cause="gathering"}`), `promhttp_metric_handler_errors_total{cause="gathering"} 2`; got != want {
		t.Errorf("error counter after two failed scrapes = %q, want %q", got, want)
	}
}

func TestHandlerPromtoolCheckMetrics(t *testing.T) {
	promtool := testkit.LookPath(t, "promtool", "promtool")
	store := openStore(t, testIndicators(), testObservations())
	c := newTestCollector(store)
	srv := httptest.NewServer(NewHandler(c, NewRegistry(c), nil))
	defer srv.Close()
	body, _ := get(t, srv.URL, "identity")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{"", false},
		{"identity", false},
		{"gzip", true},
		{"GZIP", true},
		{"deflate, gzip;q=1.0, *;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip; q=0.0", false},
		{"br, zstd", false},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			if got := acceptsGzip(tt.header); got != tt.want {
				t.Errorf("acceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}

func readGolden() (string, error) {
	b, err := os.ReadFile(filepath.Join("testdata", "collector.prom"))
	return string(b), err
}

// TestParallelGzip checks that the members compressed apart read back as
// the text written, in order, whatever the write sizes.
func TestParallelGzip(t *testing.T) {
	tests := []struct {
		name  string
		size  int
		write int
	}{
		{name: "empty", size: 0, write: 1},
		{name: "under one block", size: 1000, write: 7},
		{name: "exactly one block", size: gzipBlock, write: 4096},
		{name: "several blocks, odd writes", size: 3*gzipBlock + 12345, write: 99991},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := make([]byte, tt.size)
			for i := range want {
				want[i] = byte('a' + (i*7+i/13)%26)
			}
			p := newParallelGzip(2)
			for rest := want; len(rest) > 0; {
				k := min(tt.write, len(rest))
				if _, err := p.Write(rest[:k]); err != nil {
					t.Fatal(err)
				}
				rest = rest[k:]
			}
			gz, err := p.Close()
			if err != nil {
				t.Fatalf("Close: %v", err)
			}
			var got []byte
			if len(gz) > 0 {
				zr, err := gzip.NewReader(bytes.NewReader(gz))
				if err != nil {
					t.Fatalf("gzip reader: %v", err)
				}
				if got, err = io.ReadAll(zr); err != nil {
					t.Fatalf("read: %v", err)
				}
			}
			if !bytes.Equal(got, want) {
				t.Errorf("decompressed %d bytes differ from the %d written", len(got), len(want))
			}
		})
	}
}

// TestPrerender checks that Prerender renders a write's figures without a
// scrape asking for them.
func TestPrerender(t *testing.T) {
	store := openStore(t, testIndicators(), testObservations())
	c := newTestCollector(store)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		c.Prerender(ctx, 5*time.Millisecond)
		close(done)
	}()
	defer func() {
		cancel()
		<-done
	}()

	sub := kpi.Submission{Actor: kpi.Actor{Name: "test", All: true}, Source: "cli", At: submittedAt,
		Observations: []kpi.Observation{{Plan: testPlan.ID, Indicator: "platform", Period: kpi.YearPeriod(2020), Value: 1}}}
	if _, err := store.AddObservations(ctx, sub); err != nil {
		t.Fatal(err)
	}
	want := `kpi_actual_by_period{indicator="platform",period="2020",plan="test-plan"} 1`
	var text string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if r := c.cache.peek(); r != nil {
			var b strings.Builder
			if err := r.writePlain(&b); err != nil {
				t.Fatal(err)
			}
			if text = b.String(); strings.Contains(text, want) {
				return
			}
		}
	}
	t.Errorf("no rendering holds %s after the write; last rendering:\n%s", want, grepLines(text, "kpi_actual_by_period"))
}
