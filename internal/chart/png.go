package chart

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// PNGOptions says how to rasterise a scene.
type PNGOptions struct {
	// Scale is pixels per scene unit (2: a 480-unit chart 960 pixels wide).
	Scale float64
	// Font draws the texts; nil leaves them out.
	Font *opentype.Font
}

// ParseFont reads a TrueType or OpenType font (not a collection: take
// its font out first, as report.FontFromCollection does).
func ParseFont(b []byte) (*opentype.Font, error) { return opentype.Parse(b) }

// PNG draws the scene on white as a PNG image, for documents that take
// pictures, not SVG (the circular's .docx). Shapes are filled with
// x/image/vector; strokes become thin polygons.
func (s Scene) PNG(w io.Writer, o PNGOptions) error {
	scale := o.Scale
	if scale <= 0 {
		scale = 2
	}
	W, H := int(math.Ceil(s.Width*scale)), int(math.Ceil(s.Height*scale))
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	p := rasterPen{img: img, scale: scale}
	faces := map[float64]font.Face{}
	defer func() {
		for _, f := range faces {
			f.Close()
		}
	}()
	for _, sh := range s.Shapes {
		switch sh.Kind {
		case KindLine:
			p.polyline(sh.Points, sh.Width, sh.Dash, hexColor(sh.Stroke))
		case KindRect:
			a, b := sh.Points[0], sh.Points[1]
			corners := []Point{a, {b.X, a.Y}, b, {a.X, b.Y}}
			if sh.Fill != "" {
				p.fill(corners, hexColor(sh.Fill))
			}
			if sh.Stroke != "" {
				p.polyline(append(corners, a), sh.Width, sh.Dash, hexColor(sh.Stroke))
			}
		case KindCircle:
			var pts []Point
			for i := range 36 {
				a := float64(i) / 36 * 2 * math.Pi
				pts = append(pts, Point{sh.Points[0].X + sh.Radius*math.Cos(a), sh.Points[0].Y + sh.Radius*math.Sin(a)})
			}
			if sh.Fill != "" {
				p.fill(pts, hexColor(sh.Fill))
			}
			if sh.Stroke != "" {
				p.polyline(append(pts, pts[0]), sh.Width, nil, hexColor(sh.Stroke))
			}
		case KindText:
			if o.Font == nil || sh.Text == "" {
				continue
			}
			face := faces[sh.Size]
			if face == nil {
				f, err := opentype.NewFace(o.Font, &opentype.FaceOptions{Size: sh.Size * scale, DPI: 72, Hinting: font.HintingNone})
				if err != nil {
					return fmt.Errorf("chart: font face: %w", err)
				}
				faces[sh.Size], face = f, f
			}
			d := font.Drawer{Dst: img, Src: image.NewUniform(hexColor(sh.Fill)), Face: face}
			x := sh.Points[0].X * scale
			switch adv := float64(d.MeasureString(sh.Text)) / 64; sh.Anchor {
			case AnchorMiddle:
				x -= adv / 2
			case AnchorEnd:
				x -= adv
			}
			d.Dot = fixed.Point26_6{X: fixed.Int26_6(x * 64), Y: fixed.Int26_6(sh.Points[0].Y * scale * 64)}
			d.DrawString(sh.Text)
		}
	}
	return png.Encode(w, img)
}

type rasterPen struct {
	img   *image.RGBA
	scale float64
}

// fill fills a polygon given in scene units. Only the polygon's bounding
// box is rasterized and composited: a chart has hundreds of small shapes
// (every dash is one), and a rasterizer the size of the picture for each
// made a .docx take seconds.
func (p rasterPen) fill(pts []Point, c color.Color) {
	if len(pts) == 0 {
		return
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, pt := range pts {
		x, y := pt.X*p.scale, pt.Y*p.scale
		minX, minY, maxX, maxY = math.Min(minX, x), math.Min(minY, y), math.Max(maxX, x), math.Max(maxY, y)
	}
	box := image.Rect(int(math.Floor(minX)), int(math.Floor(minY)), int(math.Ceil(maxX)), int(math.Ceil(maxY))).Intersect(p.img.Bounds())
	if box.Empty() {
		return
	}
	// The rasterizer covers the box; points outside it are clipped.
	z := vector.NewRasterizer(box.Dx(), box.Dy())
	z.DrawOp = draw.Over
	for i, pt := range pts {
		x, y := float32(pt.X*p.scale-float64(box.Min.X)), float32(pt.Y*p.scale-float64(box.Min.Y))
		if i == 0 {
			z.MoveTo(x, y)
		} else {
			z.LineTo(x, y)
		}
	}
	z.ClosePath()
	z.Draw(p.img, box, image.NewUniform(c), image.Point{})
}

// polyline strokes a line width wide, dashed by dash (scene units), as one
// quadrilateral per segment or dash.
func (p rasterPen) polyline(pts []Point, width float64, dash []float64, c color.Color) {
	if width <= 0 {
		width = 1
	}
	width = math.Max(width, 0.6/p.scale*2) // at least about a pixel
	for i := 1; i < len(pts); i++ {
		for _, seg := range dashes(pts[i-1], pts[i], dash) {
			a, b := seg[0], seg[1]
			dx, dy := b.X-a.X, b.Y-a.Y
			l := math.Hypot(dx, dy)
			if l == 0 {
				continue
			}
			nx, ny := -dy/l*width/2, dx/l*width/2
			p.fill([]Point{{a.X + nx, a.Y + ny}, {b.X + nx, b.Y + ny}, {b.X - nx, b.Y - ny}, {a.X - nx, a.Y - ny}}, c)
		}
	}
}

// dashes cuts the segment a–b into the dashes of pattern (on, off, …);
// no pattern: the whole segment.
func dashes(a, b Point, pattern []float64) [][2]Point {
	l := math.Hypot(b.X-a.X, b.Y-a.Y)
	total := 0.0
	for _, d := range pattern {
		total += d
	}
	if len(pattern) == 0 || total <= 0 || l == 0 {
		return [][2]Point{{a, b}}
	}
	at := func(t float64) Point { return Point{a.X + (b.X-a.X)*t/l, a.Y + (b.Y-a.Y)*t/l} }
	var out [][2]Point
	for t, i := 0.0, 0; t < l; i++ {
		d := pattern[i%len(pattern)]
		if i%2 == 0 && d > 0 {
			out = append(out, [2]Point{at(t), at(math.Min(t+d, l))})
		}
		t += d
	}
	return out
}

func hexColor(hex string) color.Color {
	var r, g, b uint8
	if _, err := fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b); err != nil {
		return color.Black
	}
	return color.RGBA{r, g, b, 255}
}
