package ingest

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestSharedStringsOnDisk: a table too large for memory reads back the
// same strings from its temporary file as a small one from memory, the
// phonetic runs and entities handled alike, and leaves no file behind.
func TestSharedStringsOnDisk(t *testing.T) {
	var want []string
	var part strings.Builder
	part.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
	for i := 0; part.Len() <= sharedStringsInMemory; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&part, "<si><t>s%d &amp; &lt;x&gt; &#x4E2D;</t></si>", i)
			want = append(want, fmt.Sprintf("s%d & <x> 中", i))
		case 1:
			fmt.Fprintf(&part, `<si><r><rPr><b/></rPr><t xml:space="preserve">r%d </t></r><r><t>b</t></r><rPh sb="0" eb="1"><t>ignored</t></rPh></si>`, i)
			want = append(want, fmt.Sprintf("r%d b", i))
		case 2:
			part.WriteString("<si><t/></si>")
			want = append(want, "")
		default:
			fmt.Fprintf(&part, "<si><t><![CDATA[c%d <&>]]></t></si>", i)
			want = append(want, fmt.Sprintf("c%d <&>", i))
		}
	}
	part.WriteString("</sst>")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("xl/sharedStrings.xml")
	w.Write([]byte(part.String()))
	zw.Close()
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s, err := readSharedStrings(zr.File[0], dir, limits{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if s.file == nil {
		t.Fatalf("a %d MiB table was kept in memory", part.Len()>>20)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the table's file is still linked in %s: %d entries", dir, len(entries))
	}
	if s.n != len(want) {
		t.Fatalf("table holds %d strings, want %d", s.n, len(want))
	}
	for _, i := range []int{0, 1, 2, 3, len(want) / 2, len(want) - 1, len(want)} {
		got, blank, err := s.get(i, 1<<20)
		w := ""
		if i < len(want) {
			w = want[i]
		}
		if err != nil || got != w || blank != (w == "") {
			t.Errorf("get(%d) = %q, blank %v, %v; want %q", i, got, blank, err, w)
		}
	}
}

// TestBudgetWaitsThenRefuses: a submission whose share does not fit waits
// for one being read to finish, and is refused as busy, naming the limit,
// when none finishes in time; one larger than the whole budget is refused
// at once.
func TestBudgetWaitsThenRefuses(t *testing.T) {
	ctx := t.Context()
	u := kpi.Upload{Name: "b.xlsx"}
	b := newBudget(100, 200*time.Millisecond)
	release, err := b.acquire(ctx, u, 80)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.acquire(ctx, u, 30)
	var ke *kpi.Error
	if !errors.As(err, &ke) || ke.Code != kpi.EUNAVAILABLE || !strings.Contains(ke.Message, "limits.ingest-memory") || !strings.Contains(kpi.ChineseLine(ke.Message), "导入内存上限") {
		t.Fatalf("acquire beyond the budget = %v, want unavailable naming limits.ingest-memory", err)
	}
	got := make(chan error, 1)
	go func() {
		r, err := newBudgetWait(b, time.Minute).acquire(ctx, u, 30)
		if err == nil {
			r()
		}
		got <- err
	}()
	release()
	if err := <-got; err != nil {
		t.Errorf("a waiting submission after the first finished: %v, want admitted", err)
	}
	if _, err := b.acquire(ctx, u, 101); !errors.As(err, &ke) || ke.Code != kpi.EINVALID || !strings.Contains(ke.Message, "limits.ingest-memory") {
		t.Errorf("acquire of more than the budget = %v, want invalid naming limits.ingest-memory", err)
	}
}

// newBudgetWait is b with another bound on waiting (same semaphore).
func newBudgetWait(b *budget, wait time.Duration) *budget {
	c := *b
	c.wait = wait
	return &c
}

// TestXLSXReaderXMLForms: what other producers write — prefixed element
// names, comments and CDATA holding '>', a '>' in a quoted attribute,
// entities, cells and rows without references, inline strings with
// phonetic runs, a percent style, a 1904 workbook — reads as Excel shows it.
func TestXLSXReaderXMLForms(t *testing.T) {
	parts := map[string]string{
		"_rels/.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/xl/wb.xml"/></Relationships>`,
		"xl/wb.xml": `<?xml version="1.0"?><x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<x:workbookPr date1904="1"/><x:sheets><x:sheet name="数据 &amp; 表" sheetId="1" r:id="rId1"/><x:sheet name="说明" sheetId="2" r:id="rId9"/></x:sheets></x:workbook>`,
		"xl/_rels/wb.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="sheets/data.xml"/>` +
			`<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="sheets/notes.xml"/>` +
			`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
			`<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="strings.xml"/></Relationships>`,
		"xl/styles.xml": `<styleSheet><numFmts count="1"><numFmt numFmtId="164" formatCode="0.0&quot;%&quot;"/><numFmt numFmtId="165" formatCode="0.0%"/></numFmts>` +
			`<cellStyleXfs><xf numFmtId="10"/></cellStyleXfs><cellXfs><xf numFmtId="0"/><xf numFmtId="9"/><xf numFmtId="164"/><xf numFmtId="165"/></cellXfs></styleSheet>`,
		"xl/strings.xml":      `<sst><si><t>指标编号</t></si><si><t>报告期</t></si><si><t>实际值</t></si><si><r><t>备</t></r><r><t>注</t></r><rPh><t>び</t></rPh></si></sst>`,
		"xl/sheets/notes.xml": `<worksheet><sheetData><row><c t="inlineStr"><is><t>not this sheet</t></is></c></row></sheetData></worksheet>`,
		"xl/sheets/data.xml": `<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>` +
			`<!-- a comment > with a tag's end --><x:row r="3"/>` +
			`<x:row r="4"><x:c t="s"><x:v>0</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c><x:c t="s" note="a>b"><x:v>2</x:v></x:c><x:c t="s"><x:v>3</x:v></x:c></x:row>` +
			`<x:row><x:c r="A5" t="inlineStr"><x:is><x:t>high_tech_enterprises</x:t></x:is></x:c><x:c><x:v>2021</x:v></x:c><x:c s="0"><x:v>28.000000000000004</x:v></x:c>` +
			`<x:c t="inlineStr"><x:is><x:r><x:t xml:space="preserve">年报 </x:t></x:r><x:r><x:t>&lt;初&gt; &#x4E2D;</x:t></x:r><x:rPh><x:t>ねん</x:t></x:rPh></x:is></x:c></x:row>` +
			`<x:row r="7"><x:c r="A7" t="str"><x:v><![CDATA[rd_spending_share_gdp]]></x:v></x:c><x:c r="B7"><x:f>2020+1</x:f><x:v>2021</x:v></x:c><x:c r="C7" s="1"><x:v>0.021</x:v></x:c></x:row>` +
			`<x:row r="8"><x:c r="A8" t="str"><x:v>a</x:v></x:c><x:c r="B8"><x:v>44348</x:v></x:c><x:c r="C8" s="2"><x:v>5</x:v></x:c><x:c r="D8" s="3"><x:v>0.5</x:v></x:c></x:row>` +
			`</x:sheetData></x:worksheet>`,
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range parts {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	zw.Close()
	rows, problems := collect(parseXLSX, kpi.Upload{Name: "p.xlsx", Body: buf.Bytes()}, limits{maxRows: 10})
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	type got struct {
		line                            int
		sheet, ind, period, value, note string
	}
	var gots []got
	for _, r := range rows {
		gots = append(gots, got{r.Line, r.Sheet, r.Indicator, r.Period, r.Value, r.Note})
	}
	want := []got{
		{5, "数据 & 表", "high_tech_enterprises", "2021", "28", "年报 <初> 中"},
		{7, "数据 & 表", "rd_spending_share_gdp", "2021", "2.1%", ""},
		// 44348 in a 1904 workbook is 2025-06-02; 0.0"%" is not a percentage.
		{8, "数据 & 表", "a", "2025-06-02", "5", "50%"},
	}
	if fmt.Sprint(gots) != fmt.Sprint(want) {
		t.Errorf("rows\n got %v\nwant %v", gots, want)
	}
}

// TestXLSXYearFormattedDates: a date cell formatted to show only its year
// (yyyy"年") is the year people see, not the date's month; a date shown
// with its month stays a month, and a plain number stays as typed.
func TestXLSXYearFormattedDates(t *testing.T) {
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"指标编号", "报告期", "实际值"})
	yearOnly, monthToo := `yyyy"年"`, `yyyy"年"m"月"`
	year, _ := x.NewStyle(&excelize.Style{CustomNumFmt: &yearOnly})
	month, _ := x.NewStyle(&excelize.Style{CustomNumFmt: &monthToo})
	for i, c := range []struct {
		period any
		style  int
	}{
		{time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), year},
		{time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC), month},
		{2021, 0},
	} {
		row := i + 2
		x.SetSheetRow("Sheet1", fmt.Sprintf("A%d", row), &[]any{"high_tech_enterprises", c.period, 21})
		if c.style != 0 {
			x.SetCellStyle("Sheet1", fmt.Sprintf("B%d", row), fmt.Sprintf("B%d", row), c.style)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	rows, problems := collect(parseXLSX, kpi.Upload{Name: "y.xlsx", Body: buf.Bytes()}, limits{maxRows: 10})
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	var periods []string
	for _, r := range rows {
		periods = append(periods, r.Period)
	}
	if want := []string{"2021", "2021-06-01", "2021"}; fmt.Sprint(periods) != fmt.Sprint(want) {
		t.Errorf("periods %q, want %q", periods, want)
	}
}

func TestNumberFormat(t *testing.T) {
	for code, want := range map[string]shownAs{
		`0.0%`: shownPercent, `0.0"%"`: shownPlain, `yyyy"年"`: shownYear, `[$-804]yyyy`: shownYear, `yyyy"年"m"月"`: shownPlain,
		`yyyy/mm/dd`: shownPlain, `General`: shownPlain, `[Red]0.00`: shownPlain, `0.00E+00`: shownPlain, `"年份："yyyy`: shownYear,
	} {
		if got := numberFormat(code); got != want {
			t.Errorf("numberFormat(%s) = %d, want %d", code, got, want)
		}
	}
}
