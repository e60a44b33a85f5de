package report_test

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/report"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// The .docx as LibreOffice reads it: converted to PDF once, its text read
// back (the office's fields, every section, every indicator once in the
// task tables, figures whole, short names on one line), every page checked
// against the GB/T 9704 text block and the 版记 at the foot of the last
// page, as pdftotext -bbox places the words. (The converted PDF stays in
// the artifacts directory: pdftoppm -r 60 -png renders it for a person.)
func TestWriteDOCX(t *testing.T) {
	soffice := testkit.LookPath(t, "libreoffice-writer-nogui", "soffice", "libreoffice")
	pdftotext := testkit.LookPath(t, "poppler-utils", "pdftotext")
	needFont(t)
	office, err := report.ParseOffice([]byte(`
issuer: 衡阳市雁峰区创新型区建设工作领导小组办公室
number: 雁创办〔{year}〕{n}号
serial: 3
date: 2021-07-05
to: 各镇、街道，区直各有关单位
cc: 区委督查室，区政府督查室
next_steps:
  - 各单位要对照目标，查找差距，加快推进。
`), "office.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// A red indicator its unit has explained, under supervision since June.
	red := sampleCircular(t, report.Options{}).Red[0].State.Indicator
	opened := chinaDay(t, "2021-06-01")
	deadline := chinaDay(t, "2021-06-08")
	c := sampleCircular(t, report.Options{
		Previous: chinaDay(t, "2020-06-30"), Office: office,
		Explanations: []kpi.Explanation{{Ref: red.Ref(), Unit: red.LeadUnits[0], Revision: 1, Reason: "受疫情影响企业研发投入推迟", Measures: "开展专项帮扶", At: opened.Add(48 * time.Hour)}},
		Supervision: []kpi.SupervisionItem{{ID: 1, Ref: red.Ref(), Unit: red.LeadUnits[0], Events: []kpi.SupervisionEvent{
			{At: opened, Action: kpi.SupervisionEventOpen, Status: kpi.StatusOffTrack, Deadline: &deadline},
			{At: opened.Add(48 * time.Hour), Action: kpi.SupervisionEventExplain, Revision: 1},
		}}},
	})
	dir := artifactDir(t, "circular-docx")
	file := filepath.Join(dir, "通报.docx")
	var b bytes.Buffer
	if err := report.WriteDOCX(&b, c, report.DOCXOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatalf("the .docx is not a zip package: %v", err)
	}
	images := 0
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, ".xml") || strings.HasSuffix(f.Name, ".rels") {
			// Every part well-formed XML: Word refuses a document that is not.
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			checkSchemaOrder(t, f.Name, xml.NewDecoder(r))
			r.Close()
		}
		if f.Name == "word/document.xml" {
			checkTableGrids(t, f)
		}
		if strings.HasPrefix(f.Name, "word/media/") && strings.HasSuffix(f.Name, ".png") {
			images++
		}
	}
	charts := 1 // the cover's
	for _, task := range c.Tasks {
		charts += len(task.Charts)
	}
	if images != charts {
		t.Errorf("%d PNG pictures, want %d (the cover's chart and each task's)", images, charts)
	}

	// One conversion per run: LibreOffice is slow to start.
	profile := "file://" + filepath.Join(t.TempDir(), "lo-profile")
	cmd := exec.Command(soffice, "-env:UserInstallation="+profile, "--headless", "--convert-to", "pdf", "--outdir", dir, file)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice --convert-to pdf: %v\n%s", err, out)
	}
	pdf := strings.TrimSuffix(file, ".docx") + ".pdf"
	raw, err := exec.Command(pdftotext, "-raw", "-enc", "UTF-8", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.Join(strings.Fields(string(raw)), "")
	for _, want := range []string{
		"衡阳市雁峰区创新型区建设工作领导小组办公室", "雁创办〔2021〕3号",
		"关于培育建设省级创新型区工作进展情况的通报", "各镇、街道，区直各有关单位：",
		"一、总体情况", "二、较上期（2020年6月30日）变化", "三、存在问题", "四、责任单位排名",
		"（一）牵头指标排名", "（二）牵头指标不足3项的单位（不排名）", "（三）配合指标情况",
		"五、各项任务指标进展情况", "（六）任务6创新环境建设", "六、督办情况", "红灯指标督办事项共1项，其中已说明1项。", "七、下步工作要求",
		red.LeadUnits[0] + "说明：受疫情影响企业研发投入推迟；措施：开展专项帮扶（2021年6月3日）。",
		"各单位要对照目标，查找差距，加快推进。",
		"衡阳市雁峰区创新型区建设工作领导小组办公室2021年7月5日",
		"抄送：区委督查室，区政府督查室。", "2021年7月5日印发",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("converted .docx lacks %q", want)
		}
	}
	// Every indicator once in the task tables (LibreOffice writes a
	// table cell by cell, so -raw keeps a wrapped name's pieces together).
	start, end := strings.Index(text, "五、各项任务指标进展情况"), strings.Index(text, "六、督办情况")
	if start < 0 || end < start {
		t.Fatalf("no task section in the converted text")
	}
	checkNamedTimes(t, c, text[start:end], 1, "in the task tables")
	// Years, dates and percentages whole; the names get room: one of up to
	// six characters on one line (LibreOffice set them three a line).
	section := rawLines(t, string(raw), "五、各项任务指标进展情况", "六、督办情况")
	checkFiguresWhole(t, "converted .docx", c, section)
	for _, task := range c.Tasks {
		for _, r := range task.Rows {
			if utf8.RuneCountInString(r.Name) > 6 {
				continue
			}
			if !slices.ContainsFunc(section, func(l string) bool { return strings.Contains(l, r.Name) }) {
				t.Errorf("converted .docx: indicator %q is not on one line of its task table", r.Name)
			}
		}
	}

	// GB/T 9704 text block: 28 mm left, 26 mm right, 37 mm top, 35 mm
	// bottom; the page number below it.
	layout := pageLayout{
		Left: 28 * mm, Right: 26 * mm, Top: 37 * mm, BodyBottom: (297 - 35) * mm, FooterTop: (297 - 35) * mm,
		Footer: pageNumberWord,
	}
	pages := readPages(t, pdf)
	checkPages(t, "converted .docx", pages, layout)
	checkRecordAtFoot(t, "converted .docx", pages, layout)
}

// checkTableGrids fails unless every table's grid of the document part
// sums to the text block's width and each cell is as wide as its column.
func checkTableGrids(t *testing.T, f *zip.File) {
	t.Helper()
	r, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	grids := regexp.MustCompile(`<w:tbl>.*?</w:tbl>`).FindAllString(string(b), -1)
	if len(grids) == 0 {
		t.Fatal("document.xml has no tables")
	}
	num := func(m []string) int { n, _ := strconv.Atoi(m[1]); return n }
	for i, tbl := range grids {
		var cols []int
		sum := 0
		for _, m := range regexp.MustCompile(`<w:gridCol w:w="(\d+)"/>`).FindAllStringSubmatch(tbl, -1) {
			cols = append(cols, num(m))
			sum += num(m)
		}
		if sum != report.DOCXTextWidth {
			t.Errorf("table %d: grid %v sums to %d twips, want the text width %d", i+1, cols, sum, report.DOCXTextWidth)
		}
		for _, row := range regexp.MustCompile(`<w:tr>.*?</w:tr>`).FindAllString(tbl, -1) {
			var got []int
			for _, m := range regexp.MustCompile(`<w:tcW w:w="(\d+)" w:type="dxa"/>`).FindAllStringSubmatch(row, -1) {
				got = append(got, num(m))
			}
			if !slices.Equal(got, cols) {
				t.Errorf("table %d: cell widths %v, grid %v", i+1, got, cols)
				break
			}
		}
	}
}

// pageNumberWord is a word of the form's page number, "— 7 —".
func pageNumberWord(s string) bool { return strings.Trim(s, "—-–0123456789 ") == "" }

// schemaOrder is the order the WordprocessingML schema gives the children
// of the property elements kpimon writes (ECMA-376 Part 1, §17): Word
// refuses a document with them out of order, where LibreOffice is lenient.
var schemaOrder = map[string][]string{
	"pPr": {"pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr", "suppressLineNumbers",
		"pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE",
		"autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents",
		"suppressOverlap", "jc", "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange"},
	"rPr": {"rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline", "shadow", "emboss",
		"imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w", "kern", "position", "sz", "szCs",
		"highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath"},
	"tblPr": {"tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW", "jc",
		"tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook"},
	"tcPr": {"cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark"},
	"sectPr": {"headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz", "pgMar", "paperSrc", "pgBorders",
		"lnNumType", "pgNumType", "cols", "formProt", "vAlign", "noEndnote", "titlePg", "textDirection", "bidi", "rtlGutter", "docGrid"},
	"pBdr": {"top", "left", "bottom", "right", "between", "bar"},
}

// checkSchemaOrder reads a part to its end: it must be well-formed, and
// the children of each property element in schemaOrder's order.
func checkSchemaOrder(t *testing.T, part string, dec *xml.Decoder) {
	t.Helper()
	type open struct {
		name string
		last int // index in schemaOrder of the last child seen
	}
	var stack []open
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Errorf("%s is not well-formed XML: %v", part, err)
			return
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if n := len(stack); n > 0 {
				if order, ok := schemaOrder[stack[n-1].name]; ok {
					i := slices.Index(order, e.Name.Local)
					if i < 0 {
						t.Errorf("%s: w:%s inside w:%s is not in the schema", part, e.Name.Local, stack[n-1].name)
					} else if i < stack[n-1].last {
						t.Errorf("%s: w:%s after w:%s inside w:%s: out of schema order", part, e.Name.Local, order[stack[n-1].last], stack[n-1].name)
						return
					} else {
						stack[n-1].last = i
					}
				}
			}
			stack = append(stack, open{name: e.Name.Local})
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
}

// A long issuer (the plan's default, 25 characters) keeps 落款 on one line
// with 成文日期 below it on the same page, and the 版记's 印发机关 and
// 印发日期 do not run together ("…办公室2021年7月5日印发").
func TestDOCXLongIssuerTail(t *testing.T) {
	soffice := testkit.LookPath(t, "libreoffice-writer-nogui", "soffice", "libreoffice")
	needFont(t)
	const issuer = "衡阳市雁峰区培育建设省级创新型区工作领导小组办公室"
	office, err := report.ParseOffice([]byte("issuer: "+issuer+"\ndate: 2021-07-05\n"), "office.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := sampleCircular(t, report.Options{Office: office})
	dir := artifactDir(t, "circular-docx-long-issuer")
	file := filepath.Join(dir, "通报.docx")
	var b bytes.Buffer
	if err := report.WriteDOCX(&b, c, report.DOCXOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	profile := "file://" + filepath.Join(t.TempDir(), "lo-profile")
	if out, err := exec.Command(soffice, "-env:UserInstallation="+profile, "--headless", "--convert-to", "pdf", "--outdir", dir, file).CombinedOutput(); err != nil {
		t.Fatalf("soffice --convert-to pdf: %v\n%s", err, out)
	}
	pages := readPages(t, strings.TrimSuffix(file, ".docx")+".pdf")
	checkRecordAtFoot(t, "converted .docx (long issuer)", pages, pageLayout{BodyBottom: (297 - 35) * mm})
	// lines joins each page's words by their baseline, left to right.
	lines := func(p page) []string {
		var ys []float64
		byY := map[float64][]pageWord{}
		for _, w := range p.Words {
			y := float64(int(w.Y1/3+0.5)) * 3
			if _, ok := byY[y]; !ok {
				ys = append(ys, y)
			}
			byY[y] = append(byY[y], w)
		}
		slices.Sort(ys)
		var out []string
		for _, y := range ys {
			ws := byY[y]
			slices.SortFunc(ws, func(a, b pageWord) int { return int(a.X0 - b.X0) })
			var s strings.Builder
			for _, w := range ws {
				s.WriteString(w.Text)
			}
			out = append(out, s.String())
		}
		return out
	}
	signed, printed := false, false
	for i, p := range pages {
		ls := lines(p)
		for j, l := range ls {
			if l == "2021年7月5日" {
				if j == 0 || ls[j-1] != issuer {
					t.Errorf("page %d: 成文日期 not right below a one-line 落款 %q: lines before it %q", i+1, issuer, ls[max(0, j-3):j])
				}
				signed = true
			}
			if strings.HasSuffix(l, "印发") {
				printed = true
				if l != "2021年7月5日印发" && l != issuer+"2021年7月5日印发" {
					t.Errorf("page %d: 印发日期 wrapped or run into 印发机关: line %q", i+1, l)
				}
			}
		}
	}
	if !signed || !printed {
		t.Errorf("converted .docx: 成文日期 found %v, 印发 line found %v", signed, printed)
	}
}
