package ingest

import (
	"bytes"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// collect runs a parser and keeps its rows, as tests want them; no rows
// when it returns problems.
func collect(parser func(kpi.Upload, limits, func(*row)) []kpi.Problem, u kpi.Upload, l limits) ([]row, []kpi.Problem) {
	var rows []row
	problems := parser(u, l, func(r *row) { rows = append(rows, *r) })
	if len(problems) > 0 {
		return nil, problems
	}
	return rows, nil
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
		// A workbook sent with curl -H 'Content-Type: text/csv' (as kpimon
		// ingest once suggested) was read as CSV.
		{"a zip declared as CSV is an XLSX", kpi.Upload{ContentType: "text/csv", Name: "2021.csv", Body: zip}, FormatXLSX},
		{"a zip declared as JSON is an XLSX", kpi.Upload{ContentType: "application/json", Body: zip}, FormatXLSX},
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

// TestXLSXDatesAndFormats reads cells the way Excel stores what people
// type: a month becomes a date (shown by some formats only as its serial),
// 33% becomes 0.33 formatted as a percentage.
func TestXLSXDatesAndFormats(t *testing.T) {
	june := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	yyyymm, percent := "yyyy-mm", "0%"
	tests := []struct {
		name       string
		period     any
		periodFmt  excelize.Style
		value      any
		valueFmt   excelize.Style
		wantPeriod string
		wantValue  string
	}{
		{"text as typed", "2021年6月", excelize.Style{}, "44,700", excelize.Style{}, "2021年6月", "44,700"},
		{"date in a custom month format", june, excelize.Style{CustomNumFmt: &yyyymm}, 44700, excelize.Style{}, "2021-06-01", "44700"},
		{"date in a Chinese built-in format (serial)", june, excelize.Style{NumFmt: 57}, 44700, excelize.Style{}, "2021-06-01", "44700"},
		{"percent-formatted fraction", "2021", excelize.Style{}, 0.33, excelize.Style{CustomNumFmt: &percent}, "2021", "33%"},
		{"a year as a number is not a date", 2021, excelize.Style{}, 1, excelize.Style{}, "2021", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := excelize.NewFile()
			x.SetSheetRow("Sheet1", "A1", &[]any{"指标编号", "报告期", "实际值"})
			x.SetSheetRow("Sheet1", "A2", &[]any{"m", tt.period, tt.value})
			for cell, style := range map[string]excelize.Style{"B2": tt.periodFmt, "C2": tt.valueFmt} {
				id, err := x.NewStyle(&style)
				if err != nil {
					t.Fatal(err)
				}
				x.SetCellStyle("Sheet1", cell, cell, id)
			}
			var buf bytes.Buffer
			if _, err := x.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			rows, problems := collect(parseXLSX, kpi.Upload{Name: "d.xlsx", Body: buf.Bytes()}, limits{maxRows: 10})
			if len(problems) > 0 || len(rows) != 1 {
				t.Fatalf("parseXLSX = %d rows, problems %v; want one row", len(rows), problems)
			}
			if got := rows[0]; got.Period != tt.wantPeriod || got.Value != tt.wantValue {
				t.Errorf("row period %q value %q, want %q and %q", got.Period, got.Value, tt.wantPeriod, tt.wantValue)
			}
		})
	}
}
