package web_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/yanfeng/kpimon/internal/testkit"
)

// overviewLayout is what the page measures of the overview table in
// Chromium: the narrowest content width of a column in em of its own
// font, and how many lines texts that should read whole take.
type overviewLayout struct {
	PageWidth, Viewport int
	NameEm, UnitsEm     float64 // narrowest 指标 and 责任单位 content
	TaskHeads           int     // task heading rows
	TaskHeadLines       int     // the most lines a task heading takes
	OneUnitLines        int     // the most lines a single unit's name takes
	TargetLines         int     // the most lines a target takes (its year below it not counted)
	Rows                int
}

const measureOverview = `(() => {
	const lines = el => { const r = document.createRange(); r.selectNodeContents(el);
		return new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size; };
	const em = td => { const cs = getComputedStyle(td);
		return (td.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight)) / parseFloat(cs.fontSize); };
	const rows = [...document.querySelectorAll('#indicators tr[data-ref]')];
	const cell = (tr, label) => tr.querySelector('td[data-label="' + label + '"]');
	const out = {PageWidth: document.documentElement.scrollWidth, Viewport: window.innerWidth, Rows: rows.length,
		NameEm: 1e9, UnitsEm: 1e9, TaskHeads: 0, TaskHeadLines: 0, OneUnitLines: 0, TargetLines: 0};
	for (const tr of rows) {
		out.NameEm = Math.min(out.NameEm, em(cell(tr, '指标')));
		const units = cell(tr, '责任单位');
		out.UnitsEm = Math.min(out.UnitsEm, em(units));
		if (!units.textContent.includes('、')) out.OneUnitLines = Math.max(out.OneUnitLines, lines(units));
		const target = cell(tr, '目标'), year = target.querySelector('small');
		out.TargetLines = Math.max(out.TargetLines, lines(target) - (year ? lines(year) : 0));
	}
	for (const th of document.querySelectorAll('#indicators tr.task-head th')) {
		out.TaskHeads++;
		out.TaskHeadLines = Math.max(out.TaskHeadLines, lines(th));
	}
	return out;
})()`

// TestBrowserOverviewReadable: at 1000 px the overview set the
// 任务 column one character a line and squeezed 指标 (a name in 2–4
// characters a line) while long targets kept a wide column. The table is
// now grouped by task under heading rows; at 1000 and 1366 px (Chromium
// layout, not timings) a name has at least 8 characters a line, a unit's
// name (区科工信局) one line, a task heading one line and a target at most
// two lines, and the page does not scroll sideways. On a phone the status
// chart was shrunk to the screen (labels about 7 px high): it now keeps
// 560 px and scrolls inside its box.
func TestBrowserOverviewReadable(t *testing.T) {
	path := testkit.LookPath(t, "chromium", "chromium", "chromium-browser")
	f := newFixture(t, fixtureOptions{})
	f.ingestSample(t)
	b := newBrowser(t, f, path)
	for _, width := range []int{1000, 1366} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			b.do("viewport", chromedp.EmulateViewport(int64(width), 900), chromedp.Navigate(f.server.URL+"/"))
			got, err := chromedp.Run(b.ctx, chromedp.Evaluate[overviewLayout](measureOverview))
			if err != nil {
				t.Fatalf("measure the overview: %v", err)
			}
			t.Logf("%d px: %+v", width, got)
			b.screenshot(fmt.Sprintf("overview-%d", width))
			if got.Rows != len(f.cat.Indicators) {
				t.Fatalf("rows = %d, want %d", got.Rows, len(f.cat.Indicators))
			}
			if got.PageWidth > got.Viewport {
				t.Errorf("page is %d px wide in a %d px window", got.PageWidth, got.Viewport)
			}
			if got.NameEm < 8 {
				t.Errorf("narrowest 指标 cell holds %.1f characters a line, want at least 8", got.NameEm)
			}
			if got.UnitsEm < 5 || got.OneUnitLines > 1 {
				t.Errorf("narrowest 责任单位 cell holds %.1f characters a line and a single unit takes %d lines, want at least 5 and one line",
					got.UnitsEm, got.OneUnitLines)
			}
			if got.TaskHeads != 6 || got.TaskHeadLines != 1 {
				t.Errorf("%d task headings taking up to %d lines, want 6 headings (the seed plan's tasks) on one line each", got.TaskHeads, got.TaskHeadLines)
			}
			if got.TargetLines > 2 {
				t.Errorf("a target takes %d lines, want at most 2", got.TargetLines)
			}
		})
	}
	t.Run("phone", func(t *testing.T) {
		b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(f.server.URL+"/"))
		b.noHorizontalScroll("overview on a phone")
		width, err := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`document.querySelector('#status-chart svg').getBoundingClientRect().width`))
		if err != nil {
			t.Fatal(err)
		}
		if width < 560 {
			t.Errorf("the status chart is drawn %.0f px wide on a phone, want at least 560 (its labels shrink with it)", width)
		}
		b.screenshotViewport("overview-phone")
	})
}
