package web_test

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The figures the test workbooks carry.
const (
	goodValue = "28"
	badValue  = "二十八家" // words, not a number
)

// templateBytes fetches the XLSX template over HTTP.
func templateBytes(t *testing.T, f *fixture) []byte {
	t.Helper()
	p := f.newClient(t).get("/template.xlsx")
	wantStatus(t, "GET /template.xlsx", p, http.StatusOK)
	return []byte(p.body)
}

// cell is a place in the template's first sheet.
type cell struct {
	sheet  string
	row    int    // 1-based, as the user sees it
	column string // letter
}

// templateLayout finds, in the template, the row of the indicator and the
// columns of the period and the value, by their Chinese headers.
func templateLayout(t *testing.T, x *excelize.File, indicatorID string) (period, value cell) {
	t.Helper()
	sheet := x.GetSheetList()[0]
	rows, err := x.GetRows(sheet)
	if err != nil {
		t.Fatalf("read template sheet %s: %v", sheet, err)
	}
	idCol, periodCol, valueCol, header := -1, -1, -1, -1
	for r, row := range rows {
		for c, v := range row {
			switch {
			case strings.HasPrefix(v, "指标编号"):
				idCol = c
			case strings.HasPrefix(v, "报告期"):
				periodCol = c
			case strings.HasPrefix(v, "实际值"):
				valueCol = c
			}
		}
		if idCol >= 0 && periodCol >= 0 && valueCol >= 0 {
			header = r
			break
		}
	}
	if header < 0 {
		t.Fatalf("template sheet %s has no header row with 指标编号, 报告期 and 实际值", sheet)
	}
	for r := header + 1; r < len(rows); r++ {
		if idCol < len(rows[r]) && rows[r][idCol] == indicatorID {
			name := func(c int) string {
				s, err := excelize.ColumnNumberToName(c + 1)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			return cell{sheet, r + 1, name(periodCol)}, cell{sheet, r + 1, name(valueCol)}
		}
	}
	t.Fatalf("template sheet %s lists no indicator %s", sheet, indicatorID)
	return cell{}, cell{}
}

// fillTemplate writes a period and a value for the indicator into a copy of
// the template, the way a unit's staff fill it in. With keepOthers false it
// also deletes the rows of the other indicators, as the page allows.
func fillTemplate(t *testing.T, template []byte, indicatorID, period, value string, keepOthers bool) []byte {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(template))
	if err != nil {
		t.Fatalf("open template: %v", err)
	}
	defer x.Close()
	p, v := templateLayout(t, x, indicatorID)
	if !keepOthers {
		p, v = keepOnly(t, x, p, v)
	}
	if err := x.SetCellStr(p.sheet, p.column+strconv.Itoa(p.row), period); err != nil {
		t.Fatal(err)
	}
	if err := x.SetCellStr(v.sheet, v.column+strconv.Itoa(v.row), value); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatalf("write workbook: %v", err)
	}
	return buf.Bytes()
}

// keepOnly deletes every indicator row below the header but the one of p
// and v, and returns where they are now.
func keepOnly(t *testing.T, x *excelize.File, p, v cell) (cell, cell) {
	t.Helper()
	rows, err := x.GetRows(p.sheet)
	if err != nil {
		t.Fatal(err)
	}
	for r := len(rows); r > p.row; r-- {
		if err := x.RemoveRow(p.sheet, r); err != nil {
			t.Fatal(err)
		}
	}
	for r := p.row - 1; r > 1; r-- {
		if err := x.RemoveRow(p.sheet, r); err != nil {
			t.Fatal(err)
		}
	}
	p.row, v.row = 2, 2
	return p, v
}

// goodWorkbook is the template with the own indicator's 2021 figure filled
// in; inPlace leaves the other rows as they are, else they are deleted.
func goodWorkbook(t *testing.T, f *fixture, template []byte, inPlace bool) []byte {
	t.Helper()
	return fillTemplate(t, template, f.own.ID, "2021", goodValue, inPlace)
}

// badWorkbook is the template with words where the figure should be.
func badWorkbook(t *testing.T, f *fixture, template []byte, inPlace bool) []byte {
	t.Helper()
	return fillTemplate(t, template, f.own.ID, "2021", badValue, inPlace)
}

// badCell is where badWorkbook's mistake is.
func badCell(t *testing.T, f *fixture, template []byte, inPlace bool) cell {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(template))
	if err != nil {
		t.Fatalf("open template: %v", err)
	}
	defer x.Close()
	p, v := templateLayout(t, x, f.own.ID)
	if !inPlace {
		_, v = keepOnly(t, x, p, v)
	}
	return v
}
