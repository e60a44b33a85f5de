package metrics

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestRecoveryWithinTheCollector: a figure that takes high_tech out of its
// lagging status gives its kpi_status sample the recovery text in the next
// rendering, and no other indicator carries one. A collector started after
// that figure (a restart) sees no change and words none, although the
// figure is recent.
func TestRecoveryWithinTheCollector(t *testing.T) {
	ctx := context.Background()
	store := openStore(t, testIndicators(), testObservations())
	c := newTestCollector(store)
	srv := httptest.NewServer(NewHandler(c, NewRegistry(c), nil))
	defer srv.Close()
	before, _ := get(t, srv.URL, "gzip")
	if !strings.Contains(before, `indicator="high_tech",period="2021",plan="test-plan",status="lagging"`) {
		t.Fatalf("high_tech is not lagging before the write: fix the fixture\n%s", before)
	}
	if strings.Contains(before, "【已恢复】") {
		t.Errorf("the first rendering has a recovery text:\n%s", before)
	}

	fixed := kpi.Observation{Plan: testPlan.ID, Indicator: "high_tech", Period: kpi.YearPeriod(2021), Value: 27}
	if _, err := store.AddObservations(ctx, kpi.Submission{Actor: kpi.Actor{Name: "test", All: true}, Source: "cli",
		At: asOf.Add(-time.Hour), Observations: []kpi.Observation{fixed}}); err != nil {
		t.Fatal(err)
	}
	after, _ := get(t, srv.URL, "gzip")
	if n := strings.Count(after, "summary=\"【已恢复】"); n != 1 {
		t.Errorf("%d recovery texts after the write, want high_tech's:\n%s", n, after)
	}
	if !strings.Contains(after, "summary=\"【已恢复】高新技术企业（区科工信局牵头）：现为") {
		t.Errorf("high_tech has no recovery text after the write:\n%s", after)
	}

	restarted := newTestCollector(store)
	srv2 := httptest.NewServer(NewHandler(restarted, NewRegistry(restarted), nil))
	defer srv2.Close()
	if got, _ := get(t, srv2.URL, "gzip"); strings.Contains(got, "【已恢复】") {
		t.Errorf("a collector started after the figure words a recovery text:\n%s", got)
	}
}

// TestForgottenRecoveryRendersAnew: when a later states slice drops a
// recovery (evaluated a window after it was seen) while the recovered
// state itself is kept (same pointer and Pass), the rendering does not
// reuse that state's chunk or alert line with the text.
func TestForgottenRecoveryRendersAnew(t *testing.T) {
	plan := kpi.Plan{ID: "p", Title: "测试规划", StartYear: 2021, EndYear: 2022,
		ReportingFrom: time.Date(2021, 1, 1, 0, 0, 0, 0, kpi.China)}
	ind := func(id string) *kpi.Indicator {
		return &kpi.Indicator{Plan: "p", ID: id, Name: "高新技术企业", Task: 1, Frequency: kpi.Annual, DueDays: 90,
			Measure: kpi.MeasureLevel, Deadline: 2022, LeadUnits: []string{"区科工信局"}, Unit: "家", Kind: kpi.KindAtLeast, Target: 30,
			Baseline: &kpi.Baseline{Period: kpi.YearPeriod(2020), Value: 10}}
	}
	a, b := ind("a"), ind("b")
	at := time.Date(2022, 2, 10, 9, 0, 0, 0, kpi.China)
	state := func(ind *kpi.Indicator, v float64, at time.Time, pass uint64) *kpi.State {
		obs := []kpi.Observation{{Plan: "p", Indicator: ind.ID, Period: kpi.YearPeriod(2021), Value: v, Revision: 1, SubmittedAt: at}}
		return &kpi.State{Plan: &plan, Indicator: ind, Evaluation: kpi.Evaluate(plan, *ind, obs, at), Pass: pass}
	}
	c := NewCollector(fixedStates{}, Options{})
	green := state(a, 26, at, 2)
	slices := [][]*kpi.State{
		{state(a, 11, at, 1), state(b, 26, at, 1)},
		{green, state(b, 26, at, 1)},
		{green, state(b, 27, at.Add(recoveryWindow+time.Hour), 3)},
	}
	var prev *rendered
	var texts []string
	for _, states := range slices {
		r, err := c.render(states, prev)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, plainText(t, r))
		prev = r
	}
	if strings.Contains(texts[0], "【已恢复】") || !strings.Contains(texts[1], "【已恢复】") {
		t.Fatalf("recovery texts: %v before, %v after the change, want none then one",
			strings.Count(texts[0], "【已恢复】"), strings.Count(texts[1], "【已恢复】"))
	}
	if strings.Contains(texts[2], "【已恢复】") {
		t.Errorf("a window after the change the rendering still has its recovery text:\n%s", texts[2])
	}
}
