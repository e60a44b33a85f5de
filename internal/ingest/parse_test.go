package ingest

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/kpi"
)

func TestXLSXRowsHint(t *testing.T) {
	tests := []struct {
		name      string
		dimension string // "" leaves excelize's default
		maxRows   int
		want      func(size int) int
	}{
		{"no dimension written", "", 1000, func(int) int { return 0 }},
		{"dimension within the file size", "A1:C3", 1000, func(int) int { return 3 }},
		{"huge claim bounded by file size", "A1:C1048576", 2_000_000, func(size int) int { return size / 8 }},
		{"bounded by max rows", "A1:C1048576", 2, func(int) int { return 2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := excelize.NewFile()
			x.SetSheetRow("Sheet1", "A1", &[]any{"indicator", "period", "value"})
			if tt.dimension != "" {
				if err := x.SetSheetDimension("Sheet1", tt.dimension); err != nil {
					t.Fatal(err)
				}
			}
			var buf bytes.Buffer
			if _, err := x.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, want := xlsxRowsHint(f, "Sheet1", buf.Len(), tt.maxRows), tt.want(buf.Len())
			if got != want {
				t.Errorf("xlsxRowsHint(%q) = %d, want %d", tt.dimension, got, want)
			}
		})
	}
}

func TestDetectFormat(t *testing.T) {
	zip := []byte("PK\x03\x04rest")
	tests := []struct {
		name string
		up   kpi.Upload
		want string
	}{
		{"xlsx content type", kpi.Upload{ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Body: zip}, FormatXLSX},
		{"ms-excel content type on a zip", kpi.Upload{ContentType: "application/vnd.ms-excel", Body: zip}, FormatXLSX},
		{"ms-excel content type on a CSV (Windows browsers)", kpi.Upload{ContentType: "application/vnd.ms-excel", Name: "a.csv", Body: []byte("indicator,period,value\n")}, FormatCSV},
		{"json content type", kpi.Upload{ContentType: "application/json; charset=utf-8", Body: []byte("[]")}, FormatJSON},
		{"csv content type", kpi.Upload{ContentType: "text/csv", Body: []byte("[")}, FormatCSV},
		{"extension when the type says nothing", kpi.Upload{ContentType: "application/octet-stream", Name: "2021.XLSX", Body: []byte("x")}, FormatXLSX},
		{"json extension", kpi.Upload{Name: "a.json", Body: []byte("x")}, FormatJSON},
		{"sniff a zip", kpi.Upload{Name: "upload", Body: zip}, FormatXLSX},
		{"sniff a JSON array after a BOM and spaces", kpi.Upload{Body: []byte("\xEF\xBB\xBF \n[{}]")}, FormatJSON},
		{"anything else is CSV", kpi.Upload{Body: []byte("指标编号,报告期,实际值\n")}, FormatCSV},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := detectFormat(tt.up); got != tt.want {
				t.Errorf("detectFormat(%q, %q) = %s, want %s", tt.up.ContentType, tt.up.Name, got, tt.want)
			}
		})
	}
}
