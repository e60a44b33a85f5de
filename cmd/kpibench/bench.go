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
	scrapeCold                       time.Duration // first scrape: renders the kpi families
	scrape                           time.Duration // warm, median
	scrapeWire                       time.Duration // warm, median, gzip bytes not decompressed
	scrapeBytes, scrapeGzipBytes     int
	rssMiB                           float64 // resident after the scrape
	pgPush, pgScrape, pgScrapeWire   time.Duration
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
	// The first scrape renders the kpi families; the next are warm. Each
	// reads the whole body as Prometheus does: gzip on the wire,
	// decompressed by the client (Go's transport).
	var times, wire []time.Duration
	for range 1 + max(1, b.cfg.scrapes) {
		d, n, err := scrape(ctx, srv.URL, true, io.Discard)
		if err != nil {
			srv.Close()
			store.Close()
			return r, err
		}
		times = append(times, d)
		r.scrapeBytes = n
		d, n, err = scrape(ctx, srv.URL, false, io.Discard)
		if err != nil {
			srv.Close()
			store.Close()
			return r, err
		}
		wire = append(wire, d)
		r.scrapeGzipBytes = n
	}
	r.scrapeCold = times[0]
	r.scrape = median(times[1:])
	r.scrapeWire = median(wire[1:])
	// The kpi_* series, to a file: what Pushgateway is fed instead.
	kpiFile := filepath.Join(dir, "kpi.prom")
	f, err := os.Create(kpiFile)
	if err != nil {
		srv.Close()
		store.Close()
		return r, err
	}
	kw := &kpiFilter{w: bufio.NewWriterSize(f, 1<<20)}
	_, _, err = scrape(ctx, srv.URL, true, kw)
	if err == nil {
		err = kw.w.Flush()
	}
	f.Close()
	srv.Close()
	if err != nil {
		store.Close()
		return r, err
	}
	r.series = kw.series
	r.rssMiB = rssMiB()
	b.logf("size %d: evaluate %v, first scrape %v, warm scrape %v (wire %v), %d bytes (%d gzip), %d kpi series, RSS %.0f MiB",
		n, r.evaluate, r.scrapeCold, r.scrape, r.scrapeWire, r.scrapeBytes, r.scrapeGzipBytes, r.series, r.rssMiB)

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
		f, err := os.Open(kpiFile)
		if err != nil {
			return r, err
		}
		r.pgPush, err = pg.push(ctx, "kpimon", f)
		f.Close()
		if err != nil {
			return r, err
		}
		times, wire = times[:0], wire[:0]
		for range max(1, b.cfg.scrapes) {
			d, n, err := scrape(ctx, pg.url+"/metrics", true, io.Discard)
			if err != nil {
				return r, err
			}
			times = append(times, d)
			r.pgBytes = n
			d, _, err = scrape(ctx, pg.url+"/metrics", false, io.Discard)
			if err != nil {
				return r, err
			}
			wire = append(wire, d)
		}
		r.pgScrape = median(times)
		r.pgScrapeWire = median(wire)
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
		r.pgPush, err = pg.push(ctx, "ingest", &text)
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

// kpiFilter keeps the kpi_* families of an exposition but kpi_ingest_*:
// what Pushgateway would be fed instead of kpimon. It counts the samples.
type kpiFilter struct {
	w       *bufio.Writer
	partial []byte // an unfinished line
	series  int
}

func (k *kpiFilter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			k.partial = append(k.partial, p...)
			break
		}
		line := p[:i+1]
		if len(k.partial) > 0 {
			line = append(k.partial, line...)
			k.partial = k.partial[:0]
		}
		p = p[i+1:]
		if keepLine(line) {
			if line[0] != '#' {
				k.series++
			}
			if _, err := k.w.Write(line); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func keepLine(line []byte) bool {
	name := line
	if rest, ok := bytes.CutPrefix(line, []byte("# HELP ")); ok {
		name = rest
	} else if rest, ok := bytes.CutPrefix(line, []byte("# TYPE ")); ok {
		name = rest
	}
	return bytes.HasPrefix(name, []byte("kpi_")) && !bytes.HasPrefix(name, []byte("kpi_ingest"))
}

// scrape GETs url and copies the body to w, returning how long the whole
// response took and its size. With decompress, it asks for gzip the way Go's
// transport does and reads the decompressed text (as Prometheus does);
// without, it reads the compressed bytes off the wire.
func scrape(ctx context.Context, url string, decompress bool, w io.Writer) (time.Duration, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, err
	}
	if !decompress {
		req.Header.Set("Accept-Encoding", "gzip") // set by hand: the transport leaves the body compressed
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return 0, 0, fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return 0, 0, fmt.Errorf("GET %s: read body: %w", url, err)
	}
	return time.Since(start), int(n), nil
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
