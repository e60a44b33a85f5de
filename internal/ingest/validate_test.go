package ingest

import (
	"testing"

	"github.com/yanfeng/kpimon/internal/kpi"
)

func TestSuggest(t *testing.T) {
	var cat kpi.Catalog
	// Two plans (regions) with the same indicators: each is suggested once.
	for _, plan := range []string{"yf", "zh"} {
		cat.Indicators = append(cat.Indicators,
			kpi.Indicator{Plan: plan, ID: "high_tech_enterprises", Name: "高新技术企业数"},
			kpi.Indicator{Plan: plan, ID: "high_tech_output", Name: "高新技术产业增加值"},
			kpi.Indicator{Plan: plan, ID: "patent_grants", Name: "专利授权量"},
			kpi.Indicator{Plan: plan, ID: "rd_spending_share_gdp", Name: "全社会R&D经费支出占地区GDP比重"},
		)
	}
	cat.Indicators = append(cat.Indicators, kpi.Indicator{Plan: "zh", ID: "high_tech_exports", Name: "高新技术产品出口额"})
	ix := newIndex(cat)
	tests := []struct {
		name, text, plan, want string
	}{
		{"misspelt id", "high_tech_enterprise", "", "high_tech_enterprises 高新技术企业数、high_tech_exports 高新技术产品出口额、high_tech_output 高新技术产业增加值"},
		{"misspelt id within a plan", "high_tech_enterprise", "yf", "high_tech_enterprises 高新技术企业数、high_tech_output 高新技术产业增加值"},
		{"part of a name", "专利授权", "yf", "patent_grants 专利授权量"},
		{"nothing close", "xyzzy_plugh_frobnicate", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ix.suggest(tt.text, tt.plan); got != tt.want {
				t.Errorf("suggest(%q, %q) = %q, want %q", tt.text, tt.plan, got, tt.want)
			}
		})
	}
}
