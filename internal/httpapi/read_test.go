package httpapi_test

import (
	"bytes"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// indicatorList is the JSON of GET /api/v1/indicators.
type indicatorList struct {
	Count      int `json:"count"`
	Indicators []struct {
		Plan       string         `json:"plan"`
		ID         string         `json:"id"`
		Indicator  kpi.Indicator  `json:"indicator"`
		Evaluation map[string]any `json:"evaluation"`
	} `json:"indicators"`
}

// evaluationFields must be in every evaluation the API shows.
var evaluationFields = []string{
	"status", "status_zh", "target", "actual", "period", "expected", "gap", "progress_ratio",
	"pace_ratio", "projected", "deadline", "overdue", "report_due",
	"required_annual_change", "achieved_annual_change", "change_is_relative",
}

func checkEvaluationFields(t *testing.T, ev map[string]any) {
	t.Helper()
	for _, k := range evaluationFields {
		if _, ok := ev[k]; !ok {
			t.Errorf("evaluation lacks field %q: %v", k, ev)
		}
	}
	if s, _ := ev["status"].(string); kpi.Status(s).Chinese() != ev["status_zh"] {
		t.Errorf("status_zh = %v, want %q for status %q", ev["status_zh"], kpi.Status(s).Chinese(), s)
	}
}

func TestIndicatorsList(t *testing.T) {
	f := newFixture(t, fixtureOptions{secondPlan: true})
	wantStatus(t, f.postJSON("/api/v1/observations", testSecrets["tjj"],
		`[{"indicator": "high_tech_enterprises", "plan": "yanfeng-2022", "period": "2021", "value": "30"}]`), http.StatusCreated)
	tests := []struct {
		name  string
		query string
		want  []string // plan/id
	}{
		{"all", "", []string{"other-2025/high_tech_enterprises", "yanfeng-2022/high_tech_enterprises", "yanfeng-2022/resident_income"}},
		{"by plan", "?plan=yanfeng-2022", []string{"yanfeng-2022/high_tech_enterprises", "yanfeng-2022/resident_income"}},
		{"by task", "?task=2", []string{"yanfeng-2022/resident_income"}},
		{"by lead unit", "?unit=" + url.QueryEscape("区人社局"), []string{"yanfeng-2022/resident_income"}},
		{"by cooperating unit", "?unit=" + url.QueryEscape("区统计局"), []string{"yanfeng-2022/high_tech_enterprises", "yanfeng-2022/resident_income"}},
		{"by status", "?status=achieved", []string{"yanfeng-2022/high_tech_enterprises"}},
		{"nothing matches", "?plan=none", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.do(http.MethodGet, "/api/v1/indicators"+tt.query, "", nil)
			wantStatus(t, resp, http.StatusOK)
			list := decodeBody[indicatorList](t, resp)
			var got []string
			for _, ind := range list.Indicators {
				got = append(got, ind.Plan+"/"+ind.ID)
				checkEvaluationFields(t, ind.Evaluation)
				if ind.Indicator.Name == "" {
					t.Errorf("%s/%s: indicator has no name", ind.Plan, ind.ID)
				}
			}
			slices.Sort(got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("indicators (-want +got):\n%s", diff)
			}
			if list.Count != len(got) {
				t.Errorf("count = %d, want %d", list.Count, len(got))
			}
		})
	}
	for _, q := range []string{"?status=great", "?task=one", "?task=0"} {
		t.Run("bad filter "+q, func(t *testing.T) {
			wantError(t, f.do(http.MethodGet, "/api/v1/indicators"+q, "", nil), http.StatusBadRequest, kpi.EINVALID)
		})
	}
}

// indicatorDetail is the JSON of GET /api/v1/indicators/{id}.
type indicatorDetail struct {
	Plan      kpi.Plan         `json:"plan"`
	Indicator kpi.Indicator    `json:"indicator"`
	Target    float64          `json:"target"`
	Latest    *kpi.Observation `json:"latest"`
	Periods   []struct {
		Period    kpi.Period        `json:"period"`
		Value     float64           `json:"value"`
		Revisions []kpi.Observation `json:"revisions"`
	} `json:"periods"`
	Versions   []kpi.IndicatorVersion `json:"versions"`
	Evaluation map[string]any         `json:"evaluation"`
}

func TestIndicatorDetail(t *testing.T) {
	f := newFixture(t, fixtureOptions{secondPlan: true})
	for _, body := range []string{
		`[{"indicator": "resident_income", "period": "2020", "value": "38000"}]`,
		`[{"indicator": "resident_income", "period": "2021", "value": "40000"}]`,
		`[{"indicator": "resident_income", "period": "2021", "value": "41200", "note": "修正"}]`,
	} {
		wantStatus(t, f.postJSON("/api/v1/observations", testSecrets["tjj"], body), http.StatusCreated)
	}

	t.Run("periods with revisions", func(t *testing.T) {
		resp := f.do(http.MethodGet, "/api/v1/indicators/resident_income", "", nil)
		wantStatus(t, resp, http.StatusOK)
		d := decodeBody[indicatorDetail](t, resp)
		if d.Target != 44700 {
			t.Errorf("target = %v, want 44700", d.Target)
		}
		if d.Plan.ID != planA || d.Indicator.ID != "resident_income" {
			t.Errorf("plan, indicator = %s, %s, want %s, resident_income", d.Plan.ID, d.Indicator.ID, planA)
		}
		type period struct {
			Period    string
			Value     float64
			Revisions []float64
		}
		var got []period
		for _, p := range d.Periods {
			var revs []float64
			for _, r := range p.Revisions {
				revs = append(revs, r.Value)
			}
			got = append(got, period{p.Period.String(), p.Value, revs})
		}
		want := []period{{"2020", 38000, []float64{38000}}, {"2021", 41200, []float64{40000, 41200}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("periods (-want +got):\n%s", diff)
		}
		if d.Latest == nil || d.Latest.Value != 41200 || d.Latest.Revision != 2 {
			t.Errorf("latest = %+v, want 2021 revision 2 with 41200", d.Latest)
		}
		if len(d.Versions) != 1 || d.Versions[0].Version != 1 {
			t.Errorf("versions = %+v, want one, version 1", d.Versions)
		}
		checkEvaluationFields(t, d.Evaluation)
		if got, want := d.Evaluation["actual"], 41200.0; got != want {
			t.Errorf("evaluation actual = %v, want %v", got, want)
		}
		if got, want := d.Evaluation["period"], "2021"; got != want {
			t.Errorf("evaluation period = %v, want %v", got, want)
		}
		// 41200 at the end of 2021, 44700 due by the end of 2022: +8.5 % in
		// one year still required; 36000 → 41200 in 2021 was +14.4 %.
		for _, c := range []struct {
			field string
			want  float64
		}{{"required_annual_change", 44700.0/41200 - 1}, {"achieved_annual_change", 41200.0/36000 - 1}} {
			if got, ok := d.Evaluation[c.field].(float64); !ok || math.Abs(got-c.want) > 1e-9 {
				t.Errorf("evaluation %s = %v, want %v", c.field, d.Evaluation[c.field], c.want)
			}
		}
		if d.Evaluation["change_is_relative"] != true {
			t.Errorf("evaluation change_is_relative = %v, want true", d.Evaluation["change_is_relative"])
		}
	})
	t.Run("by Chinese name", func(t *testing.T) {
		resp := f.do(http.MethodGet, "/api/v1/indicators/"+url.PathEscape("居民人均可支配收入"), "", nil)
		wantStatus(t, resp, http.StatusOK)
		if d := decodeBody[indicatorDetail](t, resp); d.Indicator.ID != "resident_income" {
			t.Errorf("indicator = %q, want resident_income", d.Indicator.ID)
		}
	})
	t.Run("ambiguous id lists the plans", func(t *testing.T) {
		e := wantError(t, f.do(http.MethodGet, "/api/v1/indicators/high_tech_enterprises", "", nil), http.StatusConflict, kpi.ECONFLICT)
		for _, p := range []string{planA, planB} {
			if !strings.Contains(e.Error.Message, p) {
				t.Errorf("409 message %q does not list plan %s", e.Error.Message, p)
			}
		}
	})
	t.Run("plan resolves an ambiguous id", func(t *testing.T) {
		resp := f.do(http.MethodGet, "/api/v1/indicators/high_tech_enterprises?plan="+planB, "", nil)
		wantStatus(t, resp, http.StatusOK)
		d := decodeBody[indicatorDetail](t, resp)
		if d.Target != 50 || d.Indicator.Plan != planB {
			t.Errorf("plan, target = %s, %v, want %s, 50", d.Indicator.Plan, d.Target, planB)
		}
		if d.Latest != nil || len(d.Periods) != 0 {
			t.Errorf("latest, periods = %v, %v, want none", d.Latest, d.Periods)
		}
		if got, want := d.Evaluation["status"], string(kpi.StatusNoData); got != want {
			t.Errorf("status = %v, want %v", got, want)
		}
	})
	for _, path := range []string{"/api/v1/indicators/no_such_thing", "/api/v1/indicators/resident_income?plan=" + planB} {
		t.Run("not found "+path, func(t *testing.T) {
			wantError(t, f.do(http.MethodGet, path, "", nil), http.StatusNotFound, kpi.ENOTFOUND)
		})
	}
}

type auditList struct {
	Count   int              `json:"count"`
	Entries []kpi.AuditEntry `json:"entries"`
}

func TestAudit(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	wantStatus(t, f.postJSON("/api/v1/observations", testSecrets["kgxj"],
		`[{"indicator": "high_tech_enterprises", "period": "2021", "value": "25"}]`), http.StatusCreated)
	wantStatus(t, f.postJSON("/api/v1/observations", "kpm_wrong", `[]`), http.StatusUnauthorized)

	t.Run("newest first, writes and refusals", func(t *testing.T) {
		resp := f.do(http.MethodGet, "/api/v1/audit", testSecrets["tjj"], nil)
		wantStatus(t, resp, http.StatusOK)
		list := decodeBody[auditList](t, resp)
		if len(list.Entries) < 2 {
			t.Fatalf("entries = %d, want at least 2", len(list.Entries))
		}
		if got, want := list.Entries[0].Action, "access.denied"; got != want {
			t.Errorf("newest action = %q, want %q", got, want)
		}
		if !strings.Contains(list.Entries[0].Remote, "127.0.0.1") {
			t.Errorf("refusal remote = %q, want the client's address", list.Entries[0].Remote)
		}
		if !strings.Contains(list.Entries[0].Detail, "POST /api/v1/observations") {
			t.Errorf("refusal detail = %q, want the request", list.Entries[0].Detail)
		}
		var wrote bool
		for _, e := range list.Entries {
			if e.Actor == "kgxj" && strings.Contains(e.Object, "high_tech_enterprises") {
				wrote = true
			}
		}
		if !wrote {
			t.Errorf("no audit entry of kgxj's write to high_tech_enterprises in %+v", list.Entries)
		}
	})
	t.Run("limit", func(t *testing.T) {
		list := decodeBody[auditList](t, f.do(http.MethodGet, "/api/v1/audit?limit=1", testSecrets["tjj"], nil))
		if list.Count != 1 || len(list.Entries) != 1 {
			t.Errorf("count, entries = %d, %d, want 1, 1", list.Count, len(list.Entries))
		}
	})
	t.Run("object", func(t *testing.T) {
		list := decodeBody[auditList](t, f.do(http.MethodGet, "/api/v1/audit?object="+url.QueryEscape(planA+"/high_tech_enterprises"), testSecrets["tjj"], nil))
		if len(list.Entries) == 0 {
			t.Fatalf("no entries for the object")
		}
		for _, e := range list.Entries {
			if e.Object != planA+"/high_tech_enterprises" {
				t.Errorf("entry object = %q, want only %s/high_tech_enterprises", e.Object, planA)
			}
		}
	})
	t.Run("since the future", func(t *testing.T) {
		list := decodeBody[auditList](t, f.do(http.MethodGet, "/api/v1/audit?since=2200-01-01", testSecrets["tjj"], nil))
		if len(list.Entries) != 0 {
			t.Errorf("entries since 2200 = %v, want none", list.Entries)
		}
	})
	for _, q := range []string{"?since=yesterday", "?since=2201-01-01", "?limit=0", "?limit=many"} {
		t.Run("bad query "+q, func(t *testing.T) {
			wantError(t, f.do(http.MethodGet, "/api/v1/audit"+q, testSecrets["tjj"], nil), http.StatusBadRequest, kpi.EINVALID)
		})
	}
}

// TestAuditNeedsAllToken: before, GET /api/v1/audit answered anyone with
// token names, units, client addresses and sign-ins.
func TestAuditNeedsAllToken(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	wantError(t, f.do(http.MethodGet, "/api/v1/audit", "", nil), http.StatusUnauthorized, kpi.EUNAUTHORIZED)
	wantError(t, f.do(http.MethodGet, "/api/v1/audit", testSecrets["kgxj"], nil), http.StatusForbidden, kpi.EFORBIDDEN)
	list := decodeBody[auditList](t, f.do(http.MethodGet, "/api/v1/audit", testSecrets["tjj"], nil))
	if got := countAction(list.Entries, "access.denied"); got != 2 {
		t.Errorf("access.denied entries = %d, want 2 (the anonymous and the unit's refusal)", got)
	}
}

func TestTemplate(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	resp := f.do(http.MethodGet, "/api/v1/template.xlsx", "", nil)
	wantStatus(t, resp, http.StatusOK)
	if got, want := resp.Header.Get("Content-Type"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"; got != want {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
	cd := resp.Header.Get("Content-Disposition")
	for _, want := range []string{"attachment", `filename="kpimon-template.xlsx"`, "filename*=UTF-8''kpimon-" + url.PathEscape("指标")} {
		if !strings.Contains(cd, want) {
			t.Errorf("Content-Disposition = %q, want it to contain %q", cd, want)
		}
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}

	// Filled in as a submitter would, the template goes back in as it is.
	xf, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("template is not an XLSX file: %v", err)
	}
	defer xf.Close()
	sheet := xf.GetSheetName(0)
	rows, err := xf.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	idCol, periodCol, valueCol, planCol, headerRow := -1, -1, -1, -1, -1
	for i, row := range rows {
		for j, cell := range row {
			switch {
			case strings.Contains(cell, "指标编号"):
				idCol, headerRow = j, i
			case strings.Contains(cell, "报告期"):
				periodCol = j
			case strings.Contains(cell, "实际值"):
				valueCol = j
			case cell == "计划" || cell == "规划" || strings.Contains(cell, "plan"):
				planCol = j
			}
		}
		if headerRow >= 0 {
			break
		}
	}
	if headerRow < 0 || periodCol < 0 || valueCol < 0 {
		t.Fatalf("template has no header row with 指标编号, 报告期 and 实际值: %q", rows[:min(len(rows), 3)])
	}
	// The submitter fills in the row of their indicator and keeps only it
	// (rows removed bottom up, so the indices stay right).
	filled := false
	for i := len(rows) - 1; i > headerRow; i-- {
		row := rows[i]
		mine := idCol < len(row) && row[idCol] == "high_tech_enterprises" &&
			(planCol < 0 || planCol >= len(row) || row[planCol] == "" || row[planCol] == planA)
		if !mine {
			if err := xf.RemoveRow(sheet, i+1); err != nil {
				t.Fatal(err)
			}
			continue
		}
		for col, v := range map[int]string{periodCol: "2021", valueCol: "27"} {
			cell, _ := excelize.CoordinatesToCellName(col+1, i+1)
			if err := xf.SetCellValue(sheet, cell, v); err != nil {
				t.Fatal(err)
			}
		}
		filled = true
	}
	if !filled {
		t.Fatalf("template has no row for %s/high_tech_enterprises", planA)
	}
	var buf bytes.Buffer
	if _, err := xf.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	up := f.do(http.MethodPost, "/api/v1/uploads?name="+url.QueryEscape("报送.xlsx"), testSecrets["kgxj"], &buf,
		"Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	wantStatus(t, up, http.StatusCreated)
	if r := decodeBody[receipt](t, up); r.Added != 1 {
		t.Errorf("receipt added = %d, want 1: %+v", r.Added, r)
	}
}

func TestRouting(t *testing.T) {
	ui := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/boom" {
			panic("the page broke")
		}
		io.WriteString(w, "web page "+r.URL.Path)
	})
	f := newFixture(t, fixtureOptions{ui: ui})
	bare := newFixture(t, fixtureOptions{})
	tests := []struct {
		name       string
		f          *fixture
		method     string
		path       string
		wantStatus int
		wantCode   string // JSON error code, or
		wantBody   string // a prefix of the body
	}{
		{"metrics", f, http.MethodGet, "/metrics", http.StatusOK, "", "# HELP kpi_test_up"},
		{"web page", f, http.MethodGet, "/", http.StatusOK, "", "web page /"},
		{"web page subpath", f, http.MethodPost, "/upload", http.StatusOK, "", "web page /upload"},
		{"no web page", bare, http.MethodGet, "/", http.StatusNotFound, kpi.ENOTFOUND, ""},
		{"unknown API path", f, http.MethodGet, "/api/v1/nothing", http.StatusNotFound, kpi.ENOTFOUND, ""},
		{"wrong method", f, http.MethodGet, "/api/v1/observations", http.StatusMethodNotAllowed, "method_not_allowed", ""},
		{"wrong method on detail", f, http.MethodDelete, "/api/v1/indicators/resident_income", http.StatusMethodNotAllowed, "method_not_allowed", ""},
		{"panic in a handler", f, http.MethodGet, "/boom", http.StatusInternalServerError, kpi.EINTERNAL, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.f.do(tt.method, tt.path, "", nil)
			if tt.wantCode != "" {
				e := wantError(t, resp, tt.wantStatus, tt.wantCode)
				if strings.Contains(e.Error.Message, "the page broke") {
					t.Errorf("500 message leaks the panic: %q", e.Error.Message)
				}
				return
			}
			wantStatus(t, resp, tt.wantStatus)
			b, _ := io.ReadAll(resp.Body)
			if !strings.HasPrefix(string(b), tt.wantBody) {
				t.Errorf("body = %q, want prefix %q", b, tt.wantBody)
			}
		})
	}
	t.Run("405 says what is allowed", func(t *testing.T) {
		resp := f.do(http.MethodGet, "/api/v1/uploads", "", nil)
		if got, want := resp.Header.Get("Allow"), "POST"; got != want {
			t.Errorf("Allow = %q, want %q", got, want)
		}
	})
}
