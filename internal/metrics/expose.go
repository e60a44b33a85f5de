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
	// Before any sample is written: which indicators carry a recovery text.
	forgotten := c.recov.see(states)
	// States kept from the previous evaluation (same State.Pass, same
	// indicator in the same place) render as before: their chunks are
	// taken without being written again.
	w := chunkWork{states: states, same: sameIndicators(states, prev), seed: maphash.MakeSeed()}
	if w.same {
		w.prev, r.order = prev, prev.order
		w.changed = changedStates(states, prev.states)
		// A kept state whose recovery text was dropped renders anew, as
		// every state does at a new day's evaluation.
		if len(forgotten) > 0 {
			for i, st := range states {
				if forgotten[st.Indicator.Ref()] {
					w.changed[i] = true
				}
			}
		}
	} else {
		r.order = c.labelOrder(states)
	}
	if prev != nil {
		w.reuse, w.seed = prev.reusable(), prev.hashSeed
	}
	w.parts = c.exposeParts(r.order)
	firstJob := w.cut()
	results := w.write()

	r.chunks = make([]chunkResult, len(w.jobs))
	for j, res := range results {
		r.chunks[j] = chunkResult{seg: res.seg, samples: res.samples}
	}
	comp := newCompressor()
	var header bytes.Buffer
	for p, pt := range w.parts {
		partResults := results[firstJob[p]:firstJob[p+1]]
		if f := pt.f; f != nil && f.alert != nil {
			var last *alertList
			if w.same {
				last = prev.alerts[f.name]
			}
			list, alerts := c.renderAlerts(states, pt.order, f, last, w.changed, w.seed)
			if r.alerts == nil {
				r.alerts = make(map[string]*alertList)
			}
			r.alerts[f.name] = list
			partResults = append(slices.Clip(partResults), alerts...)
			r.alertSegments += len(alerts)
		}
		if err := r.addPart(pt, partResults, comp, &header); err != nil {
			return nil, err
		}
	}
	r.hashSeed = w.seed
	return r, nil
}

// sameIndicators reports whether states hold the indicators prev rendered,
// in the same places, so prev's label order and chunks apply.
func sameIndicators(states []*kpi.State, prev *rendered) bool {
	same := prev != nil && len(prev.states) == len(states) && len(prev.chunks) > 0
	for i := 0; same && i < len(states); i++ {
		same = states[i] == prev.states[i] || states[i].Indicator.Ref() == prev.states[i].Indicator.Ref()
	}
	return same
}

// changedStates says, for each of states, whether it is not the state
// was (the previous rendering's, at the same place) rendered.
func changedStates(states, was []*kpi.State) []bool {
	changed := make([]bool, len(states))
	for i, st := range states {
		// kpi.States hands out the same *State for a state it kept.
		changed[i] = st != was[i] && (st.Pass == 0 || st.Pass != was[i].Pass)
	}
	return changed
}

// reusable indexes r's segments by content, for the next rendering.
func (r *rendered) reusable() map[segmentKey]*segment {
	reuse := make(map[segmentKey]*segment, len(r.segments))
	for _, s := range r.segments {
		reuse[s.key] = s
	}
	return reuse
}

// exposePart is one family in output order, rendered in chunks.
type exposePart struct {
	f     *family // nil: kpi_indicator_info
	order []int32
	name  string
	help  string
}

// exposeParts lists the families in output order, kpi_indicator_info (own
// label set and order) in its place by name.
func (c *Collector) exposeParts(order *stateOrder) []exposePart {
	var parts []exposePart
	info := c.meta[c.info]
	infoPart := exposePart{order: order.info, name: info.name, help: info.help}
	for i := range c.families {
		f := &c.families[i]
		if infoPart.name != "" && f.name > infoPart.name {
			parts = append(parts, infoPart)
			infoPart.name = ""
		}
		parts = append(parts, exposePart{f: f, order: order.index, name: f.name, help: f.help})
	}
	if infoPart.name != "" {
		parts = append(parts, infoPart)
	}
	return parts
}

// chunkWork is a rendering's chunks being written: each part cut into
// jobs of chunkIndicators states.
type chunkWork struct {
	states  []*kpi.State
	parts   []exposePart
	jobs    []chunkJob
	same    bool      // states are prev's indicators in the same places
	prev    *rendered // when same
	changed []bool    // when same: states[i] is not the state prev rendered
	seed    maphash.Seed
	reuse   map[segmentKey]*segment // prev's segments by content; nil without prev
}

type chunkJob struct {
	part, lo, hi int
}

// cut makes the jobs and returns where each part's jobs start (and, last,
// their number). Samples with alert text, which the registry sorts after
// the others of their family (more labels) in label-value order, are
// rendered after the chunks (renderAlerts), cut where their text says.
func (w *chunkWork) cut() []int {
	firstJob := make([]int, len(w.parts)+1)
	for p := range w.parts {
		firstJob[p] = len(w.jobs)
		for lo := 0; lo < len(w.states); lo += chunkIndicators {
			w.jobs = append(w.jobs, chunkJob{part: p, lo: lo, hi: min(lo+chunkIndicators, len(w.states))})
		}
	}
	firstJob[len(w.parts)] = len(w.jobs)
	return firstJob
}

// kept reports whether none of the states in order changed. (changed is
// one pass over the states; looking at the states' Pass per chunk and
// family walked 150 MB of states out of order eight times.)
func (w *chunkWork) kept(order []int32) bool {
	for _, i := range order {
		if w.changed[i] {
			return false
		}
	}
	return true
}

// write renders every job on all cores; a chunk whose states are all kept
// is taken as it was.
func (w *chunkWork) write() []chunkOutcome {
	results := make([]chunkOutcome, len(w.jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(w.jobs)) {
		wg.Go(func() {
			var text bytes.Buffer
			var buf []label
			comp := newCompressor()
			for j := range next {
				jb := w.jobs[j]
				pt := w.parts[jb.part]
				if w.same && w.kept(pt.order[jb.lo:jb.hi]) {
					c := w.prev.chunks[j]
					results[j] = chunkOutcome{seg: c.seg, samples: c.samples, reused: true, skipped: true}
					continue
				}
				text.Reset()
				samples := 0
				for _, i := range pt.order[jb.lo:jb.hi] {
					if pt.f == nil {
						writeInfo(&text, pt.name, w.states[i].Indicator)
						samples++
						continue
					}
					f := pt.f
					ind := w.states[i].Indicator
					f.samples(w.states[i], false, func(values []string, at *alertText, v float64) {
						if at != nil {
							return // renderAlerts
						}
						buf = sampleLabels(buf[:0], ind.ID, ind.Plan, f.names, values, nil)
						writeLine(&text, f.name, buf, v)
						samples++
					})
				}
				results[j] = keyed(text.Bytes(), samples, w.seed, w.reuse, comp)
			}
		})
	}
	for j := range w.jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	return results
}

// addPart appends a part's HELP/TYPE header and chunks to r; a part
// without samples is left out, as the registry does.
func (r *rendered) addPart(pt exposePart, results []chunkOutcome, comp *compressor, header *bytes.Buffer) error {
	samples := 0
	for _, res := range results {
		if res.err != nil {
			return fmt.Errorf("render exposition: %w", res.err)
		}
		samples += res.samples
	}
	if samples == 0 {
		return nil
	}
	header.Reset()
	writeHeader(header, pt.name, pt.help)
	data, err := comp.deflate(header.Bytes())
	if err != nil {
		return fmt.Errorf("render exposition: %w", err)
	}
	r.add(&segment{key: segmentKey{n: header.Len(), crc: crc32.ChecksumIEEE(header.Bytes())}, data: data})
	for _, res := range results {
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
	return nil
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
