package report

import (
	"math"
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
