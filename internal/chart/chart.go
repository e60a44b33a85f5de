// Package chart lays out kpimon's two kinds of chart — an indicator's
// figures over time against its target, and bars of counts — as a Scene of
// plain shapes, which SVG writes for web pages and the circular's HTML and
// which the circular's PDF draws with its own pen.
//
// It is a small writer of its own rather than go-chart or gonum/plot: both
// measure and draw text with a built-in Latin font (Chinese labels come out
// as boxes or mis-measured), neither draws into fpdf, and the charts needed
// are two. Text here is laid out by an estimate (a CJK character one em, a
// Latin one about half) and rendered by whoever shows the scene, with a
// font that has the glyphs (the browser's, the PDF's embedded font).
//
// The SVG carries presentation attributes only, no style attribute and no
// script, so pages under a strict Content-Security-Policy show it inline.
package chart

import (
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"strings"
)

// Shape is one thing drawn. Coordinates are in the scene's units, origin
// top left, y down.
type Shape struct {
	Kind   ShapeKind
	Points []Point // polyline: every point; line: two; rect: top-left and bottom-right; circle: centre
	Radius float64
	Stroke string // colour "#rrggbb", "" for none
	Fill   string // colour, "" for none
	Width  float64
	Dash   []float64 // dash pattern, nil for solid
	Text   string
	Size   float64 // font size of a text
	Anchor Anchor
	Bold   bool
}

// ShapeKind says what a Shape is.
type ShapeKind int

const (
	KindLine ShapeKind = iota
	KindRect
	KindCircle
	KindText
)

// Anchor is where a text's point lies along the text.
type Anchor int

const (
	AnchorStart Anchor = iota
	AnchorMiddle
	AnchorEnd
)

// Point is a position in a scene (or, before layout, a data point).
type Point struct{ X, Y float64 }

// Scene is a chart laid out: its size and its shapes in drawing order.
type Scene struct {
	Width, Height float64
	Title         string // the chart's accessible name
	Shapes        []Shape
}

func (s *Scene) add(sh Shape) { s.Shapes = append(s.Shapes, sh) }

func (s *Scene) text(x, y float64, size float64, anchor Anchor, color, text string) {
	s.add(Shape{Kind: KindText, Points: []Point{{x, y}}, Size: size, Anchor: anchor, Fill: color, Text: text})
}

// TextWidth estimates how wide text is at size: a CJK or other wide
// character one em, a Latin letter or digit a little over half.
func TextWidth(text string, size float64) float64 {
	w := 0.0
	for _, r := range text {
		switch {
		case r >= 0x2E80, r >= 0x2010 && r <= 0x206F: // CJK; quotes and dashes, wide in CJK fonts
			w += 1
		case r == ' ' || r == '.' || r == ',' || r == ':' || r == '(' || r == ')':
			w += 0.3
		default:
			w += 0.58
		}
	}
	return w * size
}

// SVG writes the scene as an SVG element that scales to the width of its
// container and keeps its proportions.
func (s Scene) SVG(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="100%%" preserveAspectRatio="xMidYMid meet" role="img" aria-label="%s" font-family="'Noto Sans CJK SC','WenQuanYi Micro Hei','Droid Sans Fallback','Microsoft YaHei',sans-serif">`,
		num(s.Width), num(s.Height), html.EscapeString(s.Title))
	if s.Title != "" {
		fmt.Fprintf(&b, "<title>%s</title>", html.EscapeString(s.Title))
	}
	for _, sh := range s.Shapes {
		switch sh.Kind {
		case KindLine:
			if len(sh.Points) == 2 {
				fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s"%s/>`,
					num(sh.Points[0].X), num(sh.Points[0].Y), num(sh.Points[1].X), num(sh.Points[1].Y), paint(sh))
				continue
			}
			var pts []string
			for _, p := range sh.Points {
				pts = append(pts, num(p.X)+","+num(p.Y))
			}
			fmt.Fprintf(&b, `<polyline points="%s"%s/>`, strings.Join(pts, " "), paint(sh))
		case KindRect:
			a, c := sh.Points[0], sh.Points[1]
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s"%s/>`,
				num(a.X), num(a.Y), num(c.X-a.X), num(c.Y-a.Y), paint(sh))
		case KindCircle:
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="%s"%s/>`, num(sh.Points[0].X), num(sh.Points[0].Y), num(sh.Radius), paint(sh))
		case KindText:
			anchor := ""
			switch sh.Anchor {
			case AnchorMiddle:
				anchor = ` text-anchor="middle"`
			case AnchorEnd:
				anchor = ` text-anchor="end"`
			}
			weight := ""
			if sh.Bold {
				weight = ` font-weight="bold"`
			}
			fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="%s" fill="%s"%s%s>%s</text>`,
				num(sh.Points[0].X), num(sh.Points[0].Y), num(sh.Size), sh.Fill, anchor, weight, html.EscapeString(sh.Text))
		}
	}
	b.WriteString("</svg>")
	_, err := io.WriteString(w, b.String())
	return err
}

// String returns the scene's SVG.
func (s Scene) String() string {
	var b strings.Builder
	_ = s.SVG(&b)
	return b.String()
}

func paint(sh Shape) string {
	var b strings.Builder
	fill := sh.Fill
	if fill == "" {
		fill = "none"
	}
	fmt.Fprintf(&b, ` fill="%s"`, fill)
	if sh.Stroke != "" {
		fmt.Fprintf(&b, ` stroke="%s" stroke-width="%s"`, sh.Stroke, num(sh.Width))
		if len(sh.Dash) > 0 {
			var d []string
			for _, x := range sh.Dash {
				d = append(d, num(x))
			}
			fmt.Fprintf(&b, ` stroke-dasharray="%s"`, strings.Join(d, " "))
		}
	}
	return b.String()
}

// num prints a coordinate with at most two decimals.
func num(x float64) string {
	return strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64)
}
