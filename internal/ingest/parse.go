package ingest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Formats a submission may come in.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
	FormatJSON = "json"
)

// row is one submitted figure with where each field was found.
type row struct {
	kpi.Row
	name string // 指标名称 column, used when the id column is empty
	col  *columns
}

// columns names the column each field comes from: a letter for XLSX, the
// header for CSV, the field name for JSON. One per file, shared by its
// rows, which keeps a million-row submission small.
type columns struct {
	indicator, name, period, value, unit, plan, note, confirm string
}

// field is what a column means.
type field int

const (
	fieldNone field = iota
	fieldIndicator
	fieldName
	fieldPlan
	fieldPeriod
	fieldValue
	fieldUnit
	fieldNote
	fieldConfirm
	fieldPeriodColumn // wide layout: a column per period, its header the period
)

// headerAliases maps a header, lower-cased and without spaces, to its field.
var headerAliases = map[string]field{
	"指标编号": fieldIndicator, "指标代码": fieldIndicator, "指标id": fieldIndicator, "编号": fieldIndicator,
	"indicator": fieldIndicator, "indicator_id": fieldIndicator, "id": fieldIndicator,
	"指标名称": fieldName, "指标": fieldName, "name": fieldName, "indicator_name": fieldName,
	"计划": fieldPlan, "计划编号": fieldPlan, "plan": fieldPlan,
	"报告期": fieldPeriod, "期间": fieldPeriod, "时期": fieldPeriod, "年份": fieldPeriod, "年度": fieldPeriod, "统计期": fieldPeriod,
	"统计时期": fieldPeriod, "period": fieldPeriod,
	"实际值": fieldValue, "数值": fieldValue, "完成值": fieldValue, "实际完成": fieldValue, "实际完成值": fieldValue, "完成数": fieldValue,
	"本期数": fieldValue, "本期值": fieldValue, "value": fieldValue, "actual": fieldValue,
	"单位": fieldUnit, "计量单位": fieldUnit, "unit": fieldUnit,
	"备注": fieldNote, "说明": fieldNote, "note": fieldNote,
	"确认": fieldConfirm, "核实": fieldConfirm, "confirm": fieldConfirm,
}

// The accepted header row, in Chinese and in English.
const (
	acceptedHeadersZh = "指标编号 或 指标名称, 报告期, 实际值 (可选: 计划, 单位, 备注)"
	acceptedHeadersEn = "indicator or name, period, value (optional: plan, unit, note)"
	acceptedHeaders   = acceptedHeadersZh + "\n" + acceptedHeadersEn
)

// header maps column positions to fields.
type header struct {
	fields []field
	labels []string // column label per position for problems
	cols   *columns
	// dates says how to read a date serial in the period column (XLSX
	// only): nil for CSV.
	dates *dateSystem
	// wide lists the period columns of a wide table (指标名称, 2019年,
	// 2020年, 2021年 …: a figure per cell), nil for one figure a row.
	wide []periodColumn
}

// periodColumn is a column of a wide table: where it is, the period its
// header names and the columns its figures' problems point to.
type periodColumn struct {
	pos    int
	period string
	cols   *columns
}

// dateSystem is a workbook's date epoch.
type dateSystem struct{ date1904 bool }

// headerKey is a header cell as the alias tables spell it: normalised,
// without spaces, in lower case.
func headerKey(c string) string {
	return strings.ToLower(strings.ReplaceAll(normalise(c), " ", ""))
}

func parseHeader(cells []string, xlsx bool) (header, bool) {
	h := header{fields: make([]field, len(cells)), labels: make([]string, len(cells))}
	seen := map[field]bool{}
	for i, c := range cells {
		f := headerAliases[headerKey(c)]
		if seen[f] {
			f = fieldNone // a second column of the same meaning is ignored
		}
		seen[f] = true
		h.fields[i] = f
		if xlsx {
			h.labels[i], _ = excelize.ColumnNumberToName(i + 1)
		} else {
			h.labels[i] = strings.TrimSpace(c)
		}
	}
	h.cols = &columns{}
	for i, f := range h.fields {
		switch f {
		case fieldIndicator:
			h.cols.indicator = h.labels[i]
		case fieldName:
			h.cols.name = h.labels[i]
		case fieldPeriod:
			h.cols.period = h.labels[i]
		case fieldValue:
			h.cols.value = h.labels[i]
		case fieldUnit:
			h.cols.unit = h.labels[i]
		case fieldPlan:
			h.cols.plan = h.labels[i]
		case fieldNote:
			h.cols.note = h.labels[i]
		case fieldConfirm:
			h.cols.confirm = h.labels[i]
		}
	}
	ok := (seen[fieldIndicator] || seen[fieldName]) && seen[fieldPeriod] && seen[fieldValue]
	if !ok && (seen[fieldIndicator] || seen[fieldName]) && !seen[fieldPeriod] && !seen[fieldValue] {
		h.wideColumns(cells)
		ok = len(h.wide) > 0
	}
	return h, ok
}

// wideColumns finds the columns of a wide table: those whose header is a
// period (2021, 2021年, 2021-Q3, 2021年6月 …).
func (h *header) wideColumns(cells []string) {
	for i, c := range cells {
		if h.fields[i] != fieldNone {
			continue
		}
		if _, err := ParsePeriod(normalise(c)); err != nil {
			continue
		}
		cols := *h.cols
		cols.period, cols.value = h.labels[i], h.labels[i]
		h.fields[i] = fieldPeriodColumn
		h.wide = append(h.wide, periodColumn{pos: i, period: strings.TrimSpace(c), cols: &cols})
	}
}

// figures hands emit the row's figures: the row itself, or in a wide
// table one per period cell filled in. It returns how many.
func (h header) figures(cells []string, line int, sheet string, emit func(row)) int {
	r, ok := h.row(cells, line, sheet)
	if totalRow(r) {
		return 0
	}
	if len(h.wide) == 0 {
		if ok {
			emit(r)
			return 1
		}
		return 0
	}
	n := 0
	for _, w := range h.wide {
		if w.pos >= len(cells) || strings.TrimSpace(cells[w.pos]) == "" {
			continue
		}
		f := r
		f.Period, f.Value, f.col = h.dates.period(w.period), strings.TrimSpace(cells[w.pos]), w.cols
		emit(f)
		n++
	}
	return n
}

// row turns cells into a row; it reports false for a row with no figure in it.
func (h header) row(cells []string, line int, sheet string) (row, bool) {
	r := row{Row: kpi.Row{Line: line, Sheet: sheet}, col: h.cols}
	any := false
	for i, c := range cells {
		if i >= len(h.fields) {
			break
		}
		if h.fields[i] == fieldNone {
			continue
		}
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		switch h.fields[i] {
		case fieldIndicator:
			r.Indicator = c
		case fieldName:
			r.name = c
		case fieldPlan:
			r.Plan = c
		case fieldPeriod:
			r.Period = h.dates.period(c)
		case fieldValue:
			r.Value = c
		case fieldUnit:
			r.Unit = c
		case fieldNote:
			r.Note = c
		case fieldConfirm:
			r.Confirm = kpi.ParseConfirm(c)
		}
		any = true
	}
	// A row with neither period nor value is not a figure: the template
	// lists every indicator and a unit fills in only its own rows.
	if r.Period == "" && r.Value == "" {
		return r, false
	}
	return r, any
}

// spilled is a CSV row's value as it was typed when the row has more
// cells than the header: an unquoted comma in a number (1,5 or 44,700)
// splits it into the next cells, so the value is read again from its
// column to the end of the line and the comma rules judge it (44,700 is
// 44700; 1,5 is refused with advice) instead of its first part being
// stored.
func (h header) spilled(cells []string, value string, comma rune) string {
	if len(cells) <= len(h.fields) || blank(cells[len(h.fields):]) {
		return value
	}
	for i, f := range h.fields {
		if f == fieldValue {
			return strings.TrimSpace(strings.Join(cells[i:], string(comma)))
		}
	}
	return value
}

// period turns a date serial into its date, 2021-12-31: Excel stores a
// month typed as 2021-06 or 2021年6月 as a date (its first day), and shows
// some date formats (the Chinese built-in ones) only as the serial. The day
// is kept: a year-end date is the year of an annual indicator (PeriodFor).
// Anything else is kept.
func (d *dateSystem) period(c string) string {
	// 32874 is 1990-01-01 and 73051 2100-01-01: serials of plausible
	// periods, and no year or yyyymm a person types.
	if d == nil || len(c) != 5 || !isDigits(c) || c < "32874" || c > "73051" {
		return c
	}
	serial, _ := strconv.Atoi(c)
	t, err := excelize.ExcelDateToTime(float64(serial), d.date1904)
	if err != nil {
		return c
	}
	return t.Format("2006-01-02")
}

// detectFormat decides a submission's format: a ZIP body is an XLSX
// whatever the declared type or name (curl -H 'Content-Type: text/csv' on a
// workbook, a .csv that is a renamed .xlsx); otherwise the content type,
// then the name, then the first bytes.
func detectFormat(u kpi.Upload) string {
	if bytes.HasPrefix(u.Body, []byte("PK\x03\x04")) {
		return FormatXLSX
	}
	ct := strings.ToLower(u.ContentType)
	switch {
	case strings.Contains(ct, "spreadsheetml"):
		return FormatXLSX
	case strings.Contains(ct, "ms-excel"):
		// Browsers on Windows with Excel installed send this for CSV files too.
		return FormatCSV
	case strings.Contains(ct, "json"):
		return FormatJSON
	case strings.Contains(ct, "csv"):
		return FormatCSV
	}
	switch strings.ToLower(filepath.Ext(u.Name)) {
	case ".xlsx", ".xlsm":
		return FormatXLSX
	case ".json":
		return FormatJSON
	case ".csv", ".txt":
		return FormatCSV
	}
	b := bytes.TrimLeft(bytes.TrimPrefix(u.Body, utf8BOM), " \t\r\n")
	if bytes.HasPrefix(b, []byte("[")) || bytes.HasPrefix(b, []byte("{")) {
		return FormatJSON
	}
	return FormatCSV
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// errFormat is a whole-file problem (unreadable, no header …).
func fileProblem(u kpi.Upload, sheet, msg string) kpi.Problem {
	return kpi.Problem{File: u.Name, Sheet: sheet, Message: msg}
}

// parse reads a submission and hands each row to emit as it is read (a
// row is not kept after emit returns), or returns whole-file problems.
// Rows are counted against the row limit as they come.
// A workbook's 情况说明 rows go to ex.
func parse(u kpi.Upload, l limits, emit func(*row), ex *explanationSet) []kpi.Problem {
	l = l.withDefaults()
	if msg := unreadableKind(u.Body); msg != "" {
		return []kpi.Problem{fileProblem(u, "", msg)}
	}
	switch detectFormat(u) {
	case FormatXLSX:
		return parseWorkbook(u, l, emit, ex)
	case FormatJSON:
		return parseJSON(u, l, emit)
	}
	return parseCSV(u, l, emit)
}

// ole2Magic starts a Compound File: Excel 97–2003 (.xls), WPS 表格 (.et)
// and any workbook saved with an open password, .xlsx included.
var ole2Magic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// unreadableKind says what a file kpimon cannot read is and how to make it
// one it can, or "" for anything that may be a CSV, XLSX or JSON: a
// binary file read as CSV would only be quoted back as mojibake under
// "missing header".
func unreadableKind(b []byte) string {
	head := b[:min(len(b), 4096)]
	switch {
	case bytes.HasPrefix(head, ole2Magic):
		return "这是旧版 Excel（.xls）、WPS 表格（.et）或设置了打开密码的工作簿，无法读取：请在 Excel 或 WPS 中取消密码，“另存为” Excel 工作簿（.xlsx）后重新提交\n" +
			"an Excel 97–2003 (.xls), WPS (.et) or password-protected workbook cannot be read: remove the password and save it as an Excel workbook (.xlsx)"
	case looksLikeHTML(head):
		return "这是网页（HTML），不是表格文件：拉取地址可能指向了登录页或错误页，请核对地址和访问令牌；上传请选择填好的 XLSX 报送模板或 CSV 文件\n" +
			"a web page (HTML), not a spreadsheet: a pulled address may lead to a sign-in or error page (check the address and its token); to upload, choose the filled-in XLSX template or a CSV file"
	case bytes.HasPrefix(head, []byte("%PDF")):
		return "这是 PDF 文件，无法读取其中的数据：请提交填好的 XLSX 报送模板或 CSV 文件\n" +
			"a PDF cannot be read: submit the filled-in XLSX template or a CSV file"
	case !bytes.HasPrefix(head, []byte("PK\x03\x04")) && !bytes.HasPrefix(head, utf16LEBOM) && !bytes.HasPrefix(head, utf16BEBOM) &&
		bytes.IndexByte(head, 0) >= 0:
		return "不是表格文件（含二进制内容）：请提交填好的 XLSX 报送模板，或 UTF-8、GBK 编码的 CSV 文件\n" +
			"not a spreadsheet (binary content): submit the filled-in XLSX template or a CSV file in UTF-8 or GBK"
	}
	return ""
}

// looksLikeHTML reports whether a body starts (after a BOM and blanks) as
// an HTML page does.
func looksLikeHTML(head []byte) bool {
	b := bytes.ToLower(bytes.TrimLeft(bytes.TrimPrefix(head, utf8BOM), " \t\r\n"))
	for _, p := range []string{"<!doctype html", "<html", "<head", "<body"} {
		if bytes.HasPrefix(b, []byte(p)) {
			return true
		}
	}
	return false
}

// decodeText returns the body as UTF-8: UTF-8 with or without BOM as it is,
// UTF-16 with its BOM (Excel's "Unicode text" and WPS's 文本文件(Unicode)
// save that, tab-separated) decoded, anything else read as GB18030 (a
// superset of GBK, what Excel on Chinese Windows saves as CSV).
func decodeText(b []byte) ([]byte, error) {
	b = bytes.TrimPrefix(b, utf8BOM)
	if bytes.HasPrefix(b, utf16LEBOM) || bytes.HasPrefix(b, utf16BEBOM) {
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(b)
	}
	if utf8.Valid(b) {
		return b, nil
	}
	// Into one buffer of the size GBK's text takes in UTF-8 (two bytes a
	// character become three): Bytes would start at the input's size and
	// double, allocating three times a large file.
	out, _, err := transform.Append(simplifiedchinese.GB18030.NewDecoder(), make([]byte, 0, len(b)+len(b)/2+utf8.UTFMax), b)
	return out, err
}

var (
	utf16LEBOM = []byte{0xFF, 0xFE}
	utf16BEBOM = []byte{0xFE, 0xFF}
)

// separator is the one of comma, semicolon and tab that the start of the
// text holds most of: a European Excel saves CSV with semicolons, Excel's
// and WPS's Unicode text with tabs. A tie keeps the comma.
func separator(text []byte) rune {
	head := text[:min(len(text), 4096)]
	comma, best := ',', bytes.Count(head, []byte{','})
	for _, c := range []rune{';', '\t'} {
		if n := bytes.Count(head, []byte{byte(c)}); n > best {
			comma, best = c, n
		}
	}
	return comma
}

func parseCSV(u kpi.Upload, l limits, emit func(*row)) []kpi.Problem {
	l = l.withDefaults()
	maxRows := l.maxRows
	text, err := decodeText(u.Body)
	if err != nil {
		return []kpi.Problem{fileProblem(u, "", "文件编码无法识别，请另存为 UTF-8 或 GBK 的 CSV\ncannot decode the file: save it as CSV in UTF-8 or GBK")}
	}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	cr.Comma = separator(text)
	var (
		h      header
		found  bool
		n      int
		titles titleRows
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return []kpi.Problem{{File: u.Name, Row: line, Message: "CSV 格式错误\nmalformed CSV: " + err.Error()}}
		}
		if p, ok := longCell(u, "", line, rec, l); !ok {
			return []kpi.Problem{p}
		}
		if !found {
			if blank(rec) {
				continue
			}
			if h, found = titles.header(rec, false); !found {
				if p := titles.skip(kpi.Problem{File: u.Name, Row: line, Value: headerExcerpt(rec), Expected: acceptedHeaders,
					Message: "缺少必需的表头\nmissing required header columns"}); p != nil {
					return []kpi.Problem{*p}
				}
			}
			continue
		}
		h.figures(rec, line, "", func(r row) {
			if n++; n <= maxRows {
				if len(h.wide) == 0 {
					r.Value = h.spilled(rec, r.Value, cr.Comma)
				}
				emit(&r)
			}
		})
		if n > maxRows {
			return []kpi.Problem{tooMany(u, maxRows)}
		}
	}
	if p := titles.first; !found && p != nil {
		return []kpi.Problem{*p}
	}
	if !found {
		return []kpi.Problem{fileProblem(u, "", "文件为空：应有表头行（"+acceptedHeadersZh+"）和数据\nthe file is empty: expected a header row ("+acceptedHeadersEn+") and figures")}
	}
	return nil
}

// maxTitleRows is how many non-blank rows may stand above the header: a
// sheet's title (雁峰区2021年指标数据报送表), 填报单位, 填报日期 — the way
// district offices lay out a table.
const maxTitleRows = 5

// titleRows counts the rows read above the header and keeps the first
// one's problem, which is the file's if no header follows.
type titleRows struct {
	n     int
	first *kpi.Problem
	above []string // the row above, for a header split over two rows
}

// header reads cells as the header row, else as the lower row of a header
// split over two (实际完成情况 merged above 2019年, 2020年 …; 指标名称
// merged down): its blank cells take the row above's. A row that is no
// header becomes the row above.
func (t *titleRows) header(cells []string, xlsx bool) (header, bool) {
	if h, ok := parseHeader(cells, xlsx); ok {
		return h, true
	}
	if t.above != nil {
		joined := make([]string, max(len(cells), len(t.above)))
		copy(joined, t.above)
		for i, c := range cells {
			if strings.TrimSpace(c) != "" {
				joined[i] = c
			}
		}
		if h, ok := parseHeader(joined, xlsx); ok {
			return h, true
		}
	}
	t.above = slices.Clone(cells)
	return header{}, false
}

// skip takes a row that is not the header as a title row, or returns the
// first such row's problem once there are more than maxTitleRows.
func (t *titleRows) skip(p kpi.Problem) *kpi.Problem {
	if t.first == nil {
		t.first = &p
	}
	if t.n++; t.n > maxTitleRows {
		return t.first
	}
	return nil
}

// totalRow reports a table's 合计, 总计 or 小计 row: a sum of the rows
// above, not an indicator, which a person handing the table in would not
// count as a figure either.
func totalRow(r row) bool {
	name := r.Indicator
	if name == "" {
		name = r.name
	}
	switch strings.ReplaceAll(normalise(name), " ", "") {
	case "合计", "总计", "小计":
		return true
	}
	return false
}

// headerExcerpt quotes the start of a row that is not a header.
func headerExcerpt(cells []string) string {
	var b strings.Builder
	for i, c := range cells {
		if b.Len() > 4*kpi.MaxExcerptRunes {
			break
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(kpi.ExcerptN(c, kpi.MaxExcerptRunes))
	}
	return b.String()
}

func tooMany(u kpi.Upload, maxRows int) kpi.Problem {
	return kpi.Problem{File: u.Name, Message: fmt.Sprintf("行数超过上限 %d\nmore than %d rows: split the file", maxRows, maxRows)}
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// explanationSet is what a workbook's 情况说明 sheet holds.
type explanationSet struct {
	rows []explanationRow
	cols *explanationColumns
}

func parseWorkbook(u kpi.Upload, l limits, emit func(*row), ex *explanationSet) []kpi.Problem {
	l = l.withDefaults()
	err := l.checked
	if !l.precheck {
		err = checkXLSX(u.Body, l)
	}
	if err != nil {
		return []kpi.Problem{fileProblem(u, "", limitAdvice(err, "请删去无关的工作表、行或内容后重新提交", "remove unrelated sheets, rows or content and submit again"))}
	}
	book, err := openXLSX(u.Body, l.tempDir, l)
	if err != nil {
		return []kpi.Problem{xlsxProblem(u, "", 0, err)}
	}
	defer book.close()
	sheet, explanations, problems := pickSheets(u, book)
	if problems != nil {
		return problems
	}
	if explanations.part != "" && ex != nil {
		if ex.rows, ex.cols, problems = readExplanations(u, book, explanations, l); problems != nil {
			return problems
		}
		if sheet.part == "" { // a workbook of explanations only
			return nil
		}
	}
	problems, noHeader := readFigureSheet(u, book, sheet, l, emit)
	if !noHeader || u.Sheet != "" {
		return problems
	}
	// Unnamed, the figures may be on a later sheet than the first (封面 or
	// 填报说明 first, an empty Sheet1): the first visible sheet with a
	// header is read; with none, the first sheet's problem stands.
	for _, other := range book.sheets {
		if other.part == sheet.part || other.part == explanations.part || other.hidden {
			continue
		}
		if later, noHeader := readFigureSheet(u, book, other, l, emit); !noHeader {
			return later
		}
	}
	return problems
}

// pickSheets finds the sheet of figures (u.Sheet, else the first) and the
// 情况说明 sheet; a problem when there is no sheet or no sheet u.Sheet.
func pickSheets(u kpi.Upload, book *xlsxBook) (sheet, explanations xlsxSheet, problems []kpi.Problem) {
	var names []string
	for _, s := range book.sheets {
		if s.name == ExplanationSheet && s.name != u.Sheet {
			explanations = s
			continue
		}
		// Unnamed, the figures are on the first sheet the submitter sees
		// (a hidden one holds lookup lists), else the first one.
		if u.Sheet != "" && s.name == u.Sheet || u.Sheet == "" && (sheet.part == "" || sheet.hidden && !s.hidden) {
			sheet = s
		}
		if len(names) < 20 {
			names = append(names, s.name)
		}
	}
	switch {
	case len(book.sheets) == 0:
		problems = []kpi.Problem{fileProblem(u, "", "工作簿没有工作表\nthe workbook has no sheet")}
	case sheet.part == "" && u.Sheet != "":
		problems = []kpi.Problem{{File: u.Name, Sheet: u.Sheet, Value: u.Sheet, Expected: strings.Join(names, ", "),
			Message: "找不到工作表\nno such sheet"}}
	}
	return sheet, explanations, problems
}

// readFigureSheet reads the sheet of figures: blank rows, then the header
// row, then a row per figure (at most l.maxRows), each passed to emit.
// noHeader says the sheet was empty or had no header, and nothing was
// emitted: another sheet may hold the figures.
func readFigureSheet(u kpi.Upload, book *xlsxBook, sheet xlsxSheet, l limits, emit func(*row)) (problems []kpi.Problem, noHeader bool) {
	sr, err := book.sheet(sheet, l)
	if err != nil {
		return []kpi.Problem{xlsxProblem(u, sheet.name, 0, err)}, false
	}
	defer sr.close()
	var (
		h      header
		found  bool
		n      int
		cells  []string
		titles titleRows
	)
	for {
		ok, err := sr.next()
		if err != nil {
			return []kpi.Problem{xlsxProblem(u, sheet.name, sr.row, err)}, false
		}
		if !ok {
			break
		}
		if !found {
			if !sr.nonBlnk {
				continue
			}
			var problem *kpi.Problem
			if h, problem = sheetHeader(u, sheet, sr, book, &titles); problem != nil {
				if p := titles.skip(*problem); p != nil {
					return []kpi.Problem{*p}, true
				}
				continue
			}
			found, cells = true, make([]string, len(h.fields))
			continue
		}
		if len(sr.cells) == 0 {
			continue
		}
		clear(cells)
		for _, c := range sr.cells {
			cells[c.col] = c.value
		}
		h.figures(cells, sr.row, sheet.name, func(r row) {
			if n++; n <= l.maxRows {
				emit(&r)
			}
		})
		if n > l.maxRows {
			return []kpi.Problem{tooMany(u, l.maxRows)}, false
		}
	}
	if p := titles.first; !found && p != nil {
		return []kpi.Problem{*p}, true
	}
	if !found {
		return []kpi.Problem{fileProblem(u, sheet.name, "工作表为空：应有表头行（"+acceptedHeadersZh+"）和数据\nthe sheet is empty: expected a header row ("+acceptedHeadersEn+") and figures")}, true
	}
	return nil, false
}

// sheetHeader reads the header from sr's current row (its first non-blank
// one) and has sr keep only the header's columns from then on.
func sheetHeader(u kpi.Upload, sheet xlsxSheet, sr *sheetReader, book *xlsxBook, titles *titleRows) (header, *kpi.Problem) {
	width := 0
	for _, c := range sr.cells {
		width = max(width, c.col+1)
	}
	cells := make([]string, width)
	for _, c := range sr.cells {
		cells[c.col] = c.value
	}
	h, found := titles.header(cells, true)
	if !found {
		return h, &kpi.Problem{File: u.Name, Sheet: sheet.name, Row: sr.row, Value: headerExcerpt(cells), Expected: acceptedHeaders,
			Message: "缺少必需的表头\nmissing required header columns"}
	}
	h.dates = &dateSystem{date1904: book.date1904}
	sr.keep = func(col int) bool { return col < len(h.fields) && h.fields[col] != fieldNone }
	return h, nil
}

// xlsxProblem turns a reading error into a problem: a limit names itself,
// anything else says the file is not a workbook kpimon can read.
func xlsxProblem(u kpi.Upload, sheet string, line int, err error) kpi.Problem {
	var le *limitError
	switch {
	case errors.As(err, &le):
		return kpi.Problem{File: u.Name, Sheet: sheet, Row: line,
			Message: limitAdvice(err, "请删去无关的工作表、行或内容后重新提交", "remove unrelated sheets, rows or content and submit again")}
	case line > 0:
		return kpi.Problem{File: u.Name, Sheet: sheet, Row: line, Message: "无法读取行\ncannot read the row: " + kpi.ExcerptN(err.Error(), 200)}
	}
	return kpi.Problem{File: u.Name, Sheet: sheet, Message: "不是有效的 XLSX 文件（可能不完整或已损坏）：请在 Excel 或 WPS 中打开，另存为 Excel 工作簿（.xlsx）后重新提交\nnot a valid XLSX file (incomplete or damaged): open it in Excel or WPS and save it as .xlsx"}
}

func parseJSON(u kpi.Upload, l limits, emit func(*row)) []kpi.Problem {
	l = l.withDefaults()
	cols := jsonColumns()
	n := 0
	var long []kpi.Problem
	err := kpi.EachRow(bytes.NewReader(bytes.TrimPrefix(u.Body, utf8BOM)), l.maxRows, func(r kpi.Row) {
		n++
		r.Line = n
		rw := row{Row: r, col: cols}
		if long == nil {
			long = longFields(&rw, u, l)
		}
		if long == nil {
			emit(&rw)
		}
	})
	switch {
	case errors.Is(err, kpi.ErrTooManyRows):
		return []kpi.Problem{tooMany(u, l.maxRows)}
	case err != nil:
		return []kpi.Problem{fileProblem(u, "", "JSON 格式错误\nmalformed JSON: want an array of {indicator, period, value} or {\"rows\": [...]}: "+kpi.ExcerptN(err.Error(), 200))}
	}
	return long
}

// jsonColumns names the fields of JSON rows as their columns.
func jsonColumns() *columns {
	return &columns{indicator: "indicator", name: "name", period: "period", value: "value", unit: "unit", plan: "plan", note: "note"}
}
