package report

import (
	"fmt"
	"io"
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

// Page geometry of the PDF in millimetres (A4 portrait).
const (
	pageMargin = 12.0
	pageWidth  = 210.0 - 2*pageMargin
	lineHeight = 4.2
	bodyPt     = 10.0
	tablePt    = 7.5
)

// WritePDF writes the circular as an A4 PDF with Chinese text: the cover
// summary, the changes, the lagging paragraph and the unit ranking, then
// one page (or more) per task with its table and chart.
func WritePDF(w io.Writer, c Circular, opts PDFOptions) error {
	font, err := FindFont(opts.FontFile)
	if err != nil {
		return err
	}
	fontBytes, err := loadFont(font)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	p := &pdfWriter{pdf: fpdf.New("P", "mm", "A4", "")}
	pdf := p.pdf
	pdf.SetTitle(c.Title, true)
	pdf.SetCreator("kpimon", true)
	if !c.Made.IsZero() {
		pdf.SetCreationDate(c.Made)
		pdf.SetModificationDate(c.Made)
	}
	pdf.AddUTF8FontFromBytes("cjk", "", fontBytes)
	pdf.SetMargins(pageMargin, pageMargin+2, pageMargin)
	pdf.SetAutoPageBreak(true, pageMargin+4)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-pageMargin)
		p.font(8)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 4, fmt.Sprintf("%s · 第%d页，共{nb}页", c.AsOfText, pdf.PageNo()), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("report: PDF font %s: %w", font, err)
	}

	pdf.AddPage()
	p.font(16)
	p.multiCell(pageWidth, 9, c.Title, "C")
	p.font(12)
	sub := "（" + c.AsOfText
	if c.Unit != "" {
		sub += " · " + c.Unit
	}
	p.multiCell(pageWidth, 7, sub+"）", "C")
	pdf.Ln(3)

	p.heading("一、总体情况")
	p.paragraph(c.Intro())
	p.lightCounts(c.Summary)
	p.table([]column{{"状态", 60, "L"}, {"信号灯", 60, "L"}, {"指标数", 30, "R"}}, func(row func(...string)) {
		for _, sc := range c.Summary.Statuses {
			row(sc.Word, sc.Light.Word(), fmt.Sprint(sc.Count))
		}
		row("合计", "", fmt.Sprint(c.Summary.Total))
	})
	p.scene(c.StatusChart, 120)
	p.paragraph("信号灯对应：" + c.LightLegend() + "。")

	n := 2
	if ch := c.Changes; ch != nil {
		p.heading("二、较上期（" + ch.PreviousText + "）变化")
		var names []string
		for _, r := range ch.NewFigures {
			names = append(names, r.Name)
		}
		p.paragraph(fmt.Sprintf("新报送数据的指标%d项%s。", len(names), listed(names, "、")))
		p.paragraph(fmt.Sprintf("状态好转%d项%s。", len(ch.Up), listed(statusChanges(ch.Up), "；")))
		p.paragraph(fmt.Sprintf("状态退步%d项%s。", len(ch.Down), listed(statusChanges(ch.Down), "；")))
		n = 3
	}
	p.heading(sectionNumber(n) + "、需重点关注的指标")
	if len(c.Attention) == 0 {
		p.paragraph("无进度滞后、严重滞后、不进反退或逾期未达标的指标。")
	}
	for _, g := range c.Attention {
		p.paragraph(g.Sentence())
	}
	p.heading(sectionNumber(n+1) + "、责任单位排名")
	p.table([]column{{"名次", 12, "R"}, {"责任单位", 50, "L"}, {"指标数", 18, "R"}, {"达标或正常推进", 26, "R"}, {"占比", 20, "R"}, {"滞后", 16, "R"}, {"逾期未达标", 24, "R"}, {"逾期未报", 20, "R"}}, func(row func(...string)) {
		for _, u := range c.Units {
			share := u.GoodShare
			row(fmt.Sprint(u.Rank), u.Unit, fmt.Sprint(u.Total), fmt.Sprint(u.Good), present.Ratio(&share), fmt.Sprint(u.Lagging), fmt.Sprint(u.Missed), fmt.Sprint(u.Overdue))
		}
	})

	for _, t := range c.Tasks {
		pdf.AddPage()
		p.heading(t.Heading())
		p.table(taskColumns, func(row func(...string)) {
			for _, r := range t.Rows {
				status := r.StatusWord
				if r.Reason != "" {
					status += "\n" + r.Reason
				}
				if r.Overdue != "" {
					status += "\n" + r.Overdue
				}
				row(r.Name, r.LeadUnits, r.Target, r.Deadline, r.Actual, r.Period, r.Completion, r.Pace, r.Required, r.LightWord, status)
			}
		})
		p.scene(t.Chart, pageWidth*0.9)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("report: write PDF: %w", err)
	}
	return nil
}

var taskColumns = []column{
	{"指标", 29, "L"}, {"责任单位", 18, "L"}, {"目标", 19, "L"}, {"时限", 11, "L"}, {"最新数据", 17, "R"}, {"报告期", 12, "L"},
	{"完成进度", 13, "R"}, {"进度比", 12, "R"}, {"需年均变化", 24, "L"}, {"信号灯", 13, "L"}, {"状态", 18 + pageWidth - 186, "L"},
}

func listed(items []string, sep string) string {
	if len(items) == 0 {
		return ""
	}
	return "：" + strings.Join(items, sep)
}

func statusChanges(cs []StatusChange) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Row.Name+"（"+c.FromWord+"→"+c.Row.StatusWord+"）")
	}
	return out
}

type pdfWriter struct{ pdf *fpdf.Fpdf }

type column struct {
	title string
	width float64
	align string
}

func (p *pdfWriter) font(pt float64) { p.pdf.SetFont("cjk", "", pt) }

func (p *pdfWriter) heading(s string) {
	p.pdf.Ln(2)
	p.font(13)
	p.pdf.CellFormat(0, 8, s, "", 1, "L", false, 0, "")
	x, y := p.pdf.GetXY()
	p.pdf.SetDrawColor(183, 28, 28)
	p.pdf.SetLineWidth(0.5)
	p.pdf.Line(x, y, x+pageWidth, y)
	p.pdf.SetLineWidth(0.2)
	p.pdf.SetDrawColor(0, 0, 0)
	p.pdf.Ln(2)
}

// paragraph writes text indented two characters, as Chinese prose is.
func (p *pdfWriter) paragraph(s string) {
	p.font(bodyPt)
	p.multiCell(pageWidth, 5.5, "　　"+s, "L")
	p.pdf.Ln(1)
}

func (p *pdfWriter) lightCounts(s Summary) {
	p.font(12)
	x := p.pdf.GetX() + 20
	y := p.pdf.GetY() + 4
	for _, lc := range s.Lights {
		r, g, b := rgb(lc.Light.Color())
		p.pdf.SetFillColor(r, g, b)
		p.pdf.Circle(x, y, 2, "F")
		label := fmt.Sprintf("%s %d项", lc.Word, lc.Count)
		p.pdf.Text(x+3.5, y+1.5, label)
		x += 8 + p.pdf.GetStringWidth(label)
	}
	p.pdf.SetY(y + 6)
}

// table writes a bordered table with a grey header row, wrapping cells to
// their column and repeating the header on a new page.
func (p *pdfWriter) table(cols []column, rows func(row func(...string))) {
	pdf := p.pdf
	_, pageH := pdf.GetPageSize()
	_, _, _, bottom := pdf.GetMargins()
	header := func() {
		p.font(tablePt)
		pdf.SetFillColor(235, 235, 235)
		h := p.rowHeight(cols, titles(cols))
		p.drawRow(cols, titles(cols), h, true)
	}
	header()
	rows(func(cells ...string) {
		p.font(tablePt)
		h := p.rowHeight(cols, cells)
		if pdf.GetY()+h > pageH-bottom-2 {
			pdf.AddPage()
			header()
			p.font(tablePt)
		}
		p.drawRow(cols, cells, h, false)
	})
	pdf.Ln(3)
}

func titles(cols []column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.title
	}
	return out
}

func (p *pdfWriter) rowHeight(cols []column, cells []string) float64 {
	lines := 1
	for i, c := range cols {
		if i < len(cells) {
			lines = max(lines, p.lineCount(cells[i], c.width))
		}
	}
	return float64(lines)*lineHeight*0.85 + 1.6
}

// multiCell writes text wrapped to width. fpdf's own wrapping drops the
// character it breaks a Chinese line at (it takes it for a space), so
// lines are broken here and handed to fpdf as explicit line breaks.
func (p *pdfWriter) multiCell(width, h float64, text, align string) {
	var lines []string
	for _, part := range strings.Split(text, "\n") {
		lines = append(lines, p.wrap(part, width)...)
	}
	p.pdf.MultiCell(width, h, strings.Join(lines, "\n"), "", align, false)
}

// noLineStart are the characters Chinese typesetting keeps off the start
// of a line: the character before them moves down with them.
const noLineStart = "，。；：、）》”’！？%"

// wrap breaks text into lines that fit width (less the cell margins) in
// the current font: anywhere between Chinese characters, between Latin
// words and numbers, never inside one (unless it is longer than a line).
func (p *pdfWriter) wrap(text string, width float64) []string {
	limit := width - 2*p.pdf.GetCellMargin()
	var lines []string
	rs := []rune(text)
	start, w := 0, 0.0
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		cw := p.pdf.GetStringWidth(string(r))
		if w+cw > limit && i > start {
			// Break before r unless r may not start a line, or r and the
			// character before are one Latin word or number ("8.2%").
			brk := i
			for brk-1 > start && (strings.ContainsRune(noLineStart, rs[brk]) || (latin(rs[brk]) && latin(rs[brk-1]))) {
				brk--
			}
			lines = append(lines, strings.TrimRight(string(rs[start:brk]), " "))
			start = brk
			w = p.pdf.GetStringWidth(string(rs[start:i]))
		}
		w += cw
	}
	return append(lines, string(rs[start:]))
}

func (p *pdfWriter) lineCount(text string, width float64) int {
	n := 0
	for _, part := range strings.Split(text, "\n") {
		n += max(1, len(p.wrap(part, width)))
	}
	return n
}

func (p *pdfWriter) drawRow(cols []column, cells []string, h float64, head bool) {
	pdf := p.pdf
	x0, y := pdf.GetXY()
	x := x0
	for i, c := range cols {
		text := ""
		if i < len(cells) {
			text = cells[i]
		}
		style := "D"
		if head {
			style = "FD"
		}
		pdf.Rect(x, y, c.width, h, style)
		align := c.align
		if head {
			align = "C"
		}
		pdf.SetXY(x, y+0.8)
		if l, ok := lightNamed(text); ok && !head {
			// A lamp before the light's name, as the HTML shows it.
			r, g, b := rgb(l.Color())
			pdf.SetFillColor(r, g, b)
			pdf.Circle(x+2.2, y+0.8+lineHeight*0.45, 1.3, "F")
			pdf.SetFillColor(235, 235, 235)
			pdf.SetXY(x+3.2, y+0.8)
			p.multiCell(c.width-3.2, lineHeight*0.85, text, align)
		} else {
			p.multiCell(c.width, lineHeight*0.85, text, align)
		}
		x += c.width
	}
	pdf.SetXY(x0, y+h)
}

// scene draws a chart laid out by package chart, widthMM wide, centred,
// starting a new page when it does not fit.
func (p *pdfWriter) scene(s chart.Scene, widthMM float64) {
	pdf := p.pdf
	scale := widthMM / s.Width
	h := s.Height * scale
	_, pageH := pdf.GetPageSize()
	_, _, _, bottom := pdf.GetMargins()
	if pdf.GetY()+h > pageH-bottom {
		pdf.AddPage()
	}
	ox := pageMargin + (pageWidth-widthMM)/2
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
			pdf.SetFont("cjk", "", sh.Size*scale*72/25.4)
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
	pdf.SetY(oy + h + 2)
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

// latin reports whether r belongs to a Latin word or a number: not wide, not a space.
func latin(r rune) bool { return r < 0x2E80 && r != ' ' }

// lightNamed returns the light a table cell names (绿灯, 红灯 …).
func lightNamed(text string) (Light, bool) {
	for _, l := range LightOrder {
		if text == l.Word() {
			return l, true
		}
	}
	return "", false
}
