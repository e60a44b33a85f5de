package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// evaluations reads every indicator's evaluation, decoded as E, with GET
// /api/v1/indicators?query.
func evaluations[E any](t *testing.T, srv *httptest.Server, query string) map[string]E {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + "/api/v1/indicators?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	wantStatus(t, resp, http.StatusOK)
	list := decodeBody[struct {
		Indicators []struct {
			ID         string `json:"id"`
			Evaluation E      `json:"evaluation"`
		} `json:"indicators"`
	}](t, resp)
	out := map[string]E{}
	for _, in := range list.Indicators {
		out[in.ID] = in.Evaluation
	}
	return out
}

// evaluationNumbers is the part of an evaluation these tests read.
type evaluationNumbers struct {
	Status       kpi.Status  `json:"status"`
	Actual       *float64    `json:"actual"`
	Period       *kpi.Period `json:"period"`
	Gap          *float64    `json:"gap"`
	ReportPeriod *kpi.Period `json:"report_period"`
	Overdue      bool        `json:"overdue"`
}

// TestAsOfEndOfDayThroughTheAPI: "as of 2021-12-31" is the board as it
// stood at the end of that day, with the 2021 annual figure, and a request as of another day keeps
// serve's report duty (--reporting.from).
func TestAsOfEndOfDayThroughTheAPI(t *testing.T) {
	st := seedStore(t)
	from2019 := time.Date(2019, 1, 1, 0, 0, 0, 0, kpi.China)
	srv := seedServer(t, st, "2023-06-30", from2019)
	upload(t, srv, "指标编号,报告期,实际值\nhigh_tech_enterprises,2019,12\nhigh_tech_enterprises,2020,16\nhigh_tech_enterprises,2021,28\n")

	for _, day := range []string{"2021-12-31", "2022-01-01"} {
		ev := evaluations[evaluationNumbers](t, srv, "as_of="+day)["high_tech_enterprises"]
		if ev.Period == nil || ev.Period.String() != "2021" || ev.Actual == nil || *ev.Actual != 28 {
			t.Errorf("as_of=%s: latest figure %s of %v, want 28 of 2021", day, show(ev.Actual), ev.Period)
		}
		if ev.Status != kpi.StatusOnTrack || ev.Gap == nil || *ev.Gap != 2 {
			t.Errorf("as_of=%s: %s with gap %s, want on_track with gap 2", day, ev.Status, show(ev.Gap))
		}
	}
	if ev := evaluations[evaluationNumbers](t, srv, "as_of=2021-12-30")["high_tech_enterprises"]; ev.Period == nil || ev.Period.String() != "2020" {
		t.Errorf("as_of=2021-12-30: latest figure of %v, want 2020: the year has not ended", ev.Period)
	}

	// Duty from 2019 (serve's --reporting.from): as of 2021-06-30 the 2020
	// figure of every annual line without one was due on 2021-03-31.
	evs := evaluations[evaluationNumbers](t, srv, "as_of=2021-06-30")
	for _, id := range []string{"tech_smes", "rd_spending_share_gdp"} {
		if ev := evs[id]; !ev.Overdue || ev.ReportPeriod == nil || ev.ReportPeriod.String() != "2019" {
			t.Errorf("as_of=2021-06-30: %s overdue %v for %v, want 2019 overdue (duty from 2019)", id, ev.Overdue, ev.ReportPeriod)
		}
	}
}

// show prints an optional number for a test message.
func show(p *float64) string {
	if p == nil {
		return "null"
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}
