package report_test

import (
	"strings"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/report"
)

// A figure arriving is 新报送, not progress: no status change counted has a
// side without a verdict, and the moves named are the largest, at most ten.
func TestChangesOnlyBetweenEvaluatedStatuses(t *testing.T) {
	c := sampleCircular(t, report.Options{Previous: chinaDay(t, "2020-06-30")})
	ch := c.Changes
	unjudged := map[kpi.Status]bool{kpi.StatusNoData: true, kpi.StatusInsufficientData: true}
	for _, sc := range append(append([]report.StatusChange{}, ch.Up...), ch.Down...) {
		if unjudged[sc.From] || unjudged[sc.Row.State.Evaluation.Status] {
			t.Errorf("%s counted as %s: %s→%s", sc.Row.Name, sc.Direction(), sc.FromWord, sc.Row.StatusWord)
		}
	}
	if len(ch.FirstFigures) == 0 {
		t.Fatal("no first figures between 2020-06-30 and 2021-06-30; the sample's 2020 figures count from 2020-12-31")
	}
	for _, r := range ch.FirstFigures {
		for _, sc := range ch.Up {
			if sc.Row.Name == r.Name {
				t.Errorf("%s is both 新报送 and 好转", r.Name)
			}
		}
	}
	if len(ch.Moves) > report.MaxMoves || len(ch.Moves) != min(report.MaxMoves, len(ch.Up)+len(ch.Down)) {
		t.Errorf("%d moves of %d up and %d down", len(ch.Moves), len(ch.Up), len(ch.Down))
	}
	for i := 1; i < len(ch.Moves); i++ {
		if abs(ch.Moves[i].Step) > abs(ch.Moves[i-1].Step) {
			t.Errorf("move %d (%d) larger than move %d (%d)", i, ch.Moves[i].Step, i-1, ch.Moves[i-1].Step)
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// 区委, 区政府 and 区法院 lead one indicator each: listed apart, unranked;
// the ranking counts only lead indicators, and a unit's circular shows the
// district's ranking unchanged.
func TestRankingOverLeadIndicators(t *testing.T) {
	c := sampleCircular(t, report.Options{})
	ranked := map[string]report.UnitRank{}
	for _, u := range c.Units {
		ranked[u.Unit] = u
		if u.Total < report.DefaultMinRanked {
			t.Errorf("%s ranked %d with %d lead indicators", u.Unit, u.Rank, u.Total)
		}
	}
	unranked := map[string]bool{}
	for _, u := range c.Unranked {
		unranked[u.Unit] = true
		if u.Rank != 0 || u.Total >= report.DefaultMinRanked {
			t.Errorf("unranked %+v", u)
		}
	}
	for _, u := range []string{"区委", "区政府", "区法院"} {
		if _, ok := ranked[u]; ok || !unranked[u] {
			t.Errorf("%s: ranked %v, listed apart %v; want apart", u, ok, unranked[u])
		}
	}
	if len(c.Cooperating) == 0 {
		t.Error("no 配合 counts")
	}
	one := sampleCircular(t, report.Options{Unit: "区市场监管局"})
	if len(one.Units) != len(c.Units) {
		t.Fatalf("区市场监管局's circular ranks %d units, the district's %d", len(one.Units), len(c.Units))
	}
	for i := range c.Units {
		if one.Units[i] != c.Units[i] {
			t.Errorf("ranking line %d: unit's circular %+v, district's %+v", i, one.Units[i], c.Units[i])
		}
	}
}

// 存在问题 groups by cause with the units; a red indicator carries its
// lead unit's newest explanation; supervision rows come through as they
// stood at the as-of date.
func TestProblemsExplanationsSupervision(t *testing.T) {
	base := sampleCircular(t, report.Options{})
	if len(base.Problems) == 0 || len(base.Red) == 0 {
		t.Fatalf("problems %d, red %d: the sample has lagging and red indicators", len(base.Problems), len(base.Red))
	}
	if s := base.Problems[0].Sentence(); !strings.Contains(s, "逾期未达标指标4项，涉及") {
		t.Errorf("first problem %q, want the 4 missed indicators", s)
	}
	red := base.Red[0].Row
	ind := red.State.Indicator
	unit := ind.LeadUnits[0]
	at := chinaDay(t, "2021-06-01")
	c := sampleCircular(t, report.Options{
		Explanations: []kpi.Explanation{
			{Ref: ind.Ref(), Unit: unit, Revision: 1, Reason: "旧说明", At: at},
			{Ref: ind.Ref(), Unit: unit, Revision: 2, Reason: "受疫情影响项目延期", Measures: "加快审批", At: at.Add(time.Hour)},
		},
		Supervision: []kpi.SupervisionItem{
			{ID: 1, Ref: ind.Ref(), Unit: unit, Events: []kpi.SupervisionEvent{{At: at, Action: kpi.SupervisionEventOpen, Status: kpi.StatusOffTrack, Deadline: &at}}},
			{ID: 2, Ref: ind.Ref(), Unit: unit, Events: []kpi.SupervisionEvent{{At: chinaDay(t, "2021-08-01"), Action: kpi.SupervisionEventOpen}}},
		},
	})
	got := c.Red[0]
	if len(got.Explanations) != 1 || got.Explanations[0].Revision != 2 {
		t.Fatalf("red %s explanations %+v, want revision 2 only", got.Name, got.Explanations)
	}
	if s := report.ExplanationText(got.Explanations[0]); !strings.Contains(s, unit+"说明：受疫情影响项目延期；措施：加快审批") {
		t.Errorf("explanation text %q", s)
	}
	if len(c.Supervision) != 1 || c.Supervision[0].State != "逾期未说明" || c.Supervision[0].Name != red.Name {
		t.Errorf("supervision rows %+v, want one 逾期未说明 row of %s (the other opened after the as-of date)", c.Supervision, red.Name)
	}
}

func TestOfficeFields(t *testing.T) {
	o, err := report.ParseOffice([]byte("issuer: 雁峰区创新办\nnumber: 雁创办〔{year}〕{n}号\nserial: 7\ndate: 2021-07-05\nto: 各镇、街道，区直各单位\n"), "office.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := sampleCircular(t, report.Options{Office: o})
	if c.Number != "雁创办〔2021〕7号" || c.Date != "2021年7月5日" || c.Office.To != "各镇、街道，区直各单位" || c.Office.Signature != "雁峰区创新办" {
		t.Errorf("number %q, date %q, to %q, signature %q", c.Number, c.Date, c.Office.To, c.Office.Signature)
	}
	if c.Subject != "关于培育建设省级创新型区工作进展情况的通报" {
		t.Errorf("subject %q", c.Subject)
	}
	for _, bad := range []string{"isuer: x\n", "date: 2021/7/5\n", "number: 雁创办〔{year}〕号\n"} {
		if _, err := report.ParseOffice([]byte(bad), "office.yaml"); kpi.ErrorCode(err) != kpi.EINVALID {
			t.Errorf("ParseOffice(%q) err = %v, want EINVALID", bad, err)
		}
	}
}
