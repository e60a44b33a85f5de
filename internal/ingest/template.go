package ingest

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// TemplateSheet is the name of the template's data sheet.
const TemplateSheet = "报送数据"

// templateHeader is the template's header row. Columns the parser does not
// know (目标值, 截止年份, 责任单位, 频率) are shown for the submitter and
// ignored when the file comes back.
var templateHeader = []string{"计划", "指标编号", "指标名称", "单位", "目标值", "截止年份", "责任单位", "报告期", "实际值", "备注"}

// WriteTemplate writes the XLSX template for the store's current catalog.
func (ing *Ingester) WriteTemplate(ctx context.Context, w io.Writer) error {
	cat, err := ing.store.Catalog(ctx)
	if err != nil {
		return fmt.Errorf("template: read catalog: %w", err)
	}
	return WriteTemplate(w, cat)
}

// WriteTemplate writes an XLSX listing every indicator of cat with empty
// 报告期, 实际值 and 备注 columns; filled in, it parses back as it is.
func WriteTemplate(w io.Writer, cat kpi.Catalog) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", TemplateSheet); err != nil {
		return err
	}
	headStyle, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true, Color: "FFFFFF"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1F4E79"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"},
	})
	if err != nil {
		return err
	}
	inputStyle, err := f.NewStyle(&excelize.Style{
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}},
		Border: []excelize.Border{{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1}},
	})
	if err != nil {
		return err
	}
	// The period column is text, so Excel keeps 2021-06 as typed instead
	// of turning it into a date.
	periodStyle, err := f.NewStyle(&excelize.Style{
		NumFmt: 49, // @ (text)
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}},
		Border: []excelize.Border{{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1}},
	})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(TemplateSheet)
	if err != nil {
		return err
	}
	for i, width := range []float64{20, 36, 40, 14, 10, 10, 24, 12, 12, 24} {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]any, len(templateHeader))
	for i, h := range templateHeader {
		head[i] = excelize.Cell{StyleID: headStyle, Value: h}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for i, ind := range cat.Indicators {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, []any{
			ind.Plan, ind.ID, ind.Name, ind.Unit, present.Target(ind, kpi.Evaluation{}), ind.Deadline, strings.Join(ind.LeadUnits, "、"),
			excelize.Cell{StyleID: periodStyle}, excelize.Cell{StyleID: inputStyle}, excelize.Cell{StyleID: inputStyle},
		}); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if err := writeExplanationSheet(f, headStyle, inputStyle); err != nil {
		return err
	}
	if err := writeInstructions(f); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

var instructions = []string{
	"填报说明",
	"How to fill in",
	"1. 在“报送数据”表中，为要报送的指标填写“报告期”和“实际值”，其余列请勿修改；不报送的行留空即可。",
	"   Fill in 报告期 (period) and 实际值 (value) for the indicators you report; leave other rows empty.",
	"2. 报告期写法：年度 2021 或 2021年；季度 2021-Q3 或 2021年第三季度；月度 2021-06 或 2021年6月。",
	"   Periods: 2021; 2021-Q3; 2021-06.",
	"3. 实际值填数字，可带千分位（44,700）；百分比指标填百分点（33 或 33% 均表示 33%）；定性指标填 1（完成）或 0（未完成），目标为“每年完成”的指标每年各报一次当年是否完成；以百分比计的里程碑填完成百分比（如 60）。",
	"   Values are numbers; percentages in percent points; milestones 1 (done) or 0, yearly lines (每年完成) once a year; percent milestones their completion percent.",
	"   “在现有基础上”压缩、倍增等指标，可补报计划开始前一年（基期）的数据作为基数。",
	"   For cuts and doubling from the present level, the year before the plan (the base year) may be reported as the base.",
	"4. 一个指标同一报告期只填一行。同一报告期再次报送不同数值，将作为修订保存，以最新为准。",
	"   One row per indicator and period; a new value for a period is kept as a revision, the newest counts.",
	"5. 文件有任何错误将整份退回，不写入任何数据，并逐行说明问题（工作表、行、列）。",
	"   A file with any problem is rejected whole, with every problem listed by sheet, row and column.",
	"6. 提交方式：在网页“报送数据”上传，或放入统计局共享收件箱文件夹。",
	"   Submit on the web page (报送数据) or drop the file into the inbox folder.",
	"7. 选填“情况说明”表：牵头单位可为滞后指标说明原因、措施和预计完成时间，与数据一并审核，有任何问题整份退回。",
	"   Optional sheet 情况说明: a lead unit's explanations, checked with the figures; any problem rejects the file whole.",
}

// writeExplanationSheet adds the optional 情况说明 sheet: an instruction
// row, the header and a few input rows.
func writeExplanationSheet(f *excelize.File, headStyle, inputStyle int) error {
	const sheet = ExplanationSheet
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	for i, width := range []float64{20, 14, 36, 16, 40, 40, 14, 14} {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, width); err != nil {
			return err
		}
	}
	if err := f.SetCellValue(sheet, "A1", explanationNote); err != nil {
		return err
	}
	if err := f.MergeCell(sheet, "A1", "H1"); err != nil {
		return err
	}
	head := make([]any, len(explanationHeader))
	for i, h := range explanationHeader {
		head[i] = h
	}
	if err := f.SetSheetRow(sheet, "A2", &head); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A2", "H2", headStyle); err != nil {
		return err
	}
	// The date column is text, so 2021-12-31 stays as typed.
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 49, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}}})
	if err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A3", "H22", inputStyle); err != nil {
		return err
	}
	return f.SetCellStyle(sheet, "G3", "G22", dateStyle)
}

func writeInstructions(f *excelize.File) error {
	const sheet = "说明"
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	if err := f.SetColWidth(sheet, "A", "A", 110); err != nil {
		return err
	}
	for i, line := range instructions {
		if err := f.SetCellValue(sheet, "A"+strconv.Itoa(i+1), line); err != nil {
			return err
		}
	}
	return nil
}
