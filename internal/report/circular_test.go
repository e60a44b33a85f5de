package report_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
	"github.com/yanfeng/kpimon/internal/report"
)

// sampleCircular is the seed plan's circular of 2021-06-30 against
// 2020-06-30 from the sample figures (figures of 2019 and 2020 count).
func sampleCircular(t testing.TB, opts report.Options) report.Circular {
	t.Helper()
	st := sampleStore(t)
	if opts.AsOf.IsZero() {
		opts.AsOf = chinaDay(t, "2021-06-30")
	}
	c, err := report.Load(context.Background(), st, seedPlan, opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func findRow(t testing.TB, c report.Circular, id string) report.Row {
	t.Helper()
	for _, task := range c.Tasks {
		for _, r := range task.Rows {
			if r.State.Indicator.ID == id {
				return r
			}
		}
	}
	t.Fatalf("circular has no row %s", id)
	return report.Row{}
}

func TestCircularSummary(t *testing.T) {
	c := sampleCircular(t, report.Options{Previous: chinaDay(t, "2020-06-30")})
	if c.Title != "衡阳市雁峰区培育建设省级创新型区责任分工表指标进展情况通报" || c.AsOfText != "截至2021年6月30日" {
		t.Errorf("title, as of = %q, %q", c.Title, c.AsOfText)
	}
	got := map[kpi.Status]int{}
	for _, sc := range c.Summary.Statuses {
		got[sc.Status] = sc.Count
	}
	want := map[kpi.Status]int{
		kpi.StatusAchieved: 17, kpi.StatusOnTrack: 25, kpi.StatusInProgress: 5, kpi.StatusLagging: 11,
		kpi.StatusOffTrack: 9, kpi.StatusDeteriorating: 2, kpi.StatusMissed: 4, kpi.StatusInsufficientData: 1, kpi.StatusNoData: 6,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("status counts (-want +got):\n%s", diff)
	}
	lights := map[present.Light]int{}
	for _, lc := range c.Summary.Lights {
		lights[lc.Light] = lc.Count
	}
	if diff := cmp.Diff(map[present.Light]int{present.Green: 42, present.Yellow: 16, present.Red: 15, present.None: 7}, lights); diff != "" {
		t.Errorf("light counts (-want +got):\n%s", diff)
	}
	if c.Summary.Total != 80 || c.Summary.Good != 42 || c.Summary.Overdue != 8 {
		t.Errorf("total, good, overdue = %d, %d, %d, want 80, 42, 8", c.Summary.Total, c.Summary.Good, c.Summary.Overdue)
	}
	if want := "已达标或正常推进的42项，占52.5%"; !strings.Contains(c.Intro(), want) {
		t.Errorf("intro %q lacks %q", c.Intro(), want)
	}
	if len(c.Tasks) != 6 {
		t.Fatalf("tasks = %d, want 6", len(c.Tasks))
	}

	// 16 enterprises at the end of 2020, 30 due by the end of 2022.
	hte := findRow(t, c, "high_tech_enterprises")
	if diff := cmp.Diff([]string{"高新技术企业", "区科工信局", "≥30家", "2022年", "16家", "2020年", "22.2%", "66.7%", "需年均增加7家", "年均增加4家", "黄灯", "进度滞后"},
		[]string{hte.Name, hte.LeadUnits, hte.Target, hte.Deadline, hte.Actual, hte.Period, hte.Completion, hte.Pace, hte.Required, hte.Achieved, hte.LightWord, hte.StatusWord}); diff != "" {
		t.Errorf("high_tech_enterprises row (-want +got):\n%s", diff)
	}
	// 0.361 at the end of 2020 must fall to 0.331 in two years: √(0.331/0.361) − 1 = −4.2 %.
	if got := findRow(t, c, "energy_intensity_gdp").Required; got != "需年均下降4.2%" {
		t.Errorf("energy_intensity_gdp required = %q, want 需年均下降4.2%%", got)
	}

	// The paragraph names the lagging ones, worst status first.
	var words []string
	for _, g := range c.Attention {
		words = append(words, g.Word)
	}
	if diff := cmp.Diff([]string{"逾期未达标", "不进反退", "严重滞后", "进度滞后"}, words); diff != "" {
		t.Errorf("attention groups (-want +got):\n%s", diff)
	}
	lagging := c.Attention[3].Sentence()
	for _, want := range []string{"进度滞后的指标11项：", "高新技术企业（区科工信局，2020年16家，目标≥30家（2022年），差距14家，需年均增加7家）"} {
		if !strings.Contains(lagging, want) {
			t.Errorf("lagging sentence lacks %q:\n%s", want, lagging)
		}
	}

	// Changes since 2020-06-30, when only 2019 figures counted.
	if c.Changes == nil {
		t.Fatal("no changes with a previous date")
	}
	var newNames []string
	for _, r := range c.Changes.NewFigures {
		newNames = append(newNames, r.State.Indicator.ID)
	}
	if !slices.Contains(newNames, "high_tech_enterprises") || slices.Contains(newNames, "skilled_talent_training") {
		t.Errorf("new figures %v: want high_tech_enterprises (2020 came in), not skilled_talent_training (2019 only)", newNames)
	}
	down := map[string]string{}
	for _, sc := range c.Changes.Down {
		down[sc.Row.State.Indicator.ID] = sc.FromWord + "→" + sc.Row.StatusWord
	}
	if got := down["new_engineering_labs"]; got != "推进中→逾期未达标" && got != "严重滞后→逾期未达标" {
		t.Errorf("new_engineering_labs change = %q, want … → 逾期未达标 (its 2020 deadline passed); downs %v", got, down)
	}
}

func TestCircularUnitRanking(t *testing.T) {
	c := sampleCircular(t, report.Options{})
	byUnit := map[string]report.UnitRank{}
	for i, u := range c.Units {
		byUnit[u.Unit] = u
		if i > 0 && u.GoodShare > c.Units[i-1].GoodShare {
			t.Errorf("rank %d %s (%.2f) above %s (%.2f): not ordered by share", u.Rank, u.Unit, u.GoodShare, c.Units[i-1].Unit, c.Units[i-1].GoodShare)
		}
	}
	// 区财政局 leads 6: achieved st_funds_on_time; on track fiscal_st_spending
	// and education_spending; off track fiscal_st_spending_share; missed
	// education_spending_share_gdp (due 2020); never reported
	// fiscal_performance_evaluation (its report overdue).
	fin := byUnit["区财政局"]
	want := report.UnitRank{Rank: fin.Rank, Unit: "区财政局", Total: 6, Good: 3, GoodShare: 0.5, Lagging: 1, Missed: 1, Overdue: 0}
	if fin != want {
		t.Errorf("区财政局 = %+v, want %+v", fin, want)
	}
}

func TestCircularOfOneUnit(t *testing.T) {
	c := sampleCircular(t, report.Options{Unit: "区财政局"})
	// It leads 6 and cooperates on 5 (cooperating units answer for them too).
	if c.Summary.Total != 11 {
		t.Errorf("区财政局's circular has %d indicators, want 11", c.Summary.Total)
	}
	for _, task := range c.Tasks {
		for _, r := range task.Rows {
			if !r.State.Indicator.HasUnit("区财政局") {
				t.Errorf("区财政局's circular shows %s (units %v)", r.Name, r.State.Indicator.LeadUnits)
			}
		}
	}
	if _, err := report.Load(context.Background(), sampleStore(t), seedPlan, report.Options{AsOf: chinaDay(t, "2021-06-30"), Unit: "区不存在局"}); kpi.ErrorCode(err) != kpi.ENOTFOUND {
		t.Errorf("unknown unit: err = %v, want %s", err, kpi.ENOTFOUND)
	}
}

func TestLights(t *testing.T) {
	ls, err := present.ParseLights("no_data=red, in_progress=绿")
	if err != nil {
		t.Fatal(err)
	}
	if ls.Of(kpi.StatusNoData) != present.Red || ls.Of(kpi.StatusInProgress) != present.Green || ls.Of(kpi.StatusLagging) != present.Yellow {
		t.Errorf("ParseLights: no_data %s, in_progress %s, lagging %s; want red, green, yellow", ls.Of(kpi.StatusNoData), ls.Of(kpi.StatusInProgress), ls.Of(kpi.StatusLagging))
	}
	for _, bad := range []string{"no_data", "great=red", "no_data=blue"} {
		if _, err := present.ParseLights(bad); err == nil {
			t.Errorf("ParseLights(%q) succeeded, want an error", bad)
		}
	}
	c := sampleCircular(t, report.Options{Lights: ls})
	for _, lc := range c.Summary.Lights {
		if lc.Light == present.Red && lc.Count != 21 {
			t.Errorf("red with no_data=red = %d, want 15 + 6", lc.Count)
		}
	}
	if want := "红灯：严重滞后、不进反退、逾期未达标、未报送"; !strings.Contains(c.LightLegend(), want) {
		t.Errorf("legend %q lacks %q", c.LightLegend(), want)
	}
}

// A 文号 has an agency code even when the office file gives no pattern:
// the issuer's county-level name and 办 for an office.
func TestDefaultDocNumber(t *testing.T) {
	for _, c := range []struct{ issuer, want string }{
		{"衡阳市雁峰区培育建设省级创新型区工作领导小组办公室", "雁峰办"},
		{"湖南省衡阳市雁峰区科技局", "雁峰科"},
		{"雁峰区创新办", "雁峰创"},
		{"衡阳市科技局", "衡阳科"},
		{"某某县人民政府办公室", "某某办"},
		{"领导小组办公室", ""},
	} {
		if got := report.AgencyCode(c.issuer); got != c.want {
			t.Errorf("AgencyCode(%q) = %q, want %q", c.issuer, got, c.want)
		}
	}
	c := sampleCircular(t, report.Options{})
	if c.Number != "雁峰办〔2021〕1号" {
		t.Errorf("default 文号 = %q, want 雁峰办〔2021〕1号", c.Number)
	}
}
