package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/supervision"
)

// explanationBook writes a workbook: figures on the data sheet (id,
// period, value) and explanation rows under the 情况说明 sheet's header.
func explanationBook(t *testing.T, figures [][]any, explanations ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", ingest.TemplateSheet)
	f.SetSheetRow(ingest.TemplateSheet, "A1", &[]any{"指标编号", "报告期", "实际值"})
	for i, r := range figures {
		f.SetSheetRow(ingest.TemplateSheet, fmt.Sprintf("A%d", i+2), &r)
	}
	f.NewSheet(ingest.ExplanationSheet)
	f.SetSheetRow(ingest.ExplanationSheet, "A1", &[]any{"指标编号", "说明单位", "原因", "措施", "预计完成时间", "预计可达数值"})
	for i, r := range explanations {
		f.SetSheetRow(ingest.ExplanationSheet, fmt.Sprintf("A%d", i+2), &r)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestWorkbookExplanations: the 情况说明 sheet is filed through the
// supervision service with its rules, taken or refused with the figures
// as one, within its row and cell bounds.
func TestWorkbookExplanations(t *testing.T) {
	ctx := context.Background()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "kpimon.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.SyncCatalog(ctx, catalog, kpi.Actor{Name: "catalog"}); err != nil {
		t.Fatal(err)
	}
	ing, err := ingest.New(ingest.Options{Store: st, Now: func() time.Time { return now }, Explainer: supervision.New(supervision.Options{Store: st, Now: func() time.Time { return now }})})
	if err != nil {
		t.Fatal(err)
	}
	count := func(id string) int {
		t.Helper()
		ex, err := st.Explanations(ctx, kpi.Ref{Plan: "yf", ID: id})
		if err != nil {
			t.Fatal(err)
		}
		return len(ex)
	}
	ingestBook := func(actor kpi.Actor, body []byte) (kpi.SubmissionResult, error) {
		return ing.Ingest(ctx, kpi.Upload{Name: "b.xlsx", Body: body, Actor: actor, Source: "upload"})
	}
	problem := func(err error) (string, kpi.Problem) {
		t.Helper()
		var ke *kpi.Error
		if !errors.As(err, &ke) || len(ke.Problems) == 0 {
			t.Fatalf("err = %v, want a refusal with problems", err)
		}
		return ke.Code, ke.Problems[0]
	}

	// Explanations alone (no figure), dates as people write them, and the
	// bureau naming which of two lead units speaks.
	res, err := ingestBook(operator, explanationBook(t, nil,
		[]any{"high_tech_enterprises", "", "认定滞后", "加快认定", "2022/6/30"},
		[]any{"disposable_income_per_capita", "区人社局", "就业放缓", "稳岗扩岗", "2022年12月31日", "43000"}))
	if err != nil || res.Explanations != 2 || res.Added != 0 {
		t.Fatalf("explanations only: %+v, %v", res, err)
	}
	ex, _ := st.Explanations(ctx, kpi.Ref{Plan: "yf", ID: "disposable_income_per_capita"})
	if len(ex) != 1 || ex[0].Unit != "区人社局" || ex[0].ExpectedBy != "2022-12-31" || ex[0].RevisedFigure == nil || *ex[0].RevisedFigure != 43000 {
		t.Errorf("filed %+v", ex)
	}
	ex, _ = st.Explanations(ctx, kpi.Ref{Plan: "yf", ID: "high_tech_enterprises"})
	if len(ex) != 1 || ex[0].ExpectedBy != "2022-06-30" || ex[0].Author != "tjj" {
		t.Errorf("filed %+v", ex)
	}

	// The expected figure is read by the figure cells' number rule: a
	// full-width amount with a thousands comma is read, "1,5" refused.
	if _, err := ingestBook(operator, explanationBook(t, nil,
		[]any{"disposable_income_per_capita", "区人社局", "就业放缓", "稳岗扩岗", "2022-12-31", "４４,０００"})); err != nil {
		t.Errorf("full-width 44,000: %v", err)
	} else if ex, _ := st.Explanations(ctx, kpi.Ref{Plan: "yf", ID: "disposable_income_per_capita"}); ex[len(ex)-1].RevisedFigure == nil || *ex[len(ex)-1].RevisedFigure != 44000 {
		t.Errorf("full-width 44,000 filed as %+v", ex[len(ex)-1].RevisedFigure)
	}
	_, err = ingestBook(operator, explanationBook(t, nil, []any{"disposable_income_per_capita", "区人社局", "a", "b", "2022-12-31", "1,5"}))
	if code, p := problem(err); code != kpi.EINVALID || !strings.Contains(p.Message, "预计可达数值应为数字") {
		t.Errorf("1,5: %s %+v", code, p)
	}

	// Two lead units and none named: the service's words, on the row.
	_, err = ingestBook(operator, explanationBook(t, nil, []any{"disposable_income_per_capita", "", "a", "b", "2022-12-31"}))
	if code, p := problem(err); code != kpi.EINVALID || p.Sheet != ingest.ExplanationSheet || p.Row != 2 || !strings.Contains(p.Message, "请指明代哪个牵头单位说明") {
		t.Errorf("no unit named: %s %+v", code, p)
	}

	// A bad figure refuses the explanation with it, and a bad explanation
	// the figure: nothing of either file is stored.
	_, err = ingestBook(operator, explanationBook(t, [][]any{{"high_tech_enterprises", "2021", "abc"}},
		[]any{"high_tech_enterprises", "", "认定滞后", "加快认定", "2022-06-30"}))
	if code, _ := problem(err); code != kpi.EINVALID || count("high_tech_enterprises") != 1 {
		t.Errorf("a bad figure: %s, %d explanations (want the first only)", code, count("high_tech_enterprises"))
	}
	_, err = ingestBook(operator, explanationBook(t, [][]any{{"high_tech_enterprises", "2021", "12"}},
		[]any{"high_tech_enterprises", "", "认定滞后", "加快认定", "明年"}))
	if code, p := problem(err); code != kpi.EINVALID || p.Column != "E" || p.Field != "expected_by" {
		t.Errorf("a bad date: %s %+v", code, p)
	}
	// A completion day already past: refused on its row and column, in
	// the service's words, with the figure beside it.
	_, err = ingestBook(operator, explanationBook(t, [][]any{{"high_tech_enterprises", "2021", "12"}},
		[]any{"high_tech_enterprises", "", "认定滞后", "加快认定", "2021-12-31"}))
	if code, p := problem(err); code != kpi.EINVALID || p.Sheet != ingest.ExplanationSheet || p.Row != 2 || p.Column != "E" || !strings.HasPrefix(p.Message, "预计完成时间2021年12月31日已过") {
		t.Errorf("a day already past: %s %+v", code, p)
	}
	if l, _ := st.Latest(ctx); len(l[kpi.Ref{Plan: "yf", ID: "high_tech_enterprises"}]) != 0 {
		t.Errorf("the figure of a refused file was stored: %v", l)
	}

	// Bounds: a cell far over the reason's length is read only to 8 KiB,
	// still too long, and refused by its row; more rows than the sheet
	// takes are refused; neither files anything.
	_, err = ingestBook(operator, explanationBook(t, nil, []any{"high_tech_enterprises", "", strings.Repeat("长", 30000), "b", "2022-06-30"}))
	if code, p := problem(err); code != kpi.EINVALID || p.Sheet != ingest.ExplanationSheet || p.Column != "C" || p.Message != "原因过长：最多2000字" {
		t.Errorf("a 30,000-character cell: %s %+v", code, p)
	}
	var many [][]any
	for range 501 {
		many = append(many, []any{"high_tech_enterprises", "", "a", "b", "2022-06-30"})
	}
	_, err = ingestBook(operator, explanationBook(t, nil, many...))
	if code, p := problem(err); code != kpi.EINVALID || !strings.Contains(p.Message, "情况说明超过 500 行") {
		t.Errorf("501 rows: %s %+v", code, p)
	}
	if n := count("high_tech_enterprises"); n != 1 {
		t.Errorf("%d explanations after the refusals, want 1", n)
	}

	// Without an explainer (no supervision service) such a file is refused.
	plain, err := ingest.New(ingest.Options{Store: st, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = plain.Ingest(ctx, kpi.Upload{Name: "b.xlsx", Actor: operator, Source: "cli",
		Body: explanationBook(t, nil, []any{"high_tech_enterprises", "", "a", "b", "2022-06-30"})})
	if code, p := problem(err); code != kpi.EINVALID || !strings.Contains(p.Message, "不受理情况说明") {
		t.Errorf("no explainer: %s %+v", code, p)
	}
}
