package report

import (
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/yanfeng/kpimon/internal/present"
)

// widths shares total among the table's columns by what they hold. Each
// column first gets its longest unbreakable piece (a number, a Latin word,
// a short cell such as 未评价 or 逾期未达标, which must never wrap); then,
// a step at a time, the width goes to the column where it saves the most
// lines over the whole table (rows are as tall as their tallest cell), so
// names get the width they need and short columns are not padded.
// measure gives a text's width; pad is a cell's inner margins.
func (t *Table) widths(total, pad float64, measure func(string) float64) []float64 {
	n := len(t.Columns)
	floor := make([]float64, n)
	natural := make([]float64, n)
	// cells[r][i] are the widths of the lines of row r's cell i; row 0 the header.
	cells := make([][][]float64, 0, len(t.Rows)+1)
	see := func(row []string, header bool) {
		cw := make([][]float64, n)
		for i := 0; i < n && i < len(row); i++ {
			text := row[i]
			if _, ok := t.lamp(i, text, header); ok {
				text = "●" + text // the lamp before the word
			}
			for _, line := range strings.Split(text, "\n") {
				w := measure(line)
				cw[i] = append(cw[i], w)
				natural[i] = max(natural[i], w+pad)
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
	sum := 0.0
	for _, w := range out {
		sum += w
	}
	if sum >= total {
		for i := range out {
			out[i] *= total / sum
		}
		return out
	}
	lines := func(cell []float64, width float64) int {
		k := 0
		for _, w := range cell {
			k += max(1, int(math.Ceil(w/math.Max(width-pad, 1)-1e-9)))
		}
		return k
	}
	height := func(widths []float64) int {
		h := 0
		for _, row := range cells {
			m := 1
			for i, cell := range row {
				m = max(m, lines(cell, widths[i]))
			}
			h += m
		}
		return h
	}
	step := (total - sum) / 60
	for sum+step <= total+1e-9 {
		// The column where widening saves the most lines per step, looking
		// a few steps ahead: a column may need several before a line goes.
		h0 := height(out)
		best, bestK, bestGain, bestRoom := -1, 0, 0.0, 0.0
		for i := range out {
			for k := 1; k <= 12 && sum+float64(k)*step <= total+1e-9; k++ {
				out[i] += float64(k) * step
				h := height(out)
				out[i] -= float64(k) * step
				if h < h0 {
					gain := float64(h0-h) / float64(k)
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
	// What is left goes to every column by its natural width.
	if rest, nat := total-sum, sumOf(natural); rest > 0 && nat > 0 {
		for i := range out {
			out[i] += rest * natural[i] / nat
		}
	}
	return out
}

func sumOf(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

// unbreakable splits a cell line into the pieces a line break may not
// cut: the whole line when it is short (at most five characters: 未评价,
// 逾期未达标, 2022年, 66.7%) or a header word of up to two characters, else each run
// of Latin letters and digits and each wide character.
func unbreakable(line string, header bool) []string {
	if utf8.RuneCountInString(line) <= 5 {
		return []string{line}
	}
	var out []string
	rs := []rune(line)
	for i := 0; i < len(rs); {
		j := i + 1
		if latin(rs[i]) {
			for j < len(rs) && latin(rs[j]) {
				j++
			}
		} else if header && j < len(rs) {
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
