package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/yanfeng/kpimon/internal/httpapi"
	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// testNow is the evaluation clock of every test: mid-2022.
var testNow = time.Date(2022, 6, 30, 12, 0, 0, 0, kpi.China)

const (
	planA = "yanfeng-2022"
	planB = "other-2025"
)

// testCatalog has plan A; with secondPlan also plan B, which has an
// indicator with the same id as one of plan A's, so an unqualified lookup
// of high_tech_enterprises is ambiguous.
func testCatalog(secondPlan bool) kpi.Catalog {
	cat := kpi.Catalog{
		Plans: []kpi.Plan{
			{ID: planA, Title: "雁峰区创新型区建设", Region: "雁峰区", Source: "seed", StartYear: 2020, EndYear: 2022},
			{ID: planB, Title: "另一个规划", Region: "某区", Source: "test", StartYear: 2021, EndYear: 2025},
		},
		Indicators: []kpi.Indicator{
			{
				ID: "high_tech_enterprises", Plan: planA, Name: "高新技术企业数", NameEN: "High-tech enterprises",
				Task: 1, TaskTitle: "推动企业技术创新", LeadUnits: []string{"区科工信局"}, CoUnits: []string{"区统计局"},
				Unit: "家", Kind: kpi.KindAtLeast, Target: 30, Deadline: 2022,
				Baseline:  &kpi.Baseline{Period: kpi.YearPeriod(2020), Value: 20},
				Frequency: kpi.Annual, DueDays: 90, Measure: kpi.MeasureLevel,
			},
			{
				ID: "resident_income", Plan: planA, Name: "居民人均可支配收入", NameEN: "Per-capita disposable income",
				Task: 2, TaskTitle: "创新产业发展", LeadUnits: []string{"区发改局", "区人社局"}, CoUnits: []string{"区统计局"},
				Unit: "元", Kind: kpi.KindAtLeast, Target: 44700, Deadline: 2022,
				Baseline:  &kpi.Baseline{Period: kpi.YearPeriod(2020), Value: 36000},
				Frequency: kpi.Annual, DueDays: 90, Measure: kpi.MeasureLevel,
			},
		},
	}
	if !secondPlan {
		cat.Plans = cat.Plans[:1]
		return cat
	}
	cat.Indicators = append(cat.Indicators,
		kpi.Indicator{
			ID: "high_tech_enterprises", Plan: planB, Name: "高新技术企业数", NameEN: "High-tech enterprises",
			Task: 1, TaskTitle: "企业创新", LeadUnits: []string{"某区科技局"},
			Unit: "家", Kind: kpi.KindAtLeast, Target: 50, Deadline: 2025,
			Frequency: kpi.Annual, DueDays: 90, Measure: kpi.MeasureLevel,
		})
	return cat
}

// testSecrets are the tokens the test store holds, by name.
var testSecrets = map[string]string{
	"tjj":     "kpm_test-statistics-bureau-all",
	"kgxj":    "kpm_test-science-bureau",
	"revoked": "kpm_test-revoked",
}

type fixture struct {
	t      *testing.T
	store  kpi.Store
	server *httptest.Server
	deps   httpapi.Deps
	clock  *testkit.Clock // the wall clock: audit entries, rate limits
}

type fixtureOptions struct {
	maxBody int64
	ready   func() error
	ui      http.Handler
	// secondPlan loads plan B beside plan A.
	secondPlan bool
	// readyOnStore makes /readyz ask the store whether it can write, as serve does.
	readyOnStore bool
}

// newFixture starts the API over a real bbolt store, the real ingester and
// the real evaluation, with the test catalog and tokens loaded.
func newFixture(t *testing.T, o fixtureOptions) *fixture {
	t.Helper()
	st := testkit.Store(t, testCatalog(o.secondPlan), []kpi.Token{
		{Name: "tjj", Hash: kpi.HashToken(testSecrets["tjj"]), All: true, CreatedAt: testNow},
		{Name: "kgxj", Hash: kpi.HashToken(testSecrets["kgxj"]), Units: []string{"区科工信局"}, CreatedAt: testNow},
		{Name: "revoked", Hash: kpi.HashToken(testSecrets["revoked"]), All: true, CreatedAt: testNow},
	}, "revoked")
	ing, err := ingest.New(ingest.Options{Store: st})
	if err != nil {
		t.Fatalf("new ingester: %v", err)
	}
	clock := testkit.NewClock(testNow)
	if o.readyOnStore {
		o.ready = func() error { return st.Writable(context.Background()) }
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kpi_test_up", Help: "Test gauge."}, func() float64 { return 1 }))
	d := httpapi.Deps{
		Store:        st,
		States:       kpi.NewStates(st, kpi.StatesOptions{Now: func() time.Time { return testNow }}),
		Ingester:     ing,
		Template:     ing.WriteTemplate,
		Backup:       st.Backup,
		Metrics:      promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		UI:           o.ui,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		Ready:        o.ready,
		MaxBodyBytes: o.maxBody,
		Now:          clock.Now,
	}
	srv := httptest.NewServer(httpapi.NewServer(d))
	t.Cleanup(srv.Close)
	return &fixture{t: t, store: st, server: srv, deps: d, clock: clock}
}

// do sends a request with an optional bearer token; header pairs follow.
func (f *fixture) do(method, path, token string, body io.Reader, header ...string) *http.Response {
	f.t.Helper()
	req, err := http.NewRequest(method, f.server.URL+path, body)
	if err != nil {
		f.t.Fatalf("new request: %v", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := f.server.Client().Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	f.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// postJSON posts a JSON body.
func (f *fixture) postJSON(path, token, body string) *http.Response {
	f.t.Helper()
	return f.do(http.MethodPost, path, token, strings.NewReader(body), "Content-Type", "application/json")
}

// apiError is the JSON of an error response.
type apiError struct {
	Error struct {
		Code     string        `json:"code"`
		Message  string        `json:"message"`
		Problems []kpi.Problem `json:"problems"`
	} `json:"error"`
}

// decodeBody decodes a response's JSON, failing the test when it is not JSON.
func decodeBody[T any](t *testing.T, resp *http.Response) T {
	t.Helper()
	var v T
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("response of %s is not the JSON expected: %v\n%s", resp.Request.URL.Path, err, b)
	}
	return v
}

// wantStatus fails the test unless resp has the status; it shows the body.
func wantStatus(t *testing.T, resp *http.Response, want int) {
	t.Helper()
	if resp.StatusCode == want {
		return
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	t.Fatalf("%s %s: status = %d, want %d\n%s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, b)
}

// wantError checks an error response's status and code.
func wantError(t *testing.T, resp *http.Response, status int, code string) apiError {
	t.Helper()
	wantStatus(t, resp, status)
	if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	e := decodeBody[apiError](t, resp)
	if e.Error.Code != code {
		t.Errorf("error code = %q, want %q (message %q)", e.Error.Code, code, e.Error.Message)
	}
	if e.Error.Message == "" {
		t.Errorf("error message is empty")
	}
	return e
}

// auditActions returns the actions of every audit entry, newest first.
func (f *fixture) auditEntries() []kpi.AuditEntry {
	f.t.Helper()
	entries, err := f.store.Audit(context.Background(), kpi.AuditFilter{})
	if err != nil {
		f.t.Fatalf("audit: %v", err)
	}
	return entries
}
