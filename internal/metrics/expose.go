package metrics

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// rendered is the text exposition (format 0.0.4, which is also valid
// OpenMetrics for these gauge families) of the per-indicator kpi_* families
// of one states slice, kept deflate-compressed (deflate.go): a national
// catalog renders to hundreds of MB of text but a few tens of MB
// compressed. A scrape frames it as gzip, or inflates it for a client that
// does not take gzip.
type rendered struct {
	first  *kpi.State // identifies the states slice (and keeps it from reuse)
	n      int
	text   deflated
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
	if r.text.n == 0 {
		return nil
	}
	zr := r.text.inflate()
	defer zr.Close()
	if _, err := io.Copy(w, zr); err != nil {
		return fmt.Errorf("decompress the stored exposition: %w", err)
	}
	return nil
}

// render writes the per-indicator families of states in the text format,
// exactly as client_golang's registry and expfmt would (same families,
// labels, values, HELP and TYPE; families by name, series by label values
// within the collector's send order), deflate-compressed at BestSpeed.
func (c *Collector) render(states []kpi.State) (*rendered, error) {
	r := &rendered{n: len(states)}
	if len(states) == 0 {
		return r, nil
	}
	r.first = &states[0]
	order := c.labelOrder(states)

	pz := newParallelDeflate(runtime.GOMAXPROCS(0), c.cache.blockSize)
	w := bufio.NewWriterSize(pz, 256<<10)

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
	text, err := pz.Close()
	if err != nil {
		return nil, fmt.Errorf("render exposition: %w", err)
	}
	r.text = text
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
