package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// seedPath is the source document (附件4), kept in the repository so the
// faithfulness tests run in every clone.
const seedPath = "testdata/seed.txt"

func loadDefault(t *testing.T) kpi.Catalog {
	t.Helper()
	cat, err := Default()
	if err != nil {
		t.Fatalf("Default() error: %v", err)
	}
	return cat
}

func byID(cat kpi.Catalog) map[string]kpi.Indicator {
	m := map[string]kpi.Indicator{}
	for _, ind := range cat.Indicators {
		m[ind.ID] = ind
	}
	return m
}

func readSeed(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(seedPath)
	if err != nil {
		t.Fatalf("read seed copy: %v", err)
	}
	return string(b)
}

func TestDefaultPlan(t *testing.T) {
	cat := loadDefault(t)
	want := []kpi.Plan{{
		ID:        "yanfeng-innovation",
		Title:     "衡阳市雁峰区培育建设省级创新型区责任分工表",
		TitleEN:   "Yanfeng District, Hengyang — division of responsibilities for building a provincial innovative district",
		Region:    "湖南省衡阳市雁峰区",
		Source:    "附件4 衡阳市雁峰区培育建设省级创新型区责任分工表",
		StartYear: 2019,
		EndYear:   2022,
		BaseYear:  2018,
	}}
	if diff := cmp.Diff(want, cat.Plans); diff != "" {
		t.Errorf("Default() plans mismatch (-want +got):\n%s", diff)
	}
}

type targetRow struct {
	Kind     kpi.Kind
	Target   float64
	Unit     string
	Deadline int
	Measure  kpi.Measure
}

// seedTargets is every quantitative line of the seed document, read by hand
// from the table: the faithfulness check of the targets file.
var seedTargets = map[string]targetRow{
	// task 1
	"high_tech_enterprises":                {kpi.KindAtLeast, 30, "家", 2022, kpi.MeasureLevel},
	"high_tech_industry_value_added_share": {kpi.KindAtLeast, 33, "%", 2022, kpi.MeasureLevel},
	"tech_smes":                            {kpi.KindAtLeast, 40, "家", 2022, kpi.MeasureLevel},
	"new_product_sales_share":              {kpi.KindAtLeast, 29.4, "%", 2022, kpi.MeasureLevel},
	"high_tech_industry_revenue_share":     {kpi.KindAtLeast, 8, "%", 2022, kpi.MeasureLevel},
	"power_transmission_output_share_gdp":  {kpi.KindAtLeast, 38.57, "%", 2022, kpi.MeasureLevel},
	"enterprise_benefit_doubling":          {kpi.KindMultiply, 2, "万元", 2022, kpi.MeasureLevel},
	"new_engineering_research_centres":     {kpi.KindAtLeast, 1, "个", 2020, kpi.MeasureCumulative},
	"new_engineering_labs":                 {kpi.KindAtLeast, 1, "个", 2020, kpi.MeasureCumulative},
	"new_enterprise_tech_centres":          {kpi.KindAtLeast, 2, "个", 2020, kpi.MeasureCumulative},
	"new_innovation_teams":                 {kpi.KindAtLeast, 2, "个", 2020, kpi.MeasureCumulative},
	// task 2
	"fortune500_landed":             {kpi.KindAtLeast, 1, "个", 2022, kpi.MeasureCumulative},
	"main_board_listings":           {kpi.KindAtLeast, 2, "个", 2022, kpi.MeasureCumulative},
	"fortune500_introduced":         {kpi.KindAtLeast, 3, "个", 2022, kpi.MeasureCumulative},
	"new_above_scale_enterprises":   {kpi.KindAtLeast, 40, "家", 2022, kpi.MeasureCumulative},
	"innovation_projects_supported": {kpi.KindAtLeast, 5, "个", 2022, kpi.MeasureCumulative},
	"energy_intensity_gdp":          {kpi.KindAtMost, 0.331, "吨标准煤/万元", 2022, kpi.MeasureLevel},
	"disposable_income_per_capita":  {kpi.KindAtLeast, 44700, "元", 2022, kpi.MeasureLevel},
	"agri_leading_enterprises":      {kpi.KindAtLeast, 17, "家", 2022, kpi.MeasureLevel},
	"certified_agri_products":       {kpi.KindAtLeast, 12, "个", 2022, kpi.MeasureLevel},
	// task 3
	"patent_applications":                 {kpi.KindIncrease, 0, "件", 2022, kpi.MeasureLevel},
	"patent_grants":                       {kpi.KindIncrease, 0, "件", 2022, kpi.MeasureLevel},
	"invention_patents_per_10k":           {kpi.KindAtLeast, 13, "件/万人", 2022, kpi.MeasureLevel},
	"above_scale_invention_patent_grants": {kpi.KindAtLeast, 100, "件", 2022, kpi.MeasureLevel},
	"patent_subsidies":                    {kpi.KindIncrease, 0, "万元", 2022, kpi.MeasureLevel},
	// task 4
	"new_innovation_clusters":              {kpi.KindAtLeast, 1, "家", 2022, kpi.MeasureCumulative},
	"new_makerspaces":                      {kpi.KindAtLeast, 2, "家", 2022, kpi.MeasureCumulative},
	"new_innovation_platforms":             {kpi.KindAtLeast, 1, "个", 2022, kpi.MeasureCumulative},
	"new_tech_info_platforms":              {kpi.KindAtLeast, 1, "个", 2022, kpi.MeasureCumulative},
	"new_incubators":                       {kpi.KindAtLeast, 1, "个", 2022, kpi.MeasureCumulative},
	"tech_service_institutions_introduced": {kpi.KindAtLeast, 10, "家", 2022, kpi.MeasureCumulative},
	"innovation_service_rd_institutions":   {kpi.KindAtLeast, 93, "个", 2020, kpi.MeasureLevel},
	"tech_market_contract_share_gdp":       {kpi.KindAtLeast, 0.5, "%", 2020, kpi.MeasureLevel},
	// task 5
	"tech_commissioners":         {kpi.KindIncrease, 0, "人", 2022, kpi.MeasureLevel},
	"three_regions_tech_talents": {kpi.KindIncrease, 0, "人", 2022, kpi.MeasureLevel},
	// task 6
	"fiscal_st_spending":                           {kpi.KindIncrease, 0, "万元", 2022, kpi.MeasureLevel},
	"fiscal_st_spending_share":                     {kpi.KindAtLeast, 1.58, "%", 2022, kpi.MeasureLevel},
	"education_spending":                           {kpi.KindIncrease, 0, "万元", 2022, kpi.MeasureLevel},
	"education_spending_share_gdp":                 {kpi.KindAtLeast, 2.87, "%", 2020, kpi.MeasureLevel},
	"rd_spending":                                  {kpi.KindIncrease, 0, "万元", 2022, kpi.MeasureLevel},
	"rd_spending_share_gdp":                        {kpi.KindAtLeast, 2.51, "%", 2022, kpi.MeasureLevel},
	"rd_personnel_per_10k_employed":                {kpi.KindAtLeast, 124, "人/万人", 2022, kpi.MeasureLevel},
	"above_scale_rd_spending_to_revenue":           {kpi.KindAtLeast, 2.45, "%", 2022, kpi.MeasureLevel},
	"above_scale_rd_personnel_share":               {kpi.KindAtLeast, 9.9, "%", 2022, kpi.MeasureLevel},
	"above_scale_firms_with_rd_institutions_share": {kpi.KindAtLeast, 18, "%", 2022, kpi.MeasureLevel},
	"rd_super_deduction_enterprises":               {kpi.KindIncrease, 0, "家", 2022, kpi.MeasureLevel},
	"rd_super_deduction_tax_relief":                {kpi.KindIncrease, 0, "万元", 2022, kpi.MeasureLevel},
	"high_tech_income_tax_relief":                  {kpi.KindIncrease, 0, "万元", 2022, kpi.MeasureLevel},
	"good_air_quality_share":                       {kpi.KindAtLeast, 87, "%", 2022, kpi.MeasureLevel},
	"one_thing_once_coverage":                      {kpi.KindAtLeast, 100, "%", 2022, kpi.MeasureLevel},
	"cross_region_service_coverage":                {kpi.KindAtLeast, 100, "%", 2022, kpi.MeasureLevel},
	"approval_steps_cut":                           {kpi.KindReduceBy, 10, "个", 2022, kpi.MeasureLevel},
	"approval_documents_cut":                       {kpi.KindReduceBy, 10, "份", 2022, kpi.MeasureLevel},
	"approval_time_cut":                            {kpi.KindReduceBy, 10, "工作日", 2022, kpi.MeasureLevel},
	"approval_fees_cut":                            {kpi.KindReduceBy, 10, "万元", 2022, kpi.MeasureLevel},
	"egov_extranet_coverage":                       {kpi.KindAtLeast, 100, "%", 2022, kpi.MeasureLevel},
	"online_service_coverage":                      {kpi.KindAtLeast, 100, "%", 2022, kpi.MeasureLevel},
}

// seedMilestones are the qualitative lines, with their task; continuing
// lines (reported each year) are in seedContinuing.
var seedMilestones = map[string]int{
	"industry_academia_cooperation":    1,
	"industrial_programmes_12345_1313": 2,
	"ip_commercialisation_pledge":      3,
	"ip_administrative_enforcement":    3,
	"tech_market_service_network":      4,
	"high_level_talent_introduction":   5,
	"skilled_talent_training":          5,
	"talent_evaluation_system":         5,
	"innovation_strategy_decision":     6,
	"fiscal_performance_evaluation":    6,
	"finance_for_innovation_measures":  6,
	"sme_credit_guarantee":             6,
	"capital_market_policy":            6,
	"tech_finance_funds":               6,
	"business_complaint_channel":       6,
	"three_concentrations_reform":      6,
	"e_license_sharing":                6,
}

// seedContinuing are the lines to keep doing (继续加强, 加强…, 确保…按期到位,
// 贯彻落实 …), reported 1 or 0 for each year, with their task.
var seedContinuing = map[string]int{
	"industry_innovation_alliances": 1,
	"ip_judicial_trials":            3,
	"st_funds_on_time":              6,
	"tax_policy_consulting":         6,
	"innovation_publicity":          6,
	"safe_yanfeng":                  6,
}

func TestSeedTargets(t *testing.T) {
	inds := byID(loadDefault(t))
	for id, want := range seedTargets {
		t.Run(id, func(t *testing.T) {
			ind, ok := inds[id]
			if !ok {
				t.Fatalf("indicator %s missing from the catalog", id)
			}
			got := targetRow{ind.Kind, ind.Target, ind.Unit, ind.Deadline, ind.Measure}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", id, diff)
			}
		})
	}
	for kind, lines := range map[kpi.Kind]map[string]int{kpi.KindMilestone: seedMilestones, kpi.KindContinuing: seedContinuing} {
		for id, task := range lines {
			t.Run(id, func(t *testing.T) {
				ind, ok := inds[id]
				if !ok {
					t.Fatalf("%s %s missing from the catalog", kind, id)
				}
				got := targetRow{ind.Kind, ind.Target, ind.Unit, ind.Deadline, ind.Measure}
				want := targetRow{kind, 1, "项", 2022, kpi.MeasureLevel}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s mismatch (-want +got):\n%s", id, diff)
				}
				if ind.Task != task {
					t.Errorf("%s task = %d, want %d", id, ind.Task, task)
				}
			})
		}
	}
	// Nothing in the catalog escapes the tables.
	for id := range inds {
		_, isTarget := seedTargets[id]
		_, isMilestone := seedMilestones[id]
		_, isContinuing := seedContinuing[id]
		if !isTarget && !isMilestone && !isContinuing {
			t.Errorf("indicator %s is in the catalog but in none of the tables of this test", id)
		}
	}
}

// TestSeedWording checks the lines whose wording sets how they are judged:
// 突破 is strict, 左右 has the 5 % tolerance, ratios per 万人 take decimals,
// and every line read in a way the document leaves open says so in its note.
func TestSeedWording(t *testing.T) {
	inds := byID(loadDefault(t))
	if ind := inds["tech_smes"]; !ind.Strict || ind.Tolerance != 0 {
		t.Errorf("tech_smes (突破40家): strict %v, tolerance %v; want strict, no tolerance", ind.Strict, ind.Tolerance)
	}
	if ind := inds["new_above_scale_enterprises"]; ind.Tolerance != 5 || ind.Strict {
		t.Errorf("new_above_scale_enterprises (40家左右): tolerance %v, strict %v; want tolerance 5", ind.Tolerance, ind.Strict)
	}
	for _, id := range []string{"invention_patents_per_10k", "rd_personnel_per_10k_employed"} {
		if ind := inds[id]; ind.IsCount() || !ind.IsRatio() {
			t.Errorf("%s (unit %s): count %v, ratio %v; want a ratio taking decimals", id, ind.Unit, ind.IsCount(), ind.IsRatio())
		}
	}
	if ind := inds["approval_documents_cut"]; !ind.IsCount() {
		t.Errorf("approval_documents_cut (unit %s) is not a count: 份 is one", ind.Unit)
	}
	for _, ind := range inds {
		openReading := ind.Strict || ind.Tolerance > 0 || ind.IsRatio() && ind.Unit != "吨标准煤/万元"
		if (openReading || ind.Kind == kpi.KindMultiply || ind.Kind == kpi.KindContinuing || ind.Kind == kpi.KindReduceBy) && ind.Note == "" {
			t.Errorf("%s (%s) is read in a way the document leaves open but has no note", ind.ID, ind.Kind)
		}
	}
}

func TestReduceByBaselineRule(t *testing.T) {
	for _, ind := range loadDefault(t).Indicators {
		if ind.Kind != kpi.KindReduceBy {
			continue
		}
		if ind.BaselineRule != kpi.BaselineFirstObservation || ind.Baseline != nil {
			t.Errorf("%s: baseline %v, rule %q; want no baseline and rule first_observation (在现有基础上)", ind.ID, ind.Baseline, ind.BaselineRule)
		}
	}
}

func TestTasksAndWorkLines(t *testing.T) {
	cat := loadDefault(t)
	wantTitles := map[int]string{
		1: "推动企业技术创新", 2: "创新产业发展", 3: "实施知识产权战略",
		4: "创新服务体系建设", 5: "创新人才队伍建设", 6: "创新环境建设",
	}
	gotTitles := map[int]string{}
	workLines := map[int]map[string]bool{}
	lastTask := 0
	for _, ind := range cat.Indicators {
		if prev, ok := gotTitles[ind.Task]; ok && prev != ind.TaskTitle {
			t.Errorf("task %d has two titles: %q and %q", ind.Task, prev, ind.TaskTitle)
		}
		gotTitles[ind.Task] = ind.TaskTitle
		if workLines[ind.Task] == nil {
			workLines[ind.Task] = map[string]bool{}
		}
		workLines[ind.Task][ind.WorkLine] = true
		if ind.Task < lastTask {
			t.Errorf("indicator %s of task %d comes after task %d: want indicators ordered by task", ind.ID, ind.Task, lastTask)
		}
		lastTask = ind.Task
	}
	if diff := cmp.Diff(wantTitles, gotTitles); diff != "" {
		t.Errorf("task titles mismatch (-want +got):\n%s", diff)
	}
	// The table repeats task 6 across a page break: still one task, with
	// all nine of its work lines.
	wantLines := map[int]int{1: 3, 2: 3, 3: 5, 4: 2, 5: 1, 6: 9}
	gotLines := map[int]int{}
	total := 0
	for task, lines := range workLines {
		gotLines[task] = len(lines)
		total += len(lines)
	}
	if diff := cmp.Diff(wantLines, gotLines); diff != "" {
		t.Errorf("work lines per task mismatch (-want +got):\n%s", diff)
	}
	if total != 23 {
		t.Errorf("work lines = %d, want 23", total)
	}
}

func TestDocumentOrderWithinTask(t *testing.T) {
	cat := loadDefault(t)
	var task1 []string
	for _, ind := range cat.Indicators {
		if ind.Task == 1 {
			task1 = append(task1, ind.ID)
		}
	}
	want := []string{
		"high_tech_enterprises", "high_tech_industry_value_added_share", "tech_smes",
		"new_product_sales_share", "high_tech_industry_revenue_share", "power_transmission_output_share_gdp",
		"enterprise_benefit_doubling", "new_engineering_research_centres", "new_engineering_labs", "new_enterprise_tech_centres", "new_innovation_teams",
		"industry_academia_cooperation", "industry_innovation_alliances",
	}
	if diff := cmp.Diff(want, task1); diff != "" {
		t.Errorf("task 1 order mismatch (-want +got):\n%s", diff)
	}
}

func TestUnits(t *testing.T) {
	inds := byID(loadDefault(t))
	towns := "各镇、街道"
	tests := []struct {
		id   string
		lead []string
		co   []string
	}{
		{"high_tech_enterprises", []string{"区科工信局"},
			[]string{"区发改局", "区住建局", "区农业农村局", "区商务局", "区统计局", "区市场监管局", "区工业集聚区", towns}},
		{"new_above_scale_enterprises", []string{"区发改局", "区商务局"},
			[]string{"区科工信局", "区住建局", "区农业农村局", "区商务局", "区统计局", "区市场监管局", "区重点建设项目事务中心", towns}},
		{"energy_intensity_gdp", []string{"区发改局", "区人社局"}, []string{"区科工信局", "区统计局", "区工业集聚区", towns}},
		{"ip_administrative_enforcement", []string{"区市场监管局"}, []string{"区法院", "公安雁峰分局", "区司法局"}},
		{"ip_judicial_trials", []string{"区法院"}, []string{"区市场监管局", "区司法局"}},
		{"tech_market_contract_share_gdp", []string{"区科工信局"}, []string{"全区各部门", towns}},
		{"tech_commissioners", []string{"区委组织部（区委人才办）"}, []string{"区教育局", "区科工信局", "区人社局", "区卫健局"}},
		{"innovation_strategy_decision", []string{"区委", "区政府"}, []string{"区相关部门"}},
		{"high_tech_income_tax_relief", []string{"区税务局"}, []string{"区科工信局", "区财政局", "区统计局"}},
		{"good_air_quality_share", []string{"生态环境雁峰分局"}, []string{"区城管执法局", towns}},
		{"approval_fees_cut", []string{"区行政审批局"}, []string{}},
		{"safe_yanfeng", []string{"区委政法委"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			ind, ok := inds[tt.id]
			if !ok {
				t.Fatalf("indicator %s missing", tt.id)
			}
			if diff := cmp.Diff(tt.lead, ind.LeadUnits); diff != "" {
				t.Errorf("lead units mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.co, ind.CoUnits); diff != "" {
				t.Errorf("co units mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSourceTextVerbatim(t *testing.T) {
	seed := readSeed(t)
	for _, ind := range loadDefault(t).Indicators {
		t.Run(ind.ID, func(t *testing.T) {
			if !strings.Contains(seed, ind.SourceText) {
				t.Errorf("source_text %q is not in the seed document verbatim", ind.SourceText)
			}
			if !strings.Contains(seed, ind.WorkLine) {
				t.Errorf("work line %q is not in the seed document verbatim", ind.WorkLine)
			}
			if !strings.Contains(seed, ind.TaskTitle) {
				t.Errorf("task title %q is not in the seed document", ind.TaskTitle)
			}
			for _, u := range append(append([]string{}, ind.LeadUnits...), ind.CoUnits...) {
				// The table breaks 区委组织部（区委人才办） over two lines.
				if !strings.Contains(strings.ReplaceAll(seed, "\n", ""), u) {
					t.Errorf("unit %q is not in the seed document", u)
				}
			}
			if ind.NameEN == "" {
				t.Errorf("no English name")
			}
			if ind.Deadline == 2022 && !strings.Contains(ind.SourceText, "2022") && ind.DeadlineNote == "" &&
				!strings.Contains(ind.WorkLine, "到2022年") {
				t.Errorf("deadline 2022 without a year in the text and no deadline_note")
			}
		})
	}
}

// problemAt is the part of a problem the tests pin down.
type problemAt struct {
	File      string
	Line      int
	Field     string
	Indicator string
}

func problemsAt(err error) []problemAt {
	var out []problemAt
	for _, p := range Problems(err) {
		out = append(out, problemAt{filepath.Base(p.File), p.Line, p.Field, p.Indicator})
	}
	return out
}

func TestProblems(t *testing.T) {
	const hte = "high_tech_enterprises"
	const asc = "approval_steps_cut"
	tests := []struct {
		file string
		want []problemAt // File is filled in from file
	}{
		{"unknown_kind", []problemAt{{Line: 18, Field: "kind", Indicator: hte}}},
		{"unknown_unit", []problemAt{{Line: 20, Field: "unit", Indicator: hte}}},
		{"missing_deadline", []problemAt{{Line: 16, Field: "deadline", Indicator: hte}}},
		{"invalid_deadline", []problemAt{{Line: 21, Field: "deadline", Indicator: hte}}},
		{"deadline_outside_plan", []problemAt{{Line: 21, Field: "deadline", Indicator: hte}}},
		{"percent_above_100", []problemAt{{Line: 19, Field: "target", Indicator: hte}}},
		{"percent_below_0", []problemAt{{Line: 19, Field: "target", Indicator: hte}}},
		{"target_not_a_number", []problemAt{{Line: 19, Field: "target", Indicator: hte}}},
		{"increase_with_target", []problemAt{{Line: 19, Field: "target", Indicator: hte}}},
		{"duplicate_id", []problemAt{{Line: 23, Field: "id", Indicator: hte}}},
		{"duplicate_name", []problemAt{{Line: 24, Field: "name", Indicator: asc}}},
		{"bad_indicator_id", []problemAt{{Line: 16, Field: "id", Indicator: "高新技术企业"}}},
		{"reduce_by_without_baseline", []problemAt{{Line: 25, Field: "baseline", Indicator: asc}}},
		{"baseline_and_rule", []problemAt{{Line: 30, Field: "baseline_rule", Indicator: asc}}},
		{"unknown_baseline_rule", []problemAt{{Line: 29, Field: "baseline_rule", Indicator: asc}}},
		{"bad_baseline_period", []problemAt{{Line: 22, Field: "baseline.period", Indicator: hte}}},
		{"missing_name", []problemAt{{Line: 16, Field: "name", Indicator: hte}}},
		{"missing_lead_units", []problemAt{{Line: 11, Field: "lead_units"}}},
		{"empty_lead_units", []problemAt{{Line: 13, Field: "lead_units"}}},
		{"missing_source_text", []problemAt{{Line: 16, Field: "source_text", Indicator: hte}}},
		{"unknown_frequency", []problemAt{{Line: 22, Field: "frequency", Indicator: hte}}},
		{"unknown_measure", []problemAt{{Line: 22, Field: "measure", Indicator: hte}}},
		{"unknown_field", []problemAt{
			{Line: 19, Field: "tagret", Indicator: hte},
			{Line: 16, Field: "target", Indicator: hte}, // and so the target is missing
		}},
		{"duplicate_task", []problemAt{{Line: 23, Field: "task"}}},
		{"duplicate_work_line_id", []problemAt{{Line: 26, Field: "id"}}},
		{"start_after_end", []problemAt{{Line: 6, Field: "end_year"}}},
		{"missing_plan_fields", []problemAt{{Line: 1, Field: "title"}, {Line: 1, Field: "start_year"}}},
		{"syntax_error", []problemAt{{Line: 13}}},
		{"missing_kind", []problemAt{{Line: 16, Field: "kind", Indicator: hte}}},
		{"missing_unit", []problemAt{{Line: 16, Field: "unit", Indicator: hte}}},
		{"missing_target", []problemAt{{Line: 16, Field: "target", Indicator: hte}}},
		{"negative_count_target", []problemAt{{Line: 19, Field: "target", Indicator: hte}}},
		{"reduce_by_percent_out_of_range", []problemAt{{Line: 19, Field: "target", Indicator: hte}}},
		{"multiply_factor_not_above_1", []problemAt{{Line: 19, Field: "target", Indicator: hte}}},
		{"tolerance_and_strict", []problemAt{{Line: 21, Field: "strict", Indicator: hte}}},
		{"max_not_positive", []problemAt{{Line: 20, Field: "max", Indicator: hte}}},
		{"stages_not_milestone", []problemAt{{Line: 22, Field: "stages", Indicator: hte}}},
		{"stages_out_of_order", []problemAt{{Line: 21, Field: "stages.period", Indicator: hte}, {Line: 21, Field: "stages.percent", Indicator: hte}}},
		{"base_year_not_before_start", []problemAt{{Line: 7, Field: "base_year"}}},
		{"reporting_from_not_a_day", []problemAt{{Line: 7, Field: "reporting_from"}}},
		{"milestone_target_not_1", []problemAt{{Line: 19, Field: "target", Indicator: hte}}},
		{"due_days_out_of_range", []problemAt{{Line: 22, Field: "due_days", Indicator: hte}}},
		{"lead_units_not_a_list", []problemAt{{Line: 13, Field: "lead_units"}}},
		{"bad_plan_id", []problemAt{{Line: 1, Field: "id"}}},
		{"work_line_without_indicators", []problemAt{{Line: 15, Field: "indicators"}}},
		{"bad_defaults", []problemAt{{Line: 7, Field: "extra"}, {Line: 7, Field: "frequency"}, {Line: 7, Field: "due_days"}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			name := tt.file + ".yaml"
			_, err := LoadFiles(filepath.Join("testdata", "bad", name))
			if code := kpi.ErrorCode(err); code != kpi.EINVALID {
				t.Fatalf("LoadFiles(%s) error code = %q (%v), want %q", name, code, err, kpi.EINVALID)
			}
			for i := range tt.want {
				tt.want[i].File = name
			}
			if diff := cmp.Diff(tt.want, problemsAt(err)); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s\nerror: %v", diff, err)
			}
			for _, p := range Problems(err) {
				if p.Message == "" {
					t.Errorf("problem %+v has no message", p)
				}
			}
		})
	}
}

func TestEveryProblemReported(t *testing.T) {
	_, err := LoadDir(filepath.Join("testdata", "multi"))
	want := []problemAt{
		{"several.yaml", 18, "kind", "high_tech_enterprises"},
		{"several.yaml", 20, "unit", "high_tech_enterprises"},
		{"several.yaml", 21, "deadline", "high_tech_enterprises"},
	}
	if diff := cmp.Diff(want, problemsAt(err)); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
}

func TestDuplicatePlanAcrossFiles(t *testing.T) {
	_, err := LoadDir(filepath.Join("testdata", "dupplan"))
	want := []problemAt{{"b.yaml", 1, "id", ""}}
	if diff := cmp.Diff(want, problemsAt(err)); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
	if got := Problems(err)[0].Message; !strings.Contains(got, "a.yaml:1") {
		t.Errorf("message %q does not say where the plan id was first defined (a.yaml:1)", got)
	}
}
