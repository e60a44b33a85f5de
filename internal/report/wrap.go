package report

import "strings"

// Line breaking, one rule for every form: the PDF wraps with it, the
// table widths of the PDF and the .docx are measured with it, and the
// .docx's table cells are broken into lines with it.

// noLineStart are the characters Chinese typesetting keeps off the start
// of a line: the character before them moves down with them.
const noLineStart = "，。；：、）》”’！？%"

// noLineEnd are the characters kept off the end of a line: an opening
// bracket or quote moves down with what it opens.
const noLineEnd = "（《“‘"

// dateUnits follow a date's numbers: 2021年3月31日 is one piece.
const dateUnits = "年月日"

// latin reports whether r belongs to a Latin word or a number: not wide, not a space.
func latin(r rune) bool { return r < 0x2E80 && r != ' ' }

func digit(r rune) bool { return r >= '0' && r <= '9' }

// glued reports whether a line may not break between a and b: inside a
// number or Latin word (28.2%, ≥30, R&D), inside a date (2022年,
// 2021年3月31日), before a closing mark, after an opening one.
func glued(a, b rune) bool {
	switch {
	case latin(a) && latin(b):
		return true
	case strings.ContainsRune(noLineStart, b), strings.ContainsRune(noLineEnd, a):
		return true
	case digit(a) && strings.ContainsRune(dateUnits, b):
		return true
	case (a == '年' || a == '月') && digit(b):
		return true
	}
	return false
}

// segments splits a line into the pieces a line break may not cut: a
// number with its marks, a date, a bracketed year （2022年）, a Chinese
// character with the punctuation that clings to it.
func segments(line string) []string {
	var out []string
	start := 0
	var prev rune
	for i, r := range line {
		if i > 0 && !glued(prev, r) {
			out = append(out, line[start:i])
			start = i
		}
		prev = r
	}
	if start < len(line) {
		out = append(out, line[start:])
	}
	return out
}

// wrapText breaks text into lines no wider than limit, as measure gives
// widths: between segments, and inside a segment only when it alone is
// wider than a line. A line break drops the spaces around it.
func wrapText(text string, limit float64, measure func(string) float64) []string {
	limit += 1e-6 // a piece measured to fit exactly does fit
	var lines []string
	var cur strings.Builder
	w := 0.0
	flush := func() {
		lines = append(lines, strings.TrimRight(cur.String(), " "))
		cur.Reset()
		w = 0
	}
	for _, seg := range segments(text) {
		sw := measure(seg)
		if cur.Len() > 0 && w+sw > limit {
			flush()
		}
		if cur.Len() == 0 && seg == " " {
			continue
		}
		if sw <= limit || cur.Len() > 0 {
			cur.WriteString(seg)
			w += sw
			continue
		}
		// Wider than a line on its own: cut it where it overflows.
		for _, r := range seg {
			rw := measure(string(r))
			if cur.Len() > 0 && w+rw > limit {
				flush()
			}
			cur.WriteRune(r)
			w += rw
		}
	}
	if cur.Len() > 0 || len(lines) == 0 {
		lines = append(lines, cur.String())
	}
	return lines
}
