package catalog

import (
	"slices"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// Diff returns what changed from old to new: plan changes first (by plan
// id), then added and changed indicators in new's order, then removed ones
// in old's order, worded by package present as the audit log words them.
func Diff(old, new kpi.Catalog) []kpi.CatalogChange {
	var out []kpi.CatalogChange

	oldPlans := map[string]kpi.Plan{}
	for _, p := range old.Plans {
		oldPlans[p.ID] = p
	}
	newPlans := map[string]kpi.Plan{}
	for _, p := range new.Plans {
		newPlans[p.ID] = p
	}
	var planIDs []string
	for id := range oldPlans {
		planIDs = append(planIDs, id)
	}
	for id := range newPlans {
		if _, ok := oldPlans[id]; !ok {
			planIDs = append(planIDs, id)
		}
	}
	slices.Sort(planIDs)
	for _, id := range planIDs {
		o, inOld := oldPlans[id]
		n, inNew := newPlans[id]
		ref := kpi.Ref{Plan: id}
		switch {
		case !inOld:
			out = append(out, kpi.CatalogChange{Ref: ref, Action: kpi.ActionPlanAdd,
				Detail: present.DescribePlan(n)})
		case !inNew:
			out = append(out, kpi.CatalogChange{Ref: ref, Action: kpi.ActionPlanRemove, Detail: present.DescribePlan(o)})
		default:
			if d := present.PlanChanges(o, n); d != "" {
				out = append(out, kpi.CatalogChange{Ref: ref, Action: kpi.ActionPlanChange, Detail: d})
			}
		}
	}

	oldInds := map[kpi.Ref]kpi.Indicator{}
	for _, ind := range old.Indicators {
		oldInds[ind.Ref()] = ind
	}
	newRefs := map[kpi.Ref]bool{}
	for _, ind := range new.Indicators {
		newRefs[ind.Ref()] = true
		o, ok := oldInds[ind.Ref()]
		if !ok {
			out = append(out, kpi.CatalogChange{Ref: ind.Ref(), Action: kpi.ActionTargetAdd, Detail: present.Describe(ind)})
			continue
		}
		if d := present.IndicatorChanges(o, ind); d != "" {
			out = append(out, kpi.CatalogChange{Ref: ind.Ref(), Action: kpi.ActionTargetChange, Detail: d})
		}
	}
	for _, ind := range old.Indicators {
		if !newRefs[ind.Ref()] {
			out = append(out, kpi.CatalogChange{Ref: ind.Ref(), Action: kpi.ActionTargetRemove, Detail: present.Describe(ind)})
		}
	}
	return out
}
