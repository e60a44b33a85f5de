package boltstore

import (
	"sync"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// The catalog is read on every full evaluation and by every ingest while
// it changes rarely. So the store keeps the last one read, tagged with the
// bbolt transaction id of the snapshot it was read from, and hands it out
// until a write that changes the catalog commits: one catalog in memory,
// shared by the states, the ingest index and every other reader (a
// province's is 180,000 indicators, 65 MB).
//
// Validity: each write runs under Store.writeMu, and after its commit (tx id
// W) records W as the cache's "changed" mark. A result read from snapshot T
// may be cached, or served, only while T >= changed: it then holds every
// committed change.
//
// Figures are not cached: kpi.States reads them one indicator at a time
// (EachLatest, LatestOf) and learns from figureLog which indicators a
// write changed.

// figureLogMax bounds the indicators figureLog remembers: a larger write
// (an ingest of a whole year) is not listed, and the next evaluation
// evaluates every indicator.
const figureLogMax = 50000

// figureLog remembers which indicators' figures the recent commits
// changed, so that kpi.States evaluates again only those after a write
// (FiguresChangedSince).
type figureLog struct {
	mu sync.Mutex
	// floor is the newest commit the log may not list: the log holds every
	// figure commit after it. 0 before the first commit is known (Open
	// sets it to the store's generation).
	floor   uint64
	entries []figureCommit
	refs    int // total refs in entries
}

type figureCommit struct {
	tx   uint64
	refs []kpi.Ref
}

// start sets the floor to the generation of a store just opened.
func (l *figureLog) start(gen uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.floor, l.entries, l.refs = gen, nil, 0
}

// committed records the indicators write tx changed; nil: more than
// figureLogMax (see changedRefs), so the log forgets everything up to tx.
// Called under Store.writeMu, so in commit order.
func (l *figureLog) committed(tx uint64, refs []kpi.Ref) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if refs == nil {
		l.floor, l.entries, l.refs = tx, nil, 0
		return
	}
	l.entries = append(l.entries, figureCommit{tx: tx, refs: refs})
	l.refs += len(refs)
	for l.refs > figureLogMax || len(l.entries) > 4096 {
		l.floor = l.entries[0].tx
		l.refs -= len(l.entries[0].refs)
		l.entries[0] = figureCommit{}
		l.entries = l.entries[1:]
	}
}

// changedRefs gathers the indicators a write changes, once each, up to
// figureLogMax; past that it holds nothing (the log is told to forget).
type changedRefs struct {
	seen     map[kpi.Ref]struct{}
	refs     []kpi.Ref
	overflow bool
}

func (c *changedRefs) add(ref kpi.Ref) {
	if c.overflow || (len(c.refs) > 0 && c.refs[len(c.refs)-1] == ref) {
		return // a file's rows come grouped by indicator
	}
	if _, ok := c.seen[ref]; ok {
		return
	}
	if len(c.refs) == figureLogMax {
		c.overflow, c.seen, c.refs = true, nil, nil
		return
	}
	if c.seen == nil {
		c.seen = make(map[kpi.Ref]struct{})
	}
	c.seen[ref] = struct{}{}
	c.refs = append(c.refs, ref)
}

// list returns the indicators, nil when there were too many.
func (c *changedRefs) list() []kpi.Ref {
	if c.overflow {
		return nil
	}
	return c.refs
}

// since returns the indicators changed by the commits after gen, and
// whether the log reaches back that far.
func (l *figureLog) since(gen uint64) ([]kpi.Ref, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if gen < l.floor {
		return nil, false
	}
	var refs []kpi.Ref
	seen := make(map[kpi.Ref]bool)
	for _, e := range l.entries {
		if e.tx <= gen {
			continue
		}
		for _, ref := range e.refs {
			if !seen[ref] {
				seen[ref] = true
				refs = append(refs, ref)
			}
		}
	}
	return refs, true
}

type catalogCache struct {
	mu      sync.Mutex
	cat     *kpi.Catalog // shared with every caller: read-only
	tx      uint64
	changed uint64
}

// get returns the cached catalog if it is current. It is shared: no
// caller may modify it.
func (c *catalogCache) get() (kpi.Catalog, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cat == nil || c.tx < c.changed {
		return kpi.Catalog{}, false
	}
	return *c.cat, true
}

// put offers a catalog read from snapshot tx, and returns it.
func (c *catalogCache) put(cat kpi.Catalog, tx uint64) kpi.Catalog {
	c.mu.Lock()
	defer c.mu.Unlock()
	if tx >= c.changed && (c.cat == nil || tx >= c.tx) {
		c.cat, c.tx = &cat, tx
	}
	return cat
}

func (c *catalogCache) committed(tx uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.changed = tx
	c.cat = nil
}
