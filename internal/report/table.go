package report

import (
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/yanfeng/kpimon/internal/present"
)

// widths shares total among the table's columns by what they hold. Each
// column first gets its widest unbreakable piece (a number, a date, a
// bracketed year, a short cell such as 未评价 or 逾期未达标, which must
// never wrap; a header title may wrap two characters a line); then, a step
// at a time, the width goes to the column where it saves the most lines
// over the whole table (rows are as tall as their tallest cell), lines
// counted as wrapText breaks them, so names get the width they need and
// short columns are not padded. measure gives a text's width; pad is a
// cell's inner margins.
func (t *Table) widths(total, pad float64, measure func(string) float64) []float64 {
	n := len(t.Columns)
	floor := make([]float64, n)
	natural := make([]float64, n)
	// cells[r][i] are the segment widths of each line of row r's cell i;
	// row 0 the header.
	cells := make([][][][]float64, 0, len(t.Rows)+1)
	see := func(row []string, header bool) {
		cw := make([][][]float64, n)
		for i := 0; i < n && i < len(row); i++ {
			text := row[i]
			if _, ok := t.lamp(i, text, header); ok {
				text = "●" + text // the lamp before the word
			}
			for _, line := range strings.Split(text, "\n") {
				natural[i] = max(natural[i], measure(line)+pad)
				var segs []float64
				for _, s := range segments(line) {
					segs = append(segs, measure(s))
				}
				cw[i] = append(cw[i], segs)
				for _, piece := range unbreakable(line, header) {
					floor[i] = max(floor[i], measure(piece)+pad)
				}
			}
		}
		cells = append(cells, cw)
	}
	see(t.titles(), true)
	for _, r := range t.Rows {
		see(r, false)
	}
	out := slices.Clone(floor)
	sum := sumOf(out)
	if sum >= total {
		for i := range out {
			out[i] *= total / sum
		}
		return out
	}
	// height is the table's height in lines, and a tenth of a line for
	// each line of every cell: a cell that loses a line counts a little
	// even where its row keeps its height (two columns may have to widen
	// before the row does).
	height := func(widths []float64) float64 {
		h := 0.0
		for _, row := range cells {
			m, all := 1, 0
			for i, cell := range row {
				k := 0
				for _, segs := range cell {
					k += linesOf(segs, widths[i]-pad)
				}
				m = max(m, k)
				all += k
			}
			h += float64(m) + float64(all)/10
		}
		return h
	}
	step := (total - sum) / 60
	for sum+step <= total+1e-9 {
		// The column where widening saves the most lines per step, looking
		// as far ahead as there is room: a long name may need many steps
		// before a line goes.
		h0 := height(out)
		best, bestK, bestGain, bestRoom := -1, 0, 0.0, 0.0
		for i := range out {
			for k := 1; sum+float64(k)*step <= total+1e-9; k++ {
				out[i] += float64(k) * step
				h := height(out)
				out[i] -= float64(k) * step
				if h < h0-1e-9 {
					gain := (h0 - h) / float64(k)
					if room := natural[i] - out[i]; gain > bestGain || (gain == bestGain && room > bestRoom) {
						best, bestK, bestGain, bestRoom = i, k, gain, room
					}
					break
				}
			}
		}
		if best < 0 { // no widening saves a line: share what is left
			break
		}
		out[best] += float64(bestK) * step
		sum += float64(bestK) * step
	}
	// What is left goes to the columns that still wrap, by what they lack
	// (several may have to widen together before a row loses a line), the
	// rest to every column by its natural width.
	want := make([]float64, n)
	for i := range out {
		want[i] = max(0, natural[i]-out[i])
	}
	if rest, lack := total-sum, sumOf(want); rest > 0 && lack > 0 {
		give := min(rest, lack)
		for i := range out {
			out[i] += give * want[i] / lack
		}
		sum += give
	}
	if rest, nat := total-sum, sumOf(natural); rest > 1e-9 && nat > 0 {
		for i := range out {
			out[i] += rest * natural[i] / nat
		}
	}
	return out
}

// linesOf is how many lines wrapText makes of a line of segments of these
// widths in a line limit wide (a segment wider than the line cut anywhere).
func linesOf(segs []float64, limit float64) int {
	limit = max(limit, 1e-6)
	k, w := 1, 0.0
	for _, s := range segs {
		if w > 0 && w+s > limit+1e-9 {
			k++
			w = 0
		}
		if s > limit+1e-9 && w == 0 {
			k += int(math.Ceil(s/limit-1e-9)) - 1
			w = s - float64(int(math.Ceil(s/limit-1e-9))-1)*limit
			continue
		}
		w += s
	}
	return k
}

func sumOf(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

// unbreakable splits a cell line into the pieces a line break may not
// cut: the whole line of a body cell when it is short (at most five
// characters: 未评价, 逾期未达标, 2022年, 66.7%), else its segments; a
// header title two characters a line (完成/进度), its Latin words whole.
func unbreakable(line string, header bool) []string {
	if !header {
		if utf8.RuneCountInString(line) <= 5 {
			return []string{line}
		}
		return segments(line)
	}
	var out []string
	rs := []rune(line)
	for i := 0; i < len(rs); {
		j := i + 1
		if latin(rs[i]) {
			for j < len(rs) && latin(rs[j]) {
				j++
			}
		} else if j < len(rs) && !latin(rs[j]) {
			j++
		}
		out = append(out, string(rs[i:j]))
		i = j
	}
	return out
}

// emWidth estimates a text's width in ems for fonts a document reader may
// substitute: wide characters one em, '%' and '@' nearly one, '.' and ','
// a third, other Latin letters and digits two thirds (generous, so that a
// cell measured to fit does fit).
func emWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r >= 0x2E80, r >= 0x2010 && r <= 0x206F, r == '●', r == '≥', r == '≤':
			w += 1
		case r == '%' || r == '@' || r == 'M' || r == 'W':
			w += 0.95
		case r == '.' || r == ',' || r == ' ' || r == ':' || r == '(' || r == ')':
			w += 0.36
		default:
			w += 0.66
		}
	}
	return w
}

// lamp returns the light a body cell of column i shows a lamp for: the
// table's light column, its text a light's word (绿灯, 红灯 …). Every
// renderer (PDF, .docx, HTML) and the width measure ask it.
func (t *Table) lamp(i int, text string, header bool) (present.Light, bool) {
	if header || i != t.Light {
		return "", false
	}
	return lightNamed(text)
}

// lightNamed returns the light a table cell names (绿灯, 红灯 …).
func lightNamed(text string) (present.Light, bool) {
	for _, l := range present.LightOrder {
		if text == l.Word() {
			return l, true
		}
	}
	return "", false
}

// titles are the column titles, the header row.
func (t *Table) titles() []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Title
	}
	return out
}
