package main

import (
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/width"
)

// table prints aligned columns that stay aligned with Chinese text: East
// Asian wide and full-width runes take two columns on a terminal.
// Shared by every command that prints a table.
type table struct {
	header []string
	rows   [][]string
}

// add appends a row; a row of one cell is a section title, of none a blank line.
func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) {
	widths := make([]int, len(t.header))
	measure := func(cells []string) {
		if len(cells) < 2 {
			return
		}
		for i, c := range cells {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	measure(t.header)
	for _, r := range t.rows {
		measure(r)
	}
	line := func(cells []string) {
		if len(cells) < 2 {
			fmt.Fprintln(w, strings.Join(cells, ""))
			return
		}
		var b strings.Builder
		for i, c := range cells {
			b.WriteString(c)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	if len(t.header) > 0 {
		line(t.header)
	}
	for _, r := range t.rows {
		line(r)
	}
}

// displayWidth is the number of terminal columns s takes.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// clip shortens s to at most cols terminal columns, marking the cut with "…".
func clip(s string, cols int) string {
	if displayWidth(s) <= cols {
		return s
	}
	var b strings.Builder
	w := 0
	for _, r := range s {
		rw := displayWidth(string(r))
		if w+rw > cols-1 {
			break
		}
		b.WriteRune(r)
		w += rw
	}
	return b.String() + "…"
}
