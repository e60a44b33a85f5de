package present_test

import (
	"testing"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

func TestAnnualChangeWords(t *testing.T) {
	count := kpi.Indicator{Unit: "家", Kind: kpi.KindAtLeast, Target: 30}
	money := kpi.Indicator{Unit: "万元", Kind: kpi.KindReduceBy, Target: 10}
	share := kpi.Indicator{Unit: "%", Kind: kpi.KindAtLeast, Target: 2.51}
	rate := kpi.Indicator{Unit: "件/万人", Kind: kpi.KindAtLeast, Target: 13}
	p := func(v float64) *float64 { return &v }
	tests := []struct {
		name               string
		ind                kpi.Indicator
		ev                 kpi.Evaluation
		required, achieved string
	}{
		{"relative growth", rate, kpi.Evaluation{RequiredAnnualChange: p(0.08495), AchievedAnnualChange: p(0.1), ChangeIsRelative: true}, "需年均增长8.5%", "年均增长10.0%"},
		{"relative fall", rate, kpi.Evaluation{RequiredAnnualChange: p(-0.0424), AchievedAnnualChange: p(-0.0296), ChangeIsRelative: true}, "需年均下降4.2%", "年均下降3.0%"},
		{"count rounded up when required, to a tenth when achieved", count, kpi.Evaluation{RequiredAnnualChange: p(6.5), AchievedAnnualChange: p(6.5)}, "需年均增加7家", "年均增加6.5家"},
		{"count achieved whole", count, kpi.Evaluation{RequiredAnnualChange: p(7), AchievedAnnualChange: p(4)}, "需年均增加7家", "年均增加4家"},
		{"absolute fall", money, kpi.Evaluation{Actual: p(123.4), RequiredAnnualChange: p(-1.26), AchievedAnnualChange: p(-1.5)}, "需年均减少1.3万元", "年均减少1.5万元"},
		{"whole money in its precision", money, kpi.Evaluation{Actual: p(120), RequiredAnnualChange: p(-1.26), AchievedAnnualChange: p(-0.2)}, "需年均减少1万元", "年均减少0.2万元"},
		// A share rises in points.
		{"a share in points", share, kpi.Evaluation{Actual: p(2.1), RequiredAnnualChange: p(0.41), AchievedAnnualChange: p(0.1)}, "需年均提高0.41个百分点", "年均提高0.10个百分点"},
		{"a share falling in points", share, kpi.Evaluation{Actual: p(2.1), RequiredAnnualChange: p(-0.2), AchievedAnnualChange: p(-0.05)}, "需年均降低0.20个百分点", "年均降低0.05个百分点"},
		{"none", count, kpi.Evaluation{}, "—", "—"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if a := present.RequiredAmount(tt.ind, tt.ev); tt.ev.RequiredAnnualChange != nil && !tt.ev.ChangeIsRelative && tt.ind.IsCount() && present.RequiredChange(tt.ind, tt.ev) != "需年均增加"+present.Plain(*a)+tt.ind.Unit {
				t.Errorf("RequiredAmount = %v, want the %s RequiredChange says", *a, present.RequiredChange(tt.ind, tt.ev))
			}
			if got := present.RequiredChange(tt.ind, tt.ev); got != tt.required {
				t.Errorf("RequiredChange = %q, want %q", got, tt.required)
			}
			if got := present.AchievedChange(tt.ind, tt.ev); got != tt.achieved {
				t.Errorf("AchievedChange = %q, want %q", got, tt.achieved)
			}
		})
	}
}
