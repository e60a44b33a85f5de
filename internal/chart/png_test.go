package chart_test

import (
	"bytes"
	"image/png"
	"io"
	"os"
	"runtime"
	"testing"

	"github.com/yanfeng/kpimon/internal/chart"
	"github.com/yanfeng/kpimon/internal/report"
)

// The PNG has the scene's size times the scale, and draws: the bar's
// colour is where the bar is, the text's ink where the label is.
func TestScenePNG(t *testing.T) {
	s := chart.ProgressChart{Title: "进度", ProgressName: "完成进度", ExpectedName: "应达", TargetName: "目标", ProgressColor: "#2e7d32",
		Rows: []chart.ProgressRow{{Label: "高新技术企业数量", Value: ptr(0.5), Color: "#c62828", Text: "50.0%"}}}.Layout()
	var o chart.PNGOptions
	o.Scale = 2
	if b, err := os.ReadFile("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"); err == nil {
		if b, err = report.FontFromCollection(b); err != nil {
			t.Fatal(err)
		}
		if o.Font, err = chart.ParseFont(b); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := s.PNG(&buf, o); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := img.Bounds().Dx(), int(s.Width*2); got != want {
		t.Errorf("width %d, want %d", got, want)
	}
	var bar chart.Shape
	for _, sh := range s.Shapes {
		if sh.Kind == chart.KindRect && sh.Fill == "#c62828" {
			bar = sh
		}
	}
	mid := chart.Point{X: (bar.Points[0].X + bar.Points[1].X) / 2, Y: (bar.Points[0].Y + bar.Points[1].Y) / 2}
	r, g, b, _ := img.At(int(mid.X*2), int(mid.Y*2)).RGBA()
	if r>>8 != 0xc6 || g>>8 != 0x28 || b>>8 != 0x28 {
		t.Errorf("bar's middle is #%02x%02x%02x, want #c62828", r>>8, g>>8, b>>8)
	}
	if o.Font != nil {
		dark := 0
		for y := 0; y < img.Bounds().Dy(); y++ {
			for x := 0; x < int(bar.Points[0].X*2)-20; x++ {
				if r, _, _, _ := img.At(x, y).RGBA(); r>>8 < 0x80 {
					dark++
				}
			}
		}
		if dark < 200 {
			t.Errorf("%d dark pixels where the label is: text not drawn", dark)
		}
	}
}

func ptr(v float64) *float64 { return &v }

// Drawing a chart costs memory by its shapes' size, not the picture's per
// shape: a task chart of forty rows (hundreds of bars, ticks and dashes)
// once allocated a picture-sized rasterizer for each, gigabytes per
// .docx, and took seconds.
func TestScenePNGMemory(t *testing.T) {
	var rows []chart.ProgressRow
	for i := range 40 {
		v := float64(i) / 40
		rows = append(rows, chart.ProgressRow{Label: "指标", Value: &v, Expected: ptr(0.5), Color: "#c62828", Text: "50.0%"})
	}
	s := chart.ProgressChart{Title: "进度", ProgressName: "完成进度", ExpectedName: "应达", TargetName: "目标", ProgressColor: "#2e7d32", Rows: rows}.Layout()
	picture := uint64(s.Width * 2 * s.Height * 2 * 4)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := s.PNG(io.Discard, chart.PNGOptions{Scale: 2}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 20*picture {
		t.Errorf("drawing %d shapes allocated %d MB, %d pictures' worth", len(s.Shapes), got>>20, got/picture)
	}
}
