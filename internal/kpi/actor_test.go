package kpi_test

import (
	"testing"

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
