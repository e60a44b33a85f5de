package report

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/yanfeng/kpimon/internal/chart"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

//go:embed templates/circular.html
var circularHTML string

//go:embed templates/circular.css
var circularCSS string

var circularTemplate = template.Must(template.New("circular").Parse(circularHTML))

// StyleSource is the Content-Security-Policy source that allows the
// circular's one inline stylesheet and nothing else: a page serving the
// HTML keeps script and every other inline style refused.
func StyleSource() string {
	sum := sha256.Sum256([]byte(circularCSS))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// htmlView is what the template reads.
type htmlView struct {
	C        *Circular
	CSS      template.CSS
	Head     Letterhead
	Close    Closing
	Sections []htmlSection
	Footer   string
}

// htmlSection is a first-level section of the outline (or the opening
// paragraph, before the first heading).
type htmlSection struct {
	ID      string
	Heading string
	Blocks  []htmlBlock
}

type htmlBlock struct {
	Block
	SVG   template.HTML
	Rows  [][]htmlCell
	Class string // the table's class: wide tables scroll on a phone
}

type htmlCell struct {
	Text  string
	Light present.Light // a lamp before the text, when set
	Num   bool
	// Class keeps a column readable on a phone: unit (责任单位) and
	// change (需年均变化) keep room, lamp (信号灯) stays on one line.
	Class string
}

// WriteHTML writes the circular as one self-contained, print-ready HTML
// page with the sections of the .docx and the PDF: charts inline as SVG,
// no script; on a phone the text reflows and wide tables scroll inside
// their own box. c.BackLink, when set, is a link back to the site.
func WriteHTML(w io.Writer, c Circular) error {
	v := htmlView{C: &c, CSS: template.CSS(circularCSS), Head: c.Letterhead(), Close: c.Closing()}
	sec := htmlSection{ID: "opening"}
	for _, b := range c.Outline() {
		if b.Kind == BlockHeading1 {
			v.Sections = append(v.Sections, sec)
			sec = htmlSection{ID: fmt.Sprintf("s%d", len(v.Sections)), Heading: b.Text}
			continue
		}
		hb := htmlBlock{Block: b}
		switch b.Kind {
		case BlockChart:
			scene := b.Chart
			if b.Task != 0 {
				if b.Screen == nil {
					continue // a part of a split chart: the first part's screen chart is whole
				}
				scene = b.Screen
			}
			hb.SVG = svgHTML(*scene)
		case BlockTable:
			for _, row := range b.Table.Rows {
				var cells []htmlCell
				for i, text := range row {
					hc := htmlCell{Text: text, Num: b.Table.Columns[i].Align == "R", Class: cellClass[b.Table.Columns[i].Title]}
					if l, ok := b.Table.lamp(i, text, false); ok {
						hc.Light = l
					}
					cells = append(cells, hc)
				}
				hb.Rows = append(hb.Rows, cells)
			}
			if len(b.Table.Columns) > 5 {
				hb.Class = "wide"
			}
		}
		sec.Blocks = append(sec.Blocks, hb)
	}
	v.Sections = append(v.Sections, sec)
	if !c.Made.IsZero() {
		v.Footer = "kpimon 生成于" + present.Date(c.Made)
	}
	if err := circularTemplate.Execute(w, v); err != nil {
		return fmt.Errorf("report: write HTML: %w", err)
	}
	return nil
}

// cellClass is the class of a column's cells by its title (htmlCell.Class).
var cellClass = map[string]string{"责任单位": "unit", "需年均变化": "change", "信号灯": "lamp"}

// svgHTML is a scene's SVG as trusted HTML: chart escapes every text.
func svgHTML(s chart.Scene) template.HTML { return template.HTML(s.String()) }

// Intro is the cover's opening sentence: how many indicators, how many of
// each status, the share achieved or on track, reports overdue.
func (c Circular) Intro() string {
	s := c.Summary
	var parts []string
	for _, sc := range s.Statuses {
		parts = append(parts, fmt.Sprintf("%s%d项", sc.Word, sc.Count))
	}
	share := s.GoodShare
	text := fmt.Sprintf("%s，纳入监测的指标共%d项", c.AsOfText, s.Total)
	if len(parts) > 0 {
		text += "，其中" + strings.Join(parts, "、")
	}
	text += fmt.Sprintf("；已达标或正常推进的%d项，占%s", s.Good, present.Ratio(&share))
	if s.Overdue > 0 {
		text += fmt.Sprintf("；逾期未报送数据的%d项", s.Overdue)
	}
	return text + "。"
}

// LightLegend says which statuses each light stands for:
// "绿灯：已达标、正常推进；黄灯：…".
func (c Circular) LightLegend() string {
	var parts []string
	for _, l := range present.LightOrder {
		var words []string
		for _, st := range kpi.Statuses {
			if c.Lights.Of(st) == l {
				words = append(words, present.Status(st))
			}
		}
		if len(words) > 0 {
			parts = append(parts, l.Word()+"："+strings.Join(words, "、"))
		}
	}
	return strings.Join(parts, "；")
}
