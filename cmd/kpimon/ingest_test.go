package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
)

// annualIndicator returns an annual, numeric indicator of the embedded
// catalog and the first year of its plan, which any such indicator accepts.
func annualIndicator(t *testing.T) (kpi.Indicator, int) {
	t.Helper()
	cat, err := loadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	start := map[string]int{}
	for _, p := range cat.Plans {
		start[p.ID] = p.StartYear
	}
	for _, ind := range cat.Indicators {
		if ind.Frequency == kpi.Annual && ind.Kind != kpi.KindMilestone && start[ind.Plan] > 0 {
			return ind, start[ind.Plan]
		}
	}
	t.Fatal("the embedded catalog has no annual numeric indicator")
	return kpi.Indicator{}, 0
}

func TestTemplateThenIngest(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	tmpl := filepath.Join(dir, "模板.xlsx")
	if _, stderr, err := runKpimon(t, nil, "template", "-o", tmpl); err != nil {
		t.Fatalf("template: %v\n%s", err, stderr)
	}
	ind, year := annualIndicator(t)

	// Fill the indicator's row as a submitter does: period and value only.
	x, err := excelize.OpenFile(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows(ingest.TemplateSheet)
	if err != nil {
		t.Fatal(err)
	}
	filledRow := 0
	for i, r := range rows {
		if len(r) > 1 && r[1] == ind.ID {
			filledRow = i + 1
		}
	}
	if filledRow == 0 {
		t.Fatalf("template lists no row for %s", ind.ID)
	}
	x.SetCellValue(ingest.TemplateSheet, "H"+strconv.Itoa(filledRow), strconv.Itoa(year)+"年")
	x.SetCellValue(ingest.TemplateSheet, "I"+strconv.Itoa(filledRow), 1)
	if err := x.SaveAs(tmpl); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("指标编号,报告期,实际值\nno_such_indicator,2021,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		files    []string
		wantExit int
		wantOut  []string
	}{
		{"filled template", []string{tmpl}, 0, []string{"✓", "added 1"}},
		{"same file again", []string{tmpl}, 0, []string{"unchanged 1"}},
		{"a bad file beside a good one", []string{tmpl, bad}, 1, []string{"✗", "bad.csv 第 2 行 指标编号 列：未知指标（填写的是“no_such_indicator”", "bad.csv: row 2: column 指标编号: unknown indicator", "1 of 2 file(s) rejected"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := runKpimon(t, map[string]string{"KPIMON_DATA": data}, append([]string{"ingest", "--as", "tjj"}, tt.files...)...)
			var ee errExit
			switch {
			case tt.wantExit == 0 && err != nil:
				t.Fatalf("ingest: %v\n%s%s", err, stdout, stderr)
			case tt.wantExit != 0 && (!errors.As(err, &ee) || ee.code != tt.wantExit):
				t.Fatalf("ingest error = %v, want exit %d\n%s", err, tt.wantExit, stdout)
			}
			for _, want := range tt.wantOut {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout does not say %q:\n%s", want, stdout)
				}
			}
		})
	}

	st, err := boltstore.Open(filepath.Join(data, "kpimon.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	obs, err := st.Observations(context.Background(), ind.Ref())
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 1 || obs[0].Value != 1 || obs[0].Period != kpi.YearPeriod(year) || obs[0].SubmittedBy != "tjj" || obs[0].Source != "cli" {
		t.Errorf("stored %+v, want one figure 1 for %d by tjj from cli", obs, year)
	}
}

func TestIngestWhileServerRuns(t *testing.T) {
	data := t.TempDir()
	st, err := boltstore.Open(filepath.Join(data, "kpimon.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	file := filepath.Join(t.TempDir(), "a.csv")
	if err := os.WriteFile(file, []byte("indicator,period,value\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	book := filepath.Join(t.TempDir(), "年报 2021.xlsx")
	if err := os.WriteFile(book, []byte("PK\x03\x04"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = runKpimon(t, map[string]string{"KPIMON_LISTEN": "0.0.0.0:20464"}, "ingest", "--data", data, file, book)
	if kpi.ErrorCode(err) != kpi.EUNAVAILABLE {
		t.Fatalf("ingest on a store in use = %v, want EUNAVAILABLE", err)
	}
	// One multipart upload per file, to where serve listens: it used to
	// suggest --data-binary with Content-Type text/csv even for an XLSX.
	for _, want := range []string{
		"-F file=@" + file + " http://127.0.0.1:20464/api/v1/uploads",
		"-F 'file=@" + book + "' http://127.0.0.1:20464/api/v1/uploads",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("ingest on a store in use says\n%v\nwant it to suggest %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "text/csv") {
		t.Errorf("ingest suggests a CSV content type:\n%v", err)
	}
}

func TestTemplateToStdout(t *testing.T) {
	stdout, stderr, err := runKpimon(t, nil, "template", "-o", "-")
	if err != nil {
		t.Fatalf("template: %v\n%s", err, stderr)
	}
	x, err := excelize.OpenReader(bytes.NewReader([]byte(stdout)))
	if err != nil {
		t.Fatalf("stdout is not an XLSX: %v", err)
	}
	defer x.Close()
	cat, err := loadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows(ingest.TemplateSheet)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(rows), len(cat.Indicators)+1; got != want {
		t.Errorf("template rows = %d, want %d (a header and every indicator)", got, want)
	}
}
