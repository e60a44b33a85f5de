package web_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/yanfeng/kpimon/internal/testkit"
)

// TestBrowserCircularAndCharts opens the circular in Chromium, prints it to
// PDF as a leader would and counts its pages, then looks at an indicator's
// page with its chart on desktop and phone. Screenshots and the printed
// PDF are kept in $KPIMON_SCREENSHOTS (else a test temp dir), logged.
func TestBrowserCircularAndCharts(t *testing.T) {
	path := testkit.LookPath(t, "chromium", "chromium", "chromium-browser")
	pdfinfo := testkit.LookPath(t, "poppler-utils", "pdfinfo")
	pdftotext := testkit.LookPath(t, "poppler-utils", "pdftotext")
	f := newFixture(t, fixtureOptions{})
	f.ingestSample(t)
	b := newBrowser(t, f, path)
	base := f.server.URL

	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, fn) {
			t.FailNow()
		}
	}

	step("circular in the browser", func(t *testing.T) {
		b.do("open /report", chromedp.Navigate(base+"/report?as_of=2021-06-30&previous=2020-12-31"))
		b.wantText("#title", "关于培育建设省级创新型区", "工作进展情况的通报")
		b.wantText("#s3", "三、存在问题", "进度滞后指标11项，涉及")
		// The stylesheet is inline: centred headings prove the page's CSP
		// admits it by hash, while scripts stay refused.
		align, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`getComputedStyle(document.getElementById('title')).textAlign`))
		if err != nil || align != "center" {
			t.Errorf("title text-align = %q (%v), want center: the circular's stylesheet was not applied", align, err)
		}
		charts, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll('svg').length`))
		if err != nil || charts != 7 {
			t.Errorf("charts = %d (%v), want 7: status counts and one per task", charts, err)
		}
		b.screenshotViewport("circular")
	})

	step("circular on a phone", func(t *testing.T) {
		b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
			chromedp.Navigate(base+"/report?as_of=2021-06-30&previous=2020-12-31"))
		b.noHorizontalScroll("circular on a phone")
		// The task tables scroll inside their box, the names keep room to read.
		nameWidth, err := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`document.querySelector('#s5 table.wide td').getBoundingClientRect().width`))
		if err != nil || nameWidth < 100 {
			t.Errorf("indicator name cell %.0f px wide on a phone (%v), want at least 100 (8 characters)", nameWidth, err)
		}
		back, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector('nav.back a').getAttribute('href')`))
		if err != nil || back != "/" {
			t.Errorf("link back = %q (%v), want /", back, err)
		}
		b.screenshotViewport("circular-phone")
		b.do("desktop viewport", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/report?as_of=2021-06-30&previous=2020-12-31"))
	})

	step("circular printed to PDF", func(t *testing.T) {
		yes := true
		res, err := chromedp.Call(b.ctx, cdppage.PrintToPDF, cdppage.PrintToPDFParams{PreferCSSPageSize: &yes, PrintBackground: &yes})
		if err != nil {
			t.Fatalf("print to PDF: %v", err)
		}
		file := filepath.Join(b.shots, "circular-printed.pdf")
		if err := os.WriteFile(file, res.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("printed circular %s", file)
		info, err := exec.Command(pdfinfo, file).Output()
		if err != nil {
			t.Fatalf("pdfinfo: %v", err)
		}
		m := regexp.MustCompile(`Pages:\s+(\d+)`).FindSubmatch(info)
		size := regexp.MustCompile(`Page size:\s+([\d.]+) x ([\d.]+) pts`).FindSubmatch(info)
		if m == nil || size == nil {
			t.Fatalf("pdfinfo says:\n%s", info)
		}
		pages, _ := strconv.Atoi(string(m[1]))
		// The form's 三号-like text on the GB/T 9704 text block takes about
		// 20 pages (the .docx 23, the PDF 17); a runaway layout would print
		// far more.
		if pages < 10 || pages > 40 {
			t.Errorf("printed circular has %d pages, want 10 to 40", pages)
		}
		// A4 is 595 × 842 points: the page's @page size won over Letter.
		if w, _ := strconv.ParseFloat(string(size[1]), 64); w < 590 || w > 600 {
			t.Errorf("page width %s pt, want A4's 595", size[1])
		}
		out, err := exec.Command(pdftotext, "-f", "1", "-l", "1", file, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		if text := strings.ReplaceAll(string(out), "\n", ""); !strings.Contains(text, "指标进展情况通报") {
			t.Errorf("first printed page lacks the title:\n%s", out)
		}
	})

	ref := "/indicators/yanfeng-innovation/high_tech_enterprises"
	chartWidth := func(t *testing.T) float64 {
		w, err := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`document.querySelector('#chart svg').getBoundingClientRect().width`))
		if err != nil {
			t.Fatalf("measure the chart: %v", err)
		}
		return w
	}
	step("indicator page with its chart on a desktop", func(t *testing.T) {
		b.do("open indicator", chromedp.Navigate(base+ref))
		b.wantText("#required", "需年均")
		b.wantText("#chart", "实际值", "目标≥30家", "按时序应达", "2021年")
		if w := chartWidth(t); w < 500 || w > 700 {
			t.Errorf("chart is %.0f px wide on a desktop, want 500–700", w)
		}
		b.screenshot("indicator-chart-desktop")
	})
	step("indicator page with its chart on a phone", func(t *testing.T) {
		b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(base+ref))
		b.noHorizontalScroll("indicator page on a phone")
		if w := chartWidth(t); w < 280 || w > 390 {
			t.Errorf("chart is %.0f px wide on a 390 px phone, want it to fit", w)
		}
		b.screenshot("indicator-chart-phone")
		b.save("indicator-chart-phone-detail", chromedp.Screenshot(chromedp.ID("chart")))
		b.do("open overview", chromedp.Navigate(base+"/"))
		b.noHorizontalScroll("overview on a phone")
		b.wantText("#status-chart", "任务1 推动企业技术创新", "已达标")
		b.screenshotViewport("overview-chart-phone")
	})
}
