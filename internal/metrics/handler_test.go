package metrics

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/boltstore"
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
		Observations: []kpi.Observation{{Plan: testPlan.ID, Indicator: "high_tech", Period: kpi.YearPeriod(2021), Value: 20}}}
	if _, err := store.AddObservations(ctx, sub); err != nil {
		t.Fatal(err)
	}
	after, _ := get(t, srv.URL, "gzip")
	want := `kpi_actual{indicator="high_tech",plan="test-plan"} 20`
	if !strings.Contains(after, want) {
		t.Errorf("scrape after a write lacks %s:\n%s", want, grepLines(after, "kpi_actual{"))
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

// TestGzipOfSegments checks that segments compressed apart, framed as one
// gzip member with a tail, read back as the text written, in order: by
// Go's reader and as a single member (a reader that stops after the first
// member, as libcurl's does, gets everything).
func TestGzipOfSegments(t *testing.T) {
	tests := []struct {
		name     string
		segments []int // text bytes of each
		tail     string
	}{
		{name: "nothing"},
		{name: "tail only", tail: "live 1\n"},
		{name: "one segment", segments: []int{1000}, tail: "live 1\n"},
		{name: "several, one empty", segments: []int{70000, 0, 1 << 20, 3}, tail: "go_goroutines 7\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stored deflatedSegments
			var text []byte
			comp := newCompressor()
			for k, size := range tt.segments {
				seg := make([]byte, size)
				for i := range seg {
					seg[i] = byte('a' + (i*7+i/13+k)%26)
				}
				data, err := comp.deflate(seg)
				if err != nil {
					t.Fatal(err)
				}
				stored.segments = append(stored.segments, &segment{data: data})
				stored.crc = crc32Combine(stored.crc, crc32.ChecksumIEEE(seg), int64(len(seg)))
				stored.n += int64(len(seg))
				text = append(text, seg...)
			}
			var gz bytes.Buffer
			if err := writeGzip(&gz, stored, []byte(tt.tail)); err != nil {
				t.Fatal(err)
			}
			want := append(slices.Clone(text), tt.tail...)
			zr, err := gzip.NewReader(&gz)
			if err != nil {
				t.Fatalf("gzip reader: %v", err)
			}
			zr.Multistream(false) // one member must hold it all
			got, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("read (checks CRC-32 and length): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("decompressed %d bytes differ from the %d written", len(got), len(want))
			}
			if rest, _ := io.ReadAll(&gz); len(rest) != 0 {
				t.Errorf("%d bytes after the first gzip member, want none", len(rest))
			}
			plain, err := io.ReadAll(stored.inflate())
			if err != nil || !bytes.Equal(plain, text) {
				t.Errorf("inflate: %d bytes (err %v), want the %d written", len(plain), err, len(text))
			}
		})
	}
}

func TestCRC32Combine(t *testing.T) {
	text := []byte("kpi_target{indicator=\"platform\",plan=\"test-plan\"} 30\n")
	for cut := range len(text) + 1 {
		a, b := text[:cut], text[cut:]
		got := crc32Combine(crc32.ChecksumIEEE(a), crc32.ChecksumIEEE(b), int64(len(b)))
		if want := crc32.ChecksumIEEE(text); got != want {
			t.Errorf("crc32Combine at %d = %08x, want %08x", cut, got, want)
		}
	}
}

// startPrerender runs c.Prerender on store's change notifications until
// the test ends.
func startPrerender(t *testing.T, c *Collector, store *boltstore.Store) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		c.Prerender(ctx, PrerenderOptions{Changed: store.Changed, Interval: time.Hour})
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// waitFor polls scrapes of url until one holds want.
func waitFor(t *testing.T, url, want string) {
	t.Helper()
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if body, _ = get(t, url, "gzip"); strings.Contains(body, want) {
			return
		}
	}
	t.Fatalf("no scrape holds %s; last one:\n%s", want, grepLines(body, "kpi_actual{"))
}

// TestPrerender checks that Prerender renders a write's figures as soon as
// the write commits, without a scrape asking for them.
func TestPrerender(t *testing.T) {
	store := openStore(t, testIndicators(), testObservations())
	c := newTestCollector(store)
	startPrerender(t, c, store)
	srv := httptest.NewServer(NewHandler(c, NewRegistry(c), nil))
	defer srv.Close()
	get(t, srv.URL, "gzip")

	if _, err := store.AddObservations(context.Background(), highTechFigure(20)); err != nil {
		t.Fatal(err)
	}
	want := `kpi_actual{indicator="high_tech",plan="test-plan"} 20`
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if r := c.cache.cur.Load(); r != nil {
			var b strings.Builder
			if err := r.writePlain(&b); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(b.String(), want) {
				return
			}
		}
	}
	t.Errorf("no rendering holds %s after the write (the Interval is an hour: only the store's notification can start it)", want)
}

// highTechFigure revises high_tech's 2021 figure (18 in the fixture).
func highTechFigure(v float64) kpi.Submission {
	return kpi.Submission{Actor: kpi.Actor{Name: "test", All: true}, Source: "cli", At: submittedAt,
		Observations: []kpi.Observation{{Plan: testPlan.ID, Indicator: "high_tech", Period: kpi.YearPeriod(2021), Value: v}}}
}

// gatedStates is the real kpi.States whose evaluations wait while held:
// it holds a rendering in progress.
type gatedStates struct {
	kpi.StateService
	held    atomic.Bool
	release chan struct{}
	waiting atomic.Int32
}

func (g *gatedStates) States(ctx context.Context) ([]*kpi.State, error) {
	if g.held.Load() {
		g.waiting.Add(1)
		defer g.waiting.Add(-1)
		select {
		case <-g.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return g.StateService.States(ctx)
}

// TestScrapeServedWhileRendering holds a rendering after a write and
// checks that a scrape meanwhile is answered at once with the previous
// body, and that the new figure shows once the rendering completes.
func TestScrapeServedWhileRendering(t *testing.T) {
	store := openStore(t, testIndicators(), testObservations())
	gated := &gatedStates{StateService: kpi.NewStates(store, kpi.StatesOptions{Now: func() time.Time { return asOf }}), release: make(chan struct{})}
	c := NewCollector(gated, Options{BuildVersion: "test"})
	startPrerender(t, c, store)
	srv := httptest.NewServer(NewHandler(c, NewRegistry(c), nil))
	defer srv.Close()
	before, _ := get(t, srv.URL, "gzip")
	newFigure := `kpi_actual{indicator="high_tech",plan="test-plan"} 20`
	if strings.Contains(before, newFigure) {
		t.Fatalf("the fixture already holds %s", newFigure)
	}

	gated.held.Store(true)
	if _, err := store.AddObservations(context.Background(), highTechFigure(20)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); gated.waiting.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the write started no rendering")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("scrape while a rendering is held: %v (it waited for the rendering)", err)
	}
	during, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(kpiBlocks(before), kpiBlocks(string(during))); diff != "" {
		t.Errorf("scrape during the rendering is not the previous body (-before +during):\n%s", diff)
	}
	gated.held.Store(false)
	close(gated.release)
	waitFor(t, srv.URL, newFigure)
}

// TestAuditWriteRendersNothing checks that writes changing no figure or
// target (an audit entry as an unauthenticated request leaves, a token,
// an unchanged resubmission) start no rendering, while a new figure does.
func TestAuditWriteRendersNothing(t *testing.T) {
	ctx := context.Background()
	store := openStore(t, testIndicators(), testObservations())
	c := newTestCollector(store)
	startPrerender(t, c, store)
	srv := httptest.NewServer(NewHandler(c, NewRegistry(c), nil))
	defer srv.Close()
	get(t, srv.URL, "gzip")
	first := c.cache.cur.Load()
	renders := c.cache.renders.Load()

	if err := store.AppendAudit(ctx, kpi.AuditEntry{Action: "access.denied", Actor: "anonymous", Detail: "no token"}); err != nil {
		t.Fatal(err)
	}
	if err := store.CreateToken(ctx, kpi.Token{Name: "tjj", Hash: kpi.HashToken("kpm_x")}, kpi.Actor{Name: "op"}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.AddObservations(ctx, kpi.Submission{Actor: kpi.Actor{Name: "test", All: true}, Source: "cli", At: submittedAt,
		Observations: testObservations()}); err != nil {
		t.Fatal(err)
	}
	// Wait until the loop has looked at the states since the writes: two
	// more looks, since one may have begun before them. Scrapes wake it.
	since := c.cache.looks.Load()
	deadline := time.Now().Add(time.Minute)
	for c.cache.looks.Load() < since+2 {
		if time.Now().After(deadline) {
			t.Fatalf("the render loop did not look at the states within a minute of the writes")
		}
		get(t, srv.URL, "gzip")
		time.Sleep(10 * time.Millisecond)
	}
	if got := c.cache.renders.Load(); got != renders || c.cache.cur.Load() != first {
		t.Errorf("renderings after audit, token and unchanged writes: %d → %d, want none", renders, got)
	}

	if _, err := store.AddObservations(ctx, highTechFigure(20)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, srv.URL, `kpi_actual{indicator="high_tech",plan="test-plan"} 20`)
	if got := c.cache.renders.Load(); got != renders+1 {
		t.Errorf("renderings after one new figure: %d → %d, want one", renders, got)
	}
}

// TestHandlerOpenMetrics checks the format Prometheus asks for: OpenMetrics
// when preferred, ending in # EOF, and the text format otherwise.
func TestHandlerOpenMetrics(t *testing.T) {
	store := openStore(t, testIndicators(), testObservations())
	c := newTestCollector(store)
	srv := httptest.NewServer(NewHandler(c, NewRegistry(c), nil))
	defer srv.Close()
	for _, tt := range []struct{ accept, wantType string }{
		// Prometheus 2.42's scrape Accept header.
		{"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
			"application/openmetrics-text; version=1.0.0; charset=utf-8"},
		{"text/plain;version=0.0.4", "text/plain; version=0.0.4; charset=utf-8"},
		{"", "text/plain; version=0.0.4; charset=utf-8"},
		{"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited", "text/plain; version=0.0.4; charset=utf-8"},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		req.Header.Set("Accept", tt.accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := resp.Header.Get("Content-Type"); got != tt.wantType {
			t.Errorf("Accept %q: Content-Type %q, want %q", tt.accept, got, tt.wantType)
		}
		om := strings.HasPrefix(tt.wantType, "application/openmetrics-text")
		if got := strings.HasSuffix(string(body), "# EOF\n"); got != om {
			t.Errorf("Accept %q: body ends with # EOF = %v, want %v", tt.accept, got, om)
		}
		if !strings.Contains(string(body), `kpi_target{indicator="platform",plan="test-plan"}`) {
			t.Errorf("Accept %q: body lacks kpi_target of platform", tt.accept)
		}
	}
	for _, f := range c.families {
		if strings.Contains(f.help, `"`) {
			t.Errorf("%s: HELP holds a double quote, which OpenMetrics escapes and the text format does not: the stored rendering serves both", f.name)
		}
	}
}

// TestHandlerCurl reads a scrape with libcurl (curl --compressed), which
// stops after the first gzip member: it must get the whole body, as Go's
// client does. The body is many segments compressed apart.
func TestHandlerCurl(t *testing.T) {
	curl := testkit.LookPath(t, "curl", "curl")
	inds, obs := largeFixture(2*chunkIndicators + 100)
	store := openStore(t, inds, obs)
	c := newTestCollector(store)
	srv := httptest.NewServer(NewHandler(c, NewRegistry(c), nil))
	defer srv.Close()
	want, _ := get(t, srv.URL, "identity")
	if r := c.cache.cur.Load(); r == nil || len(r.segments) < 10 {
		t.Fatalf("the rendering is not many segments long")
	}
	out, err := exec.Command(curl, "--silent", "--show-error", "--fail", "--compressed", srv.URL).Output()
	if err != nil {
		t.Fatalf("curl --compressed: %v", err)
	}
	if diff := cmp.Diff(kpiBlocks(want), kpiBlocks(string(out))); diff != "" {
		t.Errorf("curl --compressed read %d bytes, the plain body is %d; kpi families differ (-plain +curl):\n%s", len(out), len(want), diff)
	}
	headers, err := exec.Command(curl, "--silent", "--compressed", "--head", srv.URL).Output()
	if err != nil || !strings.Contains(strings.ToLower(string(headers)), "content-encoding: gzip") {
		t.Errorf("curl --compressed was not answered with gzip: %v\n%s", err, headers)
	}
}

// TestRenderReusesUnchangedChunks checks the incremental rendering: after
// one figure is written, the next rendering recompresses only the chunks
// holding that indicator, and reads exactly as a rendering from scratch
// and as the registry's exposition.
func TestRenderReusesUnchangedChunks(t *testing.T) {
	ctx := context.Background()
	inds, obs := largeFixture(2*chunkIndicators + 100)
	store := openStore(t, inds, obs)
	c := newTestCollector(store)
	states, err := c.states.States(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before, err := c.render(states, nil)
	if err != nil {
		t.Fatal(err)
	}
	sub := kpi.Submission{Actor: kpi.Actor{Name: "test", All: true}, Source: "cli", At: submittedAt,
		Observations: []kpi.Observation{{Plan: inds[7].Plan, Indicator: inds[7].ID, Period: kpi.YearPeriod(2021), Value: 99}}}
	if _, err := store.AddObservations(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if states, err = c.states.States(ctx); err != nil {
		t.Fatal(err)
	}
	incremental, err := c.render(states, before)
	if err != nil {
		t.Fatal(err)
	}
	scratch, err := c.render(states, nil)
	if err != nil {
		t.Fatal(err)
	}
	text := func(r *rendered) string {
		var b strings.Builder
		if err := r.writePlain(&b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	got, want := text(incremental), text(scratch)
	if got != want {
		t.Errorf("incremental rendering differs from one from scratch (-scratch +incremental):\n%s", cmp.Diff(kpiBlocks(want), kpiBlocks(got)))
	}
	if !strings.Contains(got, fmt.Sprintf(`kpi_actual{indicator=%q,plan="test-plan"} 99`, inds[7].ID)) {
		t.Errorf("incremental rendering lacks the new figure:\n%s", grepLines(got, "kpi_actual{indicator=\""+inds[7].ID))
	}
	registry := slices.DeleteFunc(kpiBlocks(string(exposition(t, c))), func(b string) bool {
		return strings.HasPrefix(b, "# HELP kpi_evaluation_timestamp_seconds") // served live, not rendered
	})
	if diff := cmp.Diff(registry, kpiBlocks(got)); diff != "" {
		t.Errorf("incremental rendering differs from the registry's exposition (-registry +rendering):\n%s", diff)
	}
	// Three chunks per family; the figure changes the first chunk of the
	// families it appears in (and the evaluation of its indicator).
	chunks := 0
	for _, s := range incremental.segments {
		if s.key.hash != 0 {
			chunks++
		}
	}
	if incremental.reused == 0 || incremental.reused > chunks-3 || incremental.reused < chunks*2/3 {
		t.Errorf("incremental rendering reused %d of %d chunks, want all but the few holding %s", incremental.reused, chunks, inds[7].ID)
	}
	// The chunks without the written indicator are taken as they were,
	// not written again: States kept their evaluations.
	// (Alert text chunks are written again and found unchanged.)
	if incremental.skipped < (chunks-incremental.alertSegments)/2 || incremental.skipped > incremental.reused {
		t.Errorf("incremental rendering took %d of %d chunks without writing them (reused %d), want most", incremental.skipped, chunks, incremental.reused)
	}

	// A target change under the same fixed clock evaluates everything
	// again: nothing is taken unwritten, and the new target shows.
	cat, err := store.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cat.Indicators = slices.Clone(cat.Indicators) // the store's is shared
	changed := ""
	for i := range cat.Indicators {
		if ind := &cat.Indicators[i]; changed == "" && ind.Kind == kpi.KindAtLeast && ind.ID != inds[7].ID {
			ind.Target, changed = 4321, ind.ID
		}
	}
	if _, err := store.SyncCatalog(ctx, cat, kpi.Actor{Name: "test"}); err != nil {
		t.Fatal(err)
	}
	if states, err = c.states.States(ctx); err != nil {
		t.Fatal(err)
	}
	afterTarget, err := c.render(states, incremental)
	if err != nil {
		t.Fatal(err)
	}
	if afterTarget.skipped != 0 {
		t.Errorf("after a catalog change %d chunks were taken unwritten, want none", afterTarget.skipped)
	}
	scratch, err = c.render(states, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := text(afterTarget), text(scratch); got != want {
		t.Errorf("rendering after a target change differs from one from scratch (-scratch +incremental):\n%s", cmp.Diff(kpiBlocks(want), kpiBlocks(got)))
	}
	if got := text(afterTarget); !strings.Contains(got, fmt.Sprintf(`kpi_target{indicator=%q,plan="test-plan"} 4321`, changed)) {
		t.Errorf("rendering after a target change lacks the new target:\n%s", grepLines(got, "kpi_target{indicator=\""+changed))
	}
}

// failingStates is the real kpi.States that fails while fail is set.
type failingStates struct {
	kpi.StateService
	fail atomic.Bool
}

func (f *failingStates) States(ctx context.Context) ([]*kpi.State, error) {
	if f.fail.Load() {
		return nil, errors.New("store unreadable")
	}
	return f.StateService.States(ctx)
}

// TestPrerenderFailureCounted checks that when the background rendering
// fails, scrapes still get the last good body and the failure is counted
// in promhttp_metric_handler_errors_total{cause="gathering"}, which an
// alert rule watches.
func TestPrerenderFailureCounted(t *testing.T) {
	store := openStore(t, testIndicators(), testObservations())
	states := &failingStates{StateService: kpi.NewStates(store, kpi.StatesOptions{Now: func() time.Time { return asOf }})}
	c := NewCollector(states, Options{BuildVersion: "test"})
	startPrerender(t, c, store)
	srv := httptest.NewServer(NewHandler(c, NewRegistry(c), nil))
	defer srv.Close()
	good, _ := get(t, srv.URL, "gzip")

	states.fail.Store(true)
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		body, _ = get(t, srv.URL, "gzip") // each scrape wakes the loop, which fails
		if !strings.Contains(body, `promhttp_metric_handler_errors_total{cause="gathering"} 0`) {
			break
		}
	}
	if strings.Contains(body, `promhttp_metric_handler_errors_total{cause="gathering"} 0`) {
		t.Errorf("failed background renderings are not counted:\n%s", grepLines(body, "promhttp_metric_handler_errors_total"))
	}
	if diff := cmp.Diff(kpiBlocks(good), kpiBlocks(body)); diff != "" {
		t.Errorf("while rendering fails, the scrape is not the last good body (-good +got):\n%s", diff)
	}
}

// heldWriter is a ResponseWriter whose first Write signals started and
// then blocks until release is closed: a scrape held in flight.
type heldWriter struct {
	header  http.Header
	started chan struct{}
	release chan struct{}
	once    sync.Once
}

func (w *heldWriter) Header() http.Header { return w.header }
func (w *heldWriter) WriteHeader(int)     {}
func (w *heldWriter) Write(b []byte) (int, error) {
	w.once.Do(func() { close(w.started) })
	<-w.release
	return len(b), nil
}

// TestFifthScraperWaits: before, a scrape beyond the four in flight got
// 503 ("4 scrapes already in flight"), 45 % of them with five scrapers,
// though a scrape of the prepared body costs milliseconds. Now it waits
// for a turn and gets 200.
func TestFifthScraperWaits(t *testing.T) {
	store := openStore(t, testIndicators(), testObservations())
	c := newTestCollector(store)
	h := NewHandler(c, NewRegistry(c), nil)
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range maxScrapesInFlight {
		w := &heldWriter{header: http.Header{}, started: make(chan struct{}), release: release}
		wg.Go(func() { h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil)) })
		select {
		case <-w.started:
		case <-time.After(time.Minute):
			t.Fatal("a held scrape did not start writing within a minute")
		}
	}
	fifth := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(fifth, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	}()
	select {
	case <-done:
		t.Fatalf("the fifth scrape was answered (%d) while four were in flight: want it to wait\n%s", fifth.Code, fifth.Body)
	case <-time.After(200 * time.Millisecond): // it waits (a 503 came at once before)
	}
	close(release)
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the fifth scrape was not answered within a minute of the others ending")
	}
	wg.Wait()
	if fifth.Code != http.StatusOK || !strings.Contains(fifth.Body.String(), "kpi_target{") {
		t.Errorf("fifth scrape: %d, want 200 with the indicators\n%.300s", fifth.Code, fifth.Body)
	}
}
