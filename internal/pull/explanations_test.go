package pull_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/pull"
	"github.com/yanfeng/kpimon/internal/supervision"
)

// TestInboxExplanations: a template dropped into the inbox with a figure
// and a 情况说明 row files both, and its receipt says so in Chinese.
func TestInboxExplanations(t *testing.T) {
	_, st := newIngester(t)
	ing, err := ingest.New(ingest.Options{Store: st, Explainer: supervision.New(supervision.Options{Store: st.(supervision.Store)})})
	if err != nil {
		t.Fatal(err)
	}
	var tmpl bytes.Buffer
	if err := ingest.WriteTemplate(&tmpl, testCatalog); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&tmpl)
	if err != nil {
		t.Fatal(err)
	}
	x.SetCellValue(ingest.TemplateSheet, "H2", "2021")
	x.SetCellValue(ingest.TemplateSheet, "I2", "25")
	// The expected day must not have passed (the service reads the wall clock).
	row := []any{"p", "high_tech_enterprises", "", "", "认定滞后", "加快认定", time.Now().AddDate(1, 0, 0).Format("2006-01-02")}
	if err := x.SetSheetRow(ingest.ExplanationSheet, "A3", &row); err != nil {
		t.Fatal(err)
	}
	var filled bytes.Buffer
	if err := x.Write(&filled); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeOld(t, filepath.Join(dir, "说明.xlsx"), filled.String())
	if _, err := inboxScheduler(t, ing, dir, "@every 1h").RunNow(context.Background(), "inbox"); err != nil {
		t.Fatalf("RunNow: %v", err)
	}
	done := filepath.Join(dir, pull.DoneDir)
	assertFiled(t, done, "说明.xlsx", ".receipt.txt", "新增 1 项")
	assertFiled(t, done, "说明.xlsx", ".receipt.txt", "情况说明 1 条已登记\n")
	ex, err := st.(kpi.SupervisionStore).Explanations(context.Background(), kpi.Ref{Plan: "p", ID: "high_tech_enterprises"})
	if err != nil || len(ex) != 1 || ex[0].Unit != "区科工信局" || ex[0].Reason != "认定滞后" {
		t.Errorf("explanations: %+v, %v", ex, err)
	}
}
