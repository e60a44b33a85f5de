package report_test

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/report"
)

func TestWriteXLSX(t *testing.T) {
	c := sampleCircular(t, report.Options{Previous: chinaDay(t, "2020-06-30")})
	var b bytes.Buffer
	if err := report.WriteXLSX(&b, c); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatalf("read the workbook back: %v", err)
	}
	defer f.Close()
	if diff := cmp.Diff([]string{report.SheetSummary, report.SheetChanges, report.SheetAttention, report.SheetUnits, report.SheetDetail}, f.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}

	rows, err := f.GetRows(report.SheetDetail)
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"任务", "指标", "责任单位", "目标", "目标值", "单位", "时限", "最新数据", "报告期", "完成进度", "进度比", "需年均变化量", "需年均变化率", "需年均变化说明", "信号灯", "状态", "说明"}
	if diff := cmp.Diff(wantHeader, rows[0]); diff != "" {
		t.Errorf("detail header (-want +got):\n%s", diff)
	}
	if len(rows) != 1+80 {
		t.Errorf("detail rows = %d, want 80 indicators and the header", len(rows)-1)
	}
	// The header row is frozen on every sheet.
	for _, sheet := range f.GetSheetList() {
		panes, err := f.GetPanes(sheet)
		if err != nil || !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("sheet %s panes = %+v, %v; want the first row frozen", sheet, panes, err)
		}
	}

	// Figures are numbers, not text: the raw cell of 高新技术企业's latest figure is 16.
	find := func(sheet, name string) int {
		rows, _ := f.GetRows(sheet)
		for i, r := range rows {
			if len(r) > 1 && r[1] == name {
				return i + 1
			}
		}
		t.Fatalf("sheet %s has no row %s", sheet, name)
		return 0
	}
	n := find(report.SheetDetail, "高新技术企业")
	numberAt := func(sheet, col string, row int) float64 {
		t.Helper()
		ref := col + strconv.Itoa(row)
		typ, err := f.GetCellType(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) {
			t.Fatalf("%s!%s = %q (type %v), want a number", sheet, ref, raw, typ)
		}
		return v
	}
	for _, c := range []struct {
		col  string
		want float64
	}{{"E", 30}, {"G", 2022}, {"H", 16}, {"J", 4.0 / 18}, {"L", 7}} {
		if got := numberAt(report.SheetDetail, c.col, n); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("高新技术企业 column %s = %v, want %v", c.col, got, c.want)
		}
	}
	// Shown as people read them: the share as a percentage, the figure whole.
	if got, _ := f.GetCellValue(report.SheetDetail, "J"+strconv.Itoa(n)); got != "22.2%" {
		t.Errorf("completion shown as %q, want 22.2%%", got)
	}
	energy := find(report.SheetDetail, "万元GDP综合能耗")
	if got, _ := f.GetCellValue(report.SheetDetail, "H"+strconv.Itoa(energy)); got != "0.361" {
		t.Errorf("energy intensity shown as %q, want 0.361", got)
	}
	// One unit per column: the rate in M, the amount column empty; a count's
	// change (高新技术企业: 7 a year) in L, its rate column empty.
	if got := numberAt(report.SheetDetail, "M", energy); math.Abs(got-(math.Sqrt(0.331/0.361)-1)) > 1e-9 {
		t.Errorf("energy intensity required change = %v, want √(0.331/0.361) − 1", got)
	}
	for _, ref := range []string{"L" + strconv.Itoa(energy), "M" + strconv.Itoa(n)} {
		if v, _ := f.GetCellValue(report.SheetDetail, ref); v != "" {
			t.Errorf("%s = %q, want empty: one unit per column", ref, v)
		}
	}
	if got, _ := f.GetCellValue(report.SheetDetail, "M1"); got != "需年均变化率" {
		t.Errorf("M1 = %q", got)
	}

	// A share's gap and change per year are in percentage points: the cell
	// says so, since 0.13 beside the unit column's "%" reads as 0.13 %.
	points := 0
	for _, sheet := range []struct {
		name       string
		unit       int
		amountCols []int
	}{{report.SheetDetail, 5, []int{11}}, {report.SheetAttention, 6, []int{8, 9}}} {
		rows, _ := f.GetRows(sheet.name)
		for i, r := range rows[1:] {
			if len(r) <= sheet.unit || r[sheet.unit] != "%" {
				continue
			}
			for _, col := range sheet.amountCols {
				if col >= len(r) || r[col] == "" || !strings.ContainsAny(r[col][:1], "-0123456789") {
					continue // empty, or words (已完成)
				}
				points++
				if !strings.HasSuffix(r[col], "个百分点") {
					t.Errorf("%s row %d (%s) column %d = %q, want an amount in 个百分点", sheet.name, i+2, r[1], col+1, r[col])
				}
			}
		}
	}
	if points == 0 {
		t.Error("no share's gap or change per year in the workbook: the sample should have some")
	}

	// Print setup: A4 landscape, one page wide, the header row on every
	// page, the title in the page header.
	for _, sheet := range f.GetSheetList() {
		pl, err := f.GetPageLayout(sheet)
		if err != nil || pl.Size == nil || *pl.Size != 9 || pl.Orientation == nil || *pl.Orientation != "landscape" ||
			pl.FitToWidth == nil || *pl.FitToWidth != 1 || pl.FitToHeight == nil || *pl.FitToHeight != 0 {
			t.Errorf("sheet %s page layout %+v, %v; want A4 (9) landscape, fit to 1 page wide", sheet, pl, err)
		}
		props, err := f.GetSheetProps(sheet)
		if err != nil || props.FitToPage == nil || !*props.FitToPage {
			t.Errorf("sheet %s: fit to page not set (%v)", sheet, err)
		}
		hf, err := f.GetHeaderFooter(sheet)
		if err != nil || hf == nil || !strings.Contains(hf.OddHeader, "指标进展情况通报（截至2021年6月30日）") {
			t.Errorf("sheet %s header/footer %+v, %v; want the title in the header", sheet, hf, err)
		}
		found := false
		for _, dn := range f.GetDefinedName() {
			if dn.Name == "_xlnm.Print_Titles" && dn.Scope == sheet && dn.RefersTo == "'"+sheet+"'!$1:$1" {
				found = true
			}
		}
		if !found {
			t.Errorf("sheet %s: no print titles ($1:$1)", sheet)
		}
	}

	summary, _ := f.GetRows(report.SheetSummary)
	if diff := cmp.Diff([]string{"项目", "数值"}, summary[0]); diff != "" {
		t.Errorf("summary header (-want +got):\n%s", diff)
	}
	units, _ := f.GetRows(report.SheetUnits)
	if diff := cmp.Diff([]string{"名次", "责任单位", "指标数", "达标或正常推进", "占比", "滞后", "逾期未达标", "逾期未报"}, units[0]); diff != "" {
		t.Errorf("units header (-want +got):\n%s", diff)
	}
	att, _ := f.GetRows(report.SheetAttention)
	if len(att) != 1+4+2+9+11 { //
		t.Errorf("attention rows = %d, want 26 (missed 4, deteriorating 2, off track 9, lagging 11)", len(att)-1)
	}
}
