package report

import (
	"math"
	"slices"
	"testing"
	"unicode/utf8"
)

// Columns get what they hold: a short cell (未评价, 逾期未达标, 100.0%) never
// wraps, the long name gets the most room, and the widths fill the total.
func TestTableWidths(t *testing.T) {
	tb := &Table{
		Columns: []Column{{"指标", "L"}, {"完成进度", "R"}, {"信号灯", "L"}, {"状态", "L"}},
		Rows: [][]string{
			{"规模以上工业企业研究与实验发展人员（R&D）占规模以上工业企业从业人员比重", "100.0%", "未评价", "逾期未达标"},
			{"高新技术企业", "22.2%", "红灯", "严重滞后"},
		},
		Light: 2,
	}
	em := func(s string) float64 { return float64(utf8.RuneCountInString(s)) } // every character one em
	const total, pad = 30.0, 0.5
	w := tb.widths(total, pad, em)
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	if math.Abs(sum-total) > 1e-6 {
		t.Errorf("widths %v sum to %v, want %v", w, sum, total)
	}
	for i, want := range []string{"", "100.0%", "●未评价", "逾期未达标"} {
		if want != "" && w[i] < em(want)+pad-1e-9 {
			t.Errorf("column %d is %.2f wide, %q needs %.2f: it would wrap", i, w[i], want, em(want)+pad)
		}
	}
	if w[0] <= w[3] {
		t.Errorf("the name column (%.2f) is not wider than the status column (%.2f): %v", w[0], w[3], w)
	}
}

// A line breaks between segments, never inside a number, a date or a
// bracketed year; a piece longer than the line is cut where it overflows.
func TestWrapText(t *testing.T) {
	em := func(s string) float64 { return float64(utf8.RuneCountInString(s)) }
	for _, c := range []struct {
		text  string
		limit float64
		want  []string
	}{
		{"≥30家（2022年）", 7, []string{"≥30家", "（2022年）"}},
		{"完成（2022年）", 7, []string{"完成", "（2022年）"}},
		{"数据应于2020年3月31日前报送", 12, []string{"数据应于", "2020年3月31日前报", "送"}},
		{"需年均提高2.76个百分点", 6, []string{"需年均提高", "2.76个百", "分点"}},
		{"123456789", 4, []string{"1234", "5678", "9"}},
	} {
		got := wrapText(c.text, c.limit, em)
		if !slices.Equal(got, c.want) {
			t.Errorf("wrapText(%q, %v) = %q, want %q", c.text, c.limit, got, c.want)
		}
	}
}
