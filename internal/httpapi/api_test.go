package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/testkit"
)

func TestHealthAndReadiness(t *testing.T) {
	ready := newFixture(t, fixtureOptions{})
	starting := newFixture(t, fixtureOptions{ready: func() error { return errors.New("loading catalog") }})
	tests := []struct {
		name string
		f    *fixture
		path string
		want int
	}{
		{"healthz", ready, "/healthz", http.StatusOK},
		{"healthy alias", ready, "/-/healthy", http.StatusOK},
		{"readyz", ready, "/readyz", http.StatusOK},
		{"ready alias", ready, "/-/ready", http.StatusOK},
		{"healthz while starting", starting, "/healthz", http.StatusOK},
		{"readyz while starting", starting, "/readyz", http.StatusServiceUnavailable},
		{"ready alias while starting", starting, "/-/ready", http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.f.do(http.MethodGet, tt.path, "", nil)
			if resp.StatusCode != tt.want {
				t.Errorf("GET %s: status = %d, want %d", tt.path, resp.StatusCode, tt.want)
			}
		})
	}
	// The public answer says why in a *kpi.Error's words only: a plain
	// error (which may hold the data path) stays in the log.
	t.Run("not ready hides a plain reason", func(t *testing.T) {
		e := wantError(t, starting.do(http.MethodGet, "/readyz", "", nil), http.StatusServiceUnavailable, kpi.EUNAVAILABLE)
		if strings.Contains(e.Error.Message, "loading catalog") {
			t.Errorf("message = %q shows the internal reason %q", e.Error.Message, "loading catalog")
		}
	})
	t.Run("not ready says a public reason", func(t *testing.T) {
		full := newFixture(t, fixtureOptions{ready: func() error {
			return fmt.Errorf("%w: write /srv/kpimon/data/.space-probe-1: no space left on device",
				kpi.Errorf(kpi.EUNAVAILABLE, "磁盘已满\ndisk full"))
		}})
		e := wantError(t, full.do(http.MethodGet, "/readyz", "", nil), http.StatusServiceUnavailable, kpi.EUNAVAILABLE)
		if want := "尚未就绪：磁盘已满\nnot ready: disk full"; e.Error.Message != want {
			t.Errorf("message = %q, want %q", e.Error.Message, want)
		}
	})
}

func TestWritesNeedAToken(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	body := `[{"indicator": "high_tech_enterprises", "period": "2021", "value": "25"}]`
	tests := []struct {
		name   string
		path   string
		header []string
	}{
		{"observations without token", "/api/v1/observations", nil},
		{"observations with unknown token", "/api/v1/observations", []string{"Authorization", "Bearer kpm_nope"}},
		{"observations with revoked token", "/api/v1/observations", []string{"Authorization", "Bearer " + testSecrets["revoked"]}},
		{"observations with basic credentials", "/api/v1/observations", []string{"Authorization", "Basic dGpqOnRqag=="}},
		{"uploads without token", "/api/v1/uploads?name=a.csv", nil},
		{"uploads with unknown token", "/api/v1/uploads?name=a.csv", []string{"X-Kpimon-Token", "kpm_nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.clock.Advance(time.Minute) // refusals of one client and minute fold into one entry
			before := countAction(f.auditEntries(), "access.denied")
			resp := f.do(http.MethodPost, tt.path, "", strings.NewReader(body), append([]string{"Content-Type", "application/json"}, tt.header...)...)
			wantError(t, resp, http.StatusUnauthorized, kpi.EUNAUTHORIZED)
			if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
				t.Errorf("WWW-Authenticate = %q, want Bearer", got)
			}
			if got, want := countAction(f.auditEntries(), "access.denied"), before+1; got != want {
				t.Errorf("access.denied audit entries = %d, want %d", got, want)
			}
		})
	}
	t.Run("nothing written", func(t *testing.T) {
		obs, err := f.store.Observations(context.Background(), kpi.Ref{Plan: planA, ID: "high_tech_enterprises"})
		if err != nil {
			t.Fatal(err)
		}
		if len(obs) != 0 {
			t.Errorf("observations after refused writes = %v, want none", obs)
		}
	})
}

func countAction(entries []kpi.AuditEntry, action string) int {
	n := 0
	for _, e := range entries {
		if e.Action == action {
			n++
		}
	}
	return n
}

// receipt is the JSON of a stored submission.
type receipt = kpi.SubmissionResult

func TestObservationsPost(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	tests := []struct {
		name       string
		token      string
		body       string
		wantStatus int
		want       [3]int // added, revised, unchanged
	}{
		{"array of rows", testSecrets["tjj"], `[{"indicator": "high_tech_enterprises", "period": "2021", "value": "25"}]`, http.StatusCreated, [3]int{1, 0, 0}},
		{"same figure again changes nothing", testSecrets["tjj"], `[{"indicator": "high_tech_enterprises", "period": "2021", "value": "25"}]`, http.StatusOK, [3]int{0, 0, 1}},
		{"object with rows, a revision", testSecrets["kgxj"], `{"rows": [{"indicator": "high_tech_enterprises", "period": "2021", "value": "26", "note": "核实后"}]}`, http.StatusCreated, [3]int{0, 1, 0}},
		{"by Chinese name", testSecrets["tjj"], `[{"indicator": "居民人均可支配收入", "period": "2021", "value": "41,200"}]`, http.StatusCreated, [3]int{1, 0, 0}},
		{"values as JSON numbers", testSecrets["tjj"], `[{"indicator": "resident_income", "period": "2022", "value": 43100.5}]`, http.StatusCreated, [3]int{1, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.postJSON("/api/v1/observations", tt.token, tt.body)
			wantStatus(t, resp, tt.wantStatus)
			r := decodeBody[receipt](t, resp)
			if got := [3]int{r.Added, r.Revised, r.Unchanged}; got != tt.want {
				t.Errorf("receipt added, revised, unchanged = %v, want %v", got, tt.want)
			}
			if len(r.Outcomes) != 1 {
				t.Fatalf("receipt outcomes = %d, want 1", len(r.Outcomes))
			}
			if got, want := r.Outcomes[0].Observation.Source, "api"; got != want {
				t.Errorf("outcome source = %q, want %q", got, want)
			}
		})
	}
	t.Run("revisions keep who submitted", func(t *testing.T) {
		obs, err := f.store.Observations(context.Background(), kpi.Ref{Plan: planA, ID: "high_tech_enterprises"})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range obs {
			got = append(got, o.SubmittedBy+" "+o.Period.String()+" "+o.Source)
		}
		want := []string{"tjj 2021 api", "kgxj 2021 api"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("revisions (-want +got):\n%s", diff)
		}
	})
	t.Run("token in X-Kpimon-Token", func(t *testing.T) {
		resp := f.do(http.MethodPost, "/api/v1/observations", "",
			strings.NewReader(`[{"indicator": "resident_income", "period": "2021", "value": "41200"}]`),
			"Content-Type", "application/json", "X-Kpimon-Token", testSecrets["tjj"])
		wantStatus(t, resp, http.StatusOK)
	})
}

func TestOutOfScopeTokenIsForbidden(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	before := len(f.auditEntries())
	resp := f.postJSON("/api/v1/observations", testSecrets["kgxj"],
		`[{"indicator": "resident_income", "period": "2021", "value": "41200"}]`)
	e := wantError(t, resp, http.StatusForbidden, kpi.EFORBIDDEN)
	msg := e.Error.Message
	for _, p := range e.Error.Problems {
		msg += "\n" + p.String()
	}
	if !strings.Contains(msg, "区科工信局") {
		t.Errorf("403 message does not name the unit 区科工信局:\n%s", msg)
	}
	if !strings.Contains(msg, "resident_income") && !strings.Contains(msg, "居民人均可支配收入") {
		t.Errorf("403 message does not name the indicator resident_income:\n%s", msg)
	}
	if got := len(f.auditEntries()); got <= before {
		t.Errorf("audit entries after a refusal = %d, want more than %d", got, before)
	}
	obs, err := f.store.Observations(context.Background(), kpi.Ref{Plan: planA, ID: "resident_income"})
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 0 {
		t.Errorf("observations after a refusal = %v, want none", obs)
	}
}

func TestBadSubmissions(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	token := testSecrets["tjj"]
	tests := []struct {
		name         string
		body         string
		wantProblems int    // at least
		wantZh       string // in the Chinese line, if set
	}{
		{"unknown indicator and non-numeric value",
			`[{"indicator": "no_such_indicator", "period": "2021", "value": "5"},
			  {"indicator": "high_tech_enterprises", "period": "2021", "value": "abc"}]`, 2, ""},
		{"one bad row rejects the whole submission",
			`[{"indicator": "resident_income", "period": "2021", "value": "41200"},
			  {"indicator": "high_tech_enterprises", "period": "2021", "value": "-3"}]`, 1, ""},
		{"malformed JSON", `[{"indicator": "high_tech_enterprises",` + "\n" + `"period": 2021 x}]`, 0, "第 2 行第 15 列"},
		{"cut short", `[{"indicator": "high_tech_enterprises",`, 0, "应为数组"},
		{"no rows", `[]`, 0, ""},
		{"empty body", ``, 0, ""},
		{"not rows", `{"rows": "25"}`, 0, "应为数组"},
		{"one figure, not in an array", `{"indicator": "high_tech_enterprises", "period": "2021", "value": "25"}`, 0, `[{"indicator"`},
		{"wrong type", `[{"indicator": "high_tech_enterprises", "period": "2021", "value": "25", "note": 5}]`, 0, "第 1 行第 81 列，字段 note"},
		{"a row's field of no form", `[{"indicator": "high_tech_enterprises", "period": "2021", "value": "25"}, {"indicator": "high_tech_enterprises", "period": ["2020"], "value": "25"}]`, 0, "第 2 条数据无法读取"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := countAction(f.auditEntries(), "submission.reject")
			e := wantError(t, f.postJSON("/api/v1/observations", token, tt.body), http.StatusBadRequest, kpi.EINVALID)
			if got, want := countAction(f.auditEntries(), "submission.reject"), before+1; got != want {
				t.Errorf("submission.reject audit entries = %d, want %d", got, want)
			}
			if len(e.Error.Problems) < tt.wantProblems {
				t.Errorf("problems = %v, want at least %d", e.Error.Problems, tt.wantProblems)
			}
			for _, p := range e.Error.Problems {
				if p.Row == 0 || p.Message == "" {
					t.Errorf("problem %+v lacks a row or a message", p)
				}
			}
			if !strings.Contains(kpi.ChineseLine(e.Error.Message), tt.wantZh) {
				t.Errorf("message %q: want its Chinese line to say %q", e.Error.Message, tt.wantZh)
			}
			// Chinese first, then the English on its own line; the code stays English.
			if zh, en, ok := strings.Cut(e.Error.Message, "\n"); !ok || en == "" || strings.Contains(zh, " / ") {
				t.Errorf("message %q: want the Chinese, then the English on its own line", e.Error.Message)
			}
			for _, p := range e.Error.Problems {
				if zh, en, ok := strings.Cut(p.Message, "\n"); !ok || en == "" || strings.Contains(zh, " / ") {
					t.Errorf("problem message %q: want the Chinese, then the English on its own line", p.Message)
				}
			}
		})
	}
	t.Run("nothing written", func(t *testing.T) {
		latest, err := f.store.Latest(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(latest) != 0 {
			t.Errorf("stored figures after rejected submissions = %v, want none", latest)
		}
	})
}

// hideLength hides a body's length, so the client sends it chunked.
type hideLength struct{ io.Reader }

func TestBodyLimit(t *testing.T) {
	const limit = 1024
	f := newFixture(t, fixtureOptions{maxBody: limit})
	big := `[` + strings.Repeat(`{"indicator": "high_tech_enterprises", "period": "2021", "value": "25"},`, 40) +
		`{"indicator": "high_tech_enterprises", "period": "2021", "value": "25"}]`
	tests := []struct {
		name string
		path string
		body io.Reader
		ct   string
		// A declared length over the limit is refused before the token is
		// looked at; a body found too long while reading is audited.
		wantAudited int
	}{
		{"observations with length", "/api/v1/observations", strings.NewReader(big), "application/json", 0},
		{"observations chunked", "/api/v1/observations", hideLength{strings.NewReader(big)}, "application/json", 1},
		{"upload with length", "/api/v1/uploads?name=big.json", strings.NewReader(big), "application/json", 0},
		{"upload chunked", "/api/v1/uploads?name=big.json", hideLength{strings.NewReader(big)}, "application/json", 1},
		{"multipart chunked", "/api/v1/uploads", hideLength{strings.NewReader(multipartBody("big.json", big))}, multipartContentType, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := countAction(f.auditEntries(), "submission.reject")
			resp := f.do(http.MethodPost, tt.path, testSecrets["tjj"], tt.body, "Content-Type", tt.ct)
			e := wantError(t, resp, http.StatusRequestEntityTooLarge, "too_large")
			if !strings.Contains(e.Error.Message, "1024") {
				t.Errorf("message %q does not state the limit 1024", e.Error.Message)
			}
			if got, want := countAction(f.auditEntries(), "submission.reject"), before+tt.wantAudited; got != want {
				t.Errorf("submission.reject audit entries = %d, want %d", got, want)
			}
		})
	}
}

const multipartBoundary = "kpimon-test-boundary"

var multipartContentType = "multipart/form-data; boundary=" + multipartBoundary

// multipartBody builds a form with the file field "file".
func multipartBody(name, content string) string {
	return "--" + multipartBoundary + "\r\n" +
		`Content-Disposition: form-data; name="file"; filename="` + name + "\"\r\n" +
		"Content-Type: application/octet-stream\r\n\r\n" +
		content + "\r\n--" + multipartBoundary + "--\r\n"
}

func TestUploads(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	csv := "指标编号,报告期,实际值,备注\nhigh_tech_enterprises,2021,25,\nresident_income,2021年,\"41,200\",统计年鉴\n"
	tests := []struct {
		name       string
		path       string
		body       string
		ct         string
		wantStatus int
		wantFile   string
	}{
		{"raw CSV with name", "/api/v1/uploads?name=tjj-2021.csv", csv, "text/csv; charset=utf-8", http.StatusCreated, "tjj-2021.csv"},
		{"multipart CSV, unchanged", "/api/v1/uploads", multipartBody(`C:\报送\tjj-2021.csv`, csv), multipartContentType, http.StatusOK, "tjj-2021.csv"},
		{"raw JSON", "/api/v1/uploads", `[{"indicator": "high_tech_enterprises", "period": "2022", "value": "28"}]`, "application/json", http.StatusCreated, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.do(http.MethodPost, tt.path, testSecrets["tjj"], strings.NewReader(tt.body), "Content-Type", tt.ct)
			wantStatus(t, resp, tt.wantStatus)
			r := decodeBody[receipt](t, resp)
			if len(r.Outcomes) == 0 {
				t.Fatalf("receipt has no outcomes: %+v", r)
			}
			o := r.Outcomes[0].Observation
			if o.Source != "upload" {
				t.Errorf("source = %q, want upload", o.Source)
			}
			if tt.wantFile != "" && o.File != tt.wantFile {
				t.Errorf("file = %q, want %q", o.File, tt.wantFile)
			}
		})
	}
	t.Run("bad CSV names the row", func(t *testing.T) {
		bad := "指标编号,报告期,实际值\nhigh_tech_enterprises,2021,二十五\n"
		resp := f.do(http.MethodPost, "/api/v1/uploads?name=bad.csv", testSecrets["tjj"], strings.NewReader(bad), "Content-Type", "text/csv")
		e := wantError(t, resp, http.StatusBadRequest, kpi.EINVALID)
		if len(e.Error.Problems) == 0 {
			t.Fatalf("no problems listed")
		}
		if got, want := e.Error.Problems[0].Row, 2; got != want {
			t.Errorf("problem row = %d, want %d", got, want)
		}
		if got, want := e.Error.Problems[0].File, "bad.csv"; got != want {
			t.Errorf("problem file = %q, want %q", got, want)
		}
	})
	t.Run("empty upload", func(t *testing.T) {
		resp := f.do(http.MethodPost, "/api/v1/uploads?name=x.csv", testSecrets["tjj"], strings.NewReader(""), "Content-Type", "text/csv")
		wantError(t, resp, http.StatusBadRequest, kpi.EINVALID)
	})
	t.Run("multipart without file field", func(t *testing.T) {
		body := "--" + multipartBoundary + "\r\nContent-Disposition: form-data; name=\"sheet\"\r\n\r\nSheet1\r\n--" + multipartBoundary + "--\r\n"
		resp := f.do(http.MethodPost, "/api/v1/uploads", testSecrets["tjj"], strings.NewReader(body), "Content-Type", multipartContentType)
		wantError(t, resp, http.StatusBadRequest, kpi.EINVALID)
	})
}

// TestRefusedTokensRateLimited: before, the API checked (and audited with
// an fsync) 362 guessed tokens a second from one client; then a valid
// token from that client was refused too (429), so a guesser behind an
// office's one address locked every unit there out. Now guesses are
// throttled and a valid token is never refused for its client's failures.
func TestRefusedTokensRateLimited(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	body := `[{"indicator": "high_tech_enterprises", "period": "2021", "value": "25"}]`
	for range 6 {
		wantError(t, f.postJSON("/api/v1/observations", "kpm_guess", body), http.StatusUnauthorized, kpi.EUNAUTHORIZED)
	}
	resp := f.postJSON("/api/v1/observations", "kpm_guess", body)
	wantError(t, resp, http.StatusTooManyRequests, "too_many_requests")
	if got := resp.Header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q, want 1", got)
	}
	if got := countAction(f.auditEntries(), "access.denied"); got != 1 {
		t.Errorf("access.denied entries = %d, want 1 (one per client and minute)", got)
	}
	for range 200 {
		f.postJSON("/api/v1/observations", "kpm_guess", body)
	}
	wantStatus(t, f.postJSON("/api/v1/observations", testSecrets["kgxj"], body), http.StatusCreated)
}

// TestFullDisk: before, a write on a full disk answered a bare 500 and
// /readyz stayed 200. The full disk is a file size limit below the store's
// data pages, so every write fails as on a disk with no room.
func TestFullDisk(t *testing.T) {
	f := newFixture(t, fixtureOptions{readyOnStore: true})
	wantStatus(t, f.do(http.MethodGet, "/readyz", "", nil), http.StatusOK)
	testkit.LimitFileSize(t, 8192)
	resp := f.postJSON("/api/v1/observations", testSecrets["kgxj"], `[{"indicator": "high_tech_enterprises", "period": "2021", "value": "25"}]`)
	e := wantError(t, resp, http.StatusServiceUnavailable, kpi.EUNAVAILABLE)
	for _, want := range []string{"磁盘已满", "disk full", "nothing was written"} {
		if !strings.Contains(e.Error.Message, want) {
			t.Errorf("message %q does not say %q", e.Error.Message, want)
		}
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After on 503")
	}
	wantError(t, f.do(http.MethodGet, "/readyz", "", nil), http.StatusServiceUnavailable, kpi.EUNAVAILABLE)
	obs, err := f.store.Observations(context.Background(), kpi.Ref{Plan: planA, ID: "high_tech_enterprises"})
	if err != nil || len(obs) != 0 {
		t.Errorf("observations after the failed write = %v, %v; want none", obs, err)
	}
}

// TestSubmitterShownAsUnit: before, the open read API showed who
// submitted each figure by user or token name, half of a password guess.
// Now readers see the unit.
func TestSubmitterShownAsUnit(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	wantStatus(t, f.postJSON("/api/v1/observations", testSecrets["tjj"], `[{"indicator": "high_tech_enterprises", "period": "2021", "value": "25"}]`), http.StatusCreated)
	wantStatus(t, f.postJSON("/api/v1/observations", testSecrets["kgxj"], `[{"indicator": "high_tech_enterprises", "period": "2021", "value": "26"}]`), http.StatusCreated)
	resp := f.do(http.MethodGet, "/api/v1/indicators/high_tech_enterprises", "", nil)
	wantStatus(t, resp, http.StatusOK)
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var detail struct {
		Latest  kpi.Observation `json:"latest"`
		Periods []struct {
			Revisions []kpi.Observation `json:"revisions"`
		} `json:"periods"`
	}
	if err := json.Unmarshal(body, &detail); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range detail.Periods {
		for _, o := range p.Revisions {
			got = append(got, o.SubmittedBy)
		}
	}
	got = append(got, detail.Latest.SubmittedBy)
	if diff := cmp.Diff([]string{"区统计局", "区科工信局", "区科工信局"}, got); diff != "" {
		t.Errorf("submitted_by of the revisions, then the latest (-want +got):\n%s", diff)
	}
	for _, name := range []string{`"tjj"`, `"kgxj"`} {
		if strings.Contains(string(body), name) {
			t.Errorf("the open indicator API shows the token name %s", name)
		}
	}
}
