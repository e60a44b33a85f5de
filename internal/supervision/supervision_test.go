package supervision_test

import (
	"context"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// TestStatesCarrySupervision: the open items ride beside the evaluation in
// State.Supervision, a change of them gives the state a new Pass (so the
// alert text is worded again) and never changes the verdict.
func TestStatesCarrySupervision(t *testing.T) {
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2022, 6, 30, 10, 0, 0, 0, kpi.China))
	ind := kpi.Indicator{Plan: "p", ID: "x", Name: "高新技术企业", Task: 1, LeadUnits: []string{"区科工信局", "区发改局"}, CoUnits: []string{"区统计局"},
		Unit: "家", Kind: kpi.KindAtLeast, Target: 30, Deadline: 2023, Frequency: kpi.Annual, DueDays: 90, Measure: kpi.MeasureLevel,
		Baseline: &kpi.Baseline{Period: kpi.YearPeriod(2020), Value: 10}}
	st, states, svc := serviceOn(t, clock, planOf(ind))
	if _, err := st.AddObservations(ctx, kpi.Submission{Actor: kpi.Actor{Name: "tjj", All: true}, Source: "cli", At: clock.Now(),
		Observations: []kpi.Observation{{Plan: "p", Indicator: "x", Period: kpi.YearPeriod(2021), Value: 8}}}); err != nil {
		t.Fatal(err)
	}
	state := func() kpi.State {
		t.Helper()
		s, err := states.State(ctx, ind.Ref())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := state()
	if before.Evaluation.Status != kpi.StatusDeteriorating || len(before.Supervision) != 0 {
		t.Fatalf("before sync: %s with %d notes, want deteriorating without", before.Evaluation.Status, len(before.Supervision))
	}
	ch, err := svc.Sync(ctx)
	if err != nil || len(ch.Open) != 2 {
		t.Fatalf("Sync opened %d items, %v; want one per lead unit", len(ch.Open), err)
	}
	if ch, _ := svc.Sync(ctx); !ch.Empty() {
		t.Errorf("second Sync: %+v, want nothing", ch)
	}
	opened := state()
	if len(opened.Supervision) != 2 || opened.Supervision[0].State != kpi.SupervisionPending || opened.Pass == before.Pass {
		t.Fatalf("after opening: notes %+v pass %d (was %d); want two pending notes and a new pass", opened.Supervision, opened.Pass, before.Pass)
	}
	if opened.Evaluation.Status != before.Evaluation.Status || opened.Evaluation.PaceRatio != before.Evaluation.PaceRatio {
		t.Errorf("supervision changed the evaluation: %+v → %+v", before.Evaluation, opened.Evaluation)
	}
	clock.Advance(time.Hour)
	if _, err := svc.Explain(ctx, ind.Ref(), kpi.ExplanationInput{Reason: "两家企业推迟申报", Measures: "逐户辅导", ExpectedBy: "2022-12-31"},
		kpi.Actor{Name: "kgx", Units: []string{"区科工信局"}}); err != nil {
		t.Fatal(err)
	}
	answered := state()
	n := answered.Supervision[0]
	if n.Unit != "区科工信局" || n.State != kpi.SupervisionAnswered || n.Latest == nil || n.Latest.Reason != "两家企业推迟申报" || answered.Pass == opened.Pass {
		t.Errorf("after the answer: %+v pass %d; want 区科工信局 answered with its reason and a new pass", n, answered.Pass)
	}
	// A unit of another indicator may not answer; a bureau actor must name
	// the unit when there are two.
	if _, err := svc.Explain(ctx, ind.Ref(), kpi.ExplanationInput{Reason: "a", Measures: "b", ExpectedBy: "2022-12-31"},
		kpi.Actor{Name: "sw", Units: []string{"区商务局"}}); kpi.ErrorCode(err) != kpi.EFORBIDDEN {
		t.Errorf("区商务局 answering: %v, want forbidden", err)
	}
	// A cooperating unit answers through the lead unit.
	if _, err := svc.Explain(ctx, ind.Ref(), kpi.ExplanationInput{Reason: "a", Measures: "b", ExpectedBy: "2022-12-31"},
		kpi.Actor{Name: "tjj-unit", Units: []string{"区统计局"}}); kpi.ErrorCode(err) != kpi.EFORBIDDEN {
		t.Errorf("a cooperating unit answering: %v, want forbidden", err)
	}
	if _, err := svc.Explain(ctx, ind.Ref(), kpi.ExplanationInput{Reason: "a", Measures: "b", ExpectedBy: "2022-12-31"},
		kpi.Actor{Name: "tjj", All: true}); kpi.ErrorCode(err) != kpi.EINVALID {
		t.Errorf("the bureau answering without naming the unit: %v, want invalid", err)
	}
	// The figure reaches the target: the items close and leave the state.
	if _, err := st.AddObservations(ctx, kpi.Submission{Actor: kpi.Actor{Name: "tjj", All: true}, Source: "cli", At: clock.Now(),
		Observations: []kpi.Observation{{Plan: "p", Indicator: "x", Period: kpi.YearPeriod(2021), Value: 30}}}); err != nil {
		t.Fatal(err)
	}
	if ch, err := svc.Sync(ctx); err != nil || len(ch.Close) != 2 {
		t.Fatalf("Sync after reaching the target closed %d, %v; want 2", len(ch.Close), err)
	}
	if s := state(); len(s.Supervision) != 0 {
		t.Errorf("after closing: notes %+v, want none", s.Supervision)
	}
	counts, err := svc.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	closed := 0
	for _, c := range counts {
		if c.State == kpi.SupervisionClosed {
			closed += c.N
		}
	}
	if len(counts) != 2*len(kpi.SupervisionStates) || closed != 2 {
		t.Errorf("counts %+v: want every state of both units, two closed", counts)
	}
}
