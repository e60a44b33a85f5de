package catalog

import (
	"reflect"
	"slices"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// Stored is a catalog as a store holds it: the current plans and indicators
// and those it has marked removed, whose return is a restore rather than an
// addition. The store (boltstore.SyncCatalog) records exactly what Diff
// computes from it, so a preview against a Stored read from the store is
// what loading the new catalog will record.
type Stored struct {
	Current           kpi.Catalog
	RemovedPlans      []kpi.Plan
	RemovedIndicators []kpi.Indicator
}

// restoredPrefix marks a plan or indicator added back after its removal.
const restoredPrefix = "restored: "

// Diff returns what changed from old to new: plan changes first (by plan
// id), then added and changed indicators in new's order, then removed ones
// in old's order, worded by package present as the audit log words them.
func Diff(old, new kpi.Catalog) []kpi.CatalogChange {
	return DiffStored(Stored{Current: old}, new)
}

// DiffStored is Diff from a stored catalog: a plan or indicator of new that
// old has marked removed is restored (plan.add or target.add, detail
// "restored: …").
func DiffStored(old Stored, new kpi.Catalog) []kpi.CatalogChange {
	return append(planChanges(old, new), indicatorChanges(old, new)...)
}

func planChanges(old Stored, new kpi.Catalog) []kpi.CatalogChange {
	oldPlans := plansByID(old.Current.Plans)
	removed := plansByID(old.RemovedPlans)
	newPlans := plansByID(new.Plans)
	var ids []string
	for id := range oldPlans {
		ids = append(ids, id)
	}
	for id := range newPlans {
		if _, ok := oldPlans[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var out []kpi.CatalogChange
	for _, id := range ids {
		o, inOld := oldPlans[id]
		n, inNew := newPlans[id]
		c := kpi.CatalogChange{Ref: kpi.Ref{Plan: id}}
		switch {
		case !inOld:
			c.Action, c.Detail = kpi.ActionPlanAdd, present.DescribePlan(n)
			if _, ok := removed[id]; ok {
				c.Detail = restoredPrefix + c.Detail
			}
		case !inNew:
			c.Action, c.Detail = kpi.ActionPlanRemove, present.DescribePlan(o)
		default:
			c.Action, c.Detail = kpi.ActionPlanChange, present.PlanChanges(o, n)
			if c.Detail == "" {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

func indicatorChanges(old Stored, new kpi.Catalog) []kpi.CatalogChange {
	oldInds := indicatorsByRef(old.Current.Indicators)
	removed := indicatorsByRef(old.RemovedIndicators)
	var out []kpi.CatalogChange
	newRefs := make(map[kpi.Ref]bool, len(new.Indicators))
	for _, ind := range new.Indicators {
		ref := ind.Ref()
		newRefs[ref] = true
		c := kpi.CatalogChange{Ref: ref}
		if o, ok := oldInds[ref]; ok {
			if reflect.DeepEqual(o, ind) {
				continue // identical: nothing to word (wording every field is the cost of a national catalog)
			}
			c.Action, c.Detail = kpi.ActionTargetChange, present.IndicatorChanges(o, ind)
			if c.Detail == "" {
				continue
			}
		} else {
			c.Action, c.Detail = kpi.ActionTargetAdd, present.Describe(ind)
			if _, ok := removed[ref]; ok {
				c.Detail = restoredPrefix + c.Detail
			}
		}
		out = append(out, c)
	}
	for _, ind := range old.Current.Indicators {
		if !newRefs[ind.Ref()] {
			out = append(out, kpi.CatalogChange{Ref: ind.Ref(), Action: kpi.ActionTargetRemove, Detail: present.Describe(ind)})
		}
	}
	return out
}

func plansByID(plans []kpi.Plan) map[string]kpi.Plan {
	m := make(map[string]kpi.Plan, len(plans))
	for _, p := range plans {
		m[p.ID] = p
	}
	return m
}

func indicatorsByRef(inds []kpi.Indicator) map[kpi.Ref]kpi.Indicator {
	m := make(map[kpi.Ref]kpi.Indicator, len(inds))
	for _, ind := range inds {
		m[ind.Ref()] = ind
	}
	return m
}
