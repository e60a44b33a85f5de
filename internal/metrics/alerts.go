package metrics

import (
	"bytes"
	"cmp"
	"hash/crc32"
	"hash/maphash"
	"runtime"
	"slices"
	"sync"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// The samples with alert text (42,000 alerting indicators of a province's
// 180,000: some 37 MB of text) are rendered apart from the chunks of their
// family: the registry sorts them after the others (more labels), in
// label-value order, which is not the indicators' order. A rendering keeps
// them as an alertList, one line each with the index and Pass of the state
// it came from; the next rendering takes the lines of the states it kept,
// words and writes only those of changed states, and merges the two in
// order. The lines are cut into chunks where a line's hash says
// (content-defined): a changed, added or removed alert changes its own
// chunk, the cuts after it fall where they fell before, and every other
// chunk keeps its compressed bytes without being written again.
const (
	alertChunkMin  = 64 << 10
	alertChunkMax  = 1 << 20
	alertCutModulo = 32 // past the minimum, one line in 32 ends a chunk
)

// alertList is one family's samples with alert text in a rendering.
type alertList struct {
	lines  []*alertLine                 // in label-value order
	chunks map[alertChunkKey]*segmentOf // by the lines they hold
}

// alertLine is one sample with alert text, as written.
type alertLine struct {
	state  int32   // index in the states slice
	labels []label // sorted by name
	v      float64
	n      int    // bytes of the line as written, newline included
	hash   uint64 // of the line as written
}

// alertChunkKey identifies a chunk of alert lines by the lines' hashes.
type alertChunkKey struct {
	n    int
	hash uint64
}

// segmentOf is a compressed alert chunk and the samples in it.
type segmentOf struct {
	seg     *segment
	samples int
}

// renderAlerts returns family f's samples with alert text as a list and
// as chunks. With last (the previous rendering's list for the same states
// slice layout) and changed, only the states marked changed are worded
// and written again.
func (c *Collector) renderAlerts(states []*kpi.State, order []int32, f *family, last *alertList, changed []bool, seed maphash.Seed) (*alertList, []chunkOutcome) {
	var scratch bytes.Buffer
	linesOf := func(i int32, buf []*alertLine) []*alertLine {
		st := states[i]
		f.samples(st, true, func(values []string, at *alertText, v float64) {
			if at == nil {
				return
			}
			labels := sampleLabels(make([]label, 0, 5+len(values)), st.Indicator.ID, st.Indicator.Plan, f.names, values, at)
			scratch.Reset()
			writeLine(&scratch, f.name, labels, v)
			buf = append(buf, &alertLine{state: i, labels: labels, v: v, n: scratch.Len(), hash: maphash.Bytes(seed, scratch.Bytes())})
		})
		return buf
	}
	byLabels := func(a, b *alertLine) int {
		if d := compareLabelValues(a.labels, b.labels); d != 0 {
			return d
		}
		return cmp.Compare(a.state, b.state)
	}
	var lines []*alertLine
	if last == nil || changed == nil {
		for _, i := range order {
			lines = linesOf(i, lines)
		}
		slices.SortFunc(lines, byLabels)
	} else {
		var fresh []*alertLine
		for _, i := range order {
			if changed[i] {
				fresh = linesOf(i, fresh)
			}
		}
		slices.SortFunc(fresh, byLabels)
		lines = make([]*alertLine, 0, len(last.lines)+len(fresh))
		for _, l := range last.lines {
			if changed[l.state] {
				continue
			}
			for len(fresh) > 0 && byLabels(fresh[0], l) < 0 {
				lines = append(lines, fresh[0])
				fresh = fresh[1:]
			}
			lines = append(lines, l)
		}
		lines = append(lines, fresh...)
	}

	// Cut, and find each chunk in the last rendering by its lines.
	list := &alertList{lines: lines, chunks: make(map[alertChunkKey]*segmentOf)}
	var out []chunkOutcome
	type pending struct {
		out   int
		lines []*alertLine
		key   alertChunkKey
	}
	var todo []pending
	start, n := 0, 0
	var h maphash.Hash
	h.SetSeed(seed)
	var num [8]byte
	cut := func(end int) {
		if end == start {
			return
		}
		key := alertChunkKey{n: n, hash: h.Sum64()}
		if last != nil {
			if s, ok := last.chunks[key]; ok {
				list.chunks[key] = s
				out = append(out, chunkOutcome{seg: s.seg, samples: s.samples, reused: true})
				start, n = end, 0
				h.Reset()
				return
			}
		}
		out = append(out, chunkOutcome{samples: end - start})
		todo = append(todo, pending{out: len(out) - 1, lines: lines[start:end], key: key})
		start, n = end, 0
		h.Reset()
	}
	for i, l := range lines {
		n += l.n
		for b := range num {
			num[b] = byte(l.hash >> (8 * b))
		}
		h.Write(num[:])
		if n >= alertChunkMax || (n >= alertChunkMin && l.hash%alertCutModulo == 0) {
			cut(i + 1)
		}
	}
	cut(len(lines))

	// Write and compress the new chunks on all cores.
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(todo)) {
		wg.Go(func() {
			comp := newCompressor()
			var text bytes.Buffer
			for t := range next {
				p := todo[t]
				text.Reset()
				for _, l := range p.lines {
					writeLine(&text, f.name, l.labels, l.v)
				}
				key := segmentKey{n: text.Len(), crc: crc32.ChecksumIEEE(text.Bytes()), hash: maphash.Bytes(seed, text.Bytes())}
				data, err := comp.deflate(text.Bytes())
				out[p.out].seg, out[p.out].err = &segment{key: key, data: data}, err
			}
		})
	}
	for t := range todo {
		next <- t
	}
	close(next)
	wg.Wait()
	for _, p := range todo {
		o := out[p.out]
		if o.err == nil {
			list.chunks[p.key] = &segmentOf{seg: o.seg, samples: o.samples}
		}
	}
	return list, out
}
