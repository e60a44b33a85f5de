package report_test

import (
	"encoding/xml"
	"math"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/yanfeng/kpimon/internal/report"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// Documents people send are checked as pages: every word of every page
// inside the printable area, and none where the footer is, as pdftotext
// -bbox places them.

// pageWord is a word as pdftotext -bbox places it, in points from the
// page's top left.
type pageWord struct {
	X0, Y0, X1, Y1 float64
	Text           string
}

type page struct {
	W, H  float64
	Words []pageWord
}

// readPages reads every page's words from a PDF.
func readPages(t *testing.T, file string) []page {
	t.Helper()
	pdftotext := testkit.LookPath(t, "poppler-utils", "pdftotext")
	out, err := exec.Command(pdftotext, "-bbox", "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox %s: %v", file, err)
	}
	var doc struct {
		Pages []struct {
			W     float64 `xml:"width,attr"`
			H     float64 `xml:"height,attr"`
			Words []struct {
				X0   float64 `xml:"xMin,attr"`
				Y0   float64 `xml:"yMin,attr"`
				X1   float64 `xml:"xMax,attr"`
				Y1   float64 `xml:"yMax,attr"`
				Text string  `xml:",chardata"`
			} `xml:"word"`
		} `xml:"body>doc>page"`
	}
	dec := xml.NewDecoder(strings.NewReader(string(out)))
	dec.Strict = false
	dec.Entity = xml.HTMLEntity
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("read pdftotext -bbox output: %v", err)
	}
	var pages []page
	for _, p := range doc.Pages {
		pg := page{W: p.W, H: p.H}
		for _, w := range p.Words {
			pg.Words = append(pg.Words, pageWord{w.X0, w.Y0, w.X1, w.Y1, w.Text})
		}
		pages = append(pages, pg)
	}
	if len(pages) == 0 {
		t.Fatalf("%s: no pages read", file)
	}
	return pages
}

// pageLayout is where a document may print, in points: words of the body
// lie within Left, Right, Top and BodyBottom; words below FooterTop are the
// footer's and must be footer words.
type pageLayout struct {
	Left, Right, Top, BodyBottom, FooterTop float64
	// Footer reports whether a word belongs in the footer.
	Footer func(string) bool
}

const mm = 72 / 25.4

// hangingPunct are the marks that may hang at a line's end.
const hangingPunct = "，。、；：）》」”’！？"

// checkPages fails for every word outside the printable area, in the gap
// between body and footer, or in the footer without being a footer word.
func checkPages(t *testing.T, name string, pages []page, l pageLayout) {
	t.Helper()
	const slack = 0.5 // points: glyph boxes may round out
	bad := 0
	for i, p := range pages {
		for _, w := range p.Words {
			var why string
			right := w.X1
			if r := []rune(w.Text); len(r) > 0 && strings.ContainsRune(hangingPunct, r[len(r)-1]) {
				// CJK typesetting lets a closing mark hang past the line's
				// end (LibreOffice does, whatever the .docx says): it starts
				// at the end of the line, its ink in the left of its em box.
				right -= (w.X1 - w.X0) / float64(len(r))
			}
			switch {
			case w.X0 < l.Left-slack || right > p.W-l.Right+slack:
				why = "outside the side margins"
			case w.Y0 < l.Top-slack:
				why = "above the top margin"
			case w.Y1 > p.H-slack:
				why = "off the page"
			case w.Y0 >= l.FooterTop:
				if !l.Footer(w.Text) {
					why = "in the footer"
				}
			case w.Y1 > l.BodyBottom+slack:
				why = "below the body, over the footer"
			}
			if why != "" {
				bad++
				if bad <= 20 {
					t.Errorf("%s page %d: %q at (%.1f,%.1f)–(%.1f,%.1f) is %s", name, i+1, w.Text, w.X0, w.Y0, w.X1, w.Y1, why)
				}
			}
		}
	}
	if bad > 20 {
		t.Errorf("%s: %d words misplaced in all", name, bad)
	}
	// No word printed over another (a cell's line over the next row's, a
	// name over a date).
	overlaps := 0
	for i, p := range pages {
		for a := range p.Words {
			for b := a + 1; b < len(p.Words); b++ {
				wa, wb := p.Words[a], p.Words[b]
				ix := min(wa.X1, wb.X1) - max(wa.X0, wb.X0)
				iy := min(wa.Y1, wb.Y1) - max(wa.Y0, wb.Y0)
				if ix <= 0 || iy <= 0 {
					continue
				}
				smaller := min((wa.X1-wa.X0)*(wa.Y1-wa.Y0), (wb.X1-wb.X0)*(wb.Y1-wb.Y0))
				if ix*iy > 0.25*smaller {
					overlaps++
					if overlaps <= 10 {
						t.Errorf("%s page %d: %q and %q are printed over each other", name, i+1, wa.Text, wb.Text)
					}
				}
			}
		}
	}
}

// checkNamedTimes fails unless every indicator of c is named want times
// in section, a name's pieces joined (pdftotext -raw keeps a wrapped name
// together); a name counted inside a longer name is not counted again.
func checkNamedTimes(t *testing.T, c report.Circular, section string, want int, where string) {
	t.Helper()
	var names []string
	for _, task := range c.Tasks {
		for _, r := range task.Rows {
			names = append(names, strings.Join(strings.Fields(r.Name), ""))
		}
	}
	for _, n := range names {
		got := strings.Count(section, n)
		for _, other := range names {
			if other != n && strings.Contains(other, n) {
				got -= strings.Count(section, other)
			}
		}
		if got != want {
			t.Errorf("indicator %q named %d times %s, want %d", n, got, where, want)
		}
	}
}

// wholeFigure matches what a line break must never cut in a table cell: a
// bracketed year （2022年）, a date 2021年3月31日, a percentage 22.2%.
var wholeFigure = regexp.MustCompile(`（\d{4}年）|\d{4}年\d{1,2}月\d{1,2}日|\d+(\.\d+)?%`)

// checkFiguresWhole fails for every year, date or percentage of the task
// tables' cells that section (pdftotext -raw lines, spaces removed) does not
// hold whole on one line as often as the cells hold it.
func checkFiguresWhole(t *testing.T, name string, c report.Circular, section []string) {
	t.Helper()
	want := map[string]int{}
	for _, b := range c.Outline() {
		if b.Kind != report.BlockTable || len(b.Table.Columns) < 3 || b.Table.Columns[2].Title != "目标" {
			continue
		}
		for _, row := range b.Table.Rows {
			for _, cell := range row {
				for _, f := range wholeFigure.FindAllString(cell, -1) {
					want[f]++
				}
			}
		}
	}
	if len(want) == 0 {
		t.Fatalf("%s: no task table with figures", name)
	}
	bad := 0
	for f, n := range want {
		got := 0
		for _, l := range section {
			got += strings.Count(l, f)
		}
		if got < n {
			bad++
			if bad <= 10 {
				t.Errorf("%s: %q is whole on %d lines of the task tables, in %d cells: broken inside", name, f, got, n)
			}
		}
	}
	if bad > 10 {
		t.Errorf("%s: %d figures broken in all", name, bad)
	}
}

// rawLines are the lines of pdftotext -raw output from the line holding
// from to the line holding to, spaces removed (LibreOffice spaces Chinese
// from numbers).
func rawLines(t *testing.T, raw, from, to string) []string {
	t.Helper()
	var out []string
	in := false
	for _, l := range strings.Split(raw, "\n") {
		l = strings.Join(strings.Fields(l), "")
		switch {
		case strings.Contains(l, from):
			in = true
		case in && strings.Contains(l, to):
			return out
		case in:
			out = append(out, l)
		}
	}
	t.Fatalf("no lines from %q to %q", from, to)
	return nil
}

// checkRecordAtFoot fails unless the 版记 (抄送 … 印发) is on the last page
// with its last line at the foot of the text block (GB/T 9704 7.4: the
// 版记 at the foot of the last page), below every other word of the body.
func checkRecordAtFoot(t *testing.T, name string, pages []page, l pageLayout) {
	t.Helper()
	last := pages[len(pages)-1]
	var cc, printed *pageWord
	lowest := 0.0 // the lowest word of the body above the 版记
	for i, w := range last.Words {
		switch {
		case strings.HasPrefix(w.Text, "抄送"):
			cc = &last.Words[i]
		case strings.HasSuffix(w.Text, "印发"):
			printed = &last.Words[i]
		}
	}
	if cc == nil || printed == nil {
		t.Fatalf("%s: the last page (%d) has no 抄送 or no 印发 line", name, len(pages))
	}
	for _, w := range last.Words {
		if w.Y1 <= cc.Y0+0.5 {
			lowest = max(lowest, w.Y1)
		}
	}
	if foot := l.BodyBottom - 8; printed.Y1 < foot {
		t.Errorf("%s: the 版记's last line ends %.0f pt from the foot of the text block (at %.0f, the block ends at %.0f): not at the foot", name, l.BodyBottom-printed.Y1, printed.Y1, l.BodyBottom)
	}
	if cc.Y0 < lowest {
		t.Errorf("%s: 抄送 at %.0f is above body text ending at %.0f", name, cc.Y0, lowest)
	}
	// A wrapped 抄送 line goes on under the first character after its
	// colon (GB/T 9704 7.4.2).
	em := (cc.X1 - cc.X0) / float64(utf8.RuneCountInString(cc.Text))
	for _, w := range last.Words {
		if w.Y0 > cc.Y1-1 && w.Y0 < cc.Y1+em && w.Y1 < printed.Y0 && strings.HasSuffix(w.Text, "。") {
			if want := cc.X0 + 3*em; math.Abs(w.X0-want) > em/3 {
				t.Errorf("%s: the 抄送 line goes on at x %.0f (%q), want %.0f, under the first character after 抄送：", name, w.X0, w.Text, want)
			}
		}
	}
}
