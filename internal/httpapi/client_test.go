package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yanfeng/kpimon/internal/httpapi"
	"github.com/yanfeng/kpimon/internal/kpi"
)

// The client reads back, through the API's own wire types, the states the
// server evaluated: every field of the evaluation arrives in its place.
func TestClientReadsTheServersStates(t *testing.T) {
	f := newFixture(t, fixtureOptions{secondPlan: true})
	wantStatus(t, f.postJSON("/api/v1/observations", testSecrets["tjj"],
		`[{"indicator": "high_tech_enterprises", "plan": "yanfeng-2022", "period": "2020", "value": "20"},
		  {"indicator": "high_tech_enterprises", "plan": "yanfeng-2022", "period": "2021", "value": "26"}]`), http.StatusCreated)
	ctx := context.Background()
	all, err := f.deps.States.States(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]kpi.State, len(all)) // copies: the states are shared
	for i, st := range all {
		want[i] = *st
		want[i].Latest = nil // the list carries evaluations, not figures
		want[i].Pass = 0
	}
	list, err := httpapi.Client{BaseURL: f.server.URL}.Indicators(ctx, httpapi.IndicatorQuery{})
	if err != nil {
		t.Fatal(err)
	}
	got := list.States()
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(kpi.Plan{}, "LoadedAt"),
		cmpopts.EquateApproxTime(0)); diff != "" {
		t.Errorf("Client.Indicators().States() (-server's states +client's):\n%s", diff)
	}

	_, err = httpapi.Client{BaseURL: f.server.URL}.Indicators(ctx, httpapi.IndicatorQuery{Task: 99, Plan: "no-such-plan", AsOf: "yesterday"})
	if err == nil {
		t.Error("Indicators with as_of=yesterday: no error, want the API's refusal")
	}
}

// TestClientKeepsNeverReported: a line whose plan closed without any
// figure reads back as never reported, so `kpimon status` (which asks
// a server) says 逾期未报 never reported as the API does; a growth
// line's falls read back too.
func TestClientKeepsNeverReported(t *testing.T) {
	wire := httpapi.Evaluation{Status: kpi.StatusNoData, Reason: kpi.ReasonNeverReported, NeverReported: true, Falls: []float64{7}}
	ev := wire.Evaluation(kpi.Ref{Plan: "p", ID: "x"})
	if !ev.Report.NeverReported || !ev.Report.Unreported() {
		t.Errorf("Evaluation().Report = %+v, want never reported", ev.Report)
	}
	if len(ev.Falls) != 1 || ev.Falls[0] != 7 {
		t.Errorf("Evaluation().Falls = %v, want [7]", ev.Falls)
	}
}
