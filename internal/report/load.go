package report

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// Load evaluates the store's indicators at opts.AsOf (and opts.Previous)
// and builds the circular of the plan with id planID; planID may be empty
// when the store holds one plan. An unknown plan or unit is ENOTFOUND.
func Load(ctx context.Context, store kpi.StateSource, planID string, opts Options) (Circular, error) {
	cat, err := store.Catalog(ctx)
	if err != nil {
		return Circular{}, fmt.Errorf("report: read catalog: %w", err)
	}
	plan, err := choosePlan(cat, planID)
	if err != nil {
		return Circular{}, err
	}
	if opts.Unit != "" && !planHasUnit(cat, plan.ID, opts.Unit) {
		return Circular{}, kpi.Errorf(kpi.ENOTFOUND, "规划 %s 中没有单位“%s”负责或配合的指标", plan.ID, kpi.ExcerptN(opts.Unit, 40))
	}
	states, err := statesAt(ctx, store, opts.AsOf, opts.ReportingFrom)
	if err != nil {
		return Circular{}, err
	}
	var previous []kpi.State
	if !opts.Previous.IsZero() {
		if !opts.Previous.Before(opts.AsOf) {
			return Circular{}, kpi.Errorf(kpi.EINVALID, "上期通报日期（%s）须早于本期（%s）",
				present.Date(opts.Previous), present.Date(opts.AsOf))
		}
		if previous, err = statesAt(ctx, store, opts.Previous, opts.ReportingFrom); err != nil {
			return Circular{}, err
		}
	}
	return Build(plan, states, previous, opts), nil
}

func statesAt(ctx context.Context, store kpi.StateSource, at, reportingFrom time.Time) ([]kpi.State, error) {
	states, err := kpi.NewStates(store, kpi.StatesOptions{Now: func() time.Time { return at }, ReportingFrom: reportingFrom}).States(ctx)
	if err != nil {
		return nil, fmt.Errorf("report: evaluate at %s: %w", at.Format(time.RFC3339), err)
	}
	out := make([]kpi.State, len(states))
	for i, st := range states {
		out[i] = *st
	}
	return out, nil
}

func choosePlan(cat kpi.Catalog, id string) (kpi.Plan, error) {
	if id != "" {
		if p, ok := cat.Plan(id); ok {
			return p, nil
		}
		return kpi.Plan{}, kpi.Errorf(kpi.ENOTFOUND, "没有规划“%s”；现有规划：%s", kpi.ExcerptN(id, 40), planIDs(cat))
	}
	switch len(cat.Plans) {
	case 1:
		return cat.Plans[0], nil
	case 0:
		return kpi.Plan{}, kpi.Errorf(kpi.ENOTFOUND, "尚未载入任何规划")
	}
	return kpi.Plan{}, kpi.Errorf(kpi.EINVALID, "有多个规划，请指定其一（plan=…）：%s", planIDs(cat))
}

func planIDs(cat kpi.Catalog) string {
	var ids []string
	for _, p := range cat.Plans {
		ids = append(ids, p.ID)
	}
	return strings.Join(ids, ", ")
}

func planHasUnit(cat kpi.Catalog, plan, unit string) bool {
	for _, ind := range cat.Indicators {
		if ind.Plan == plan && ind.HasUnit(unit) {
			return true
		}
	}
	return false
}
