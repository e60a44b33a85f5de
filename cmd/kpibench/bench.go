package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

type bench struct {
	cfg config
	out io.Writer
	log io.Writer
	y   years
}

// stackResult is one size of the whole stack: kpimon serving a generated
// catalog, Prometheus scraping it with the alert rules loaded.
type stackResult struct {
	indicators, plans, figures int

	catalogLoad, ingest       time.Duration // kpimon ingest: the first run loads the targets
	catalogLoadCPU, ingestCPU time.Duration
	ingestPeakMiB             float64
	serveStart                time.Duration // kpimon serve until /readyz

	scrape, scrapeWire   time.Duration // warm, median, read by kpibench
	textBytes, gzipBytes int
	kpiSeries            int

	kpimon memory // kernel-reported, after Prometheus' scrapes and the write

	prom          bool
	promScrapes   int
	headSeries    float64
	promMem       memory
	scrapeLast    float64 // scrape_duration_seconds, s
	scrapeMax     float64
	ruleEval      float64 // sum of prometheus_rule_group_last_duration_seconds, s
	samplesScrape float64 // scrape_samples_scraped

	fresh            time.Duration // write answered → visible in a scrape, median of the writes
	freshMin         time.Duration
	freshMax         time.Duration
	writes           int
	probeFloor       time.Duration // the probe scrape when nothing changed
	loadDuringWrites float64       // mean 1-minute load average at the writes
	kpimonIdle       memory        // before the writes
	freshScrapeMax   time.Duration // slowest probe meanwhile
	// The rendering that showed the figure, as kpimon logged it.
	renderTook                   time.Duration
	renderReused, renderSegments int
	scrapeAfterWrite             time.Duration // whole scrape (wire) right after the write
	freshScrapes                 int

	pg                    bool
	pgPush, pgScrape      time.Duration
	pgMem                 memory
	pgScrapeKpimonCompare time.Duration
}

// ingestResult is one row of the ingest table.
type ingestResult struct {
	format    string
	rows      int
	plans     int
	fileBytes int64
	dur, cpu  time.Duration
	peakMiB   float64
	summary   string
	// The same file posted to kpimon serve's API (csv only).
	apiStatus  int
	apiDur     time.Duration
	apiPeakMiB float64
	// apiIdleMiB is serve's VmRSS before the upload, apiAfterMiB its
	// VmHWM once the new figures were rendered.
	apiIdleMiB, apiAfterMiB float64
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func (b *bench) all(ctx context.Context) error {
	var stacks []stackResult
	for _, n := range b.cfg.sizes {
		r, err := b.stack(ctx, n)
		if err != nil {
			return fmt.Errorf("%d indicators: %w", n, err)
		}
		stacks = append(stacks, r)
	}
	var ingests []ingestResult
	for _, f := range []struct {
		format string
		rows   int
	}{{"csv", b.cfg.ingestRows}, {"xlsx", b.cfg.xlsxRows}} {
		if f.rows <= 0 {
			continue
		}
		r, err := b.ingest(ctx, f.format, f.rows)
		if err != nil {
			return fmt.Errorf("ingest %s: %w", f.format, err)
		}
		ingests = append(ingests, r)
	}
	b.report(stacks, ingests)
	return nil
}

// stack measures the whole stack at n indicators.
func (b *bench) stack(ctx context.Context, n int) (stackResult, error) {
	r := stackResult{indicators: n}
	dir := filepath.Join(b.cfg.dir, fmt.Sprintf("stack-%d", n))
	if !b.cfg.keep {
		defer os.RemoveAll(dir)
	}
	cat := generateCatalog(n, b.y)
	r.plans = len(cat.Plans)
	k := kpimonCmd{bin: b.cfg.kpimon, data: filepath.Join(dir, "data"), targets: filepath.Join(dir, "targets"), logDir: dir, serveEnv: b.cfg.serveEnv, ports: b.cfg.ports}
	if err := writeTargets(k.targets, cat); err != nil {
		return r, err
	}
	b.logf("%d indicators: targets written to %s (%d plans)", n, k.targets, r.plans)

	// The first ingest loads the catalog into the new store; the second
	// stores every figure.
	one := filepath.Join(dir, "one.csv")
	if err := os.WriteFile(one, fmt.Appendf(nil, "plan,indicator,period,value\nregion-0000,indicator_00,%d,10\n", b.y.first), 0o644); err != nil {
		return r, err
	}
	res, err := k.run(ctx, "ingest", one)
	if err != nil {
		return r, err
	}
	r.catalogLoad, r.catalogLoadCPU = res.wall, res.cpu
	r.figures = n * b.y.periods
	figures := filepath.Join(dir, "figures.csv")
	if _, err := writeCSVFile(figures, cat, r.figures, b.y); err != nil {
		return r, err
	}
	if res, err = k.run(ctx, "ingest", figures); err != nil {
		return r, err
	}
	r.ingest, r.ingestCPU, r.ingestPeakMiB = res.wall, res.cpu, res.peakMiB
	os.Remove(figures)
	b.logf("%d indicators: catalog loaded in %v (CPU %v), %d figures ingested in %v (CPU %v, peak RSS %.0f MiB)",
		n, r.catalogLoad, r.catalogLoadCPU, r.figures, r.ingest, r.ingestCPU, r.ingestPeakMiB)
	if res, err = k.run(ctx, "token", "create", "--name", "kpibench", "--all"); err != nil {
		return r, err
	}
	secret := lastLine(res.stdout)

	srv, start, err := k.serve(ctx)
	if err != nil {
		return r, err
	}
	defer srv.stop()
	r.serveStart = start
	b.logf("%d indicators: kpimon serve ready after %v", n, r.serveStart)

	var times, wire []time.Duration
	for range max(1, b.cfg.scrapes) {
		lines := &seriesCounter{}
		d, nb, err := scrape(ctx, srv.url+"/metrics", true, lines)
		if err != nil {
			return r, err
		}
		times, r.textBytes, r.kpiSeries = append(times, d), nb, lines.kpi
		d, nb, err = scrape(ctx, srv.url+"/metrics", false, io.Discard)
		if err != nil {
			return r, err
		}
		wire, r.gzipBytes = append(wire, d), nb
	}
	r.scrape, r.scrapeWire = median(times), median(wire)
	b.logf("%d indicators: scrape %v (wire %v), %d bytes (%d gzip), %d kpi series (%.1f per indicator)",
		n, r.scrape, r.scrapeWire, r.textBytes, r.gzipBytes, r.kpiSeries, float64(r.kpiSeries)/float64(n))

	var prom *prometheus
	if b.cfg.prometheus != "" {
		bin, err := exec.LookPath(b.cfg.prometheus)
		if err != nil {
			b.logf("prometheus %q not found: the Prometheus columns stay empty (apt-get install prometheus)", b.cfg.prometheus)
		} else {
			prom, err = startPrometheus(ctx, bin, filepath.Join(dir, "prometheus"), strings.TrimPrefix(srv.url, "http://"), b.cfg.rules, b.cfg.interval, b.cfg.ports)
			if err != nil {
				return r, err
			}
			defer prom.stop()
			if err := b.measurePrometheus(ctx, prom, &r); err != nil {
				return r, err
			}
		}
	}

	r.kpimonIdle = srv.memory()
	if err := b.freshness(ctx, srv, secret, &r); err != nil {
		return r, err
	}
	r.kpimon = srv.memory()
	b.logf("%d indicators: %d one-figure writes visible after %v median (%v–%v; probe floor %v; load average %.1f; rendering %v median, %d of %d segments reused; slowest probe meanwhile %v; whole scrape right after the write %v, warm %v); kpimon VmRSS idle %.0f MiB, after the writes %.0f MiB (anon %.0f, file %.0f), VmHWM %.0f MiB",
		n, r.writes, r.fresh, r.freshMin, r.freshMax, r.probeFloor, r.loadDuringWrites, r.renderTook, r.renderReused, r.renderSegments, r.freshScrapeMax, r.scrapeAfterWrite, r.scrapeWire,
		r.kpimonIdle.rss, r.kpimon.rss, r.kpimon.anon, r.kpimon.file, r.kpimon.hwm)
	if prom != nil {
		prom.stop()
	}

	if b.cfg.pushgateway != "" {
		if err := b.comparePushgateway(ctx, srv, dir, &r); err != nil {
			return r, err
		}
	}
	return r, nil
}

// measurePrometheus waits for cfg.promScrapes scrapes of kpimon and reads
// what Prometheus holds and took.
func (b *bench) measurePrometheus(ctx context.Context, prom *prometheus, r *stackResult) error {
	r.prom = true
	limit := time.Now().Add(time.Duration(b.cfg.promScrapes+2)*b.cfg.interval*3 + 5*time.Minute)
	for {
		got, _, err := prom.one(ctx, `count_over_time(scrape_duration_seconds{job="kpimon"}[1h]) and on() up{job="kpimon"} == 1`)
		if err != nil {
			return err
		}
		if int(got) >= b.cfg.promScrapes {
			// One more evaluation of the rules on the full head.
			if _, err := prom.self(ctx, "prometheus_rule_group_last_duration_seconds"); err == nil {
				break
			}
		}
		if time.Now().After(limit) {
			up, _, _ := prom.one(ctx, `up{job="kpimon"}`)
			return fmt.Errorf("prometheus made %.0f successful scrapes of kpimon (up=%v), want %d", got, up, b.cfg.promScrapes)
		}
		time.Sleep(time.Second)
	}
	time.Sleep(b.cfg.interval) // one more rule evaluation over the full head
	var err error
	r.promScrapes = b.cfg.promScrapes
	if r.headSeries, err = prom.self(ctx, "prometheus_tsdb_head_series"); err != nil {
		return err
	}
	if r.ruleEval, err = prom.self(ctx, "prometheus_rule_group_last_duration_seconds"); err != nil {
		return err
	}
	if r.scrapeLast, _, err = prom.one(ctx, `scrape_duration_seconds{job="kpimon"}`); err != nil {
		return err
	}
	if r.scrapeMax, _, err = prom.one(ctx, `max_over_time(scrape_duration_seconds{job="kpimon"}[1h])`); err != nil {
		return err
	}
	if r.samplesScrape, _, err = prom.one(ctx, `scrape_samples_scraped{job="kpimon"}`); err != nil {
		return err
	}
	r.promMem = prom.memory()
	b.logf("%d indicators: Prometheus head %.0f series, VmRSS %.0f MiB (VmHWM %.0f), %.1f KB per indicator; scrape %.2f s (max %.2f s); rules %.3f s",
		r.indicators, r.headSeries, r.promMem.rss, r.promMem.hwm, r.promMem.rss*1024/float64(r.indicators), r.scrapeLast, r.scrapeMax, r.ruleEval)
	return nil
}

// freshness writes one figure through the API cfg.writes times (a new
// value each time) and scrapes until each shows, recording how long it took
// after the write was answered (the median, fastest and slowest), the
// slowest probe meanwhile (a probe reads the body only up to the figure's
// line), and the probe's floor: the same probe when nothing changed.
func (b *bench) freshness(ctx context.Context, srv *server, secret string, r *stackResult) error {
	// kpi_actual sorts among the first families and region-0000's
	// indicator_00 first within it: a probe stops at that line, with the
	// old value or the new.
	want := regexp.MustCompile(`^kpi_actual\{indicator="indicator_00",(period="[^"]*",)?plan="region-0000"\} `)
	probe := func() (time.Duration, string, error) {
		f := &lineFinder{re: want}
		d, _, err := scrape(ctx, srv.url+"/metrics", true, f)
		if err != nil && !errors.Is(err, errFound) {
			return d, "", err
		}
		if !f.found {
			return d, "", nil
		}
		return d, strings.TrimSpace(f.line), nil
	}
	var floor []time.Duration
	for range 5 {
		d, _, err := probe()
		if err != nil {
			return err
		}
		floor = append(floor, d)
	}
	r.probeFloor = median(floor)

	var fresh, renders []time.Duration
	var loads []float64
	for w := range b.cfg.writes {
		v := strconv.Itoa(50 + w) // indicator_00 counts 家 toward 100: a whole number, below the 10× plausibility bound
		body := fmt.Sprintf("plan,indicator,period,value\nregion-0000,indicator_00,%d,%s\n", b.y.last(), v)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.url+"/api/v1/uploads?name=one.csv", strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer "+secret)
		loads = append(loads, loadAverage())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		answer, _ := io.ReadAll(io.LimitReader(resp.Body, 2000))
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("upload one figure: %s: %s", resp.Status, answer)
		}
		written := time.Now()
		if w == 0 {
			// A whole scrape (gzip bytes) right after the write, while the
			// new rendering is being made: served the previous body, it
			// should take what a warm one does.
			if r.scrapeAfterWrite, _, err = scrape(ctx, srv.url+"/metrics", false, io.Discard); err != nil {
				return err
			}
		}
		for {
			if time.Since(written) > 5*time.Minute {
				return fmt.Errorf("the figure written through the API did not show in /metrics within 5 minutes")
			}
			d, line, err := probe()
			if err != nil {
				return err
			}
			r.freshScrapes++
			r.freshScrapeMax = max(r.freshScrapeMax, d)
			if strings.HasSuffix(line, "} "+v) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		fresh = append(fresh, time.Since(written))
		took, reused, segments := srv.lastRendering()
		renders = append(renders, took)
		r.renderReused, r.renderSegments = reused, segments
	}
	r.writes = len(fresh)
	r.fresh, r.freshMin, r.freshMax = median(fresh), slices.Min(fresh), slices.Max(fresh)
	r.renderTook = median(renders)
	r.loadDuringWrites = mean(loads)
	return nil
}

// loadAverage is the 1-minute load average, 0 where unknown.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

// comparePushgateway feeds Pushgateway the kpi_* lines kpimon serves and
// scrapes both.
func (b *bench) comparePushgateway(ctx context.Context, srv *server, dir string, r *stackResult) error {
	bin, err := exec.LookPath(b.cfg.pushgateway)
	if err != nil {
		b.logf("pushgateway %q not found: comparison skipped (apt-get install prometheus-pushgateway)", b.cfg.pushgateway)
		return nil
	}
	pg, err := startPushgateway(ctx, bin, dir, b.cfg.ports)
	if err != nil {
		return err
	}
	defer pg.stop()
	kpiFile := filepath.Join(dir, "kpi.prom")
	f, err := os.Create(kpiFile)
	if err != nil {
		return err
	}
	kw := &kpiFilter{w: bufio.NewWriterSize(f, 1<<20)}
	_, _, err = scrape(ctx, srv.url+"/metrics", true, kw)
	if err == nil {
		err = kw.w.Flush()
	}
	f.Close()
	if err != nil {
		return err
	}
	f, err = os.Open(kpiFile)
	if err != nil {
		return err
	}
	r.pgPush, err = pg.push(ctx, "kpimon", f)
	f.Close()
	os.Remove(kpiFile)
	if err != nil {
		return err
	}
	var pgTimes, kTimes []time.Duration
	for range max(1, b.cfg.scrapes) {
		d, _, err := scrape(ctx, pg.url+"/metrics", true, io.Discard)
		if err != nil {
			return err
		}
		pgTimes = append(pgTimes, d)
		d, _, err = scrape(ctx, srv.url+"/metrics", true, io.Discard)
		if err != nil {
			return err
		}
		kTimes = append(kTimes, d)
	}
	r.pg, r.pgScrape, r.pgScrapeKpimonCompare, r.pgMem = true, median(pgTimes), median(kTimes), pg.memory()
	b.logf("%d indicators: Pushgateway push %v, scrape %v (kpimon %v), VmRSS %.0f MiB", r.indicators, r.pgPush, r.pgScrape, r.pgScrapeKpimonCompare, r.pgMem.rss)
	return nil
}

// ingest times `kpimon ingest` of rows figures of a province catalog
// (cfg.ingestPlans plans of 60 indicators sharing ids) from one file.
func (b *bench) ingest(ctx context.Context, format string, rows int) (ingestResult, error) {
	r := ingestResult{format: format, rows: rows, plans: b.cfg.ingestPlans}
	dir := filepath.Join(b.cfg.dir, "ingest-"+format)
	if !b.cfg.keep {
		defer os.RemoveAll(dir)
	}
	cat := generateCatalog(b.cfg.ingestPlans*indicatorsPerRegion, b.y)
	k := kpimonCmd{bin: b.cfg.kpimon, data: filepath.Join(dir, "data"), targets: filepath.Join(dir, "targets"), logDir: dir, ports: b.cfg.ports}
	if err := writeTargets(k.targets, cat); err != nil {
		return r, err
	}
	one := filepath.Join(dir, "one.csv")
	if err := os.WriteFile(one, fmt.Appendf(nil, "plan,indicator,period,value\nregion-0000,indicator_00,%d,10\n", b.y.first), 0o644); err != nil {
		return r, err
	}
	res, err := k.run(ctx, "ingest", one)
	if err != nil {
		return r, err
	}
	b.logf("ingest %s: catalog of %d plans loaded in %v (CPU %v)", format, b.cfg.ingestPlans, res.wall, res.cpu)
	file := filepath.Join(dir, "figures."+format)
	if format == "xlsx" {
		r.fileBytes, err = writeXLSXFile(file, cat, rows, b.y)
	} else {
		r.fileBytes, err = writeCSVFile(file, cat, rows, b.y)
	}
	if err != nil {
		return r, err
	}
	b.logf("ingest %s: %d rows, %d bytes generated", format, rows, r.fileBytes)
	if res, err = k.run(ctx, "ingest", file); err != nil {
		return r, err
	}
	r.dur, r.cpu, r.peakMiB, r.summary = res.wall, res.cpu, res.peakMiB, strings.ReplaceAll(lastLine(res.stdout), file, filepath.Base(file))
	b.logf("ingest %s: %d rows in %v (CPU %v), peak RSS %.0f MiB: %s", format, rows, r.dur, r.cpu, r.peakMiB, r.summary)
	if err := b.ingestAPI(ctx, k, file, &r); err != nil {
		return r, err
	}
	return r, nil
}

// ingestAPI posts the file to /api/v1/uploads of a kpimon serve with
// default limits on a new data dir (the same catalog), as a unit's
// program would: the answer, how long it took and serve's VmHWM.
func (b *bench) ingestAPI(ctx context.Context, k kpimonCmd, file string, r *ingestResult) error {
	k.data = k.data + "-api"
	k.logDir = filepath.Join(k.logDir, "api")
	if err := os.MkdirAll(k.logDir, 0o755); err != nil {
		return err
	}
	res, err := k.run(ctx, "token", "create", "--name", "kpibench", "--all")
	if err != nil {
		return err
	}
	secret := lastLine(res.stdout)
	srv, _, err := k.serve(ctx)
	if err != nil {
		return err
	}
	defer srv.stop()
	body, err := os.Open(file)
	if err != nil {
		return err
	}
	defer body.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.url+"/api/v1/uploads?name="+filepath.Base(file), body)
	if err != nil {
		return err
	}
	ctype := "text/csv"
	if r.format == "xlsx" {
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+secret)
	r.apiIdleMiB = srv.memory().rss
	renderings := srv.renderings()
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	r.apiStatus, r.apiDur, r.apiPeakMiB = resp.StatusCode, time.Since(start), srv.memory().hwm
	// The server then evaluates every indicator the file changed and
	// renders /metrics again: its peak may come after the answer.
	for deadline := time.Now().Add(5 * time.Minute); srv.renderings() == renderings && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
	}
	r.apiAfterMiB = srv.memory().hwm
	b.logf("ingest %s through the API (default limits): %s in %v, kpimon serve VmRSS before %.0f MiB, VmHWM %.0f MiB at the answer, %.0f MiB once /metrics was rendered again",
		r.format, resp.Status, r.apiDur, r.apiIdleMiB, r.apiPeakMiB, r.apiAfterMiB)
	return nil
}

// seriesCounter counts the kpi_* samples (not kpi_ingest_*) of an exposition.
type seriesCounter struct {
	partial []byte
	kpi     int
}

func (c *seriesCounter) Write(p []byte) (int, error) {
	return eachLine(&c.partial, p, func(line []byte) {
		if bytes.HasPrefix(line, []byte("kpi_")) && !bytes.HasPrefix(line, []byte("kpi_ingest")) {
			c.kpi++
		}
	}), nil
}

// lineFinder reports whether a line of the exposition matches re.
type lineFinder struct {
	partial []byte
	re      *regexp.Regexp
	found   bool
	line    string
}

func (f *lineFinder) Write(p []byte) (int, error) {
	n := eachLine(&f.partial, p, func(line []byte) {
		if !f.found && bytes.HasPrefix(line, []byte("kpi_")) && f.re.Match(line) {
			f.found, f.line = true, string(line)
		}
	})
	if f.found {
		return n, errFound
	}
	return n, nil
}

// errFound stops reading a body once lineFinder has found its line.
var errFound = errors.New("found")

// kpiFilter keeps the kpi_* families of an exposition but kpi_ingest_*:
// what Pushgateway would be fed instead of kpimon.
type kpiFilter struct {
	w       *bufio.Writer
	partial []byte
	err     error
}

func (k *kpiFilter) Write(p []byte) (int, error) {
	n := eachLine(&k.partial, p, func(line []byte) {
		if keepLine(line) && k.err == nil {
			_, k.err = k.w.Write(line)
		}
	})
	return n, k.err
}

// eachLine calls fn with every complete line of p (with its newline),
// carrying an unfinished one over in partial.
func eachLine(partial *[]byte, p []byte, fn func(line []byte)) int {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			*partial = append(*partial, p...)
			break
		}
		line := p[:i+1]
		if len(*partial) > 0 {
			line = append(*partial, line...)
			*partial = (*partial)[:0]
		}
		p = p[i+1:]
		fn(line)
	}
	return n
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
	var header http.Header
	if !decompress {
		header = http.Header{"Accept-Encoding": {"gzip"}} // set by hand: the transport leaves the body compressed
	}
	start := time.Now()
	resp, err := get(ctx, url, header)
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
		return time.Since(start), int(n), fmt.Errorf("GET %s: read body: %w", url, err)
	}
	return time.Since(start), int(n), nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
