package catalog

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/kpi"
)

func TestDiff(t *testing.T) {
	plan := kpi.Plan{ID: "p", Title: "计划", Region: "区", Source: "文件", StartYear: 2019, EndYear: 2022}
	hte := kpi.Indicator{
		ID: "high_tech_enterprises", Plan: "p", Name: "高新技术企业", Task: 1, TaskTitle: "推动企业技术创新",
		WorkLine: "要点", LeadUnits: []string{"区科工信局"}, CoUnits: []string{"各镇、街道"}, Unit: "家",
		Kind: kpi.KindAtLeast, Target: 30, Deadline: 2022, Frequency: kpi.Annual, DueDays: 90,
		Measure: kpi.MeasureLevel, SourceText: "到2022年，高新技术企业达到30家",
	}
	steps := kpi.Indicator{
		ID: "approval_steps_cut", Plan: "p", Name: "审批环节", Task: 6, LeadUnits: []string{"区行政审批局"},
		CoUnits: []string{}, Unit: "个", Kind: kpi.KindReduceBy, Target: 10, Deadline: 2022,
		BaselineRule: kpi.BaselineFirstObservation, Frequency: kpi.Annual, Measure: kpi.MeasureLevel,
	}
	cat := func(p kpi.Plan, inds ...kpi.Indicator) kpi.Catalog {
		return kpi.Catalog{Plans: []kpi.Plan{p}, Indicators: inds}
	}
	with := func(ind kpi.Indicator, change func(*kpi.Indicator)) kpi.Indicator {
		ind.LeadUnits = append([]string(nil), ind.LeadUnits...)
		change(&ind)
		return ind
	}
	ref := kpi.Ref{Plan: "p", ID: "high_tech_enterprises"}
	tests := []struct {
		name     string
		old, new kpi.Catalog
		want     []kpi.CatalogChange
	}{
		{"no change", cat(plan, hte, steps), cat(plan, hte, steps), nil},
		{"target and deadline",
			cat(plan, hte),
			cat(plan, with(hte, func(i *kpi.Indicator) { i.Target, i.Deadline = 35, 2023 })),
			[]kpi.CatalogChange{{Ref: ref, Action: kpi.ActionTargetChange, Detail: "target 30 → 35; deadline 2022 → 2023"}}},
		{"lead units and baseline",
			cat(plan, hte),
			cat(plan, with(hte, func(i *kpi.Indicator) {
				i.LeadUnits = append(i.LeadUnits, "区统计局")
				i.Baseline = &kpi.Baseline{Period: kpi.YearPeriod(2019), Value: 12}
			})),
			[]kpi.CatalogChange{{Ref: ref, Action: kpi.ActionTargetChange,
				Detail: "baseline none → 2019: 12; lead_units [区科工信局] → [区科工信局, 区统计局]"}}},
		{"long text changed past the shown part",
			cat(plan, hte),
			cat(plan, with(hte, func(i *kpi.Indicator) {
				i.WorkLine = "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十甲"
			})),
			[]kpi.CatalogChange{{Ref: ref, Action: kpi.ActionTargetChange,
				Detail: "work_line “要点” → “一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十…”"}}},
		{"text differing only after the shown part",
			cat(plan, with(hte, func(i *kpi.Indicator) {
				i.SourceText = "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十甲"
			})),
			cat(plan, with(hte, func(i *kpi.Indicator) {
				i.SourceText = "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十乙"
			})),
			[]kpi.CatalogChange{{Ref: ref, Action: kpi.ActionTargetChange, Detail: "source_text changed after its first 30 characters"}}},
		{"add and remove",
			cat(plan, hte),
			cat(plan, steps),
			[]kpi.CatalogChange{
				{Ref: kpi.Ref{Plan: "p", ID: "approval_steps_cut"}, Action: kpi.ActionTargetAdd, Detail: "审批环节：较基期压缩10%以上，2022年"},
				{Ref: ref, Action: kpi.ActionTargetRemove, Detail: "高新技术企业：≥30家，2022年"},
			}},
		{"plan changed",
			cat(plan, hte),
			cat(kpi.Plan{ID: "p", Title: "计划", Region: "区", Source: "文件", StartYear: 2020, EndYear: 2025}, hte),
			[]kpi.CatalogChange{{Ref: kpi.Ref{Plan: "p"}, Action: kpi.ActionPlanChange, Detail: "start_year 2019 → 2020; end_year 2022 → 2025"}}},
		{"plan added",
			kpi.Catalog{},
			cat(plan, hte),
			[]kpi.CatalogChange{
				{Ref: kpi.Ref{Plan: "p"}, Action: kpi.ActionPlanAdd, Detail: "计划 (2019–2022)"},
				{Ref: ref, Action: kpi.ActionTargetAdd, Detail: "高新技术企业：≥30家，2022年"},
			}},
		{"plan removed",
			cat(plan, steps),
			kpi.Catalog{},
			[]kpi.CatalogChange{
				{Ref: kpi.Ref{Plan: "p"}, Action: kpi.ActionPlanRemove, Detail: "计划 (2019–2022)"},
				{Ref: kpi.Ref{Plan: "p", ID: "approval_steps_cut"}, Action: kpi.ActionTargetRemove, Detail: "审批环节：较基期压缩10%以上，2022年"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff(tt.old, tt.new)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Diff mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
