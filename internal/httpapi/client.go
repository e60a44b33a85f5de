package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Client asks a running kpimon over HTTP, decoding the API's own wire
// types: what `kpimon status` and `kpimon report` do while serve holds the
// data dir, or when they are told --server.
type Client struct {
	BaseURL string       // e.g. http://127.0.0.1:9464
	HTTP    *http.Client // http.DefaultClient when nil
}

// IndicatorQuery selects GET /api/v1/indicators: every field optional.
type IndicatorQuery struct {
	AsOf string // the end of this day (2021-06-30) instead of the server's clock
	Plan string
	Unit string
	Task int
}

// Indicators lists the indicators with their evaluations.
func (c Client) Indicators(ctx context.Context, q IndicatorQuery) (IndicatorList, error) {
	v := url.Values{}
	for k, s := range map[string]string{"as_of": q.AsOf, "plan": q.Plan, "unit": q.Unit} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Task != 0 {
		v.Set("task", fmt.Sprint(q.Task))
	}
	var list IndicatorList
	err := c.get(ctx, "/api/v1/indicators", v, func(body io.Reader) error { return json.NewDecoder(body).Decode(&list) })
	return list, err
}

// ReportQuery asks /report for the progress circular.
type ReportQuery struct {
	Format   string // pdf, xlsx or html
	Plan     string
	AsOf     string
	Previous string
	Unit     string
	Serial   string // the 文号's {n}, over the server's office file
	Date     string // 成文日期 (2021-07-05), over the server's office file
}

// Report writes the server's progress circular to w.
func (c Client) Report(ctx context.Context, q ReportQuery, w io.Writer) error {
	v := url.Values{}
	for k, s := range map[string]string{"format": q.Format, "plan": q.Plan, "as_of": q.AsOf, "previous": q.Previous, "unit": q.Unit, "serial": q.Serial, "date": q.Date} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return c.get(ctx, "/report", v, func(body io.Reader) error { _, err := io.Copy(w, body); return err })
}

// get GETs path?query and hands a 200 answer's body to read; any other
// answer is an error carrying the API's message where it sent one.
func (c Client) get(ctx context.Context, path string, query url.Values, read func(io.Reader) error) error {
	u := strings.TrimSuffix(c.BaseURL, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e errorBody
		if json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&e) == nil && e.Error.Message != "" {
			return fmt.Errorf("GET %s: %s: %s", u, resp.Status, e.Error.Message)
		}
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	if err := read(resp.Body); err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	return nil
}

// States turns the list back into states as kpi.States gives them (without
// figures): what the API flattened is put back in place.
func (l IndicatorList) States() []kpi.State {
	states := make([]kpi.State, 0, len(l.Indicators))
	for k := range l.Indicators {
		in := &l.Indicators[k]
		plan := &kpi.Plan{ID: in.Indicator.Plan}
		if i := slices.IndexFunc(l.Plans, func(p kpi.Plan) bool { return p.ID == plan.ID }); i >= 0 {
			plan = &l.Plans[i]
		}
		ev := in.Evaluation.Evaluation(in.Indicator.Ref())
		if ev.AsOf.IsZero() {
			ev.AsOf = l.AsOf
		}
		states = append(states, kpi.State{Plan: plan, Indicator: &in.Indicator, Evaluation: ev})
	}
	return states
}

// Evaluation is the kpi.Evaluation the API showed for ref.
func (e Evaluation) Evaluation(ref kpi.Ref) kpi.Evaluation {
	ev := kpi.Evaluation{
		Ref: ref, AsOf: e.AsOf, Status: e.Status, Reason: e.Reason, ReasonPeriods: e.ReasonPeriods, Falls: e.Falls,
		Target: e.Target, Bar: e.Bar, Actual: e.Actual, Period: e.Period, Baseline: e.Baseline,
		BaselineOrigin: e.BaselineOrigin, Expected: e.Expected, Gap: e.Gap, ProgressRatio: e.ProgressRatio,
		PaceRatio: e.PaceRatio, Projected: e.Projected, Deadline: e.Deadline, LastSubmittedAt: e.LastSubmittedAt,
		Report:               kpi.ReportDuty{Period: e.ReportPeriod, Overdue: e.Overdue, NeverReported: e.NeverReported},
		RequiredAnnualChange: e.RequiredAnnualChange, AchievedAnnualChange: e.AchievedAnnualChange,
		ChangeIsRelative: e.ChangeIsRelative,
	}
	if e.ReportDue != nil {
		ev.Report.Due = *e.ReportDue
	}
	return ev
}
