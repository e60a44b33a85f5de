package metrics

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// rendered is the text exposition (format 0.0.4) of the per-indicator kpi_*
// families of one states slice, kept gzip-compressed: a national catalog
// renders to some 380 MB of text but 14 MB of gzip. Prometheus asks for
// gzip; a plain client gets it decompressed on the fly.
type rendered struct {
	first  *kpi.State // identifies the states slice (and keeps it from reuse)
	n      int
	gz     []byte
	plain  int           // bytes of text
	series int           // samples
	took   time.Duration // rendering and compression
}

func (r *rendered) matches(states []kpi.State) bool {
	if r == nil || r.n != len(states) {
		return false
	}
	if len(states) == 0 {
		return true
	}
	return r.first == &states[0]
}

// writePlain writes the decompressed text to w.
func (r *rendered) writePlain(w io.Writer) error {
	if len(r.gz) == 0 {
		return nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.gz))
	if err != nil {
		return fmt.Errorf("decompress the cached exposition: %w", err)
	}
	_, err = io.Copy(w, zr)
	return err
}

// renderCache holds the last rendering. Whoever finds it stale renders
// while the others wait for the result (one rendering at a time, however
// many scrapers), then everyone reads it until the states change.
type renderCache struct {
	c    *Collector
	last chan *rendered // holds one value; receiving it is holding the lock
}

func newRenderCache(c *Collector) *renderCache {
	rc := &renderCache{c: c, last: make(chan *rendered, 1)}
	rc.last <- nil
	return rc
}

// get returns the rendering of states, rendering it if the cached one is of
// another slice.
func (rc *renderCache) get(ctx context.Context, states []kpi.State) (*rendered, error) {
	var r *rendered
	select {
	case r = <-rc.last:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for the exposition being rendered: %w", ctx.Err())
	}
	defer func() { rc.last <- r }()
	if r.matches(states) {
		return r, nil
	}
	start := time.Now()
	next, err := rc.c.render(states)
	if err != nil {
		return nil, err
	}
	next.took = time.Since(start)
	rc.c.logger.Debug("metrics: exposition rendered", "indicators", len(states), "series", next.series,
		"bytes", next.plain, "gzip_bytes", len(next.gz), "took", next.took)
	r = next
	return r, nil
}

// Prerender keeps NewHandler's exposition current between scrapes: every
// interval it asks the StateService for the states (cheap while nothing
// changed) and renders them if they are new, so the first scrape after a
// write or a new day finds the work done instead of paying for evaluation
// and rendering (seconds at national size). Optional; run it in its own
// goroutine. It returns when ctx ends.
func (c *Collector) Prerender(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		states, err := c.states.States(ctx)
		if err == nil {
			_, err = c.cache.get(ctx, states)
		}
		if err != nil && ctx.Err() == nil {
			c.logger.Warn("metrics: render the exposition ahead of scrapes", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// peek returns the last rendering without waiting, nil if none or while one
// is being made.
func (rc *renderCache) peek() *rendered {
	select {
	case r := <-rc.last:
		rc.last <- r
		return r
	default:
		return nil
	}
}

// render writes the per-indicator families of states in the text format,
// exactly as client_golang's registry and expfmt would (same families,
// labels, values, HELP and TYPE; families by name, series by label values
// within the collector's send order), gzip-compressed at BestSpeed.
func (c *Collector) render(states []kpi.State) (*rendered, error) {
	r := &rendered{n: len(states)}
	if len(states) == 0 {
		return r, nil
	}
	r.first = &states[0]
	order := c.labelOrder(states)

	pz := newParallelGzip(runtime.GOMAXPROCS(0))
	cw := &byteCounter{w: pz}
	w := bufio.NewWriterSize(cw, 256<<10)

	// Quoted, escaped label values, computed once per indicator.
	ids := make([]string, len(states))
	plans := make([]string, len(states))
	for i := range states {
		ids[i] = escapeLabel(states[i].Indicator.ID)
		plans[i] = escapeLabel(states[i].Indicator.Plan)
	}
	var num []byte
	line := func(name string, i int32, extraName, extra string, afterPlan bool, v float64) {
		w.WriteString(name)
		w.WriteString(`{indicator="`)
		w.WriteString(ids[i])
		w.WriteByte('"')
		if extraName != "" && !afterPlan {
			writeLabel(w, extraName, extra)
		}
		w.WriteString(`,plan="`)
		w.WriteString(plans[i])
		w.WriteByte('"')
		if extraName != "" && afterPlan {
			writeLabel(w, extraName, extra)
		}
		w.WriteString("} ")
		num = appendFloat(num[:0], v)
		w.Write(num)
		w.WriteByte('\n')
		r.series++
	}

	infoDone := false
	for _, f := range c.families {
		if !infoDone && f.name > c.meta[c.info].name {
			c.renderInfo(w, states, order.info, &r.series)
			infoDone = true
		}
		headed := false
		for _, i := range order.index {
			f.samples(&states[i], func(extra string, v float64) {
				if !headed {
					writeHeader(w, f.name, f.help)
					headed = true
				}
				line(f.name, i, f.extra, extra, f.extraAfterPlan, v)
			})
		}
	}
	if !infoDone {
		c.renderInfo(w, states, order.info, &r.series)
	}
	if err := w.Flush(); err != nil {
		return nil, fmt.Errorf("render exposition: %w", err)
	}
	gz, err := pz.Close()
	if err != nil {
		return nil, fmt.Errorf("render exposition: %w", err)
	}
	r.plain = cw.n
	r.gz = gz
	return r, nil
}

// renderInfo writes kpi_indicator_info, whose label set is its own.
func (c *Collector) renderInfo(w *bufio.Writer, states []kpi.State, order []int32, series *int) {
	m := c.meta[c.info]
	writeHeader(w, m.name, m.help)
	for _, i := range order {
		w.WriteString(m.name)
		sep := byte('{')
		for _, lp := range infoLabels(&states[i].Indicator) {
			w.WriteByte(sep)
			sep = ','
			w.WriteString(lp.GetName())
			w.WriteString(`="`)
			w.WriteString(escapeLabel(lp.GetValue()))
			w.WriteByte('"')
		}
		w.WriteString("} 1\n")
		*series++
	}
}

func writeHeader(w interface {
	io.Writer
	io.StringWriter
	io.ByteWriter
}, name, help string) {
	w.WriteString("# HELP ")
	w.WriteString(name)
	w.WriteByte(' ')
	w.WriteString(helpEscaper.Replace(help))
	w.WriteString("\n# TYPE ")
	w.WriteString(name)
	w.WriteString(" gauge\n")
}

// writeLabel writes `,name="value"`.
func writeLabel(w *bufio.Writer, name, value string) {
	w.WriteString(`,`)
	w.WriteString(name)
	w.WriteString(`="`)
	w.WriteString(escapeLabel(value))
	w.WriteByte('"')
}

// The escapes of expfmt's text format.
var (
	helpEscaper  = strings.NewReplacer("\\", `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer("\\", `\\`, "\n", `\n`, "\"", `\"`)
)

func escapeLabel(s string) string {
	if !strings.ContainsAny(s, "\\\n\"") {
		return s
	}
	return labelEscaper.Replace(s)
}

// appendFloat formats v as expfmt's text format does.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case v == 1:
		return append(b, '1')
	case v == 0:
		return append(b, '0')
	case v == -1:
		return append(b, "-1"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case math.IsInf(v, +1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// parallelGzip compresses what is written to it in blocks of gzipBlock
// bytes, each an independent gzip member compressed on its own goroutine
// (at most workers at a time), and joins the members in order: a gzip
// stream may hold several (RFC 1952 §2.2), which every gzip reader reads as
// one text. Compression is most of the rendering time; this spreads it over
// the cores. Each block loses the dictionary of the previous one, which
// costs well under 1% at this block size.
type parallelGzip struct {
	buf     []byte
	sem     chan struct{}
	members []chan gzipResult
}

type gzipResult struct {
	b   []byte
	err error
}

const gzipBlock = 4 << 20

func newParallelGzip(workers int) *parallelGzip {
	return &parallelGzip{sem: make(chan struct{}, max(1, workers))}
}

func (p *parallelGzip) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		if p.buf == nil {
			p.buf = make([]byte, 0, gzipBlock)
		}
		k := min(len(b), gzipBlock-len(p.buf))
		p.buf = append(p.buf, b[:k]...)
		b = b[k:]
		if len(p.buf) == gzipBlock {
			p.flush()
		}
	}
	return n, nil
}

func (p *parallelGzip) flush() {
	block := p.buf
	p.buf = nil
	done := make(chan gzipResult, 1)
	p.members = append(p.members, done)
	p.sem <- struct{}{}
	go func() {
		defer func() { <-p.sem }()
		var out bytes.Buffer
		out.Grow(len(block) / 16)
		zw, err := gzip.NewWriterLevel(&out, gzip.BestSpeed)
		if err == nil {
			_, err = zw.Write(block)
		}
		if err == nil {
			err = zw.Close()
		}
		done <- gzipResult{out.Bytes(), err}
	}()
}

// Close compresses what is left and returns the joined members.
func (p *parallelGzip) Close() ([]byte, error) {
	if len(p.buf) > 0 {
		p.flush()
	}
	results := make([]gzipResult, len(p.members))
	size := 0
	var err error
	for i, m := range p.members {
		results[i] = <-m
		size += len(results[i].b)
		if results[i].err != nil && err == nil {
			err = results[i].err
		}
	}
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	out := make([]byte, 0, size)
	for _, r := range results {
		out = append(out, r.b...)
	}
	return out, nil
}

// byteCounter counts the bytes written through it.
type byteCounter struct {
	w io.Writer
	n int
}

func (cw *byteCounter) Write(p []byte) (int, error) {
	n, err := cw.w.Write(p)
	cw.n += n
	return n, err
}
