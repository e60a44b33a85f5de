package ingest_test

import (
	"bytes"
	"context"
	"regexp"
	"testing"

	"github.com/xuri/excelize/v2"
)

// writeTemplate writes f's XLSX template and opens it.
func writeTemplate(t *testing.T, f *fixture) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	if err := f.ing.WriteTemplate(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestTemplateInstructionsChineseFirst: the 说明 sheet says everything in
// Chinese, English following on its own line, never "中文 / English" on one.
func TestTemplateInstructionsChineseFirst(t *testing.T) {
	x := writeTemplate(t, newFixture(t))
	rows, err := x.GetRows("说明")
	if err != nil || len(rows) < 2 {
		t.Fatalf("说明 sheet: %v, %d rows", err, len(rows))
	}
	if rows[0][0] != "填报说明" {
		t.Errorf("说明 A1 = %q, want 填报说明", rows[0][0])
	}
	mixed := regexp.MustCompile(`\p{Han}[^A-Za-z]*/ *[A-Za-z]{3,}`)
	for i, r := range rows {
		if len(r) > 0 && mixed.MatchString(r[0]) {
			t.Errorf("说明 A%d mixes Chinese and English on one line: %q", i+1, r[0])
		}
	}
}
