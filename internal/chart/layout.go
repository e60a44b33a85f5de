package chart

import (
	"cmp"
	"math"
	"strconv"
)

// Sizes of every chart, in scene units (CSS pixels at full size). A chart
// scales to its container; these keep labels readable on a phone, where
// 480 units shrink to about 340 pixels (text of 14 units to 10 px).
const (
	chartWidth = 480.0
	fontSize   = 15.0
	smallFont  = 14.0
	textColor  = "#222222"
	gridColor  = "#dddddd"
	axisColor  = "#888888"
)

// Series is one line of a TimeChart: data points (X a fractional year as
// kpi.YearFraction gives it, Y in the indicator's unit).
type Series struct {
	Name    string
	Points  []Point
	Color   string
	Dash    []float64 // nil: solid
	Markers bool      // a dot on every point
}

// Rule is a horizontal line across a TimeChart, such as the target.
type Rule struct {
	Y     float64
	Name  string // in the legend
	Color string
}

// TimeChart is an indicator's figures over time: lines of Series, Rules
// across, ticks at year ends labelled with the year that ends there.
type TimeChart struct {
	Title   string
	Series  []Series
	Rules   []Rule
	X0, X1  float64              // the time shown, fractional years
	Format  func(float64) string // a y tick's label
	MinStep float64              // smallest y tick step (1 for counts); 0: any
}

// Layout lays the chart out.
func (c TimeChart) Layout() Scene {
	s := Scene{Width: chartWidth, Title: c.Title}
	legendBottom := s.legend(legendItems(c), 8)

	lo, hi := math.Inf(1), math.Inf(-1)
	for _, se := range c.Series {
		for _, p := range se.Points {
			lo, hi = math.Min(lo, p.Y), math.Max(hi, p.Y)
		}
	}
	for _, r := range c.Rules {
		lo, hi = math.Min(lo, r.Y), math.Max(hi, r.Y)
	}
	if math.IsInf(lo, 0) {
		lo, hi = 0, 1
	}
	if lo > 0 && lo < 0.4*hi {
		lo = 0
	}
	if hi-lo < 1e-9 {
		pad := math.Max(math.Abs(hi)*0.1, 1)
		lo, hi = lo-pad, hi+pad
	}
	step := niceStep((hi-lo)/4, c.MinStep)
	lo = math.Floor(lo/step) * step
	hi = math.Ceil(hi/step) * step
	format := c.Format
	if format == nil {
		format = func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	}
	labelWidth := 0.0
	for v := lo; v <= hi+step/2; v += step {
		labelWidth = math.Max(labelWidth, TextWidth(format(v), smallFont))
	}

	plotH := 220.0
	left, right := labelWidth+14, chartWidth-16
	top := legendBottom + 10
	bottom := top + plotH
	s.Height = bottom + 30
	x0, x1 := c.X0, c.X1
	if x1 <= x0 {
		x1 = x0 + 1
	}
	px := func(x float64) float64 { return left + (x-x0)/(x1-x0)*(right-left) }
	py := func(y float64) float64 { return bottom - (y-lo)/(hi-lo)*(bottom-top) }

	for v := lo; v <= hi+step/2; v += step {
		y := py(v)
		s.add(Shape{Kind: KindLine, Points: []Point{{left, y}, {right, y}}, Stroke: gridColor, Width: 1})
		s.text(left-6, y+smallFont*0.35, smallFont, AnchorEnd, textColor, format(v))
	}
	s.add(Shape{Kind: KindLine, Points: []Point{{left, bottom}, {right, bottom}}, Stroke: axisColor, Width: 1})
	// Ticks at year ends, thinned so labels do not collide.
	first, last := int(math.Ceil(x0)), int(math.Floor(x1))
	every := 1
	for (last-first)/every+1 > 6 {
		every++
	}
	for yr := first; yr <= last; yr += every {
		x := px(float64(yr))
		s.add(Shape{Kind: KindLine, Points: []Point{{x, bottom}, {x, bottom + 5}}, Stroke: axisColor, Width: 1})
		s.text(x, bottom+20, smallFont, AnchorMiddle, textColor, strconv.Itoa(yr-1)+"年")
	}

	for _, r := range c.Rules {
		y := py(r.Y)
		s.add(Shape{Kind: KindLine, Points: []Point{{left, y}, {right, y}}, Stroke: r.Color, Width: 2, Dash: []float64{8, 5}})
	}
	for _, se := range c.Series {
		var pts []Point
		for _, p := range se.Points {
			pts = append(pts, Point{px(p.X), py(p.Y)})
		}
		if len(pts) > 1 {
			s.add(Shape{Kind: KindLine, Points: pts, Stroke: se.Color, Width: 2.5, Dash: se.Dash})
		}
		if se.Markers || len(pts) == 1 {
			for _, p := range pts {
				s.add(Shape{Kind: KindCircle, Points: []Point{p}, Radius: 4, Fill: se.Color, Stroke: "#ffffff", Width: 1})
			}
		}
	}
	return s
}

type legendItem struct {
	name, color string
	dash        []float64
}

func legendItems(c TimeChart) []legendItem {
	var items []legendItem
	for _, se := range c.Series {
		items = append(items, legendItem{se.Name, se.Color, se.Dash})
	}
	for _, r := range c.Rules {
		items = append(items, legendItem{r.Name, r.Color, []float64{8, 5}})
	}
	return items
}

// legend draws the items in rows from y and returns the y below them.
func (s *Scene) legend(items []legendItem, y float64) float64 {
	x := 8.0
	rowH := fontSize + 8
	if len(items) == 0 {
		return y
	}
	for _, it := range items {
		w := 26 + TextWidth(it.name, smallFont) + 16
		if x+w > s.Width-8 && x > 8 {
			x, y = 8, y+rowH
		}
		mid := y + rowH/2
		if it.dash == nil {
			s.add(Shape{Kind: KindRect, Points: []Point{{x, mid - 5}, {x + 20, mid + 5}}, Fill: it.color})
		} else {
			s.add(Shape{Kind: KindLine, Points: []Point{{x, mid}, {x + 20, mid}}, Stroke: it.color, Width: 2.5, Dash: it.dash})
		}
		s.text(x+26, mid+smallFont*0.35, smallFont, AnchorStart, textColor, it.name)
		x += w
	}
	return y + rowH
}

// niceStep rounds raw up to 1, 2 or 5 times a power of ten, at least min.
func niceStep(raw, min float64) float64 {
	if raw <= 0 || math.IsNaN(raw) {
		raw = 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * p
	for _, m := range []float64{1, 2, 5} {
		if m*p >= raw {
			step = m * p
			break
		}
	}
	if min > 0 && step < min {
		step = min
	}
	return step
}

// Segment is one part of every bar of a BarChart.
type Segment struct {
	Name  string
	Color string
	Ink   string // colour of the counts written on it; default white
}

// BarRow is one bar: a label and a value per segment.
type BarRow struct {
	Label  string
	Values []float64
}

// BarChart is horizontal bars, each stacked of the chart's segments, with
// the counts written in the segments and the total after each bar.
type BarChart struct {
	Title      string
	Segments   []Segment
	Rows       []BarRow
	HideLegend bool // the rows' labels already name the segments
}

// Layout lays the chart out.
func (c BarChart) Layout() Scene {
	s := Scene{Width: chartWidth, Title: c.Title}
	var items []legendItem
	used := make([]bool, len(c.Segments))
	for _, r := range c.Rows {
		for i, v := range r.Values {
			if i < len(used) && v > 0 {
				used[i] = true
			}
		}
	}
	for i, seg := range c.Segments {
		if used[i] && !c.HideLegend {
			items = append(items, legendItem{name: seg.Name, color: seg.Color})
		}
	}
	y := s.legend(items, 8) + 6

	labelWidth := 0.0
	maxTotal := 0.0
	for _, r := range c.Rows {
		labelWidth = math.Max(labelWidth, TextWidth(r.Label, fontSize))
		total := 0.0
		for _, v := range r.Values {
			total += v
		}
		maxTotal = math.Max(maxTotal, total)
	}
	labelWidth = math.Min(labelWidth, 230)
	left := 8 + labelWidth + 8
	right := chartWidth - 40
	if maxTotal == 0 {
		maxTotal = 1
	}
	barH, gap := 24.0, 10.0
	for _, r := range c.Rows {
		s.text(8, y+barH/2+fontSize*0.35, fontSize, AnchorStart, textColor, Clip(r.Label, labelWidth, fontSize))
		x := left
		total := 0.0
		for i, v := range r.Values {
			if v <= 0 || i >= len(c.Segments) {
				continue
			}
			w := v / maxTotal * (right - left)
			s.add(Shape{Kind: KindRect, Points: []Point{{x, y}, {x + w, y + barH}}, Fill: c.Segments[i].Color})
			n := strconv.FormatFloat(v, 'f', -1, 64)
			if w >= TextWidth(n, smallFont)+6 {
				ink := c.Segments[i].Ink
				if ink == "" {
					ink = "#ffffff"
				}
				s.text(x+w/2, y+barH/2+smallFont*0.35, smallFont, AnchorMiddle, ink, n)
			}
			x += w
			total += v
		}
		s.text(x+6, y+barH/2+smallFont*0.35, smallFont, AnchorStart, textColor, strconv.FormatFloat(total, 'f', -1, 64))
		y += barH + gap
	}
	s.Height = y + 4
	return s
}

// ProgressRow is one bar of a ProgressChart: how far an indicator has come
// from its baseline to its target (1 = there), and how far it should be.
type ProgressRow struct {
	Label    string
	Value    *float64 // nil: nothing to draw (no data), the Text says why
	Expected *float64 // where a straight path would be now, a tick
	Color    string
	Text     string // written after the bar: "53.3%", "未报送"
}

// ProgressChart is horizontal bars of progress towards targets, with the
// target as a line at 100 % and each indicator's expected progress as a tick.
type ProgressChart struct {
	Title         string
	Rows          []ProgressRow
	TargetName    string // legend: 目标
	ExpectedName  string // legend: 按时序应达进度
	ProgressName  string // legend: 完成进度
	ProgressColor string
	// Width is the scene's width; 0: the width of every chart (480).
	// LabelWidth caps the labels' column; 0: 200. A page chart gives
	// both more, so long names are not cut.
	Width, LabelWidth float64
}

// Layout lays the chart out.
func (c ProgressChart) Layout() Scene {
	s := Scene{Width: chartWidth, Title: c.Title}
	if c.Width > 0 {
		s.Width = c.Width
	}
	y := s.legend([]legendItem{
		{name: c.ProgressName, color: c.ProgressColor},
		{name: c.ExpectedName, color: textColor, dash: []float64{2, 0}},
		{name: c.TargetName, color: textColor, dash: []float64{6, 4}},
	}, 8) + 6
	labelWidth := 0.0
	for _, r := range c.Rows {
		labelWidth = math.Max(labelWidth, TextWidth(r.Label, smallFont))
	}
	labelWidth = math.Min(labelWidth, cmp.Or(c.LabelWidth, 200))
	left := 8 + labelWidth + 8
	right := s.Width - 70
	const top = 1.25 // the scale runs to 125 %; further bars are cut
	px := func(v float64) float64 { return left + math.Max(0, math.Min(v, top))/top*(right-left) }
	barH, gap := 16.0, 8.0
	firstY := y
	for _, r := range c.Rows {
		s.text(8, y+barH/2+smallFont*0.35, smallFont, AnchorStart, textColor, Clip(r.Label, labelWidth, smallFont))
		s.add(Shape{Kind: KindRect, Points: []Point{{left, y}, {right, y + barH}}, Fill: "#f2f2f2"})
		if r.Value != nil {
			if end := px(*r.Value); end > left {
				s.add(Shape{Kind: KindRect, Points: []Point{{left, y}, {end, y + barH}}, Fill: r.Color})
			}
		}
		if r.Expected != nil {
			x := px(*r.Expected)
			s.add(Shape{Kind: KindLine, Points: []Point{{x, y - 3}, {x, y + barH + 3}}, Stroke: textColor, Width: 2})
		}
		s.text(right+6, y+barH/2+smallFont*0.35, smallFont, AnchorStart, textColor, r.Text)
		y += barH + gap
	}
	x := px(1)
	s.add(Shape{Kind: KindLine, Points: []Point{{x, firstY - 6}, {x, y - gap + 6}}, Stroke: textColor, Width: 1.5, Dash: []float64{6, 4}})
	s.text(x, y+smallFont, smallFont, AnchorMiddle, textColor, "100%")
	s.text(left, y+smallFont, smallFont, AnchorMiddle, textColor, "0")
	s.Height = y + smallFont + 8
	return s
}

// Clip shortens text with "…" until it fits width at size.
func Clip(text string, width, size float64) string {
	for TextWidth(text, size) > width && len([]rune(text)) > 2 {
		rs := []rune(text)
		text = string(rs[:len(rs)-2]) + "…"
	}
	return text
}
