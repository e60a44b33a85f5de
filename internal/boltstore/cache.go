package boltstore

import (
	"cmp"
	"maps"
	"slices"
	"sync"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Latest and Catalog are read on every evaluation while figures and targets
// change rarely, and at national scale one read decodes millions of values.
// So the store keeps the last result of each, tagged with the bbolt
// transaction id of the snapshot it was read from, and serves copies of it
// until a write that changes what it holds commits. Writes of a few figures
// patch the cached figures instead of dropping them.
//
// Validity: each write runs under Store.writeMu, and after its commit (tx id
// W) records W as the cache's "changed" mark. A result read from snapshot T
// may be cached, or served, only while T >= changed: it then holds every
// committed change.

// maxPatch is the most figures a write patches into the cached Latest; a
// larger write drops the cache, and the next Latest reads the store again.
const maxPatch = 50000

type latestCache struct {
	mu      sync.Mutex
	m       map[kpi.Ref][]kpi.Observation // never handed out: callers get clones
	tx      uint64                        // snapshot m reflects
	changed uint64                        // last committed write that changed figures
}

// get returns a copy of the cached figures if they are current.
func (c *latestCache) get() (map[kpi.Ref][]kpi.Observation, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || c.tx < c.changed {
		return nil, false
	}
	return maps.Clone(c.m), true
}

// put offers figures read from snapshot tx and returns a copy for the caller.
func (c *latestCache) put(m map[kpi.Ref][]kpi.Observation, tx uint64) map[kpi.Ref][]kpi.Observation {
	c.mu.Lock()
	defer c.mu.Unlock()
	if tx >= c.changed && (c.m == nil || tx >= c.tx) {
		c.m, c.tx = m, tx
		return maps.Clone(m)
	}
	return m // not cached: the caller may have it
}

// committed records write tx, which stored outcomes, and patches the cache
// with the added and revised figures if it was current before the write.
// Called under Store.writeMu, so in commit order.
func (c *latestCache) committed(tx uint64, outcomes []kpi.Outcome) {
	c.mu.Lock()
	defer c.mu.Unlock()
	current := c.m != nil && c.tx >= c.changed
	c.changed = tx
	if !current || len(outcomes) > maxPatch {
		c.m = nil
		return
	}
	// Slices may be held by callers: replace, never modify them.
	fresh := make(map[kpi.Ref]bool)
	for i := range outcomes {
		o := &outcomes[i]
		if o.Result == kpi.ResultUnchanged {
			continue
		}
		ref := o.Observation.Ref()
		obs := c.m[ref]
		if !fresh[ref] {
			obs = slices.Clone(obs)
			fresh[ref] = true
		}
		i, found := slices.BinarySearchFunc(obs, o.Observation.Period, func(e kpi.Observation, p kpi.Period) int {
			return comparePeriods(e.Period, p)
		})
		if found {
			obs[i] = o.Observation
		} else {
			obs = slices.Insert(obs, i, o.Observation)
		}
		c.m[ref] = obs
	}
	for ref := range fresh {
		obs := c.m[ref]
		c.m[ref] = obs[:len(obs):len(obs)] // appending by a caller copies
	}
	c.tx = tx
}

// comparePeriods orders periods as their keys sort (keys.go).
func comparePeriods(a, b kpi.Period) int {
	freq := func(p kpi.Period) (int, int) {
		switch {
		case p.Quarter != 0:
			return 1, p.Quarter
		case p.Month != 0:
			return 2, p.Month
		}
		return 0, 0
	}
	af, an := freq(a)
	bf, bn := freq(b)
	if c := cmp.Compare(a.Year, b.Year); c != 0 {
		return c
	}
	if c := cmp.Compare(af, bf); c != 0 {
		return c
	}
	return cmp.Compare(an, bn)
}

type catalogCache struct {
	mu      sync.Mutex
	cat     *kpi.Catalog // never handed out: callers get copies
	tx      uint64
	changed uint64
}

// copyCatalog copies the slices of cat (not the strings and unit lists
// within, which nobody modifies).
func copyCatalog(cat *kpi.Catalog) kpi.Catalog {
	return kpi.Catalog{Plans: slices.Clone(cat.Plans), Indicators: slices.Clone(cat.Indicators)}
}

func (c *catalogCache) get() (kpi.Catalog, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cat == nil || c.tx < c.changed {
		return kpi.Catalog{}, false
	}
	return copyCatalog(c.cat), true
}

func (c *catalogCache) put(cat kpi.Catalog, tx uint64) kpi.Catalog {
	c.mu.Lock()
	defer c.mu.Unlock()
	if tx >= c.changed && (c.cat == nil || tx >= c.tx) {
		c.cat, c.tx = &cat, tx
		return copyCatalog(&cat)
	}
	return cat
}

func (c *catalogCache) committed(tx uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.changed = tx
	c.cat = nil
}
