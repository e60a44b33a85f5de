package chart_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/chart"
)

func texts(s chart.Scene) []string {
	var out []string
	for _, sh := range s.Shapes {
		if sh.Kind == chart.KindText {
			out = append(out, sh.Text)
		}
	}
	return out
}

func has(list []string, want string) bool {
	for _, s := range list {
		if s == want {
			return true
		}
	}
	return false
}

func TestTimeChart(t *testing.T) {
	c := chart.TimeChart{
		Title:  "高新技术企业：实际值与目标",
		Series: []chart.Series{{Name: "实际值", Points: []chart.Point{{2020, 10}, {2021, 16}}, Color: "#f9a825", Markers: true}},
		Rules:  []chart.Rule{{Y: 30, Name: "目标≥30家", Color: "#1565c0"}},
		X0:     2019.85, X1: 2023.15, MinStep: 1,
		Format: func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) },
	}
	s := c.Layout()
	got := texts(s)
	// Ticks at the ends of 2019..2022; y from 0 (10 is under 40 % of 30) to 30 in steps of 10.
	for _, want := range []string{"2019年", "2020年", "2021年", "2022年", "0", "10", "20", "30", "实际值", "目标≥30家"} {
		if !has(got, want) {
			t.Errorf("time chart lacks text %q; has %q", want, got)
		}
	}
	if has(got, "2023年") || has(got, "2018年") {
		t.Errorf("time chart labels a year outside 2019–2022: %q", got)
	}
	circles := 0
	for _, sh := range s.Shapes {
		if sh.Kind == chart.KindCircle {
			circles++
		}
	}
	if circles != 2 {
		t.Errorf("markers = %d, want 2 (one per figure)", circles)
	}
	svg := s.String()
	for _, bad := range []string{"style=", "<script", "NaN", "Inf"} {
		if strings.Contains(svg, bad) {
			t.Errorf("SVG contains %q:\n%s", bad, svg)
		}
	}
}

func TestBarChartEscapesAndCounts(t *testing.T) {
	c := chart.BarChart{
		Title:    "各任务<指标>状态",
		Segments: []chart.Segment{{Name: "已达标", Color: "#2e7d32"}, {Name: "进度滞后", Color: "#f9a825", Ink: "#222222"}},
		Rows:     []chart.BarRow{{Label: "任务1 推动企业技术创新", Values: []float64{3, 2}}, {Label: "任务2 <b>", Values: []float64{0, 4}}},
	}
	s := c.Layout()
	got := texts(s)
	for _, want := range []string{"已达标", "进度滞后", "3", "2", "5", "4", "任务1 推动企业技术创新"} {
		if !has(got, want) {
			t.Errorf("bar chart lacks text %q; has %q", want, got)
		}
	}
	svg := s.String()
	if strings.Contains(svg, "<b>") || !strings.Contains(svg, "任务2 &lt;b&gt;") || !strings.Contains(svg, "各任务&lt;指标&gt;状态") {
		t.Errorf("SVG does not escape labels:\n%s", svg)
	}
}
