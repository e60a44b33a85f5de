package metrics

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"hash/maphash"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// rendered is the text exposition (format 0.0.4, which is also valid
// OpenMetrics for these gauge families) of the per-indicator kpi_* families
// of one states slice, kept deflate-compressed in segments (deflate.go): a
// national catalog renders to hundreds of MB of text but a few tens of MB
// compressed. A scrape frames the segments as one gzip member, or inflates
// them for a client that does not take gzip.
//
// Each family is cut into chunks of chunkIndicators indicators, one
// segment each. The next rendering takes the chunks whose states States
// kept (State.Pass) as they are, writes the others' text again and
// compresses only the chunks whose text changed: after one figure is
// written, one chunk per family.
type rendered struct {
	first    **kpi.State // identifies the states slice (and keeps it from reuse)
	states   []*kpi.State
	order    *stateOrder
	chunks   []chunkResult // by job: part, then chunk
	n        int
	segments []*segment
	text     deflated // crc and n of the whole text; data unused
	series   int      // samples
	took     time.Duration
	reused   int // segments taken from the previous rendering
	skipped  int // of which not even written again: their states were kept
	// alerts are the samples with alert text of each family, for the next
	// rendering to take those of unchanged states from.
	alerts        map[string]*alertList
	alertSegments int // segments of samples with alert text
	// hashSeed keys the segments; the next rendering uses the same.
	hashSeed maphash.Seed
}

// chunkResult is one chunk of one family as rendered.
type chunkResult struct {
	seg     *segment
	samples int
}

// segment is one compressed chunk of the text, known by its content.
type segment struct {
	key  segmentKey
	data []byte // sync-flushed deflate data
}

// segmentKey identifies a chunk's text: its length, CRC-32 and a 64-bit
// hash (a collision of all three is beyond any practical concern).
type segmentKey struct {
	n    int
	crc  uint32
	hash uint64
}

// chunkIndicators is the number of indicators per segment: small enough
// that a write recompresses little, large enough that compression keeps
// its ratio and the segment list stays short (88 chunks per family at
// 180,000 indicators).
const chunkIndicators = 2048

func (r *rendered) matches(states []*kpi.State) bool {
	if r == nil || r.n != len(states) {
		return false
	}
	if len(states) == 0 {
		return true
	}
	return r.first == &states[0]
}

// deflatedText returns the segments as one deflated text (for writeGzip).
func (r *rendered) deflatedText() deflatedSegments {
	if r == nil {
		return deflatedSegments{}
	}
	return deflatedSegments{segments: r.segments, crc: r.text.crc, n: r.text.n}
}

// writePlain writes the decompressed text to w.
func (r *rendered) writePlain(w io.Writer) error {
	if r.text.n == 0 {
		return nil
	}
	zr := r.deflatedText().inflate()
	defer zr.Close()
	if _, err := io.Copy(w, zr); err != nil {
		return fmt.Errorf("decompress the stored exposition: %w", err)
	}
	return nil
}

// render writes the per-indicator families of states in the text format,
// exactly as client_golang's registry and expfmt would (same families,
// labels, values, HELP and TYPE; families by name, series by label values
// within the collector's send order), deflate-compressed at BestSpeed in
// chunks on all cores, reusing prev's compressed chunks whose text is
// unchanged.
func (c *Collector) render(states []*kpi.State, prev *rendered) (*rendered, error) {
	r := &rendered{n: len(states)}
	if len(states) == 0 {
		return r, nil
	}
	r.first, r.states = &states[0], states
	// States kept from the previous evaluation (same State.Pass, same
	// indicator in the same place) render as before: their chunks are
	// taken without being written again.
	same := prev != nil && len(prev.states) == len(states) && len(prev.chunks) > 0
	for i := 0; same && i < len(states); i++ {
		same = states[i] == prev.states[i] || states[i].Indicator.Ref() == prev.states[i].Indicator.Ref()
	}
	var order *stateOrder
	if same {
		order = prev.order
	} else {
		order = c.labelOrder(states)
	}
	r.order = order

	// The families in output order, kpi_indicator_info (own label set and
	// order) in its place by name; each cut into chunks.
	type part struct {
		f     *family // nil: kpi_indicator_info
		order []int32
		name  string
		help  string
	}
	var parts []part
	info := c.meta[c.info]
	infoPart := part{order: order.info, name: info.name, help: info.help}
	for i := range c.families {
		f := &c.families[i]
		if infoPart.name != "" && f.name > infoPart.name {
			parts = append(parts, infoPart)
			infoPart.name = ""
		}
		parts = append(parts, part{f: f, order: order.index, name: f.name, help: f.help})
	}
	if infoPart.name != "" {
		parts = append(parts, infoPart)
	}
	// Samples with alert text, which the registry sorts after the others
	// of their family (more labels) in label-value order, are rendered
	// after the chunks (renderAlerts), cut where their text says.
	type job struct {
		part, lo, hi int
	}
	var jobs []job
	firstJob := make([]int, len(parts)+1)
	for p := range parts {
		firstJob[p] = len(jobs)
		for lo := 0; lo < len(states); lo += chunkIndicators {
			jobs = append(jobs, job{part: p, lo: lo, hi: min(lo+chunkIndicators, len(states))})
		}
	}
	firstJob[len(parts)] = len(jobs)

	var reuse map[segmentKey]*segment
	if prev != nil {
		reuse = make(map[segmentKey]*segment, len(prev.segments))
		for _, s := range prev.segments {
			reuse[s.key] = s
		}
	}
	// changed[i]: states[i] is not the state prev rendered (nil: nothing
	// is taken from prev).
	var changed []bool
	if same {
		changed = make([]bool, len(states))
		for i := range states {
			// kpi.States hands out the same *State for a state it kept.
			st, was := states[i], prev.states[i]
			changed[i] = st != was && (st.Pass == 0 || st.Pass != was.Pass)
		}
	}
	// A chunk whose states are all kept is taken as it was. (changed is
	// one pass over the states; looking at the states' Pass per chunk and
	// family walked 150 MB of states out of order eight times.)
	kept := func(order []int32) bool {
		for _, i := range order {
			if changed[i] {
				return false
			}
		}
		return true
	}
	results := make([]chunkOutcome, len(jobs))
	seed := maphash.MakeSeed()
	if prev != nil {
		seed = prev.hashSeed
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(jobs)) {
		wg.Go(func() {
			var text bytes.Buffer
			var buf []label
			comp := newCompressor()
			for j := range next {
				jb := jobs[j]
				pt := parts[jb.part]
				if same && kept(pt.order[jb.lo:jb.hi]) {
					c := prev.chunks[j]
					results[j] = chunkOutcome{seg: c.seg, samples: c.samples, reused: true, skipped: true}
					continue
				}
				text.Reset()
				samples := 0
				for _, i := range pt.order[jb.lo:jb.hi] {
					if pt.f == nil {
						writeInfo(&text, pt.name, &states[i].Indicator)
						samples++
						continue
					}
					f := pt.f
					ind := &states[i].Indicator
					f.samples(states[i], false, func(values []string, at *alertText, v float64) {
						if at != nil {
							return // renderAlerts
						}
						buf = sampleLabels(buf[:0], ind.ID, ind.Plan, f.names, values, nil)
						writeLine(&text, f.name, buf, v)
						samples++
					})
				}
				results[j] = keyed(text.Bytes(), samples, seed, reuse, comp)
			}
		})
	}
	for j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()

	r.chunks = make([]chunkResult, len(jobs))
	for j, res := range results {
		r.chunks[j] = chunkResult{seg: res.seg, samples: res.samples}
	}
	comp := newCompressor()
	var header bytes.Buffer
	for p, pt := range parts {
		partResults := results[firstJob[p]:firstJob[p+1]]
		if f := pt.f; f != nil && f.alert != nil {
			var last *alertList
			if same {
				last = prev.alerts[f.name]
			}
			list, alerts := c.renderAlerts(states, pt.order, f, last, changed, seed)
			if r.alerts == nil {
				r.alerts = make(map[string]*alertList)
			}
			r.alerts[f.name] = list
			partResults = append(slices.Clip(partResults), alerts...)
			r.alertSegments += len(alerts)
		}
		samples := 0
		for _, res := range partResults {
			if res.err != nil {
				return nil, fmt.Errorf("render exposition: %w", res.err)
			}
			samples += res.samples
		}
		if samples == 0 {
			continue // no family without samples, as the registry does
		}
		header.Reset()
		writeHeader(&header, pt.name, pt.help)
		data, err := comp.deflate(header.Bytes())
		if err != nil {
			return nil, fmt.Errorf("render exposition: %w", err)
		}
		r.add(&segment{key: segmentKey{n: header.Len(), crc: crc32.ChecksumIEEE(header.Bytes())}, data: data})
		for _, res := range partResults {
			if res.seg.key.n == 0 {
				continue
			}
			r.add(res.seg)
			if res.reused {
				r.reused++
			}
			if res.skipped {
				r.skipped++
			}
		}
		r.series += samples
	}
	r.hashSeed = seed
	return r, nil
}

// chunkOutcome is one chunk of a rendering being made.
type chunkOutcome struct {
	seg     *segment
	samples int
	reused  bool // taken from the previous rendering
	skipped bool // of which not even written again
	err     error
}

// keyed returns the segment of text: the previous rendering's of the same
// content if there is one (reuse), else text compressed.
func keyed(text []byte, samples int, seed maphash.Seed, reuse map[segmentKey]*segment, comp *compressor) chunkOutcome {
	key := segmentKey{n: len(text), crc: crc32.ChecksumIEEE(text), hash: maphash.Bytes(seed, text)}
	if s, ok := reuse[key]; ok {
		return chunkOutcome{seg: s, samples: samples, reused: true}
	}
	data, err := comp.deflate(text)
	return chunkOutcome{seg: &segment{key: key, data: data}, samples: samples, err: err}
}

// add appends s to the rendering's text.
func (r *rendered) add(s *segment) {
	r.segments = append(r.segments, s)
	r.text.crc = crc32Combine(r.text.crc, s.key.crc, int64(s.key.n))
	r.text.n += int64(s.key.n)
}

// writeLine writes one sample: name{label="value",…} v, labels sorted.
func writeLine(w *bytes.Buffer, name string, labels []label, v float64) {
	w.WriteString(name)
	sep := byte('{')
	for _, l := range labels {
		w.WriteByte(sep)
		sep = ','
		w.WriteString(l.name)
		w.WriteString(`="`)
		w.WriteString(escapeLabel(l.value))
		w.WriteByte('"')
	}
	w.WriteString("} ")
	w.Write(appendFloat(w.AvailableBuffer(), v))
	w.WriteByte('\n')
}

// writeInfo writes the kpi_indicator_info sample of ind, whose label set
// is its own.
func writeInfo(w *bytes.Buffer, name string, ind *kpi.Indicator) {
	w.WriteString(name)
	sep := byte('{')
	for _, lp := range infoLabels(ind) {
		w.WriteByte(sep)
		sep = ','
		w.WriteString(lp.GetName())
		w.WriteString(`="`)
		w.WriteString(escapeLabel(lp.GetValue()))
		w.WriteByte('"')
	}
	w.WriteString("} 1\n")
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
