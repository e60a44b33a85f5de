package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// XLSX sheet names, one per section of the circular.
const (
	SheetSummary   = "总体情况"
	SheetChanges   = "较上期变化"
	SheetAttention = "需重点关注指标"
	SheetUnits     = "责任单位排名"
	SheetDetail    = "指标明细"
)

// WriteXLSX writes the circular as a workbook, one sheet per section, with
// Chinese headers on a frozen first row and every figure as a number in
// its indicator's precision (shares as percentages), so a district can
// sort, filter and sum it.
func WriteXLSX(w io.Writer, c Circular) error {
	title := c.Title + "（" + c.AsOfText
	if c.Unit != "" {
		title += " · " + c.Unit
	}
	x := &workbook{f: excelize.NewFile(), styles: map[string]int{}, title: title + "）"}
	defer x.f.Close()
	x.summary(c)
	if c.Changes != nil {
		x.changes(c)
	}
	x.attention(c)
	x.units(c)
	x.detail(c)
	if x.err == nil {
		x.err = x.f.DeleteSheet("Sheet1")
	}
	if x.err == nil {
		_, x.err = x.f.WriteTo(w)
	}
	if x.err != nil {
		return fmt.Errorf("report: write XLSX: %w", x.err)
	}
	return nil
}

// workbook writes sheets and keeps the first error, so the section
// writers read as the table they write.
type workbook struct {
	title  string // printed in every page's header
	f      *excelize.File
	styles map[string]int // number format → style id
	err    error
	sheet  string
	row    int
}

// cell is a value with an optional number format ("0.0%", "0.00").
type cell struct {
	v      any
	format string
}

func text(s string) cell { return cell{v: s} }

// number is a number cell. v is stored to 12 significant digits, so a gap
// of 2.87 − 2.74 is 0.13 in Excel's formula bar, not 0.129999999999999.
func number(v float64, format string) cell {
	return cell{v: kpi.Significant(v, 12), format: format}
}

// optNumber is a number cell, or an empty cell for nil.
func optNumber(p *float64, format string) cell {
	if p == nil {
		return cell{}
	}
	return number(*p, format)
}

func (x *workbook) newSheet(name string, widths []float64, header ...string) {
	if x.err != nil {
		return
	}
	if _, x.err = x.f.NewSheet(name); x.err != nil {
		return
	}
	x.sheet, x.row = name, 1
	cells := make([]cell, len(header))
	for i, h := range header {
		cells[i] = text(h)
	}
	x.add(cells...)
	bold, err := x.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8E8E8"}}})
	if err == nil {
		last, _ := excelize.CoordinatesToCellName(len(header), 1)
		err = x.f.SetCellStyle(name, "A1", last, bold)
	}
	if err == nil {
		err = x.f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	}
	for i, wd := range widths {
		if err != nil {
			break
		}
		col, _ := excelize.ColumnNumberToName(i + 1)
		err = x.f.SetColWidth(name, col, col, wd)
	}
	if err == nil {
		err = x.printSetup(name)
	}
	x.err = err
}

// printSetup makes a sheet print as a circular's table: A4 landscape, all
// columns on one page's width (as many pages down as needed), the header
// row repeated on every page, the circular's title and the page number in
// the page header and footer.
func (x *workbook) printSetup(sheet string) error {
	a4, landscape, one, any := 9, "landscape", 1, 0
	if err := x.f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &a4, Orientation: &landscape, FitToWidth: &one, FitToHeight: &any}); err != nil {
		return err
	}
	fit := true
	if err := x.f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	if err := x.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + sheet + "'!$1:$1", Scope: sheet}); err != nil {
		return err
	}
	return x.f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{
		OddHeader: "&C" + strings.ReplaceAll(x.title, "&", "&&") + " " + sheet,
		OddFooter: "&C第 &P 页，共 &N 页",
	})
}

func (x *workbook) add(cells ...cell) {
	for i, c := range cells {
		if x.err != nil || c.v == nil {
			continue
		}
		name, _ := excelize.CoordinatesToCellName(i+1, x.row)
		if x.err = x.f.SetCellValue(x.sheet, name, c.v); x.err != nil {
			return
		}
		if c.format != "" {
			x.err = x.f.SetCellStyle(x.sheet, name, name, x.style(c.format))
		}
	}
	x.row++
}

func (x *workbook) style(format string) int {
	if id, ok := x.styles[format]; ok {
		return id
	}
	f := format
	id, err := x.f.NewStyle(&excelize.Style{CustomNumFmt: &f})
	if err != nil {
		x.err = err
	}
	x.styles[format] = id
	return id
}

// figureFormat is the number format of ind's figure v: the precision the
// display rule prints it with (present.FigureDecimals), while the cell
// keeps the full value.
func figureFormat(ind kpi.Indicator, v *float64) string {
	d := present.Decimals(ind)
	if v != nil {
		d = present.FigureDecimals(ind, *v)
	}
	return decimalsFormat(d)
}

// gapCell is the gap as present.GapOf prints it: a number in its
// precision where the words are an amount, else the words (已完成,
// 2020年较上年下降3件).
func gapCell(ind kpi.Indicator, ev kpi.Evaluation, words string) cell {
	if g := present.GapAmount(ind, ev); g != nil || words == present.Missing {
		return optNumber(g, amountFormat(ind, present.GapDecimals(ind, ev)))
	}
	return text(words)
}

// amountFormat is the number format of an amount of ind's unit with d
// decimals: a share's gap or change is in percentage points, so its cell
// says 个百分点 (0.13 beside the unit column's "%" reads as 0.13 %).
func amountFormat(ind kpi.Indicator, d int) string {
	if ind.IsPercent() {
		return decimalsFormat(d) + `"个百分点"`
	}
	return decimalsFormat(d)
}

// decimalsFormat is the number format with d decimals.
func decimalsFormat(d int) string {
	if d == 0 {
		return "0"
	}
	return "0." + strings.Repeat("0", d)
}

const percentFormat = "0.0%"

// changeCells are the required or achieved change per year as two
// cells, one unit per column: the amount in the indicator's unit and
// precision, and the rate as a percentage; the one that does not apply is
// empty.
func changeCells(ind kpi.Indicator, ev kpi.Evaluation, v *float64) (amount, rate cell) {
	if ev.ChangeIsRelative {
		return cell{}, optNumber(v, percentFormat)
	}
	if v == ev.RequiredAnnualChange {
		v = present.RequiredAmount(ind, ev) // a count required is whole, as the words say
	}
	return optNumber(v, amountFormat(ind, present.ChangeDecimals(ind, ev, v))), cell{}
}

func (x *workbook) summary(c Circular) {
	x.newSheet(SheetSummary, []float64{36, 16}, "项目", "数值")
	s := c.Summary
	x.add(text("通报"), text(c.Title))
	x.add(text("截至日期"), text(present.Date(c.AsOf)))
	if c.Unit != "" {
		x.add(text("单位"), text(c.Unit))
	}
	x.add(text("指标总数"), number(float64(s.Total), "0"))
	x.add(text("已达标或正常推进"), number(float64(s.Good), "0"))
	x.add(text("已达标或正常推进占比"), number(s.GoodShare, percentFormat))
	x.add(text("逾期未报送"), number(float64(s.Overdue), "0"))
	for _, lc := range s.Lights {
		x.add(text(lc.Word), number(float64(lc.Count), "0"))
	}
	for _, sc := range s.Statuses {
		x.add(text(sc.Word+"（"+sc.Light.Word()+"）"), number(float64(sc.Count), "0"))
	}
	x.add(text("信号灯对应"), text(c.LightLegend()))
}

func (x *workbook) changes(c Circular) {
	x.newSheet(SheetChanges, []float64{12, 40, 24, 12, 12, 16, 12}, "变化", "指标", "责任单位", "上期状态", "本期状态", "最新数据", "报告期")
	ch := c.Changes
	row := func(kind string, r Row, from string) {
		ev := r.State.Evaluation
		x.add(text(kind), text(r.Name), text(r.LeadUnits), text(from), text(r.StatusWord), optNumber(ev.Actual, figureFormat(*r.State.Indicator, ev.Actual)), text(r.Period))
	}
	for _, sc := range ch.Up {
		row("状态好转", sc.Row, sc.FromWord)
	}
	for _, sc := range ch.Down {
		row("状态退步", sc.Row, sc.FromWord)
	}
	for _, r := range ch.FirstFigures {
		row("首次报送", r, "")
	}
	for _, r := range ch.NewFigures {
		row("更新数据", r, "")
	}
}

func (x *workbook) attention(c Circular) {
	x.newSheet(SheetAttention, []float64{12, 40, 24, 22, 8, 14, 10, 12, 14, 14, 14, 22},
		"状态", "指标", "责任单位", "目标", "时限", "最新数据", "单位", "报告期", "差距", "需年均变化量", "需年均变化率", "需年均变化说明")
	for _, g := range c.Attention {
		for _, r := range g.Rows {
			ind, ev := *r.State.Indicator, r.State.Evaluation
			amount, rate := changeCells(ind, ev, ev.RequiredAnnualChange)
			x.add(text(r.StatusWord), text(r.Name), text(r.LeadUnits), text(r.Target), number(float64(ind.Deadline), "0"),
				optNumber(ev.Actual, figureFormat(ind, ev.Actual)), text(ind.Unit), text(r.Period), gapCell(ind, ev, r.Gap),
				amount, rate, text(r.Required))
		}
	}
}

func (x *workbook) units(c Circular) {
	x.newSheet(SheetUnits, []float64{20, 28, 10, 16, 10, 10, 12, 12}, "名次", "责任单位", "指标数", "达标或正常推进", "占比", "滞后", "逾期未达标", "逾期未报")
	line := func(rank cell, u UnitRank) {
		x.add(rank, text(u.Unit), number(float64(u.Total), "0"), number(float64(u.Good), "0"),
			number(u.GoodShare, percentFormat), number(float64(u.Lagging), "0"), number(float64(u.Missed), "0"), number(float64(u.Overdue), "0"))
	}
	for _, u := range c.Units {
		line(number(float64(u.Rank), "0"), u)
	}
	// Units leading fewer than MinRanked, then the 配合 counts: no rank.
	for _, u := range c.Unranked {
		line(text(fmt.Sprintf("不排名（牵头不足%d项）", c.MinRanked)), u)
	}
	for _, u := range c.Cooperating {
		line(text("配合"), u)
	}
}

func (x *workbook) detail(c Circular) {
	x.newSheet(SheetDetail, []float64{26, 40, 24, 22, 12, 10, 8, 14, 12, 12, 10, 14, 14, 22, 10, 12, 30},
		"任务", "指标", "责任单位", "目标", "目标值", "单位", "时限", "最新数据", "报告期", "完成进度", "进度比", "需年均变化量", "需年均变化率", "需年均变化说明", "信号灯", "状态", "说明")
	for _, t := range c.Tasks {
		for _, r := range t.Rows {
			ind, ev := *r.State.Indicator, r.State.Evaluation
			target := cell{}
			if ind.Kind != kpi.KindIncrease {
				target = optNumber(ev.Target, figureFormat(ind, ev.Target))
			}
			amount, rate := changeCells(ind, ev, ev.RequiredAnnualChange)
			x.add(text(t.Heading()), text(r.Name), text(r.LeadUnits), text(r.Target), target, text(ind.Unit),
				number(float64(ind.Deadline), "0"), optNumber(ev.Actual, figureFormat(ind, ev.Actual)), text(r.Period),
				optNumber(ev.ProgressRatio, percentFormat), optNumber(ev.PaceRatio, percentFormat),
				amount, rate, text(r.Required), text(r.LightWord), text(r.StatusWord), text(r.Reason))
		}
	}
}
