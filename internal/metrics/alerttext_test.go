package metrics

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// latinWord is a word of English in text meant to be Chinese only (an
// indicator's id in brackets, e.g. （high_tech）, is a code, not a word).
var latinWord = regexp.MustCompile(`[A-Za-z]{3,}[ :][A-Za-z]`)

// TestAlertTextSaysWhy words the alerts of indicators a unit must act on
// for a reason the status alone does not give, evaluated by kpi.Evaluate:
// each says the reason in words, no gap where there is no distance to
// cover (an increase line's bar is last year's figure, a continuing line
// counts years), and Chinese only: no English line beside it (units read
// the text as it stands).
func TestAlertTextSaysWhy(t *testing.T) {
	plan := kpi.Plan{ID: "p", Title: "测试规划", StartYear: 2021, EndYear: 2022,
		ReportingFrom: time.Date(2021, 1, 1, 0, 0, 0, 0, kpi.China)}
	base := kpi.Indicator{Plan: "p", Task: 1, Frequency: kpi.Annual, DueDays: 90, Measure: kpi.MeasureLevel,
		Deadline: 2022, LeadUnits: []string{"区科工信局"}}
	ind := func(f func(*kpi.Indicator)) kpi.Indicator {
		i := base
		f(&i)
		return i
	}
	obs := func(id string, vals map[int]float64) []kpi.Observation {
		var o []kpi.Observation
		for y, v := range vals {
			o = append(o, kpi.Observation{Plan: "p", Indicator: id, Period: kpi.YearPeriod(y), Value: v, Revision: 1,
				SubmittedAt: kpi.YearPeriod(y).End().Add(24 * time.Hour)})
		}
		return o
	}
	late := time.Date(2023, 6, 30, 0, 0, 0, 0, kpi.China)   // 2022 figures due 2023-03-31, not in
	mid := time.Date(2022, 6, 30, 0, 0, 0, 0, kpi.China)    // plan running
	closed := time.Date(2024, 1, 31, 0, 0, 0, 0, kpi.China) // report duty ended (180 days after 2023-03-31)
	rd := ind(func(i *kpi.Indicator) {
		i.ID, i.Name, i.NameEN, i.Unit, i.Kind = "rd", "研发经费投入", "R&D spending", "万元", kpi.KindIncrease
	})
	firms := ind(func(i *kpi.Indicator) {
		i.ID, i.Name, i.NameEN, i.Unit, i.Kind, i.Target = "firms", "高新技术企业", "High-tech enterprises", "家", kpi.KindAtLeast, 30
		i.Baseline = &kpi.Baseline{Period: kpi.YearPeriod(2020), Value: 10}
	})
	smes := ind(func(i *kpi.Indicator) {
		i.ID, i.Name, i.NameEN, i.Unit, i.Kind, i.Target, i.Strict = "smes", "科技型中小企业", "Technology-based SMEs", "家", kpi.KindAtLeast, 40, true
		i.Baseline = &kpi.Baseline{Period: kpi.YearPeriod(2020), Value: 22}
	})
	keep := ind(func(i *kpi.Indicator) {
		i.ID, i.Name, i.NameEN, i.Kind, i.Target = "keep", "持续开展科技宣传", "Keep promoting science", kpi.KindContinuing, 1
	})
	for _, tc := range []struct {
		name    string
		plan    kpi.Plan
		ind     kpi.Indicator
		obs     []kpi.Observation
		now     time.Time
		status  kpi.Status
		summary string
		want    []string // in the description
		not     []string // in summary or description
	}{
		{
			name: "final figure overdue", ind: firms, obs: obs("firms", map[int]float64{2021: 28}), now: late, status: kpi.StatusMissed,
			summary: "【逾期未达标】高新技术企业（区科工信局牵头）：截止2022年12月31日未达标，2021年实际28家，目标≥30家，差距2家；完成时限年度的数据逾期未报：2022年",
			want:    []string{"原因：完成时限年度的数据逾期未报：2022年\n"},
		},
		{
			name: "突破 missed", ind: smes, obs: obs("smes", map[int]float64{2021: 35}), now: late, status: kpi.StatusMissed,
			summary: "【逾期未达标】科技型中小企业（区科工信局牵头）：截止2022年12月31日未达标，2021年实际35家，目标>40家，差距6家；完成时限年度的数据逾期未报：2022年",
			want:    []string{"目标：>40家，截止2022年12月31日\n"},
		},
		{
			name: "fell in 2021", ind: rd, obs: obs("rd", map[int]float64{2020: 1200, 2021: 1100}), now: mid, status: kpi.StatusDeteriorating,
			summary: "【不进反退】研发经费投入（区科工信局牵头）：2021年实际1100万元，目标逐年增长；有年度较上一年度下降：2021年",
			want:    []string{"原因：有年度较上一年度下降：2021年\n", "差距：2021年较上年下降100万元\n"},
			not:     []string{"差距0"},
		},
		{
			name: "flat in 2021", ind: rd, obs: obs("rd", map[int]float64{2020: 1200, 2021: 1200, 2022: 1300}), now: late, status: kpi.StatusMissed,
			summary: "【逾期未达标】研发经费投入（区科工信局牵头）：截止2022年12月31日未达标，2022年实际1300万元，目标逐年增长；有年度较上一年度未增长：2021年",
			want:    []string{"原因：有年度较上一年度未增长：2021年\n"},
			not:     []string{"差距", "0.0"},
		},
		{
			name: "a year not done", ind: keep, obs: obs("keep", map[int]float64{2021: 0, 2022: 1}), now: late, status: kpi.StatusMissed,
			summary: "【逾期未达标】持续开展科技宣传（区科工信局牵头）：截止2022年12月31日未达标，2022年实际已完成，目标每年完成；有年度未完成：2021年",
			want:    []string{"原因：有年度未完成：2021年\n", "目标：每年完成"},
			not:     []string{"差距"},
		},
		{
			name: "never reported after the duty ended", ind: firms, now: closed, status: kpi.StatusNoData,
			summary: "【逾期未报】高新技术企业（区科工信局牵头）：应报2022年数据，报送期限2023年3月31日已过，始终未报送任何数据",
			want:    []string{"应报：2022年数据（完成时限年度），报送期限2023年3月31日\n"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.plan
			if p.ID == "" {
				p = plan
			}
			st := &kpi.State{Plan: &p, Indicator: &tc.ind, Evaluation: kpi.Evaluate(p, tc.ind, tc.obs, tc.now)}
			if st.Evaluation.Status != tc.status {
				t.Fatalf("status %s (reason %s), want %s: fix the fixture", st.Evaluation.Status, st.Evaluation.Reason, tc.status)
			}
			c := &Collector{links: Links{WebURL: "https://kpi.example.gov.cn/"}}
			got := c.statusText(st)
			if got == nil {
				t.Fatalf("no alert text for %s", tc.status)
			}
			if got.summary != tc.summary {
				t.Errorf("summary\n got %s\nwant %s", got.summary, tc.summary)
			}
			for _, w := range tc.want {
				if !strings.Contains(got.description, w) {
					t.Errorf("description lacks %q:\n%s", w, got.description)
				}
			}
			if w := latinWord.FindString(strings.ReplaceAll(got.summary+got.description, c.submitURL(), "")); w != "" {
				t.Errorf("text has English %q:\n%s\n%s", w, got.summary, got.description)
			}
			for _, n := range tc.not {
				if strings.Contains(got.summary+got.description, n) {
					t.Errorf("text says %q:\n%s\n%s", n, got.summary, got.description)
				}
			}
		})
	}

	// Not every indicator without figures is alerted: not while its duty
	// runs (the overdue alert speaks), nor when the plan was loaded after
	// the final figure was due (history, never owed).
	for _, tc := range []struct {
		name string
		plan kpi.Plan
		now  time.Time
	}{
		{"duty running", plan, late},
		{"loaded after the final figure was due", kpi.Plan{ID: "p", StartYear: 2021, EndYear: 2022, ReportingFrom: time.Date(2023, 5, 1, 0, 0, 0, 0, kpi.China)}, closed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &kpi.State{Plan: &tc.plan, Indicator: &firms, Evaluation: kpi.Evaluate(tc.plan, firms, nil, tc.now)}
			if got := (&Collector{}).statusText(st); got != nil {
				t.Errorf("status %s has alert text %q, want none", st.Evaluation.Status, got.summary)
			}
		})
	}
}

// TestRecoveredText words the status of an indicator the collector saw
// leave an alerted status (KpiRecovered reads it): the new status and
// figure, in Chinese. A recent figure alone gives no text; once a states
// slice evaluated recoveryWindow after the change arrives, the sample
// carries none again.
func TestRecoveredText(t *testing.T) {
	plan := kpi.Plan{ID: "p", Title: "测试规划", StartYear: 2021, EndYear: 2022,
		ReportingFrom: time.Date(2021, 1, 1, 0, 0, 0, 0, kpi.China)}
	firms := kpi.Indicator{Plan: "p", ID: "firms", Name: "高新技术企业", Task: 1, Frequency: kpi.Annual, DueDays: 90,
		Measure: kpi.MeasureLevel, Deadline: 2022, LeadUnits: []string{"区科工信局"}, Unit: "家", Kind: kpi.KindAtLeast, Target: 30,
		Baseline: &kpi.Baseline{Period: kpi.YearPeriod(2020), Value: 10}}
	submitted := time.Date(2022, 2, 10, 9, 0, 0, 0, kpi.China)
	figure := func(v float64) []kpi.Observation {
		return []kpi.Observation{{Plan: "p", Indicator: "firms", Period: kpi.YearPeriod(2021), Value: v, Revision: 1, SubmittedAt: submitted}}
	}
	state := func(v float64, at time.Time, pass uint64) *kpi.State {
		return &kpi.State{Plan: &plan, Indicator: &firms, Evaluation: kpi.Evaluate(plan, firms, figure(v), at), Pass: pass}
	}
	c := &Collector{links: Links{WebURL: "https://kpi.example.gov.cn/"}}

	red := state(11, submitted, 1)
	if !alertingStatus(red.Evaluation.Status) {
		t.Fatalf("status %s of 11 is not alerted on: fix the fixture", red.Evaluation.Status)
	}
	st := state(26, submitted.Add(recoveryWindow/2), 2)
	if alertingStatus(st.Evaluation.Status) {
		t.Fatalf("status %s is alerted on: fix the fixture", st.Evaluation.Status)
	}
	c.recov.see([]*kpi.State{st})
	if got := c.statusText(st); got != nil || c.hasStatusText(st) {
		t.Errorf("a recent figure never alerted on (the first states seen) has text %v", got)
	}

	c = &Collector{links: c.links}
	c.recov.see([]*kpi.State{red})
	c.recov.see([]*kpi.State{st})
	got := c.statusText(st)
	if got == nil || !c.hasStatusText(st) {
		t.Fatalf("no text for status %s after %s", st.Evaluation.Status, red.Evaluation.Status)
	}
	word := present.Status(st.Evaluation.Status)
	if want := "【已恢复】高新技术企业（区科工信局牵头）：现为" + word + "，2021年实际26家，目标≥30家"; got.summary != want {
		t.Errorf("summary\n got %s\nwant %s", got.summary, want)
	}
	for _, w := range []string{"状态：" + word + "（原告警已解除）\n", "实际：26家（2021年数据）\n", "目标：≥30家，截止2022年12月31日\n", "报送地址：https://kpi.example.gov.cn/submit"} {
		if !strings.Contains(got.description, w) {
			t.Errorf("description lacks %q:\n%s", w, got.description)
		}
	}
	if w := latinWord.FindString(strings.ReplaceAll(got.summary+got.description, c.submitURL(), "")); w != "" {
		t.Errorf("text has English %q", w)
	}

	old := state(26, submitted.Add(recoveryWindow/2+recoveryWindow+time.Hour), 3)
	if old.Evaluation.Status != st.Evaluation.Status {
		t.Fatalf("status %s later, %s then: fix the fixture", old.Evaluation.Status, st.Evaluation.Status)
	}
	if forgotten := c.recov.see([]*kpi.State{old}); !forgotten[firms.Ref()] {
		t.Errorf("states a window later forgot %v, want %v", forgotten, firms.Ref())
	}
	if got := c.statusText(old); got != nil || c.hasStatusText(old) {
		t.Errorf("a recovery older than %v still has text %v", recoveryWindow, got)
	}
}
