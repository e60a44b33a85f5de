package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/image/font/opentype"

	"github.com/yanfeng/kpimon/internal/chart"
)

// DOCXOptions configures WriteDOCX.
type DOCXOptions struct {
	// FontFile draws the texts of the charts' pictures; empty: FindFont.
	// Without any font the charts are left out (the document is whole
	// otherwise).
	FontFile string
}

// The form's fonts (GB/T 9704): the document names them, the office's
// machine has them; elsewhere the reader substitutes its own.
const (
	fontTitle = "方正小标宋简体"
	fontHei   = "黑体"
	fontKai   = "楷体_GB2312"
	fontFang  = "仿宋_GB2312"
	fontSong  = "宋体"
)

// Sizes in half-points (w:sz): 二号 22 pt, 三号 16 pt, 四号 14 pt, 五号
// 10.5 pt, 小五 9 pt; wide tables 8 pt.
const (
	sizeErhao     = 44
	sizeSanhao    = 32
	sizeSihao     = 28
	sizeWuhao     = 21
	sizeXiaowu    = 18
	sizeWideTable = 16
	lineExactly   = 560 // 28 pt: 22 lines of 三号 on the 225 mm text block
)

// Page geometry in twips (GB/T 9704: A4, 天头 37 mm, 订口 28 mm, 版心
// 156 × 225 mm).
const (
	twipsPerMM = 56.6929
	docxPageW  = 11906
	docxPageH  = 16838
	docxTop    = 2098 // 37 mm
	docxBottom = 1984 // 35 mm
	docxLeft   = 1587 // 28 mm
	docxRight  = 1474 // 26 mm
	docxTextW  = docxPageW - docxLeft - docxRight
	emuPerTwip = 635
	// docxCellMargin is a table cell's left and right margin (0.7 mm):
	// nine columns share 156 mm.
	docxCellMargin = 40
	chartPxScale   = 2
)

// WriteDOCX writes the circular as a WordprocessingML document in the
// form of GB/T 9704 党政机关公文格式: 版头 (the issuer's name in red, the
// 文号, a red line), the title, 主送, the body of Outline, 落款 and 成文日期,
// and the 版记 (抄送, 印发机关 and 印发日期). Tables repeat their header
// row on each page; charts are PNG pictures drawn here.
func WriteDOCX(w io.Writer, c Circular, opts DOCXOptions) error {
	var face *opentype.Font
	if file, err := FindFont(opts.FontFile); err == nil {
		b, err := loadFont(file)
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if face, err = chart.ParseFont(b); err != nil {
			return fmt.Errorf("report: font %s: %w", file, err)
		}
	} else if opts.FontFile != "" {
		return err
	}
	d := &docx{font: face}
	d.head(c.Letterhead())
	for _, b := range c.Outline() {
		if err := d.block(b); err != nil {
			return err
		}
	}
	d.tail(c.Closing())
	return d.write(w, c)
}

type docx struct {
	body   strings.Builder
	font   *opentype.Font
	images [][]byte
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// run is one run of text in a font, size (half-points) and colour ("" black).
func run(text, font string, size int, color string, bold bool) string {
	var b strings.Builder
	b.WriteString(`<w:r><w:rPr>`)
	fmt.Fprintf(&b, `<w:rFonts w:ascii="%[1]s" w:hAnsi="%[1]s" w:eastAsia="%[1]s" w:cs="%[1]s"/>`, font)
	if bold {
		b.WriteString(`<w:b/>`)
	}
	if color != "" {
		fmt.Fprintf(&b, `<w:color w:val="%s"/>`, strings.TrimPrefix(color, "#"))
	}
	fmt.Fprintf(&b, `<w:sz w:val="%d"/><w:szCs w:val="%d"/></w:rPr>`, size, size)
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteString(`<w:br/>`)
		}
		fmt.Fprintf(&b, `<w:t xml:space="preserve">%s</w:t>`, esc(line))
	}
	b.WriteString(`</w:r>`)
	return b.String()
}

// para writes a paragraph: pPr inner XML and runs.
func (d *docx) para(pPr string, runs ...string) {
	d.body.WriteString(`<w:p>` + paraProps(pPr))
	for _, r := range runs {
		d.body.WriteString(r)
	}
	d.body.WriteString(`</w:p>`)
}

const (
	pExact    = `<w:spacing w:before="0" w:after="0" w:line="560" w:lineRule="exact"/>`
	pIndent2  = `<w:ind w:firstLineChars="200" w:firstLine="640"/>`
	pCenter   = `<w:jc w:val="center"/>`
	pJustify  = `<w:jc w:val="both"/>`
	keepNext  = `<w:keepNext/>`
	redColor  = "#FF0000"
	redBorder = `<w:pBdr><w:bottom w:val="single" w:sz="12" w:space="4" w:color="FF0000"/></w:pBdr>`
)

// head writes the 版头, the title and 主送 (Letterhead).
func (d *docx) head(h Letterhead) {
	// The issuer's name fills at most the text width, at most 小初 (36 pt).
	n := max(1, len([]rune(h.Issuer)))
	size := min(72, int(float64(docxTextW)/20/float64(n)*2*0.95)) // half-points
	size = max(size, sizeSanhao)
	d.para(pCenter+`<w:spacing w:before="480" w:after="0" w:line="240" w:lineRule="auto"/>`, run(h.Issuer, fontTitle, size, redColor, false))
	d.para(pCenter+pExact, run("", fontFang, sizeSanhao, "", false))
	d.para(pCenter+pExact+redBorder, run(h.Number, fontFang, sizeSanhao, "", false))
	d.para(pCenter+pExact, run("", fontFang, sizeSanhao, "", false))
	d.para(pCenter+`<w:spacing w:before="0" w:after="0" w:line="700" w:lineRule="exact"/>`, run(strings.Join(h.Title, "\n"), fontTitle, sizeErhao, "", false))
	d.para(pCenter+pExact, run("", fontFang, sizeSanhao, "", false))
	d.para(pExact+pJustify, run(h.To, fontFang, sizeSanhao, "", false))
}

func (d *docx) block(b Block) error {
	switch b.Kind {
	case BlockHeading1:
		d.para(pExact+pIndent2+keepNext+`<w:outlineLvl w:val="0"/>`, run(b.Text, fontHei, sizeSanhao, "", false))
	case BlockHeading2:
		d.para(pExact+pIndent2+keepNext+`<w:outlineLvl w:val="1"/>`, run(b.Text, fontKai, sizeSanhao, "", false))
	case BlockParagraph:
		d.para(pExact+pIndent2+pJustify, run(b.Text, fontFang, sizeSanhao, "", false))
	case BlockNote:
		d.para(`<w:spacing w:before="0" w:after="0" w:line="480" w:lineRule="exact"/><w:ind w:left="640" w:firstLineChars="200" w:firstLine="560"/>`+pJustify,
			run(b.Text, fontKai, sizeSihao, "", false))
	case BlockTable:
		d.table(b.Table)
	case BlockChart:
		return d.chart(*b.Chart)
	}
	return nil
}

// table writes a table the width of the text block, its columns shared
// by what they hold, the header row repeated on every page and no row
// split across pages.
func (d *docx) table(t *Table) {
	// Nine columns (the task tables) in 156 mm: 8 pt, so that the names
	// get room beside the dates and numbers, which never break, in the
	// wider metrics of a reader's substitute fonts.
	size := sizeWuhao
	if len(t.Columns) > 7 {
		size = sizeWideTable
	}
	pt := float64(size) / 2
	// Widths in twips: the text of a cell is its width less the cell
	// margins, the border and a little for rounding.
	measure := func(s string) float64 { return readerEms(s) * pt * 20 }
	const pad = 2*docxCellMargin + 20
	widths := t.widths(float64(docxTextW), pad, measure)
	// Whole twips that sum to the text width: what rounding takes from
	// the columns goes to the last one.
	grid := make([]int, len(widths))
	left := docxTextW
	for i, w := range widths {
		grid[i] = int(w)
		left -= grid[i]
	}
	grid[len(grid)-1] += left
	b := &d.body
	// Children in CT_TblPr's order: tblW, jc, tblBorders, tblLayout, tblCellMar.
	b.WriteString(`<w:tbl><w:tblPr><w:tblW w:w="` + fmt.Sprint(docxTextW) + `" w:type="dxa"/><w:jc w:val="center"/>`)
	b.WriteString(`<w:tblBorders><w:top w:val="single" w:sz="4" w:color="000000"/><w:left w:val="single" w:sz="4" w:color="000000"/><w:bottom w:val="single" w:sz="4" w:color="000000"/><w:right w:val="single" w:sz="4" w:color="000000"/><w:insideH w:val="single" w:sz="4" w:color="000000"/><w:insideV w:val="single" w:sz="4" w:color="000000"/></w:tblBorders><w:tblLayout w:type="fixed"/>`)
	b.WriteString(`<w:tblCellMar><w:left w:w="` + fmt.Sprint(docxCellMargin) + `" w:type="dxa"/><w:right w:w="` + fmt.Sprint(docxCellMargin) + `" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid>`)
	for _, wd := range grid {
		fmt.Fprintf(b, `<w:gridCol w:w="%d"/>`, wd)
	}
	b.WriteString(`</w:tblGrid>`)
	row := func(cells []string, header bool) {
		b.WriteString(`<w:tr><w:trPr><w:cantSplit/>`)
		if header {
			b.WriteString(`<w:tblHeader/>`)
		}
		b.WriteString(`</w:trPr>`)
		for i, col := range t.Columns {
			text := ""
			if i < len(cells) {
				text = cells[i]
			}
			// CT_TcPr's order: tcW, shd, vAlign.
			fmt.Fprintf(b, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/>`, grid[i])
			if header {
				b.WriteString(`<w:shd w:val="clear" w:color="auto" w:fill="E8E8E8"/>`)
			}
			b.WriteString(`<w:vAlign w:val="center"/></w:tcPr>`)
			jc := map[string]string{"L": "left", "R": "right", "C": "center"}[col.Align]
			if header {
				jc = "center"
			}
			// No automatic space between Chinese and Latin text or numbers
			// (Word keeps to that; LibreOffice adds it anyway, so readerEms
			// counts it).
			pPr := `<w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/><w:snapToGrid w:val="0"/><w:spacing w:before="20" w:after="20" w:line="240" w:lineRule="auto"/><w:jc w:val="` + jc + `"/>`
			var runs []string
			font := fontFang
			if header {
				font = fontHei
			}
			limit := widths[i] - pad
			if l, ok := t.lamp(i, text, header); ok {
				runs = append(runs, run("●", fontSong, size, l.Color(), false))
				limit -= measure("●")
			}
			// The cell broken into lines here, as the widths were measured:
			// a reader's own breaking (LibreOffice's for Chinese) would
			// cut a date or a number (（2022|年）) to fill a line.
			var lines []string
			for _, part := range strings.Split(text, "\n") {
				lines = append(lines, wrapText(part, limit, measure)...)
			}
			runs = append(runs, run(strings.Join(lines, "\n"), font, size, "", false))
			b.WriteString(`<w:p>` + paraProps(pPr) + strings.Join(runs, "") + `</w:p></w:tc>`)
		}
		b.WriteString(`</w:tr>`)
	}
	row(t.titles(), true)
	for _, r := range t.Rows {
		row(r, false)
	}
	b.WriteString(`</w:tbl>`)
	d.para(pExact, run("", fontFang, sizeXiaowu, "", false)) // a table never ends the body; space after it
}

// chart draws a scene as a PNG picture, centred, as wide as the text
// block for page charts, two thirds of it for small ones.
func (d *docx) chart(s chart.Scene) error {
	if d.font == nil {
		return nil
	}
	var buf bytes.Buffer
	if err := s.PNG(&buf, chart.PNGOptions{Scale: chartPxScale, Font: d.font}); err != nil {
		return fmt.Errorf("report: chart %s: %w", s.Title, err)
	}
	d.images = append(d.images, buf.Bytes())
	n := len(d.images)
	widthTw := float64(docxTextW)
	if s.Width < 600 {
		widthTw *= 0.75
	}
	cx := int64(widthTw * emuPerTwip)
	cy := int64(widthTw * s.Height / s.Width * emuPerTwip)
	fmt.Fprintf(&d.body, `<w:p><w:pPr><w:spacing w:before="120" w:after="120"/><w:jc w:val="center"/></w:pPr><w:r><w:drawing>`+
		`<wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="%[1]d" cy="%[2]d"/><wp:docPr id="%[3]d" name="图%[3]d" descr="%[4]s"/>`+
		`<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr>`+
		`<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>`+
		`<pic:nvPicPr><pic:cNvPr id="%[3]d" name="chart%[3]d.png"/><pic:cNvPicPr/></pic:nvPicPr>`+
		`<pic:blipFill><a:blip r:embed="rIdImage%[3]d"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>`+
		`<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="%[1]d" cy="%[2]d"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>`+
		`</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>`, cx, cy, n, esc(s.Title))
	return nil
}

// tail writes 落款, 成文日期 and the 版记 (Closing).
func (d *docx) tail(c Closing) {
	// 落款 and 成文日期 4 characters from the right (GB/T 9704 7.3.5), kept
	// together on one page; a signature too long for that indent gets less,
	// so that it stays on one line.
	sigIndent := min(4*sizeSanhao*10, max(0, docxTextW-textTwips(c.Signature, sizeSanhao)-sizeSanhao*10/2))
	d.para(keepNext+pExact, run("", fontFang, sizeSanhao, "", false))
	d.para(keepNext+pExact+`<w:jc w:val="right"/><w:ind w:right="`+fmt.Sprint(sigIndent)+`"/>`, run(c.Signature, fontFang, sizeSanhao, "", false))
	d.para(pExact+`<w:jc w:val="right"/><w:ind w:right="1280"/>`, run(c.Date, fontFang, sizeSanhao, "", false))
	// 版记: the 印发日期 on a line of its own when it does not fit beside
	// the 印发机关.
	const em = sizeSihao * 10 // twips
	sep := `<w:r><w:tab/></w:r>`
	lines := 2
	if textTwips(c.PrintedBy, sizeSihao)+textTwips(c.Printed, sizeSihao)+2*em > docxTextW-2*em {
		sep = `<w:r><w:br/><w:tab/></w:r>`
		lines++
	}
	// 抄送 wraps under the first character after its colon (GB/T 9704 7.4.2).
	label := len([]rune("抄送："))
	lines += (textTwips(c.CC, sizeSihao) + 2*em) / (docxTextW - (label+1)*em)
	// The rules are paragraphs of their own, a point high, spanning the text
	// block; the words keep a character from either end.
	var box strings.Builder
	rule := func(sz int) {
		box.WriteString(`<w:p>` + paraProps(`<w:pBdr><w:bottom w:val="single" w:sz="`+fmt.Sprint(sz)+`" w:space="0" w:color="000000"/></w:pBdr>`+
			`<w:snapToGrid w:val="0"/><w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>`) + run("", fontFang, 2, "", false) + `</w:p>`)
	}
	text := `<w:snapToGrid w:val="0"/><w:spacing w:before="60" w:after="60" w:line="440" w:lineRule="exact"/>`
	rule(8)
	box.WriteString(`<w:p>` + paraProps(text+fmt.Sprintf(`<w:ind w:left="%d" w:right="%d" w:hanging="%d"/>`, (label+1)*em, em, label*em)) +
		run(c.CC, fontFang, sizeSihao, "", false) + `</w:p>`)
	rule(4)
	box.WriteString(`<w:p>` + paraProps(`<w:tabs><w:tab w:val="right" w:pos="`+fmt.Sprint(docxTextW-em)+`"/></w:tabs>`+text+fmt.Sprintf(`<w:ind w:left="%d" w:right="%d"/>`, em, em)) +
		run(c.PrintedBy, fontFang, sizeSihao, "", false) + sep + run(c.Printed, fontFang, sizeSihao, "", false) + `</w:p>`)
	rule(8)
	// The 版记 in a text box anchored at the foot of the text block of the
	// page its anchor, the last paragraph (one point high, off the line
	// grid, so that it fits above the box), is on: GB/T 9704 puts it at
	// the foot of the last page. LibreOffice ignores a frame's or a
	// floating table's bottom alignment; it keeps a drawing's.
	cx := int64(docxTextW) * emuPerTwip
	cy := int64(lines*440+2*2*60+3*20+60) * emuPerTwip
	fmt.Fprintf(&d.body, `<w:p>`+paraProps(`<w:snapToGrid w:val="0"/><w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>`)+
		`<w:r><w:drawing><wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="2" behindDoc="0" locked="0" layoutInCell="0" allowOverlap="0">`+
		`<wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="margin"><wp:align>center</wp:align></wp:positionH><wp:positionV relativeFrom="margin"><wp:align>bottom</wp:align></wp:positionV>`+
		`<wp:extent cx="%[1]d" cy="%[2]d"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapTopAndBottom/><wp:docPr id="1000" name="版记"/><wp:cNvGraphicFramePr/>`+
		`<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp><wps:cNvSpPr txBox="1"/>`+
		`<wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="%[1]d" cy="%[2]d"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/><a:ln><a:noFill/></a:ln></wps:spPr>`+
		`<wps:txbx><w:txbxContent>%[3]s</w:txbxContent></wps:txbx><wps:bodyPr rot="0" vert="horz" wrap="square" lIns="0" tIns="0" rIns="0" bIns="0" anchor="b" anchorCtr="0"><a:noAutofit/></wps:bodyPr></wps:wsp>`+
		`</a:graphicData></a:graphic></wp:anchor></w:drawing></w:r></w:p>`, cx, cy, box.String())
}

// readerEms is how wide a document reader sets s, in ems: emWidth, and the
// fifth of an em LibreOffice puts between a Chinese character and a
// number or Latin letter (2020 年 3 月), whatever the paragraph says.
func readerEms(s string) float64 {
	w := emWidth(s)
	var prev rune
	for i, r := range s {
		if i > 0 && (unicode.Is(unicode.Han, prev) && alnum(r) || alnum(prev) && unicode.Is(unicode.Han, r)) {
			w += 0.2
		}
		prev = r
	}
	return w
}

func alnum(r rune) bool { return r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) }

// textTwips is about how wide s is set in a font of halfPoints: a Chinese
// character is square, a Latin letter or digit half as wide.
func textTwips(s string, halfPoints int) int {
	w := 0
	for _, r := range s {
		if r < 0x80 {
			w += halfPoints * 5
		} else {
			w += halfPoints * 10
		}
	}
	return w
}

func (d *docx) write(w io.Writer, c Circular) error {
	z := zip.NewWriter(w)
	add := func(name, content string) error {
		f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: fixedZipTime})
		if err != nil {
			return err
		}
		_, err = io.WriteString(f, content)
		return err
	}
	var rels strings.Builder
	rels.WriteString(xmlHead + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	rels.WriteString(`<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>`)
	rels.WriteString(`<Relationship Id="rIdFooter" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/>`)
	for i := range d.images {
		fmt.Fprintf(&rels, `<Relationship Id="rIdImage%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/chart%d.png"/>`, i+1, i+1)
	}
	rels.WriteString(`</Relationships>`)
	made := c.Made
	if made.IsZero() {
		made = c.AsOf
	}
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", contentTypes},
		{"_rels/.rels", packageRels},
		{"docProps/core.xml", fmt.Sprintf(coreProps, esc(c.Subject), esc(c.Office.Issuer), made.UTC().Format(time.RFC3339))},
		{"word/_rels/document.xml.rels", rels.String()},
		{"word/styles.xml", docxStyles},
		{"word/footer1.xml", docxFooter},
		{"word/document.xml", xmlHead + `<w:document ` + docxNamespaces + `><w:body>` + d.body.String() + docxSection + `</w:body></w:document>`},
	}
	for _, p := range parts {
		if err := add(p.name, p.body); err != nil {
			return fmt.Errorf("report: write DOCX: %w", err)
		}
	}
	for i, img := range d.images {
		f, err := z.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("word/media/chart%d.png", i+1), Method: zip.Store, Modified: fixedZipTime})
		if err != nil {
			return fmt.Errorf("report: write DOCX: %w", err)
		}
		if _, err := f.Write(img); err != nil {
			return fmt.Errorf("report: write DOCX: %w", err)
		}
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("report: write DOCX: %w", err)
	}
	return nil
}

// fixedZipTime dates the package's parts, so one circular is one file.
var fixedZipTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

const xmlHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

const docxNamespaces = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ` +
	`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" ` +
	`xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" ` +
	`xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" ` +
	`xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" ` +
	`xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"`

var docxSection = fmt.Sprintf(`<w:sectPr><w:footerReference w:type="default" r:id="rIdFooter"/><w:pgSz w:w="%d" w:h="%d"/>`+
	`<w:pgMar w:top="%d" w:right="%d" w:bottom="%d" w:left="%d" w:header="851" w:footer="992" w:gutter="0"/>`+
	`<w:docGrid w:type="linesAndChars" w:linePitch="560" w:charSpace="0"/></w:sectPr>`,
	docxPageW, docxPageH, docxTop, docxRight, docxBottom, docxLeft)

const contentTypes = xmlHead + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
	`<Default Extension="xml" ContentType="application/xml"/>` +
	`<Default Extension="png" ContentType="image/png"/>` +
	`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
	`<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>` +
	`<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>` +
	`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
	`</Types>`

const packageRels = xmlHead + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
	`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
	`</Relationships>`

const coreProps = xmlHead + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" ` +
	`xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
	`<dc:title>%s</dc:title><dc:creator>%s</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">%s</dcterms:created></cp:coreProperties>`

// docxStyles sets the body default: 仿宋_GB2312 三号.
var docxStyles = xmlHead + `<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` +
	`<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="` + fontFang + `" w:hAnsi="` + fontFang + `" w:eastAsia="` + fontFang + `" w:cs="` + fontFang + `"/>` +
	`<w:sz w:val="32"/><w:szCs w:val="32"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault>` +
	`<w:pPrDefault><w:pPr><w:overflowPunct w:val="0"/><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>` +
	`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>` +
	`</w:styles>`

// docxFooter is the page number, "— 1 —" in 宋体 四号 (GB/T 9704 7.5).
const docxFooter = xmlHead + `<w:ftr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:p><w:pPr><w:jc w:val="center"/></w:pPr>` +
	`<w:r><w:rPr><w:rFonts w:ascii="` + fontSong + `" w:hAnsi="` + fontSong + `" w:eastAsia="` + fontSong + `"/><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">— </w:t></w:r>` +
	`<w:fldSimple w:instr=" PAGE "><w:r><w:rPr><w:rFonts w:ascii="` + fontSong + `" w:hAnsi="` + fontSong + `" w:eastAsia="` + fontSong + `"/><w:sz w:val="28"/></w:rPr><w:t>1</w:t></w:r></w:fldSimple>` +
	`<w:r><w:rPr><w:rFonts w:ascii="` + fontSong + `" w:hAnsi="` + fontSong + `" w:eastAsia="` + fontSong + `"/><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve"> —</w:t></w:r></w:p></w:ftr>`

// pPrOrder is the order CT_PPr's children must come in (Word refuses a
// document whose elements are out of schema order).
var pPrOrder = []string{"pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
	"suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct",
	"topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind",
	"contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
	"textboxTightWrap", "outlineLvl"}

// paraProps writes a paragraph's w:pPr from its children in any order,
// in schema order, with overflowPunct off: punctuation stays inside the
// text block instead of hanging into the margin.
func paraProps(children string) string {
	type elem struct {
		rank int
		xml  string
	}
	var elems []elem
	rest := children + `<w:overflowPunct w:val="0"/>`
	for rest != "" {
		i := strings.Index(rest, "<w:")
		if i < 0 {
			break
		}
		rest = rest[i:]
		name := rest[3 : strings.IndexAny(rest[3:], " />")+3]
		end := strings.Index(rest, ">") + 1
		if rest[end-2] != '/' { // has content: up to its closing tag
			end = strings.Index(rest, "</w:"+name+">") + len("</w:"+name+">")
		}
		rank := slices.Index(pPrOrder, name)
		if rank < 0 {
			rank = len(pPrOrder)
		}
		elems = append(elems, elem{rank, rest[:end]})
		rest = rest[end:]
	}
	slices.SortStableFunc(elems, func(a, b elem) int { return a.rank - b.rank })
	var b strings.Builder
	b.WriteString("<w:pPr>")
	for _, e := range elems {
		b.WriteString(e.xml)
	}
	b.WriteString("</w:pPr>")
	return b.String()
}
