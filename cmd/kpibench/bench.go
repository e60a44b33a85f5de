package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/metrics"
)

type bench struct {
	cfg config
	out io.Writer
	log io.Writer
}

// sizeResult is one row of the scrape table.
type sizeResult struct {
	indicators, observations, series int
	load, write, evaluate, restart   time.Duration
	scrape                           time.Duration // warm, median
	scrapeBytes                      int
	rssMiB                           float64 // resident after the scrape
	pgPush, pgScrape                 time.Duration
	pgBytes                          int
	pgRSSMiB                         float64
}

// ingestResult is one row of the ingest table.
type ingestResult struct {
	format      string
	rows        int
	fileBytes   int
	dur         time.Duration
	allocMiB    float64
	rssMiB      float64
	pgPush      time.Duration
	pgPushBytes int
}

var benchActor = kpi.Actor{Name: "kpibench", All: true, Remote: "bench"}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func (b *bench) all(ctx context.Context) error {
	var pg *pushgateway
	if b.cfg.pushgateway != "" {
		path, err := exec.LookPath(b.cfg.pushgateway)
		if err != nil {
			b.logf("pushgateway %q not found: comparison skipped (apt-get install prometheus-pushgateway)", b.cfg.pushgateway)
		} else {
			pg, err = startPushgateway(ctx, path, b.cfg.dir)
			if err != nil {
				return err
			}
			defer pg.stop()
		}
	}
	var sizes []sizeResult
	for _, n := range b.cfg.sizes {
		r, err := b.size(ctx, n, pg)
		if err != nil {
			return fmt.Errorf("size %d: %w", n, err)
		}
		sizes = append(sizes, r)
	}
	var ingests []ingestResult
	if b.cfg.ingestRows > 0 {
		r, err := b.ingest(ctx, "csv", b.cfg.ingestRows, pg)
		if err != nil {
			return fmt.Errorf("ingest csv: %w", err)
		}
		ingests = append(ingests, r)
	}
	if b.cfg.xlsxRows > 0 {
		r, err := b.ingest(ctx, "xlsx", b.cfg.xlsxRows, pg)
		if err != nil {
			return fmt.Errorf("ingest xlsx: %w", err)
		}
		ingests = append(ingests, r)
	}
	b.report(sizes, ingests, pg != nil)
	return nil
}

func (b *bench) size(ctx context.Context, n int, pg *pushgateway) (sizeResult, error) {
	r := sizeResult{indicators: n}
	dir := filepath.Join(b.cfg.dir, fmt.Sprintf("size-%d", n))
	store, err := boltstore.Open(filepath.Join(dir, "kpimon.db"), boltstore.Options{})
	if err != nil {
		return r, err
	}
	cat := generateCatalog(n, b.cfg.periods)
	start := time.Now()
	if _, err := store.SyncCatalog(ctx, cat, benchActor); err != nil {
		store.Close()
		return r, err
	}
	r.load = time.Since(start)
	b.logf("size %d: catalog loaded in %v", n, r.load)

	obs := observations(cat, b.cfg.periods)
	r.observations = len(obs)
	start = time.Now()
	for chunk := range slices.Chunk(obs, 250000) {
		if _, err := store.AddObservations(ctx, kpi.Submission{Actor: benchActor, Source: "bench", At: time.Now(), Observations: chunk}); err != nil {
			store.Close()
			return r, err
		}
	}
	r.write = time.Since(start)
	obs = nil
	b.logf("size %d: %d observations written in %v", n, r.observations, r.write)

	now := func() time.Time { return kpi.YearPeriod(firstYear + b.cfg.periods - 2).End().Add(24 * time.Hour) }
	states := kpi.NewStates(store, kpi.StatesOptions{Now: now})
	start = time.Now()
	if _, err := states.States(ctx); err != nil {
		store.Close()
		return r, err
	}
	r.evaluate = time.Since(start)

	logger := slog.New(slog.DiscardHandler)
	collector := metrics.NewCollector(states, metrics.Options{Logger: logger})
	srv := httptest.NewServer(metrics.NewHandler(collector, metrics.NewRegistry(collector), logger))
	var body []byte
	var times []time.Duration
	for range max(1, b.cfg.scrapes) {
		start = time.Now()
		body, err = get(ctx, srv.URL)
		if err != nil {
			srv.Close()
			store.Close()
			return r, err
		}
		times = append(times, time.Since(start))
	}
	srv.Close()
	r.scrape = median(times)
	r.scrapeBytes = len(body)
	kpiText := kpiSeries(body)
	r.series = bytes.Count(kpiText, []byte("\n")) - bytes.Count(kpiText, []byte("\n#"))
	r.rssMiB = rssMiB()
	b.logf("size %d: evaluate %v, scrape %v, %d bytes, %d kpi series, RSS %.0f MiB", n, r.evaluate, r.scrape, r.scrapeBytes, r.series, r.rssMiB)

	if err := store.Close(); err != nil {
		return r, err
	}
	start = time.Now()
	store, err = boltstore.Open(filepath.Join(dir, "kpimon.db"), boltstore.Options{})
	if err != nil {
		return r, err
	}
	if _, err := kpi.NewStates(store, kpi.StatesOptions{Now: now}).States(ctx); err != nil {
		store.Close()
		return r, err
	}
	r.restart = time.Since(start)
	store.Close()

	if pg != nil {
		r.pgPush, err = pg.push(ctx, "kpimon", kpiText)
		if err != nil {
			return r, err
		}
		times = times[:0]
		var pgBody []byte
		for range max(1, b.cfg.scrapes) {
			start = time.Now()
			pgBody, err = get(ctx, pg.url+"/metrics")
			if err != nil {
				return r, err
			}
			times = append(times, time.Since(start))
		}
		r.pgScrape = median(times)
		r.pgBytes = len(pgBody)
		r.pgRSSMiB = pg.rssMiB()
		if err := pg.delete(ctx, "kpimon"); err != nil {
			return r, err
		}
		b.logf("size %d: pushgateway push %v, scrape %v, %d bytes, RSS %.0f MiB", n, r.pgPush, r.pgScrape, r.pgBytes, r.pgRSSMiB)
	}
	os.RemoveAll(dir)
	return r, nil
}

func (b *bench) ingest(ctx context.Context, format string, rows int, pg *pushgateway) (ingestResult, error) {
	r := ingestResult{format: format, rows: rows}
	periods := b.cfg.periods
	cat := generateCatalog((rows+periods-1)/periods, periods)
	dir := filepath.Join(b.cfg.dir, "ingest-"+format)
	store, err := boltstore.Open(filepath.Join(dir, "kpimon.db"), boltstore.Options{})
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	defer store.Close()
	if _, err := store.SyncCatalog(ctx, cat, benchActor); err != nil {
		return r, err
	}
	var file bytes.Buffer
	contentType := "text/csv"
	if format == "xlsx" {
		contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		err = writeXLSX(&file, cat, rows, periods)
	} else {
		err = writeCSV(&file, cat, rows, periods)
	}
	if err != nil {
		return r, err
	}
	r.fileBytes = file.Len()
	b.logf("ingest %s: %d rows, %d bytes generated", format, rows, r.fileBytes)
	ing, err := ingest.New(ingest.Options{Store: store, MaxRows: rows + 1})
	if err != nil {
		return r, err
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	res, err := ing.Ingest(ctx, kpi.Upload{Name: "bench." + format, ContentType: contentType, Body: file.Bytes(), Actor: benchActor, Source: "bench"})
	r.dur = time.Since(start)
	if err != nil {
		return r, err
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	r.allocMiB = float64(after.TotalAlloc-before.TotalAlloc) / (1 << 20)
	r.rssMiB = rssMiB()
	if res.Added != rows {
		return r, fmt.Errorf("ingested %d observations, want %d", res.Added, rows)
	}
	b.logf("ingest %s: %d rows in %v (%.0f rows/s), %.0f MiB allocated", format, rows, r.dur, float64(rows)/r.dur.Seconds(), r.allocMiB)
	if pg != nil && format == "csv" {
		// The same figures as Prometheus series, pushed in one request.
		var text bytes.Buffer
		text.WriteString("# TYPE kpi_observation gauge\n")
		n := 0
		for i, ind := range cat.Indicators {
			for k := 0; k < periods && n < rows; k++ {
				fmt.Fprintf(&text, "kpi_observation{plan=%q,indicator=%q,period=\"%d\"} %s\n", ind.Plan, ind.ID, firstYear+k, strconv.FormatFloat(value(ind, i, k), 'f', -1, 64))
				n++
			}
		}
		r.pgPushBytes = text.Len()
		r.pgPush, err = pg.push(ctx, "ingest", text.Bytes())
		if err != nil {
			return r, err
		}
		if err := pg.delete(ctx, "ingest"); err != nil {
			return r, err
		}
		b.logf("ingest: pushgateway took %v for the same %d series", r.pgPush, rows)
	}
	return r, nil
}

// kpiSeries keeps the kpi_* families of an exposition: what Pushgateway
// would be fed instead of kpimon.
func kpiSeries(body []byte) []byte {
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if bytes.HasPrefix(line, []byte("kpi_")) || bytes.HasPrefix(line, []byte("# HELP kpi_")) || bytes.HasPrefix(line, []byte("# TYPE kpi_")) {
			if bytes.HasPrefix(line, []byte("kpi_ingest")) || bytes.Contains(line, []byte(" kpi_ingest")) {
				continue
			}
			out.Write(line)
			out.WriteByte('\n')
		}
	}
	return out.Bytes()
}

func get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %.200s", url, resp.Status, body)
	}
	return body, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// rssMiB returns this process's resident memory after a GC that hands
// freed memory back, so it measures what stays live.
func rssMiB() float64 {
	runtime.GC()
	debug.FreeOSMemory()
	return procRSSMiB("self")
}

// procRSSMiB reads VmRSS of /proc/<pid>/status.
func procRSSMiB(pid string) float64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
