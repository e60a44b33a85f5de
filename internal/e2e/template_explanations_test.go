package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// TestTemplateExplanations files explanations through the XLSX template's
// 情况说明 sheet over the real API of the kpimon binary: the template
// downloaded from the server, filled in (a figure and an explanation with
// its date typed as an Excel date), uploaded, and the explanation read back
// from GET …/explanations; a row for an indicator another unit leads is
// refused as the API's 403 and audited, and the file's figures with it; an
// over-long reason is refused by its row; a file with only the data sheet
// is taken as before.
func TestTemplateExplanations(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	kpimonBin := testkit.Kpimon(t)
	now := time.Now()
	y := now.In(kpi.China).Year()
	last := fmt.Sprint(y - 1)

	targets := filepath.Join(dir, "targets")
	data := filepath.Join(dir, "data")
	writeFile(t, filepath.Join(targets, "sv.yaml"), supervisionCatalog(now))
	bureau := testkit.CreateToken(t, kpimonBin, data, targets, "tjj")
	kgx := createToken(t, kpimonBin, data, targets, "kgx", "--unit", "区科工信局")
	sw := createToken(t, kpimonBin, data, targets, "sw", "--unit", "区商务局")

	addr := testkit.FreeAddr(t)
	kpimon := testkit.Start(t, "kpimon", kpimonBin, "serve", "--listen", addr, "--data", data, "--targets", targets)
	testkit.WaitHTTP(t, ctx, kpimon, "http://"+addr+"/readyz")
	api := &svClient{t: t, ctx: ctx, base: "http://" + addr}

	template := []byte(get(t, ctx, api.base+"/api/v1/template.xlsx"))
	// fill returns the template with figures (indicator → value, for the
	// last year) and explanation rows (cells from column A) filled in.
	fill := func(figures map[string]string, explanations ...[]any) []byte {
		t.Helper()
		f, err := excelize.OpenReader(bytes.NewReader(template))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows(ingest.TemplateSheet)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			if v, ok := figures[r[1]]; ok && i > 0 {
				f.SetCellValue(ingest.TemplateSheet, fmt.Sprintf("H%d", i+1), last)
				f.SetCellValue(ingest.TemplateSheet, fmt.Sprintf("I%d", i+1), v)
			}
		}
		for i, cells := range explanations {
			if err := f.SetSheetRow(ingest.ExplanationSheet, fmt.Sprintf("A%d", i+3), &cells); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	upload := func(token string, body []byte) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, api.base+"/api/v1/uploads?name=t.xlsx", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// problem finds the refusal's problem on the 情况说明 sheet.
	problem := func(body string) kpi.Problem {
		t.Helper()
		var e struct {
			Error struct {
				Problems []kpi.Problem `json:"problems"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatalf("refusal %s: %v", body, err)
		}
		for _, p := range e.Error.Problems {
			if p.Sheet == ingest.ExplanationSheet {
				return p
			}
		}
		return kpi.Problem{}
	}
	explanations := func(id string) []kpi.Explanation {
		t.Helper()
		var res struct {
			Explanations []kpi.Explanation `json:"explanations"`
		}
		api.get(bureau, "/api/v1/indicators/sv-plan/"+id+"/explanations", &res)
		return res.Explanations
	}

	// The template carries the sheet, its instruction and its header.
	tf, err := excelize.OpenReader(bytes.NewReader(template))
	if err != nil {
		t.Fatal(err)
	}
	head, _ := tf.GetRows(ingest.ExplanationSheet)
	tf.Close()
	if len(head) < 2 || !strings.Contains(head[0][0], "选填") || !slices.Equal(head[1], []string{"计划", "指标编号", "指标名称", "说明单位", "原因", "措施", "预计完成时间", "预计可达数值"}) {
		t.Fatalf("the template's %s sheet starts %q", ingest.ExplanationSheet, head)
	}

	// 区科工信局 reports alpha and explains it; the date is an Excel date.
	expectedBy := time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)
	status, body := upload(kgx, fill(map[string]string{"alpha": "12"},
		[]any{"sv-plan", "alpha", "高新技术企业", "", "认定周期延后", "逐户走访，加快认定", expectedBy, 60}))
	var res kpi.SubmissionResult
	if status != http.StatusCreated {
		t.Fatalf("upload with an explanation = %d, want 201: %s", status, body)
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil || res.Added != 1 || res.Explanations != 1 {
		t.Errorf("receipt %s: want 1 figure added and 1 explanation", body)
	}
	if got := res.ExplanationsText(); got != "情况说明 1 条已登记" {
		t.Errorf("receipt text %q", got)
	}
	ex := explanations("alpha")
	if len(ex) != 1 {
		t.Fatalf("alpha has %d explanations, want 1: %+v", len(ex), ex)
	}
	if e := ex[0]; e.Unit != "区科工信局" || e.Reason != "认定周期延后" || e.Measures != "逐户走访，加快认定" ||
		e.ExpectedBy != expectedBy.Format(time.DateOnly) || e.RevisedFigure == nil || *e.RevisedFigure != 60 || e.Author != "kgx" {
		t.Errorf("explanation from the template: %+v", e)
	}

	// 区商务局 may report beta, but not explain alpha: the file is refused
	// whole as the API's 403, the row named, the refusal audited.
	status, body = upload(sw, fill(map[string]string{"beta": "11"},
		[]any{"sv-plan", "alpha", "", "", "越权说明", "无", fmt.Sprintf("%d-12-31", y)}))
	if p := problem(body); status != http.StatusForbidden || p.Row != 3 || !strings.Contains(p.Message, "只有牵头单位可以说明") {
		t.Errorf("another unit's explanation = %d %s, want 403 naming 情况说明 row 3", status, body)
	}
	var audit struct {
		Entries []kpi.AuditEntry `json:"entries"`
	}
	api.get(bureau, "/api/v1/audit?object=sv-plan/alpha", &audit)
	if !slices.ContainsFunc(audit.Entries, func(e kpi.AuditEntry) bool { return e.Action == kpi.ActionAccessDenied && e.Actor == "sw" }) {
		t.Errorf("audit of sv-plan/alpha has no access.denied by sw: %+v", audit.Entries)
	}
	if n := len(explanations("alpha")); n != 1 {
		t.Errorf("alpha has %d explanations after the refusal, want 1", n)
	}

	// An over-long reason is refused by its row and column, with the
	// API's words; nothing of the file is stored.
	status, body = upload(kgx, fill(map[string]string{"alpha": "13"},
		[]any{"sv-plan", "alpha", "", "", strings.Repeat("长", kpi.MaxExplanationReason+1), "措施", fmt.Sprintf("%d-12-31", y)}))
	if p := problem(body); status != http.StatusBadRequest || p.Row != 3 || p.Column != "E" || p.Message != "原因过长：最多2000字" {
		t.Errorf("an over-long reason = %d %s, want 400 naming column E", status, body)
	}
	if n := len(explanations("alpha")); n != 1 {
		t.Errorf("alpha has %d explanations after the refusal, want 1", n)
	}

	// The data sheet alone (the 情况说明 and 说明 sheets deleted), as
	// files made before the sheet existed: beta's figure was not stored by
	// the refused file, so it is added now.
	f, err := excelize.OpenReader(bytes.NewReader(fill(map[string]string{"beta": "11"})))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{ingest.ExplanationSheet, "说明"} {
		if err := f.DeleteSheet(s); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	f.Close()
	status, body = upload(sw, buf.Bytes())
	res = kpi.SubmissionResult{}
	if err := json.Unmarshal([]byte(body), &res); status != http.StatusCreated || err != nil || res.Added != 1 || res.Explanations != 0 {
		t.Errorf("the data sheet alone = %d %s, want 201 with beta added and no explanation", status, body)
	}
}
