package ingest

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// The XLSX reader: a workbook's parts read straight from the ZIP as
// streams, so what a submission costs in memory is the cells it keeps, not
// the strings or cells it declares. Nothing of a sheet is held but the row
// being read, and of that row only the columns the header maps; shared
// strings are looked up as cells need them (see sharedStrings).

// maxColumns is Excel's widest sheet (XFD): a row with more cells is not a
// sheet Excel wrote, and is refused before its cells are held.
const maxColumns = 16384

// headerCellBytes is how much of a cell before the header is kept: enough
// for any header name, and a sheet's first rows cannot be made to hold
// 16,384 cells of 128 KiB each.
const headerCellBytes = 64

// xlsxBook is an opened workbook: its sheets and what reading a cell needs.
type xlsxBook struct {
	files    map[string]*zip.File
	sheets   []xlsxSheet
	date1904 bool
	strings  *sharedStrings
	shown    []shownAs // per cell style (xf): how its number format shows a number
}

type xlsxSheet struct {
	name, part string
	hidden     bool // the submitter does not see it in Excel
}

func (b *xlsxBook) close() {
	if b.strings != nil {
		b.strings.close()
	}
}

var errNotXLSX = errors.New("not an XLSX workbook")

// openXLSX reads a workbook's structure: the sheets, the date system, the
// styles that show percentages and its shared strings.
func openXLSX(body []byte, tempDir string, l limits) (*xlsxBook, error) {
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return nil, errNotXLSX
	}
	b := &xlsxBook{files: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		b.files[strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/")] = f
	}
	workbook := "xl/workbook.xml"
	if rels, err := b.rels("_rels/.rels", "", l); err == nil {
		for _, r := range rels {
			if strings.HasSuffix(r.typ, "/officeDocument") {
				workbook = r.target
			}
		}
	}
	if b.files[workbook] == nil {
		return nil, errNotXLSX
	}
	rels, err := b.rels(path.Join(path.Dir(workbook), "_rels", path.Base(workbook)+".rels"), path.Dir(workbook), l)
	if err != nil {
		return nil, err
	}
	byID := map[string]string{}
	var sharedPart, stylesPart string
	for _, r := range rels {
		byID[r.id] = r.target
		switch {
		case strings.HasSuffix(r.typ, "/sharedStrings"):
			sharedPart = r.target
		case strings.HasSuffix(r.typ, "/styles"):
			stylesPart = r.target
		}
	}
	if err := b.readWorkbook(workbook, byID, l); err != nil {
		return nil, err
	}
	if f := b.files[stylesPart]; f != nil {
		if b.shown, err = readNumberStyles(f, l); err != nil {
			return nil, err
		}
	}
	b.strings = noStrings
	if f := b.files[sharedPart]; f != nil {
		if b.strings, err = readSharedStrings(f, tempDir, l); err != nil {
			return nil, err
		}
	}
	return b, nil
}

type xlsxRel struct{ id, typ, target string }

// rels reads a relationships part; targets are made paths in the ZIP.
func (b *xlsxBook) rels(name, dir string, l limits) ([]xlsxRel, error) {
	f := b.files[name]
	if f == nil {
		return nil, errNotXLSX
	}
	var rels []xlsxRel
	err := eachStart(f, l, func(t *xmlTokens) error {
		if !t.is("Relationship") {
			return nil
		}
		if mode, _ := t.attr("TargetMode"); string(mode) == "External" {
			return nil
		}
		id, _ := t.attr("Id")
		typ, _ := t.attr("Type")
		target, _ := t.attr("Target")
		tg := string(appendUnescaped(nil, target))
		if strings.HasPrefix(tg, "/") {
			tg = strings.TrimPrefix(tg, "/")
		} else {
			tg = path.Join(dir, tg)
		}
		rels = append(rels, xlsxRel{id: string(id), typ: string(typ), target: tg})
		if len(rels) > maxParts {
			return overLimit("XLSX 的关系条目过多", "the XLSX has too many relationships")
		}
		return nil
	})
	return rels, err
}

// maxParts bounds the sheets and relationships a workbook lists.
const maxParts = 10_000

func (b *xlsxBook) readWorkbook(name string, byID map[string]string, l limits) error {
	return eachStart(b.files[name], l, func(t *xmlTokens) error {
		switch {
		case t.is("workbookPr"):
			v, _ := t.attr("date1904")
			b.date1904 = string(v) == "1" || string(v) == "true"
		case t.is("sheet"):
			nm, _ := t.attr("name")
			id, _ := t.attr("id")
			state, _ := t.attr("state") // hidden, veryHidden
			b.sheets = append(b.sheets, xlsxSheet{name: string(appendUnescaped(nil, nm)), part: byID[string(id)], hidden: len(state) > 0 && string(state) != "visible"})
			if len(b.sheets) > maxParts {
				return overLimit("XLSX 的工作表过多", "the XLSX has too many sheets")
			}
		}
		return nil
	})
}

// shownAs is how a cell style shows a number, where the reader must read
// it as shown: a percentage (33% is stored 0.33) or a date's year alone
// (a date cell formatted yyyy"年" shows 2021年; its month is not meant).
type shownAs byte

const (
	shownPlain shownAs = iota
	shownPercent
	shownYear
)

// readNumberStyles reads which cell styles (cellXfs, by index) show a
// number as a percentage: Excel stores 33% as 0.33 in such a cell.
func readNumberStyles(f *zip.File, l limits) ([]shownAs, error) {
	custom := map[int]shownAs{}
	var shown []shownAs
	inXfs := false
	err := eachStart(f, l, func(t *xmlTokens) error {
		switch {
		case t.is("numFmt"):
			id, _ := t.attr("numFmtId")
			code, _ := t.attr("formatCode")
			n, err := strconv.Atoi(string(id))
			if err == nil && len(custom) < maxParts {
				custom[n] = numberFormat(string(appendUnescaped(nil, code)))
			}
		case t.is("cellXfs"):
			inXfs = true
		case t.is("cellStyleXfs"), t.is("dxfs"):
			inXfs = false
		case t.is("xf") && inXfs:
			id, _ := t.attr("numFmtId")
			n, _ := strconv.Atoi(string(id))
			as := custom[n]
			if n == 9 || n == 10 {
				as = shownPercent
			}
			shown = append(shown, as)
			if len(shown) > maxColumns*4 {
				return overLimit("XLSX 的单元格样式过多", "the XLSX has too many cell styles")
			}
		}
		return nil
	})
	return shown, err
}

// numberFormat says how a number format code shows a number: a
// percentage for a % outside quotes, escapes and [colour] brackets, a year
// for a date code with a year and no month, day or time (yyyy"年").
func numberFormat(code string) shownAs {
	var year, other bool
	quoted, bracket := false, false
	for i := 0; i < len(code); i++ {
		switch c := code[i]; {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\\':
			i++
		case c == '[':
			bracket = true
		case c == ']':
			bracket = false
		case bracket:
		case c == '%':
			return shownPercent
		case c == 'y' || c == 'Y':
			year = true
		case strings.IndexByte("mMdDhHsS", c) >= 0:
			other = true
		}
	}
	if year && !other {
		return shownYear
	}
	return shownPlain
}

// eachStart calls fn with each start tag of a small part.
func eachStart(f *zip.File, l limits, fn func(*xmlTokens) error) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("open %s: %w", f.Name, err)
	}
	defer rc.Close()
	t := newXMLTokens(rc, l.maxCellBytes)
	for {
		kind, err := t.next()
		if err != nil {
			return xmlError(f.Name, err, l)
		}
		if kind == tokEOF {
			return nil
		}
		if kind == tokStart {
			if err := fn(t); err != nil {
				return err
			}
		}
	}
}

func xmlError(part string, err error, l limits) error {
	switch {
	case errors.Is(err, errRunTooLong):
		return cellTooLong(l)
	case errors.Is(err, zip.ErrFormat), errors.Is(err, zip.ErrChecksum):
		return overLimit("XLSX 中的 %s 与其声明的大小或校验和不符（文件已损坏或被篡改）",
			"the XLSX part %s does not match its declared size or checksum (damaged or forged)", kpi.ExcerptN(part, 60))
	}
	var le *limitError
	if errors.As(err, &le) {
		return err
	}
	return fmt.Errorf("%s: %w", part, err)
}

// xlsxCell is one cell the reader kept.
type xlsxCell struct {
	col   int    // 0-based
	value string // as the parser wants it: numbers as text, percentages as 33%
}

// sheetReader streams a worksheet's rows.
type sheetReader struct {
	book *xlsxBook
	tok  *xmlTokens
	rc   io.ReadCloser
	l    limits
	part string

	// keep says which columns' values are wanted; nil keeps every column,
	// each cut to headerCellBytes (the rows before the header).
	keep func(col int) bool

	row     int // the sheet's row number of the row read last
	cells   []xlsxCell
	nonBlnk bool // the row has a non-blank cell, kept or not
	value   []byte
	done    bool
}

func (b *xlsxBook) sheet(s xlsxSheet, l limits) (*sheetReader, error) {
	f := b.files[s.part]
	if f == nil {
		return nil, errNotXLSX
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", f.Name, err)
	}
	return &sheetReader{book: b, rc: rc, tok: newXMLTokens(rc, l.maxCellBytes), l: l, part: s.part}, nil
}

func (r *sheetReader) close() { r.rc.Close() }

// next reads the next row element: its number (r.row), its kept cells and
// whether any cell is not blank. It returns false at the end of the sheet.
func (r *sheetReader) next() (bool, error) {
	if r.done {
		return false, nil
	}
	t := r.tok
	r.cells, r.nonBlnk = r.cells[:0], false
	inRow, count, col := false, 0, -1
	for {
		kind, err := t.next()
		if err != nil {
			return false, xmlError(r.part, err, r.l)
		}
		switch {
		case kind == tokEOF:
			r.done = true
			return inRow, nil
		case kind == tokStart && t.is("row"):
			inRow, count, col = true, 0, -1
			n := r.row + 1
			if v, ok := t.attr("r"); ok {
				if m, err := strconv.Atoi(string(v)); err == nil && m > r.row && m <= 1<<20 {
					n = m
				}
			}
			r.row = n
			if t.selfClose {
				t.next()
				return true, nil
			}
		case kind == tokEnd && t.is("row"):
			return true, nil
		case kind == tokEnd && t.is("sheetData"):
			r.done = true
			return inRow, nil
		case kind == tokStart && t.is("c") && inRow:
			if count++; count > maxColumns {
				return false, overLimit("第 %d 行超过 %d 个单元格的上限", "row %d has more than the limit of %d cells", r.row, maxColumns)
			}
			col++
			if ref, ok := t.attr("r"); ok {
				if c, ok := columnOf(ref); ok {
					col = c
				}
			}
			if col >= maxColumns {
				return false, overLimit("第 %d 行超过 %d 列的上限", "row %d has more than the limit of %d columns", r.row, maxColumns)
			}
			if err := r.cell(col); err != nil {
				return false, err
			}
		}
	}
}

// columnOf reads the column of a cell reference (B7 → 1).
func columnOf(ref []byte) (int, bool) {
	col, n := 0, 0
	for _, c := range ref {
		switch {
		case c >= 'A' && c <= 'Z':
			col = col*26 + int(c-'A'+1)
		case c >= 'a' && c <= 'z':
			col = col*26 + int(c-'a'+1)
		default:
			return col - 1, n > 0
		}
		if n++; n > 3 {
			return 0, false
		}
	}
	return col - 1, n > 0
}

// cell reads one <c> element (the tokenizer is on its start tag).
func (r *sheetReader) cell(col int) error {
	t := r.tok
	typ, _ := t.attr("t")
	typeName := string(typ)
	style := -1
	if s, ok := t.attr("s"); ok {
		style, _ = strconv.Atoi(string(s))
	}
	if t.selfClose {
		t.next()
		return nil
	}
	want := r.keep == nil || r.keep(col)
	r.value = r.value[:0]
	var in cellParts
	for {
		kind, err := t.next()
		if err != nil {
			return xmlError(r.part, err, r.l)
		}
		switch {
		case kind == tokEOF:
			return xmlError(r.part, io.ErrUnexpectedEOF, r.l)
		case kind == tokEnd && t.is("c"):
			if !in.any && in.formula {
				typeName, in.any = "str", true
				r.value = oneEquals(r.value)
			}
			if !in.any {
				return nil
			}
			return r.finishCell(col, typeName, style, want)
		case kind == tokText:
			// A formula's text until a value comes, a value, or an inline
			// string's text outside its phonetic runs.
			if in.inF && !in.any || in.inV || in.inT && typeName == "inlineStr" {
				r.value = t.appendText(r.value)
				if len(r.value) > r.l.maxCellBytes {
					return cellTooLong(r.l)
				}
			}
		case kind == tokStart:
			r.value = in.start(t, r.value)
		case kind == tokEnd:
			in.end(t)
		}
	}
}

// oneEquals is a formula's kept text with one leading '=': Excel stores
// formulas without it, some writers (excelize) with it.
func oneEquals(v []byte) []byte {
	if bytes.HasPrefix(v, []byte("==")) {
		return v[1:]
	}
	return v
}

// cellParts is where in a <c> element the reader is. A formula's text is
// kept (as =text) in case no computed value follows: a workbook written by
// a program and never opened in Excel or WPS has none, and the value check
// then says so.
type cellParts struct {
	inV, inT, phonetic bool
	any                bool // a value or a text element was seen
	inF, formula       bool
}

// start notes the start tag t is on; value is the cell's text so far,
// returned as it is to be kept.
func (in *cellParts) start(t *xmlTokens, value []byte) []byte {
	switch {
	case t.is("f"):
		in.inF, in.formula = !t.selfClose, true
		value = append(value[:0], '=')
	case t.is("v"):
		if !in.any {
			value = value[:0] // the formula's computed value follows
		}
		in.inV, in.any = true, true
	case t.is("rPh"):
		in.phonetic = true
	case t.is("t"):
		in.inT, in.any = !in.phonetic, true
	}
	return value
}

// end notes the end tag t is on.
func (in *cellParts) end(t *xmlTokens) {
	switch {
	case t.is("f"):
		in.inF = false
	case t.is("v"):
		in.inV = false
	case t.is("rPh"):
		in.phonetic = false
	case t.is("t"):
		in.inT = false
	}
}

func (r *sheetReader) finishCell(col int, typ string, style int, want bool) error {
	var (
		value string
		blank bool
	)
	switch typ {
	case "s":
		i, err := strconv.Atoi(string(bytes.TrimSpace(r.value)))
		if err != nil {
			return nil // not an index: an empty cell, as Excel reads it
		}
		limit := r.l.maxCellBytes
		if r.keep == nil {
			limit = headerCellBytes
		}
		if !want {
			_, _, blank, err = r.book.strings.bounds(i)
			if err != nil {
				return err
			}
			r.nonBlnk = r.nonBlnk || !blank
			return nil
		}
		if value, blank, err = r.book.strings.get(i, limit); err != nil {
			return err
		}
	case "inlineStr", "str", "e", "b":
		blank = isBlank(r.value)
		if want {
			value = string(r.value)
		}
	default: // a number (n), or a date stored as text (d)
		blank = isBlank(r.value)
		if want && !blank {
			value = r.number(string(bytes.TrimSpace(r.value)), style)
		}
	}
	r.nonBlnk = r.nonBlnk || !blank
	if !want || blank {
		return nil
	}
	if r.keep == nil && len(value) > headerCellBytes {
		value = cutRunes(value[:headerCellBytes])
	}
	r.cells = append(r.cells, xlsxCell{col: col, value: value})
	return nil
}

// number renders a numeric cell as Excel shows it in General format: at
// most 15 significant digits (a computed 33.000000000000007 is 33), and a
// percentage style's fraction as a percentage (0.33 → 33%). Dates stay
// serials: the period column reads them (dateSystem.period).
func (r *sheetReader) number(v string, style int) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v // not a number: the value check says so
	}
	as := shownPlain
	if style >= 0 && style < len(r.book.shown) {
		as = r.book.shown[style]
	}
	if as == shownYear && f >= 1 && f < 2958466 { // up to 9999-12-31
		if t, err := excelize.ExcelDateToTime(f, r.book.date1904); err == nil {
			return strconv.Itoa(t.Year())
		}
	}
	pct := as == shownPercent
	if pct {
		f *= 100
	} else if len(v) <= 15 {
		return v
	}
	f = kpi.Significant(f, 15)
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if pct {
		s += "%"
	}
	return s
}
