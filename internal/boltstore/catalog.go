package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"github.com/yanfeng/kpimon/internal/catalog"
	"github.com/yanfeng/kpimon/internal/kpi"
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
// returns what changed. The changes are catalog.DiffStored's from the stored
// catalog (removed plans and indicators included, so one coming back is
// restored), the same that `kpimon targets diff --data` previews; the store
// only persists and audits them: new plans and indicators are added
// (plan.add, target.add), changed ones get a new version (plan.change,
// target.change with a detail such as "target 30 → 35"), indicators absent
// from cat are marked removed (target.remove; their versions and
// observations stay), and plans absent from cat are hidden (plan.remove).
// Every change is audited under actor. Syncing the same catalog again
// changes nothing and writes nothing.
func (s *Store) SyncCatalog(ctx context.Context, cat kpi.Catalog, actor kpi.Actor) ([]kpi.CatalogChange, error) {
	if err := checkCatalog(cat); err != nil {
		return nil, err
	}
	var changes []kpi.CatalogChange
	err := s.update(ctx, "sync catalog", func(tx *bolt.Tx) (bool, error) {
		old, err := readStoredCatalog(tx)
		if err != nil {
			return false, fmt.Errorf("sync catalog: %w", err)
		}
		changes = catalog.DiffStored(old.Stored, cat)
		w := newCatalogWriter(tx, s.now(), cat, old)
		for _, c := range changes {
			if err := w.apply(c, actor); err != nil {
				return false, fmt.Errorf("sync catalog: %s %s: %w", c.Action, auditObject(c.Ref), err)
			}
		}
		reordered, err := w.keepPlanRecords(cat)
		if err != nil {
			return false, fmt.Errorf("sync catalog: %w", err)
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

// StoredCatalog returns the stored catalog with the plans and indicators
// marked removed: what SyncCatalog diffs a new catalog against.
func (s *Store) StoredCatalog(ctx context.Context) (catalog.Stored, error) {
	var old storedCatalog
	err := s.view(ctx, "stored catalog", func(tx *bolt.Tx) error {
		var err error
		old, err = readStoredCatalog(tx)
		return err
	})
	if err != nil {
		return catalog.Stored{}, fmt.Errorf("stored catalog: %w", err)
	}
	return old.Stored, nil
}

// storedCatalog is the catalog as SyncCatalog finds it in its transaction.
type storedCatalog struct {
	catalog.Stored
	plans map[string]planRecord // every plan record, removed ones too
}

func readStoredCatalog(tx *bolt.Tx) (storedCatalog, error) {
	old := storedCatalog{plans: map[string]planRecord{}}
	err := tx.Bucket(bucketPlans).ForEach(func(k, v []byte) error {
		var r planRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("plan %s: %w", k, err)
		}
		old.plans[r.Plan.ID] = r
		p := r.Plan
		p.LoadedAt = r.LoadedAt
		if r.Removed {
			old.RemovedPlans = append(old.RemovedPlans, p)
		} else {
			old.Current.Plans = append(old.Current.Plans, p)
		}
		return nil
	})
	if err != nil {
		return storedCatalog{}, err
	}
	intern := make(map[string]string)
	err = tx.Bucket(bucketIndicators).ForEach(func(k, v []byte) error {
		ver, err := decodeVersion(v, intern)
		if err != nil {
			return fmt.Errorf("indicator %q: %w", k, err)
		}
		if ver.Removed {
			old.RemovedIndicators = append(old.RemovedIndicators, ver.Indicator)
		} else {
			old.Current.Indicators = append(old.Current.Indicators, ver.Indicator)
		}
		return nil
	})
	return old, err
}

// catalogWriter writes the changes of one SyncCatalog.
type catalogWriter struct {
	now                   time.Time
	plans, inds, versions *bolt.Bucket
	audit                 *auditWriter
	old                   storedCatalog
	newPlans              map[string]kpi.Plan
	newInds               map[kpi.Ref]kpi.Indicator
	order                 map[string][]string // each plan's indicator ids in catalog order
	written               map[string]bool     // plans whose record was written
}

func newCatalogWriter(tx *bolt.Tx, now time.Time, cat kpi.Catalog, old storedCatalog) *catalogWriter {
	w := &catalogWriter{
		now: now, plans: tx.Bucket(bucketPlans), inds: tx.Bucket(bucketIndicators), versions: tx.Bucket(bucketVersions),
		audit: newAuditWriter(tx, &arena{}), old: old,
		newPlans: map[string]kpi.Plan{}, newInds: map[kpi.Ref]kpi.Indicator{}, order: map[string][]string{}, written: map[string]bool{},
	}
	w.inds.FillPercent = mostlyFill
	w.versions.FillPercent = mostlyFill
	for _, p := range cat.Plans {
		w.newPlans[p.ID] = p
	}
	for _, ind := range cat.Indicators {
		w.newInds[ind.Ref()] = ind
		w.order[ind.Plan] = append(w.order[ind.Plan], ind.ID)
	}
	return w
}

// apply persists one change and audits it under actor.
func (w *catalogWriter) apply(c kpi.CatalogChange, actor kpi.Actor) error {
	var err error
	switch c.Action {
	case kpi.ActionPlanAdd, kpi.ActionPlanChange:
		err = w.putPlan(w.newPlans[c.Ref.Plan])
	case kpi.ActionPlanRemove:
		r := w.old.plans[c.Ref.Plan]
		r.Removed = true
		err = putJSON(w.plans, []byte(c.Ref.Plan), r)
	case kpi.ActionTargetAdd, kpi.ActionTargetChange:
		err = w.putVersion(c.Ref, w.newInds[c.Ref], false)
	case kpi.ActionTargetRemove:
		err = w.putVersion(c.Ref, kpi.Indicator{}, true)
	default:
		err = fmt.Errorf("unknown catalog change %q", c.Action)
	}
	if err != nil {
		return err
	}
	return w.audit.append(&kpi.AuditEntry{
		At: w.now, Actor: actor.Name, Remote: actor.Remote,
		Action: c.Action, Object: auditObject(c.Ref), Detail: c.Detail,
	})
}

// putPlan stores p's record, keeping the day the plan was first loaded.
func (w *catalogWriter) putPlan(p kpi.Plan) error {
	p.LoadedAt = time.Time{} // the store's to set, not the file's
	loadedAt := w.old.plans[p.ID].LoadedAt
	if loadedAt.IsZero() {
		loadedAt = w.now
	}
	w.written[p.ID] = true
	return putJSON(w.plans, []byte(p.ID), planRecord{Plan: p, Order: w.order[p.ID], LoadedAt: loadedAt})
}

// putVersion stores the next version of ref's definition: ind, or for a
// removal the stored definition marked removed.
func (w *catalogWriter) putVersion(ref kpi.Ref, ind kpi.Indicator, removed bool) error {
	key := appendRefKey(nil, ref.Plan, ref.ID)
	v := kpi.IndicatorVersion{Version: 1, At: w.now, Indicator: ind, Removed: removed}
	if head := w.inds.Get(key); head != nil {
		stored, err := decodeVersion(head, nil)
		if err != nil {
			return err
		}
		v.Version = stored.Version + 1
		if removed {
			v.Indicator = stored.Indicator
		}
	}
	enc := encodeVersion(&v)
	if err := w.inds.Put(key, enc); err != nil {
		return err
	}
	return w.versions.Put(appendUint32(append(bytes.Clone(key), sep), v.Version), enc)
}

// keepPlanRecords rewrites, without an audit entry, the records of
// unchanged plans whose indicator order changed or that lack the day they
// were first loaded (a store written before it was kept); it reports
// whether it wrote any.
func (w *catalogWriter) keepPlanRecords(cat kpi.Catalog) (bool, error) {
	wrote := false
	for _, p := range cat.Plans {
		r, ok := w.old.plans[p.ID]
		if !ok || w.written[p.ID] || slices.Equal(r.Order, w.order[p.ID]) && !r.LoadedAt.IsZero() {
			continue
		}
		if err := w.putPlan(p); err != nil {
			return false, fmt.Errorf("plan %s: %w", p.ID, err)
		}
		wrote = true
	}
	return wrote, nil
}

// auditObject names a plan or indicator in the audit log: plan or plan/id.
func auditObject(ref kpi.Ref) string {
	if ref.ID == "" {
		return ref.Plan
	}
	return ref.Plan + "/" + ref.ID
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
