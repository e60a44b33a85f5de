package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/supervision"
	"github.com/yanfeng/kpimon/internal/testkit"
	"github.com/yanfeng/kpimon/internal/web"
)

// TestExplanationAuthorHidden: the supervision section of an indicator
// page named the user who wrote an explanation to anyone; readers who are
// not signed in now see the unit only.
func TestExplanationAuthorHidden(t *testing.T) {
	ctx := context.Background()
	clock := testkit.NewClock(testNow)
	st, cat := openCatalogStore(t, clock)
	var own kpi.Indicator
	for _, ind := range cat.Indicators {
		if len(ind.LeadUnits) == 1 && ind.LeadUnits[0] == unitScience {
			own = ind
			break
		}
	}
	states := kpi.NewStates(st, kpi.StatesOptions{Now: clock.Now})
	superv := supervision.New(supervision.Options{Store: st, States: states, Now: clock.Now})
	if _, err := superv.Explain(ctx, own.Ref(), kpi.ExplanationInput{Reason: "企业申报推迟", Measures: "加快培育", ExpectedBy: "2022-12-31"},
		kpi.Actor{Name: "zhangsan-kgxj", Units: []string{unitScience}}); err != nil {
		t.Fatal(err)
	}
	ing, err := ingest.New(ingest.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	h, err := web.New(web.Options{Store: st, States: states, Ingester: ing, Template: ing.WriteTemplate,
		Logger: slog.New(slog.DiscardHandler), Now: clock.Now, Supervision: superv})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/indicators/" + own.Plan + "/" + own.ID)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "企业申报推迟") {
		t.Fatalf("the indicator page (%d) lacks the explanation", resp.StatusCode)
	}
	if strings.Contains(string(body), "zhangsan-kgxj") {
		t.Error("the indicator page shows the explanation's author to a reader who has not signed in")
	}
}
