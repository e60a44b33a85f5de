package report

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/yanfeng/kpimon/internal/chart"
	"github.com/yanfeng/kpimon/internal/present"
)

// PDFOptions configures WritePDF.
type PDFOptions struct {
	// FontFile is a TrueType font (.ttf, or a .ttc collection's first font)
	// with Chinese glyphs; empty: FindFont.
	FontFile string
}

// Page geometry of the PDF in millimetres: A4 with the text block of
// GB/T 9704 (156 × 225 mm: 37 mm top, 35 mm bottom, 28 mm left, 26 mm
// right) and the page number 7 mm below it, as the .docx has them.
const (
	pdfTop      = 37.0
	pdfBottom   = 35.0
	pdfLeft     = 28.0
	pdfRight    = 26.0
	pageWidth   = 210.0 - pdfLeft - pdfRight
	pageBottomY = 297.0 - pdfBottom // where the text block ends
	bodyPt      = 16.0              // 三号
	bodyLead    = 9.8               // mm a body line takes: 28 pt exactly, as the .docx
	notePt      = 14.0              // 四号
	tablePt     = 10.5              // 五号
	smallPt     = 9.0               // 小五: wide tables
	lineHeight  = 4.6               // mm per table line at 10.5 pt
)

// WritePDF writes the circular as an A4 PDF in the form the .docx has
// (WriteDOCX): 版头, title, 主送, the body of Outline, 落款, 成文日期 and
// 版记. Headings of the first level and the tables are set in the found
// font (黑体-like: WenQuanYi Micro Hei), second-level headings and units'
// words in AR PL UKai (楷体) when installed; the body uses a TrueType serif
// (AR PL UMing) when installed, else the found font. (Noto Serif CJK is
// not usable: the PDF library embeds TrueType outlines only, Noto CJK is
// CFF.)
func WritePDF(w io.Writer, c Circular, opts PDFOptions) error {
	fonts, err := pdfFonts(opts.FontFile)
	if err != nil {
		return err
	}
	p := &pdfWriter{pdf: fpdf.New("P", "mm", "A4", "")}
	pdf := p.pdf
	pdf.SetTitle(c.Subject, true)
	pdf.SetCreator("kpimon", true)
	if !c.Made.IsZero() {
		pdf.SetCreationDate(c.Made)
		pdf.SetModificationDate(c.Made)
	}
	for _, f := range fonts {
		pdf.AddUTF8FontFromBytes(f.family, "", f.data)
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("report: PDF fonts: %w", err)
	}
	pdf.SetMargins(pdfLeft, pdfTop, pdfRight)
	pdf.SetAutoPageBreak(false, pdfBottom)
	pdf.SetFooterFunc(func() {
		pdf.SetXY(pdfLeft, pageBottomY+5)
		p.font(familyHei, 14)
		pdf.CellFormat(pageWidth, 6, fmt.Sprintf("— %d —", pdf.PageNo()), "", 0, "C", false, 0, "")
	})

	pdf.AddPage()
	p.head(c.Letterhead())
	for _, b := range c.Outline() {
		p.block(b)
	}
	p.tail(c.Closing())
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("report: write PDF: %w", err)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("report: write PDF: %w", err)
	}
	return nil
}

// Font families of the PDF.
const (
	familyHei  = "hei"
	familyKai  = "kai"
	familyBody = "body"
)

// KaiCandidates and SerifCandidates are the TrueType fonts WritePDF uses,
// when installed, for 楷体 text and for the body (Debian fonts-arphic-ukai
// and fonts-arphic-uming).
var (
	KaiCandidates   = []string{"/usr/share/fonts/truetype/arphic/ukai.ttc", "/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf"}
	SerifCandidates = []string{"/usr/share/fonts/truetype/arphic/uming.ttc", "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf"}
)

type pdfFont struct {
	family string
	data   []byte
}

// pdfFonts loads the fonts: the main one (FindFont) is required, the 楷体
// and serif ones fall back to it.
func pdfFonts(file string) ([]pdfFont, error) {
	main, err := FindFont(file)
	if err != nil {
		return nil, err
	}
	hei, err := loadFont(main)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	optional := func(candidates []string) []byte {
		for _, f := range candidates {
			if _, err := os.Stat(f); err == nil {
				if b, err := loadFont(f); err == nil {
					return b
				}
			}
		}
		return hei
	}
	return []pdfFont{{familyHei, hei}, {familyKai, optional(KaiCandidates)}, {familyBody, optional(SerifCandidates)}}, nil
}

type pdfWriter struct{ pdf *fpdf.Fpdf }

func (p *pdfWriter) font(family string, pt float64) { p.pdf.SetFont(family, "", pt) }

// room starts a new page unless h mm fit above the text block's end.
func (p *pdfWriter) room(h float64) {
	if p.pdf.GetY()+h > pageBottomY {
		p.pdf.AddPage()
	}
}

// lines writes text wrapped to the text block, each line lead mm apart,
// the first indented by indent characters, a line at a time so that a page
// break may come between any two lines.
func (p *pdfWriter) lines(text, family string, pt, lead float64, indent float64, align string, left float64) {
	p.font(family, pt)
	em := pt * 25.4 / 72
	width := pageWidth - left
	first := true
	for _, part := range strings.Split(text, "\n") {
		for _, line := range p.wrapFirst(part, width, indent*em) {
			p.room(lead)
			x := pdfLeft + left
			w := width
			if first && indent > 0 {
				x += indent * em
				w -= indent * em
			}
			p.pdf.SetXY(x, p.pdf.GetY())
			p.pdf.CellFormat(w, lead, line, "", 2, align, false, 0, "")
			first = false
		}
	}
}

// wrapFirst wraps text to width, its first line indent narrower.
func (p *pdfWriter) wrapFirst(text string, width, indent float64) []string {
	if indent == 0 {
		return p.wrap(text, width)
	}
	first := p.wrap(text, width-indent)
	if len(first) <= 1 {
		return first
	}
	rest := strings.Join(first[1:], "")
	return append(first[:1], p.wrap(rest, width)...)
}

// head writes the 版头, the title and 主送 (Letterhead).
func (p *pdfWriter) head(h Letterhead) {
	pdf := p.pdf
	// The issuer's name in red, as large as fits the width (at most 小初).
	size := 36.0
	p.font(familyHei, size)
	if w := pdf.GetStringWidth(h.Issuer); w > pageWidth {
		size *= pageWidth / w * 0.98
	}
	pdf.SetY(pdfTop + 8)
	pdf.SetTextColor(255, 0, 0)
	p.font(familyHei, size)
	pdf.CellFormat(pageWidth, size*25.4/72+4, h.Issuer, "", 2, "C", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
	pdf.Ln(8)
	p.font(familyBody, bodyPt)
	pdf.CellFormat(pageWidth, bodyLead, h.Number, "", 2, "C", false, 0, "")
	y := pdf.GetY() + 2
	pdf.SetDrawColor(255, 0, 0)
	pdf.SetLineWidth(0.6)
	pdf.Line(pdfLeft, y, pdfLeft+pageWidth, y)
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetLineWidth(0.2)
	pdf.SetY(y + bodyLead)
	p.font(familyHei, 22)
	for _, line := range h.Title {
		for _, l := range p.wrap(line, pageWidth) {
			pdf.CellFormat(pageWidth, 12, l, "", 2, "C", false, 0, "")
		}
	}
	pdf.Ln(bodyLead / 2)
	p.lines(h.To, familyBody, bodyPt, bodyLead, 0, "L", 0)
}

func (p *pdfWriter) block(b Block) {
	switch b.Kind {
	case BlockHeading1:
		p.room(3 * bodyLead) // with two lines of what follows
		p.lines(b.Text, familyHei, bodyPt, bodyLead, 2, "L", 0)
	case BlockHeading2:
		p.room(3 * bodyLead)
		p.lines(b.Text, familyKai, bodyPt, bodyLead, 2, "L", 0)
	case BlockParagraph:
		p.lines(b.Text, familyBody, bodyPt, bodyLead, 2, "L", 0)
	case BlockNote:
		p.lines(b.Text, familyKai, notePt, 7.5, 2, "L", 11)
	case BlockTable:
		p.table(b.Table)
	case BlockChart:
		p.scene(*b.Chart)
	}
}

// tail writes 落款, 成文日期 and the 版记 (Closing), the 版记 at the foot
// of the last page.
func (p *pdfWriter) tail(c Closing) {
	pdf := p.pdf
	pdf.Ln(bodyLead)
	p.room(2 * bodyLead)
	p.font(familyBody, bodyPt)
	right := pageWidth - 4*bodyPt*25.4/72 // 右空四字
	if w := max(pdf.GetStringWidth(c.Signature), pdf.GetStringWidth(c.Date)) + 2*pdf.GetCellMargin(); w > right {
		right = pageWidth
	}
	pdf.SetX(pdfLeft)
	pdf.CellFormat(right, bodyLead, c.Signature, "", 2, "R", false, 0, "")
	pdf.SetX(pdfLeft)
	pdf.CellFormat(right, bodyLead, c.Date, "", 2, "R", false, 0, "")
	// 版记: 抄送 between a thick and a thin rule, 印发机关 and 印发日期
	// above a thick one, the date on a line of its own when both do not
	// fit on one; a character from either end.
	const line = 7.0 // mm
	p.font(familyBody, notePt)
	em := notePt * 25.4 / 72
	// 抄送 wraps under the first character after its colon (GB/T 9704 7.4.2).
	label := pdf.GetStringWidth("抄送：")
	cc := p.wrap(c.CC, pageWidth-2*em)
	if len(cc) > 1 {
		cc = append(cc[:1], p.wrap(strings.Join(cc[1:], ""), pageWidth-2*em-label)...)
	}
	printedLines := 1
	if pdf.GetStringWidth(c.PrintedBy)+pdf.GetStringWidth(c.Printed)+em+4*pdf.GetCellMargin() > pageWidth-2*em {
		printedLines = 2
	}
	h := float64(len(cc)+printedLines)*line + 4 // 1 mm about each rule
	p.room(h + bodyLead)
	y := max(pdf.GetY()+bodyLead, pageBottomY-h) // at the foot of the last page
	pdf.SetLineWidth(0.35)
	pdf.Line(pdfLeft, y, pdfLeft+pageWidth, y)
	pdf.SetY(y + 1)
	for i, l := range cc {
		x := pdfLeft + em
		if i > 0 {
			x += label
		}
		pdf.SetX(x)
		pdf.CellFormat(pdfLeft+pageWidth-em-x, line, l, "", 2, "L", false, 0, "")
	}
	pdf.SetLineWidth(0.25)
	y = pdf.GetY() + 1
	pdf.Line(pdfLeft, y, pdfLeft+pageWidth, y)
	pdf.SetXY(pdfLeft+em, y+1)
	if printedLines == 2 {
		pdf.CellFormat(pageWidth-2*em, line, c.PrintedBy, "", 2, "L", false, 0, "")
	} else {
		pdf.CellFormat(pageWidth-2*em, line, c.PrintedBy, "", 0, "L", false, 0, "")
	}
	pdf.SetX(pdfLeft + em)
	pdf.CellFormat(pageWidth-2*em, line, c.Printed, "", 2, "R", false, 0, "")
	y = pdf.GetY() + 1
	pdf.SetLineWidth(0.35)
	pdf.Line(pdfLeft, y, pdfLeft+pageWidth, y)
	pdf.SetLineWidth(0.2)
}

// table writes a bordered table as wide as the text block, its columns
// shared by what they hold (Table.widths, measured in the PDF's font), the
// header row repeated on every page and no row split. A row is as tall as
// its cells are when drawn: the same wrapping measures and draws them.
func (p *pdfWriter) table(t *Table) {
	pdf := p.pdf
	pt := tablePt
	if len(t.Columns) > 7 {
		pt = smallPt
	}
	const cellMargin, lamp, pad = 1.0, 3.2, 0.9
	pdf.SetCellMargin(cellMargin)
	defer pdf.SetCellMargin(1)
	p.font(familyHei, pt)
	lead := pt * 25.4 / 72 * 1.3
	widths := t.widths(pageWidth, 2*cellMargin+0.3, func(s string) float64 {
		if rest, ok := strings.CutPrefix(s, "●"); ok {
			return pdf.GetStringWidth(rest) + lamp
		}
		return pdf.GetStringWidth(s)
	})
	// cell is a cell's lines and the lamp it shows, if any.
	cell := func(i int, text string, head bool) ([]string, present.Light, bool) {
		w := widths[i]
		l, isLight := t.lamp(i, text, head)
		if isLight {
			w -= lamp
		}
		var out []string
		for _, part := range strings.Split(text, "\n") {
			out = append(out, p.wrap(part, w)...)
		}
		return out, l, isLight
	}
	height := func(cells []string, head bool) float64 {
		n := 1
		for i := range t.Columns {
			if i < len(cells) {
				ls, _, _ := cell(i, cells[i], head)
				n = max(n, len(ls))
			}
		}
		return float64(n)*lead + 2*pad
	}
	draw := func(cells []string, head bool) {
		h := height(cells, head)
		if pdf.GetY()+h > pageBottomY {
			pdf.AddPage()
			if !head {
				draw0(p, t, widths, cell, height(t.titles(), true), lead, pad, lamp, t.titles(), true)
			}
		}
		draw0(p, t, widths, cell, h, lead, pad, lamp, cells, head)
	}
	first := lead + 2*pad
	if len(t.Rows) > 0 {
		first = height(t.Rows[0], false)
	}
	p.room(height(t.titles(), true) + first) // the header with its first row
	draw(t.titles(), true)
	for _, r := range t.Rows {
		draw(r, false)
	}
	pdf.SetY(pdf.GetY() + 3)
}

// draw0 draws one row of a table, h high, at the current position.
func draw0(p *pdfWriter, t *Table, widths []float64, cell func(int, string, bool) ([]string, present.Light, bool),
	h, lead, pad, lamp float64, cells []string, head bool) {
	pdf := p.pdf
	x, y := pdfLeft, pdf.GetY()
	for i, col := range t.Columns {
		text := ""
		if i < len(cells) {
			text = cells[i]
		}
		style := "D"
		if head {
			pdf.SetFillColor(232, 232, 232)
			style = "FD"
		}
		pdf.Rect(x, y, widths[i], h, style)
		lines, l, isLight := cell(i, text, head)
		tx, tw := x, widths[i]
		if isLight {
			r, g, b := rgb(l.Color())
			pdf.SetFillColor(r, g, b)
			pdf.Circle(x+pdf.GetCellMargin()+1.2, y+pad+lead/2, 1.2, "F")
			tx, tw = x+lamp, widths[i]-lamp
		}
		align := col.Align
		if head {
			align = "C"
		}
		for k, l := range lines {
			pdf.SetXY(tx, y+pad+float64(k)*lead)
			pdf.CellFormat(tw, lead, l, "", 0, align, false, 0, "")
		}
		x += widths[i]
	}
	pdf.SetXY(pdfLeft, y+h)
}

// wrap breaks text into lines that fit width (less the cell margins) in
// the current font (wrapText: never inside a number or a date unless it is
// longer than a line).
func (p *pdfWriter) wrap(text string, width float64) []string {
	return wrapText(text, width-2*p.pdf.GetCellMargin(), p.pdf.GetStringWidth)
}

// scene draws a chart laid out by package chart, centred: page charts as
// wide as the text block, small ones three quarters of it, any chart
// scaled down to fit a page, on a new page when it does not fit the rest
// of this one.
func (p *pdfWriter) scene(s chart.Scene) {
	pdf := p.pdf
	widthMM := pageWidth
	if s.Width < 600 {
		widthMM *= 0.75
	}
	full := pageBottomY - pdfTop - 4
	scale := min(widthMM/s.Width, full/s.Height)
	widthMM, h := s.Width*scale, s.Height*scale
	p.room(h + 4)
	ox := pdfLeft + (pageWidth-widthMM)/2
	oy := pdf.GetY() + 2
	at := func(pt chart.Point) (float64, float64) { return ox + pt.X*scale, oy + pt.Y*scale }
	for _, sh := range s.Shapes {
		if sh.Stroke != "" {
			r, g, b := rgb(sh.Stroke)
			pdf.SetDrawColor(r, g, b)
			pdf.SetLineWidth(sh.Width * scale)
			var dash []float64
			for _, d := range sh.Dash {
				dash = append(dash, d*scale)
			}
			pdf.SetDashPattern(dash, 0)
		}
		if sh.Fill != "" {
			r, g, b := rgb(sh.Fill)
			pdf.SetFillColor(r, g, b)
			pdf.SetTextColor(r, g, b)
		}
		style := paintStyle(sh)
		switch sh.Kind {
		case chart.KindLine:
			x, y := at(sh.Points[0])
			pdf.MoveTo(x, y)
			for _, pt := range sh.Points[1:] {
				x, y := at(pt)
				pdf.LineTo(x, y)
			}
			pdf.DrawPath("D")
		case chart.KindRect:
			x1, y1 := at(sh.Points[0])
			x2, y2 := at(sh.Points[1])
			pdf.Rect(x1, y1, x2-x1, y2-y1, style)
		case chart.KindCircle:
			x, y := at(sh.Points[0])
			pdf.Circle(x, y, sh.Radius*scale, style)
		case chart.KindText:
			pdf.SetFont(familyHei, "", sh.Size*scale*72/25.4)
			x, y := at(sh.Points[0])
			w := pdf.GetStringWidth(sh.Text)
			switch sh.Anchor {
			case chart.AnchorMiddle:
				x -= w / 2
			case chart.AnchorEnd:
				x -= w
			}
			pdf.Text(x, y, sh.Text)
		}
		pdf.SetDashPattern(nil, 0)
	}
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetTextColor(0, 0, 0)
	pdf.SetLineWidth(0.2)
	pdf.SetXY(pdfLeft, oy+h+2)
}

func paintStyle(sh chart.Shape) string {
	switch {
	case sh.Fill != "" && sh.Stroke != "":
		return "FD"
	case sh.Fill != "":
		return "F"
	}
	return "D"
}

// rgb reads "#rrggbb".
func rgb(hex string) (r, g, b int) {
	if _, err := fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b); err != nil {
		return 0, 0, 0
	}
	return r, g, b
}
