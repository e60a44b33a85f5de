package report_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/report"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// artifactDir is where a test keeps what a person should look at (pages
// as PNG): $KPIMON_TEST_ARTIFACTS, else a new temporary directory that is
// not removed. The path is logged.
func artifactDir(t *testing.T, name string) string {
	t.Helper()
	base := os.Getenv("KPIMON_TEST_ARTIFACTS")
	if base == "" {
		base = os.TempDir()
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(base, name+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("artifacts of %s: %s", t.Name(), dir)
	return dir
}

// needFont skips without a Chinese font, or fails under CI (which installs
// fonts-wqy-microhei).
func needFont(t *testing.T) {
	t.Helper()
	if _, err := report.FindFont(""); errors.Is(err, report.ErrNoFont) {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v (CI installs fonts-wqy-microhei: see .ci/run)", err)
		}
		t.Skip(err)
	}
}

func TestWritePDF(t *testing.T) {
	pdftotext := testkit.LookPath(t, "poppler-utils", "pdftotext")
	pdftoppm := testkit.LookPath(t, "poppler-utils", "pdftoppm")
	needFont(t)
	c := sampleCircular(t, report.Options{Previous: chinaDay(t, "2020-06-30")})
	dir := artifactDir(t, "circular-pdf")
	file := filepath.Join(dir, "通报.pdf")
	var b bytes.Buffer
	if err := report.WritePDF(&b, c, report.PDFOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	out, err := exec.Command(pdftotext, "-raw", "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(string(out), "\f")
	if first := strings.Join(strings.Fields(pages[0]), ""); !strings.HasPrefix(first, "衡阳市雁峰区培育建设省级创新型区工作领导小组办公室雁峰办〔2021〕1号关于培育建设省级创新型区工作进展情况的通报各责任单位：") {
		t.Errorf("first page does not open with 版头, 文号, title and 主送:\n%.300s", first)
	}
	// Lines wrap anywhere in Chinese prose: read the text without them.
	all := strings.Join(strings.Fields(string(out)), "")
	for _, want := range []string{
		"截至2021年6月30日",
		"已达标或正常推进的42项，占52.5%",
		"一、总体情况", "二、较上期（2020年6月30日）变化", "三、存在问题", "四、责任单位排名", "五、各项任务指标进展情况", "六、下步工作要求",
		"进度滞后指标11项，涉及",
		// a red indicator named with what it must still do
		strings.Join(strings.Fields(c.Red[0].Mention()), ""),
		"（六）任务6创新环境建设",
		"衡阳市雁峰区培育建设省级创新型区工作领导小组办公室2021年6月30日",
		"抄送：区委办公室，区人大常委会办公室，区政府办公室，区政协办公室。",
		"2021年6月30日印发",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	// Every indicator once in the task tables, and whole: cells are
	// written line after line, so -raw keeps a wrapped name together.
	tasks := all[strings.Index(all, "五、各项任务指标进展情况"):strings.Index(all, "六、下步工作要求")]
	// Once in the table, once as a label of the task's chart.
	checkNamedTimes(t, c, tasks, 2, "in the task section (its table row, its chart bar)")
	checkFiguresWhole(t, "PDF", c, rawLines(t, string(out), "五、各项任务指标进展情况", "六、下步工作要求"))
	layout := pageLayout{
		Left: 28 * mm, Right: 26 * mm, Top: 37 * mm, BodyBottom: (297 - 35) * mm, FooterTop: (297 - 35) * mm,
		Footer: pageNumberWord,
	}
	placed := readPages(t, file)
	checkPages(t, "PDF", placed, layout)
	checkRecordAtFoot(t, "PDF", placed, layout)

	// Every page as a PNG, for a person to look at.
	if out, err := exec.Command(pdftoppm, "-r", "60", "-png", file, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	info, _ := exec.Command(testkit.LookPath(t, "poppler-utils", "pdfinfo"), file).Output()
	m := regexp.MustCompile(`Pages:\s+(\d+)`).FindSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo gives no page count:\n%s", info)
	}
	n, _ := strconv.Atoi(string(m[1]))
	if n < 8 || len(pngs) != n {
		t.Errorf("pages = %d, PNGs = %d; want at least 8 and one PNG per page", n, len(pngs))
	}
}

func TestFontFromCollection(t *testing.T) {
	if _, err := report.FontFromCollection([]byte("OTTO not a collection")); err == nil {
		t.Error("FontFromCollection accepted a non-collection")
	}
	ttc, err := os.ReadFile(report.FontCandidates[0])
	if err != nil {
		t.Skipf("no collection to read: %v", err)
	}
	ttf, err := report.FontFromCollection(ttc)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(ttf[:4]); got != "\x00\x01\x00\x00" {
		t.Errorf("extracted font starts %q, want a TrueType sfnt version", got)
	}
}
