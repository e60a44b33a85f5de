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

	out, err := exec.Command(pdftotext, "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(string(out), "\f")
	first := pages[0]
	if !strings.HasPrefix(strings.TrimSpace(first), "衡阳市雁峰区培育建设省级创新型区责任分工表指标进展情况通报") {
		t.Errorf("first page does not start with the Chinese title:\n%.300s", first)
	}
	// Lines wrap anywhere in Chinese prose: read the text without them.
	all := strings.ReplaceAll(string(out), "\n", "")
	for _, want := range []string{
		"（截至2021年6月30日）",
		"已达标或正常推进的42项，占52.5%",
		"进度滞后的指标11项：",
		// a lagging indicator named with its required growth
		"高新技术企业（区科工信局，2020年16家，目标≥30家（2022年），差距14家，需年均增加7家）",
		"万元GDP综合能耗（区发改局、区人社局，2020年0.361吨标准煤/万元，目标≤0.331吨标准煤/万元（2022年），差距0.030吨标准煤/万元，需年均下降4.2%）",
		"任务6 创新环境建设",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	// No character lost where a line wraps: every indicator name is whole.
	for _, task := range c.Tasks {
		for _, r := range task.Rows {
			if len([]rune(r.Name)) <= 8 && !strings.Contains(all, r.Name) {
				t.Errorf("PDF text lacks indicator %q", r.Name)
			}
		}
	}

	// Every page as a PNG, for a person to look at.
	if out, err := exec.Command(pdftoppm, "-r", "80", "-png", file, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	info, _ := exec.Command(testkit.LookPath(t, "poppler-utils", "pdfinfo"), file).Output()
	m := regexp.MustCompile(`Pages:\s+(\d+)`).FindSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo gives no page count:\n%s", info)
	}
	n, _ := strconv.Atoi(string(m[1]))
	// The cover and its sections take at least two pages, each of the six tasks one more.
	if n < 8 || len(pngs) != n {
		t.Errorf("pages = %d, PNGs = %d; want at least 8 and one PNG per page", n, len(pngs))
	}
	for _, p := range pngs {
		if st, err := os.Stat(p); err != nil || st.Size() < 10_000 {
			t.Errorf("page image %s is missing or blank (%v)", p, err)
		}
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
