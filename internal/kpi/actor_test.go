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
	want := map[kpi.SupervisionState]bool{kpi.SupervisionAnswered: true, kpi.SupervisionReviewed: true}
	for _, st := range kpi.SupervisionStates {
		if got := (kpi.SupervisionItem{State: st}).Reviewable(); got != want[st] {
			t.Errorf("an item %s: Reviewable() = %v, want %v", st, got, want[st])
		}
	}
}
