package ingest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// A workbook may carry explanations (情况说明) beside its figures, one row
// per indicator on the optional sheet ExplanationSheet. They are filed
// through the same Explainer calls as the API's POST …/explanations, so
// the same scope and bounds apply. Figures and explanations of one file
// are taken or refused together: every row of both sheets is checked
// first, and a problem in either refuses the file whole with nothing
// written; then the figures are stored and the explanations filed.

// ExplanationSheet is the name of the template's optional explanation sheet.
const ExplanationSheet = "情况说明"

// Explainer files explanations: supervision.Service.
type Explainer interface {
	// PrepareExplanation checks an explanation as Explain does (scope,
	// audited when refused, and bounds) without storing it.
	PrepareExplanation(ctx context.Context, ref kpi.Ref, in kpi.ExplanationInput, actor kpi.Actor) (kpi.Explanation, error)
	FileExplanation(ctx context.Context, e kpi.Explanation, actor kpi.Actor) (kpi.Explanation, error)
}

// explanationHeader is the sheet's header row: the data sheet's words for
// the indicator, then the API's fields.
var explanationHeader = []string{"计划", "指标编号", "指标名称", "说明单位", "原因", "措施", "预计完成时间", "预计可达数值"}

// explanationNote is the instruction row above the header.
const explanationNote = "选填：指标进展滞后时在此说明，每个指标一行，填写原因、措施、预计完成时间（如 2021-12-31），可填预计可达数值；只有牵头单位可以说明；“说明单位”仅在指标有多个牵头单位时由统计局或督查室填写。"

// Bounds of the sheet: rows with an explanation in them, and one cell (a
// reason of kpi.MaxExplanationReason characters, 4 bytes each at most,
// fits; a longer shared string is read only to the cap, which is still
// more characters than the API takes, so its row is refused with the
// API's words; a longer inline one stops the reading).
const (
	maxExplanationRows   = 500
	explanationCellBytes = 8 << 10
	// explanationsHeld is what the rows kept while the file is checked
	// may hold; charged to every XLSX submission.
	explanationsHeld = maxExplanationRows * (2*explanationCellBytes + 1024)
)

// explanation fields, as columns of the sheet.
const (
	exNone = iota
	exPlan
	exIndicator
	exName
	exUnit
	exReason
	exMeasures
	exExpectedBy
	exRevised
)

var explanationAliases = map[string]int{
	"计划": exPlan, "计划编号": exPlan, "plan": exPlan,
	"指标编号": exIndicator, "指标代码": exIndicator, "编号": exIndicator, "indicator": exIndicator,
	"指标名称": exName, "指标": exName, "name": exName,
	"说明单位": exUnit, "牵头单位": exUnit, "unit": exUnit,
	"原因": exReason, "滞后原因": exReason, "reason": exReason,
	"措施": exMeasures, "整改措施": exMeasures, "measures": exMeasures,
	"预计完成时间": exExpectedBy, "预计完成日期": exExpectedBy, "expected_by": exExpectedBy,
	"预计可达数值": exRevised, "预计数值": exRevised, "revised_figure": exRevised,
}

// explanationRow is one row of the sheet as read.
type explanationRow struct {
	line                                                               int
	plan, indicator, name, unit, reason, measures, expectedBy, revised string
}

// explanationColumns names the column letter of each field.
type explanationColumns [exRevised + 1]string

// readExplanations reads the sheet's rows with an explanation in them.
func readExplanations(u kpi.Upload, book *xlsxBook, s xlsxSheet, l limits) ([]explanationRow, *explanationColumns, []kpi.Problem) {
	l.maxCellBytes = min(l.maxCellBytes, explanationCellBytes)
	sr, err := book.sheet(s, l)
	if err != nil {
		return nil, nil, []kpi.Problem{xlsxProblem(u, s.name, 0, err)}
	}
	defer sr.close()
	var (
		fields []int
		cols   explanationColumns
		rows   []explanationRow
	)
	for {
		ok, err := sr.next()
		if err != nil {
			return nil, nil, []kpi.Problem{xlsxProblem(u, s.name, sr.row, err)}
		}
		if !ok {
			break
		}
		if fields == nil {
			// The header is the first row naming the required columns
			// (the template has an instruction row above it).
			if f, ok := explanationHeaderOf(sr.cells); ok {
				fields = f
				for col, fl := range fields {
					if fl != exNone {
						cols[fl], _ = excelize.ColumnNumberToName(col + 1)
					}
				}
				sr.keep = func(col int) bool { return col < len(fields) && fields[col] != exNone }
			}
			continue
		}
		r := explanationRow{line: sr.row}
		for _, c := range sr.cells {
			v := strings.TrimSpace(c.value)
			switch fields[c.col] {
			case exPlan:
				r.plan = v
			case exIndicator:
				r.indicator = v
			case exName:
				r.name = v
			case exUnit:
				r.unit = v
			case exReason:
				r.reason = v
			case exMeasures:
				r.measures = v
			case exExpectedBy:
				r.expectedBy = expectedDay(v, book.date1904)
			case exRevised:
				r.revised = v
			}
		}
		// The indicator columns alone are not an explanation.
		if r.reason == "" && r.measures == "" && r.expectedBy == "" && r.revised == "" {
			continue
		}
		if len(rows) == maxExplanationRows {
			return nil, nil, []kpi.Problem{{File: u.Name, Sheet: s.name, Row: sr.row,
				Message: fmt.Sprintf("情况说明超过 %d 行的上限，请分成几个文件提交\nmore than %d explanations: split the file", maxExplanationRows, maxExplanationRows)}}
		}
		rows = append(rows, r)
	}
	if fields == nil && sr.row > 0 {
		return nil, nil, []kpi.Problem{{File: u.Name, Sheet: s.name, Expected: strings.Join(explanationHeader, "、"),
			Message: "情况说明表缺少表头（指标编号或指标名称、原因、措施、预计完成时间）\nthe 情况说明 sheet has no header row"}}
	}
	return rows, &cols, nil
}

// explanationHeaderOf maps a row's cells to fields when it is the header.
func explanationHeaderOf(cells []xlsxCell) ([]int, bool) {
	width := 0
	for _, c := range cells {
		width = max(width, c.col+1)
	}
	fields := make([]int, width)
	seen := map[int]bool{}
	for _, c := range cells {
		f := explanationAliases[headerKey(c.value)]
		if !seen[f] {
			fields[c.col] = f
		}
		seen[f] = true
	}
	ok := (seen[exIndicator] || seen[exName]) && seen[exReason] && seen[exMeasures] && seen[exExpectedBy]
	return fields, ok
}

// expectedDay reads a date as the API wants it (2021-12-31): Excel turns a
// typed date into a serial, and people write 2021/12/31 or 2021年12月31日.
func expectedDay(v string, date1904 bool) string {
	if n, err := strconv.Atoi(v); err == nil && n >= 36526 && n <= 73415 { // 2000-01-01 … 2100-12-31
		if t, err := excelize.ExcelDateToTime(float64(n), date1904); err == nil {
			return t.Format("2006-01-02")
		}
	}
	parts := strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune("-/.年月日", r) })
	if len(parts) != 3 || len(v) > 40 {
		return v
	}
	var n [3]int
	for i, p := range parts {
		var err error
		if n[i], err = strconv.Atoi(p); err != nil {
			return v
		}
	}
	return fmt.Sprintf("%04d-%02d-%02d", n[0], n[1], n[2])
}

// checkExplanations checks the sheet's rows through ex, adding each row's
// problems to the checker's lists (a row for an indicator the submitter
// does not lead to the forbidden ones, as the API's 403), and keeps the
// explanations to file.
func (c *checker) checkExplanations(ctx context.Context, ex Explainer, rows []explanationRow, cols *explanationColumns) error {
	c.explRows = len(rows)
	seen := map[kpi.Ref]map[string]int{}
	for i := range rows {
		r := &rows[i]
		p := func(column, fld, value, expected, msg string) kpi.Problem {
			return kpi.Problem{File: c.u.Name, Sheet: ExplanationSheet, Row: r.line, Column: column, Field: fld,
				Indicator: r.indicator, Value: value, Expected: expected, Message: msg}
		}
		if ex == nil {
			c.invalid.Add(p("", "", "", "", "此提交方式不受理情况说明，请在网页或接口提交\nexplanations are not taken here: file them on the web page or the API"))
			continue
		}
		rw := row{Row: kpi.Row{Plan: r.plan, Indicator: r.indicator, Line: r.line, Sheet: ExplanationSheet},
			name: r.name, col: &columns{plan: cols[exPlan], indicator: cols[exIndicator], name: cols[exName]}}
		ind, column, ok := c.ix.resolve(&rw, func(column, fld, value, expected, msg string) {
			c.invalid.Add(p(column, fld, value, expected, msg))
		}, &c.suggested)
		if !ok {
			continue
		}
		in := kpi.ExplanationInput{Unit: r.unit, Reason: r.reason, Measures: r.measures, ExpectedBy: r.expectedBy}
		if r.revised != "" {
			// The number rule of a figure cell: "44,700" and "４３０００" read,
			// "1,5" (1.5 or 15?) refused.
			f, _, err := parseNumber(r.revised)
			if err != nil {
				c.invalid.Add(p(cols[exRevised], "revised_figure", kpi.ExcerptN(r.revised, 40), "数字\na number", "预计可达数值应为数字\nthe expected figure is not a number"))
				continue
			}
			in.RevisedFigure = &f
		}
		e, err := ex.PrepareExplanation(ctx, ind.Ref(), in, c.u.Actor)
		var ke *kpi.Error
		switch {
		case errors.As(err, &ke) && ke.Code == kpi.EFORBIDDEN:
			// The cell as written, and the service's words naming the indicator.
			q := p(column, "indicator", kpi.Excerpt(rw.indicatorText()), "本单位牵头的指标\nan indicator "+unitsText(c.u.Actor)+" leads", ke.Message)
			q.Indicator = ind.ID
			c.forbidden.Add(q)
			continue
		case errors.As(err, &ke) && ke.Code == kpi.EINVALID:
			if len(ke.Problems) == 0 {
				c.invalid.Add(p(cols[exUnit], "unit", r.unit, "", ke.Message))
			}
			for _, q := range ke.Problems {
				c.invalid.Add(p(cols[explanationField(q.Field)], q.Field, q.Value, q.Expected, q.Message))
			}
			continue
		case err != nil:
			return err
		}
		if first, dup := seen[e.Ref][e.Unit]; dup {
			c.invalid.Add(p(cols[exIndicator], "indicator", ind.ID, "每个指标每个单位一行\none row per indicator and unit",
				fmt.Sprintf("重复行：与第 %d 行的指标和说明单位相同\nduplicate of row %d", first, first)))
			continue
		}
		if seen[e.Ref] == nil {
			seen[e.Ref] = map[string]int{}
		}
		seen[e.Ref][e.Unit] = r.line
		c.expl = append(c.expl, e)
	}
	return nil
}

// explanationField is the column of an ExplanationInput field.
func explanationField(f string) int {
	switch f {
	case "reason":
		return exReason
	case "measures":
		return exMeasures
	case "expected_by":
		return exExpectedBy
	case "revised_figure":
		return exRevised
	case "unit":
		return exUnit
	}
	return exNone
}
