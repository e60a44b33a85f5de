package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// planRecord is a stored plan.
type planRecord struct {
	Plan    kpi.Plan `json:"plan"`
	Removed bool     `json:"removed,omitempty"`
	// Order is the plan's indicator ids in catalog (document) order, so
	// Catalog lists them as the targets file does. It is not part of the
	// plan's definition: a new order alone is stored without an audit entry.
	Order []string `json:"order,omitempty"`
	// LoadedAt is when the plan was first synced into the store (for a
	// store written before it was kept: its first sync since), the default
	// start of the report duty (kpi.Plan.DutyStart). Catalog returns it as
	// kpi.Plan.LoadedAt; it is not part of the plan's definition.
	LoadedAt time.Time `json:"loaded_at,omitzero"`
}

// SyncCatalog makes the stored catalog equal to cat in one transaction and
// returns what changed: new plans and indicators are added (plan.add,
// target.add), changed ones get a new version (plan.change, target.change
// with a detail such as "target 30 → 35"), indicators absent from cat are
// marked removed (target.remove; their versions and observations stay), and
// plans absent from cat are hidden with all their indicators removed
// (plan.remove). Every change is audited under actor. Syncing the same
// catalog again changes nothing and writes nothing.
func (s *Store) SyncCatalog(ctx context.Context, cat kpi.Catalog, actor kpi.Actor) ([]kpi.CatalogChange, error) {
	if err := checkCatalog(cat); err != nil {
		return nil, err
	}
	var changes []kpi.CatalogChange
	err := s.update(ctx, "sync catalog", func(tx *bolt.Tx) (bool, error) {
		changes = nil
		now := s.now()
		var a arena
		aw := newAuditWriter(tx, &a)
		record := func(c kpi.CatalogChange) error {
			changes = append(changes, c)
			object := c.Ref.Plan
			if c.Ref.ID != "" {
				object += "/" + c.Ref.ID
			}
			return aw.append(&kpi.AuditEntry{
				At: now, Actor: actor.Name, Remote: actor.Remote,
				Action: c.Action, Object: object, Detail: c.Detail,
			})
		}

		plans := tx.Bucket(bucketPlans)
		inCat := make(map[string]bool, len(cat.Plans))
		order := map[string][]string{}
		for _, ind := range cat.Indicators {
			order[ind.Plan] = append(order[ind.Plan], ind.ID)
		}
		reordered := false
		for _, p := range cat.Plans {
			inCat[p.ID] = true
			p.LoadedAt = time.Time{} // the store's to set, not the file's
			var old planRecord
			v := plans.Get([]byte(p.ID))
			if v != nil {
				if err := json.Unmarshal(v, &old); err != nil {
					return false, fmt.Errorf("sync catalog: plan %s: %w", p.ID, err)
				}
			}
			loadedAt := old.LoadedAt
			if loadedAt.IsZero() {
				loadedAt = now
			}
			var c kpi.CatalogChange
			switch {
			case v == nil:
				c = kpi.CatalogChange{Action: kpi.ActionPlanAdd, Detail: present.DescribePlan(p)}
			case old.Removed:
				c = kpi.CatalogChange{Action: kpi.ActionPlanAdd, Detail: "restored: " + present.DescribePlan(p)}
			case !reflect.DeepEqual(old.Plan, p):
				c = kpi.CatalogChange{Action: kpi.ActionPlanChange, Detail: present.PlanChanges(old.Plan, p)}
			case !slices.Equal(old.Order, order[p.ID]) || old.LoadedAt.IsZero():
				if err := putJSON(plans, []byte(p.ID), planRecord{Plan: p, Order: order[p.ID], LoadedAt: loadedAt}); err != nil {
					return false, fmt.Errorf("sync catalog: plan %s: %w", p.ID, err)
				}
				reordered = true
				continue
			default:
				continue
			}
			c.Ref = kpi.Ref{Plan: p.ID}
			if err := putJSON(plans, []byte(p.ID), planRecord{Plan: p, Order: order[p.ID], LoadedAt: loadedAt}); err != nil {
				return false, fmt.Errorf("sync catalog: plan %s: %w", p.ID, err)
			}
			if err := record(c); err != nil {
				return false, err
			}
		}
		var gone []planRecord
		err := plans.ForEach(func(k, v []byte) error {
			if inCat[string(k)] {
				return nil
			}
			var r planRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("plan %s: %w", k, err)
			}
			if !r.Removed {
				gone = append(gone, r)
			}
			return nil
		})
		if err != nil {
			return false, fmt.Errorf("sync catalog: %w", err)
		}
		for _, r := range gone {
			r.Removed = true
			if err := putJSON(plans, []byte(r.Plan.ID), r); err != nil {
				return false, fmt.Errorf("sync catalog: plan %s: %w", r.Plan.ID, err)
			}
			c := kpi.CatalogChange{Ref: kpi.Ref{Plan: r.Plan.ID}, Action: kpi.ActionPlanRemove, Detail: present.DescribePlan(r.Plan)}
			if err := record(c); err != nil {
				return false, err
			}
		}

		inds := tx.Bucket(bucketIndicators)
		versions := tx.Bucket(bucketVersions)
		inds.FillPercent = mostlyFill
		versions.FillPercent = mostlyFill
		put := func(key []byte, v kpi.IndicatorVersion) error {
			enc := encodeVersion(&v)
			if err := inds.Put(key, enc); err != nil {
				return err
			}
			return versions.Put(appendUint32(append(bytes.Clone(key), sep), v.Version), enc)
		}
		inCatalog := make(map[string]bool, len(cat.Indicators))
		for i := range cat.Indicators {
			ind := cat.Indicators[i]
			key := appendRefKey(nil, ind.Plan, ind.ID)
			inCatalog[string(key)] = true
			next := kpi.IndicatorVersion{Version: 1, At: now, Indicator: ind}
			var c kpi.CatalogChange
			if v := inds.Get(key); v == nil {
				c = kpi.CatalogChange{Action: kpi.ActionTargetAdd, Detail: present.Describe(ind)}
			} else {
				version, removed, stored, err := versionHead(v)
				if err != nil {
					return false, fmt.Errorf("sync catalog: indicator %s/%s: %w", ind.Plan, ind.ID, err)
				}
				next.Version = version + 1
				switch {
				case removed:
					c = kpi.CatalogChange{Action: kpi.ActionTargetAdd, Detail: "restored: " + present.Describe(ind)}
				case !bytes.Equal(stored, encodeIndicator(&ind)):
					// The encoding is canonical: equal bytes, equal definitions.
					old, err := decodeVersion(v, nil)
					if err != nil {
						return false, fmt.Errorf("sync catalog: indicator %s/%s: %w", ind.Plan, ind.ID, err)
					}
					c = kpi.CatalogChange{Action: kpi.ActionTargetChange, Detail: present.IndicatorChanges(old.Indicator, ind)}
				default:
					continue
				}
			}
			c.Ref = ind.Ref()
			if err := put(key, next); err != nil {
				return false, fmt.Errorf("sync catalog: indicator %s/%s: %w", ind.Plan, ind.ID, err)
			}
			if err := record(c); err != nil {
				return false, err
			}
		}
		// Collect first: bbolt cursors must not walk a bucket being written.
		var removed []kpi.IndicatorVersion
		err = inds.ForEach(func(k, v []byte) error {
			if inCatalog[string(k)] {
				return nil
			}
			if _, gone, _, err := versionHead(v); err != nil || gone {
				return err
			}
			old, err := decodeVersion(v, nil)
			if err != nil {
				return fmt.Errorf("indicator %q: %w", k, err)
			}
			removed = append(removed, old)
			return nil
		})
		if err != nil {
			return false, fmt.Errorf("sync catalog: %w", err)
		}
		for _, old := range removed {
			ind := old.Indicator
			next := kpi.IndicatorVersion{Version: old.Version + 1, At: now, Indicator: ind, Removed: true}
			if err := put(appendRefKey(nil, ind.Plan, ind.ID), next); err != nil {
				return false, fmt.Errorf("sync catalog: remove %s/%s: %w", ind.Plan, ind.ID, err)
			}
			c := kpi.CatalogChange{Ref: ind.Ref(), Action: kpi.ActionTargetRemove, Detail: present.Describe(ind)}
			if err := record(c); err != nil {
				return false, err
			}
		}
		changed := len(changes) > 0 || reordered
		if changed {
			// Before the commit, so whoever reads the new catalog sees
			// the new CatalogGeneration (a failed commit only costs a
			// full evaluation).
			s.catalogGen.Store(uint64(tx.ID()))
		}
		return changed, nil
	}, func(txID uint64) {
		s.catalog.committed(txID)
		s.evaluatedChanged(txID)
	})
	if err != nil {
		return nil, err
	}
	return changes, nil
}

// checkCatalog refuses what the store cannot key: empty or duplicate ids,
// ids holding a NUL byte, plan ids holding a slash, indicators of plans not
// in the catalog.
func checkCatalog(cat kpi.Catalog) error {
	var problems []kpi.Problem
	bad := func(ind, field, value, msg string) {
		problems = append(problems, kpi.Problem{Indicator: ind, Field: field, Value: value, Message: msg})
	}
	okID := func(id string) bool { return id != "" && !strings.ContainsRune(id, 0) && utf8.ValidString(id) }
	plans := make(map[string]bool, len(cat.Plans))
	for _, p := range cat.Plans {
		switch {
		case !okID(p.ID) || strings.Contains(p.ID, "/"):
			// "/" separates plan and indicator in audit objects (plan/id).
			bad("", "id", p.ID, "计划编号无效 plan id must be non-empty text without NUL bytes or slashes")
		case plans[p.ID]:
			bad("", "id", p.ID, "计划编号重复 plan id appears twice: give each plan its own id")
		}
		plans[p.ID] = true
	}
	seen := make(map[kpi.Ref]bool, len(cat.Indicators))
	for _, ind := range cat.Indicators {
		name := ind.Plan + "/" + ind.ID
		switch {
		case !okID(ind.ID):
			bad(name, "id", ind.ID, "指标编号无效 indicator id must be non-empty text without NUL bytes")
		case !plans[ind.Plan]:
			bad(name, "plan", ind.Plan, "指标所属计划不存在 the indicator's plan is not in the catalog")
		case seen[ind.Ref()]:
			bad(name, "id", ind.ID, "指标编号重复 indicator id appears twice in its plan: give each its own id")
		}
		seen[ind.Ref()] = true
	}
	if len(problems) > 0 {
		return &kpi.Error{Code: kpi.EINVALID, Message: "sync catalog: the catalog cannot be stored; fix the targets files", Problems: problems}
	}
	return nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	enc, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, enc)
}

// Catalog returns the current plans (by id) and indicators (by plan, task,
// then targets-file order), removed ones left out. The catalog is shared
// by every caller until the catalog changes (see cache.go) and must not be
// modified: copy a slice before changing it. Reading it afresh is one scan
// of two buckets.
func (s *Store) Catalog(ctx context.Context) (kpi.Catalog, error) {
	if err := ctx.Err(); err != nil {
		return kpi.Catalog{}, fmt.Errorf("catalog: %w", err)
	}
	if cat, ok := s.catalog.get(); ok {
		return cat, nil
	}
	cat, txID, err := s.readCatalog(ctx)
	if err != nil {
		return kpi.Catalog{}, err
	}
	return s.catalog.put(cat, txID), nil
}

// readCatalog reads Catalog from the store, with the id of the snapshot.
func (s *Store) readCatalog(ctx context.Context) (kpi.Catalog, uint64, error) {
	var cat kpi.Catalog
	var txID uint64
	var position map[kpi.Ref]int
	err := s.view(ctx, "catalog", func(tx *bolt.Tx) error {
		txID = uint64(tx.ID())
		cat = kpi.Catalog{}
		position = map[kpi.Ref]int{}
		err := tx.Bucket(bucketPlans).ForEach(func(k, v []byte) error {
			var r planRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("plan %s: %w", k, err)
			}
			if !r.Removed {
				r.Plan.LoadedAt = r.LoadedAt
				cat.Plans = append(cat.Plans, r.Plan)
				for i, id := range r.Order {
					position[kpi.Ref{Plan: r.Plan.ID, ID: id}] = i
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		// Strings repeat across indicators (units, lead units, and the
		// same indicator's texts in every region of a national plan).
		intern := make(map[string]string)
		// Chunks, then one exact slice: growing one large slice would copy
		// it over and over.
		var chunks [][]kpi.Indicator
		chunk := make([]kpi.Indicator, 0, 1024)
		n := 0
		err = tx.Bucket(bucketIndicators).ForEach(func(k, v []byte) error {
			ver, err := decodeVersion(v, intern)
			if err != nil {
				return fmt.Errorf("indicator %q: %w", k, err)
			}
			if ver.Removed {
				return nil
			}
			if len(chunk) == cap(chunk) {
				chunks = append(chunks, chunk)
				chunk = make([]kpi.Indicator, 0, 2*cap(chunk))
			}
			chunk = append(chunk, ver.Indicator)
			n++
			return nil
		})
		if err != nil {
			return err
		}
		cat.Indicators = make([]kpi.Indicator, 0, n)
		for _, c := range append(chunks, chunk) {
			cat.Indicators = append(cat.Indicators, c...)
		}
		return nil
	})
	if err != nil {
		return kpi.Catalog{}, 0, fmt.Errorf("catalog: %w", err)
	}
	sortIndicators(cat.Indicators, position)
	return cat, txID, nil
}

// Indicator returns the current definition of one indicator; ENOTFOUND if
// there is none or it was removed.
func (s *Store) Indicator(ctx context.Context, ref kpi.Ref) (kpi.Indicator, error) {
	var ver kpi.IndicatorVersion
	var found bool
	err := s.view(ctx, "indicator", func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketIndicators).Get(appendRefKey(nil, ref.Plan, ref.ID))
		if v == nil {
			return nil
		}
		found = true
		var err error
		ver, err = decodeVersion(v, nil)
		return err
	})
	if err != nil {
		return kpi.Indicator{}, fmt.Errorf("indicator %s/%s: %w", ref.Plan, ref.ID, err)
	}
	if !found || ver.Removed {
		return kpi.Indicator{}, notFound(ref)
	}
	return ver.Indicator, nil
}

func notFound(ref kpi.Ref) error {
	return kpi.Errorf(kpi.ENOTFOUND, "指标不存在 no indicator %s/%s: check the plan and indicator ids (kpimon targets list)", ref.Plan, ref.ID)
}

// IndicatorVersions returns every stored version of an indicator's
// definition, oldest first, removed ones included; ENOTFOUND if none.
func (s *Store) IndicatorVersions(ctx context.Context, ref kpi.Ref) ([]kpi.IndicatorVersion, error) {
	var out []kpi.IndicatorVersion
	err := s.view(ctx, "indicator versions", func(tx *bolt.Tx) error {
		out = nil
		prefix := append(appendRefKey(nil, ref.Plan, ref.ID), sep)
		c := tx.Bucket(bucketVersions).Cursor()
		for k, v := c.Seek(prefix); k != nil && len(k) == len(prefix)+4 && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			ver, err := decodeVersion(v, nil)
			if err != nil {
				return err
			}
			out = append(out, ver)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("indicator versions %s/%s: %w", ref.Plan, ref.ID, err)
	}
	if len(out) == 0 {
		return nil, notFound(ref)
	}
	return out, nil
}

// sortIndicators orders indicators by plan, task, then their position in
// the catalog as last loaded (the targets file's order), then id.
func sortIndicators(inds []kpi.Indicator, position map[kpi.Ref]int) {
	pos := make([]int, len(inds))
	for i := range inds {
		p, ok := position[inds[i].Ref()]
		if !ok {
			p = math.MaxInt
		}
		pos[i] = p
	}
	sort.Stable(byCatalogOrder{inds, pos})
}

type byCatalogOrder struct {
	inds []kpi.Indicator
	pos  []int
}

func (b byCatalogOrder) Len() int { return len(b.inds) }
func (b byCatalogOrder) Swap(i, j int) {
	b.inds[i], b.inds[j] = b.inds[j], b.inds[i]
	b.pos[i], b.pos[j] = b.pos[j], b.pos[i]
}
func (b byCatalogOrder) Less(i, j int) bool {
	x, y := &b.inds[i], &b.inds[j]
	switch {
	case x.Plan != y.Plan:
		return x.Plan < y.Plan
	case x.Task != y.Task:
		return x.Task < y.Task
	case b.pos[i] != b.pos[j]:
		return b.pos[i] < b.pos[j]
	}
	return x.ID < y.ID
}
