package kpi_test

import (
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestOversightRules: the bureau and the supervision office oversee
// supervision (a unit account does not), and only an explained item (已说明,
// 已审阅) can be reviewed — the rules the store, the service, the API and
// the web page all ask.
func TestOversightRules(t *testing.T) {
	for _, tt := range []struct {
		actor kpi.Actor
		want  bool
	}{
		{kpi.Actor{Name: "tjj", All: true}, true},
		{kpi.Actor{Name: "dcs", Supervisor: true}, true},
		{kpi.Actor{Name: "kgx", Units: []string{"区科工信局"}}, false},
		{kpi.Actor{Name: "none"}, false},
	} {
		if got := tt.actor.Oversees(); got != tt.want {
			t.Errorf("%+v.Oversees() = %v, want %v", tt.actor, got, tt.want)
		}
	}
	reviewable := map[kpi.SupervisionState]bool{kpi.SupervisionAnswered: true, kpi.SupervisionReviewed: true}
	awaiting := map[kpi.SupervisionState]bool{kpi.SupervisionPending: true, kpi.SupervisionOverdue: true}
	for _, st := range kpi.SupervisionStates {
		it := kpi.SupervisionItem{State: st}
		if got := it.Reviewable(); got != reviewable[st] {
			t.Errorf("an item %s: Reviewable() = %v, want %v", st, got, reviewable[st])
		}
		if got := it.AwaitsAnswer(); got != awaiting[st] {
			t.Errorf("an item %s: AwaitsAnswer() = %v, want %v", st, got, awaiting[st])
		}
	}
}

// TestTargetFromBaseline: reduce_by and multiply (and only they) take their
// target from a baseline — without one, and without figures, they have no
// target, while at_least and at_most have theirs. The catalog asks the
// same method to demand a baseline or baseline_rule.
func TestTargetFromBaseline(t *testing.T) {
	plan := kpi.Plan{ID: "p", StartYear: 2021, EndYear: 2023}
	for _, k := range kpi.Kinds {
		want := k == kpi.KindReduceBy || k == kpi.KindMultiply
		if got := k.TargetFromBaseline(); got != want {
			t.Errorf("%s.TargetFromBaseline() = %v, want %v", k, got, want)
		}
		if !k.HasNumericTarget() {
			continue
		}
		ind := kpi.Indicator{Plan: "p", ID: "x", Unit: "家", Kind: k, Target: 10, Deadline: 2023, Frequency: kpi.Annual, DueDays: 90, Measure: kpi.MeasureLevel}
		ev := kpi.Evaluate(plan, ind, nil, time.Date(2022, 6, 30, 0, 0, 0, 0, kpi.China))
		if (ev.Target == nil) != want {
			t.Errorf("%s without a baseline or figures: target %v, want a target %v", k, ev.Target, !want)
		}
	}
}
