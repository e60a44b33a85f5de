package main

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestReportCommand: ingest the sample figures, then write the circular of
// 2021-06-30 as XLSX and HTML, and one unit's.
func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	figures := filepath.Join("..", "..", "internal", "report", "testdata", "figures-2019-2021.csv")
	if _, stderr, err := runKpimon(t, nil, "ingest", "--storage.path", data, figures); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr)
	}

	xlsx := filepath.Join(dir, "通报.xlsx")
	_, stderr, err := runKpimon(t, nil, "report", "--storage.path", data, "--as-of", "2021-06-30", "--previous", "2020-12-31", "-o", xlsx)
	if err != nil {
		t.Fatalf("report -o %s: %v\n%s", xlsx, err, stderr)
	}
	if want := "80 indicators, as of 2021年6月30日"; !strings.Contains(stderr, want) {
		t.Errorf("report says %q, want it to contain %q", stderr, want)
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "总体情况,较上期变化,需重点关注指标,责任单位排名,指标明细" {
		t.Errorf("sheets = %s", got)
	}
	rows, _ := f.GetRows("指标明细")
	if len(rows) != 81 {
		t.Errorf("detail rows = %d, want 80 and the header", len(rows))
	}
	if st, _ := os.Stat(xlsx); st.Mode().Perm() != 0o644 {
		t.Errorf("%s mode %v, want 0644", xlsx, st.Mode().Perm())
	}

	html := filepath.Join(dir, "科工信局.html")
	if _, stderr, err := runKpimon(t, nil, "report", "--storage.path", data, "--as-of", "2021-06-30", "--unit", "区科工信局", "-o", html); err != nil {
		t.Fatalf("report --unit: %v\n%s", err, stderr)
	}
	body, _ := os.ReadFile(html)
	if !strings.Contains(string(body), "（截至2021年6月30日 · 区科工信局）") || strings.Contains(string(body), "<td>平安雁峰建设</td>") {
		t.Errorf("区科工信局's circular lacks its heading or shows another unit's indicator")
	}

	// The .docx with the office's file and a flag over it, and the
	// --report.lights/--report.font the README writes (and --lights).
	office := filepath.Join(dir, "office.yaml")
	if err := os.WriteFile(office, []byte("issuer: 雁峰区创新办\nnumber: 雁创办〔{year}〕{n}号\nserial: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	docx := filepath.Join(dir, "通报.docx")
	if _, stderr, err := runKpimon(t, nil, "report", "--storage.path", data, "--as-of", "2021-06-30", "--report.config.file", office,
		"--report.serial", "5", "--lights", "no_data=red", "--report.font", "", "-o", docx); err != nil {
		t.Fatalf("report -o %s: %v\n%s", docx, err, stderr)
	}
	zr, err := zip.OpenReader(docx)
	if err != nil {
		t.Fatalf("the .docx is no zip package: %v", err)
	}
	defer zr.Close()
	var doc []byte
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			r, _ := f.Open()
			doc, _ = io.ReadAll(r)
			r.Close()
		}
	}
	for _, want := range []string{"雁峰区创新办", "雁创办〔2021〕5号"} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("the .docx lacks %q", want)
		}
	}

	for _, bad := range [][]string{
		{"--report.config.file", filepath.Join(dir, "none.yaml"), "-o", filepath.Join(dir, "x.pdf")},
		{"--report.date", "2021-7-5", "-o", filepath.Join(dir, "x.pdf")},
		{"-o", filepath.Join(dir, "通报.txt")},
		{"--as-of", "2021/06/30", "-o", filepath.Join(dir, "x.pdf")},
		{"--lights", "no_data=blue", "-o", filepath.Join(dir, "x.pdf")},
		{"--unit", "区不存在局", "-o", filepath.Join(dir, "x.pdf")},
	} {
		if _, _, err := runKpimon(t, nil, append([]string{"report", "--storage.path", data}, bad...)...); err == nil {
			t.Errorf("report %v succeeded, want an error", bad)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.pdf")); !os.IsNotExist(err) {
		t.Errorf("a failed report left x.pdf behind (%v)", err)
	}
}

// TestReportWhileServerRuns: while serve holds the data dir, report asks
// the server's /report for the same circular.
func TestReportWhileServerRuns(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	figures := filepath.Join("..", "..", "internal", "report", "testdata", "figures-2019-2021.csv")
	if _, stderr, err := runKpimon(t, nil, "ingest", "--storage.path", data, figures); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr)
	}
	url, stop := startServe(t, serveConfig{data: data})
	defer stop()
	xlsx := filepath.Join(dir, "通报.xlsx")
	_, stderr, err := runKpimon(t, nil, "report", "--storage.path", data, "--server", url, "--as-of", "2021-06-30", "--unit", "区财政局", "-o", xlsx)
	if err != nil {
		t.Fatalf("report via the server: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "from server "+url) {
		t.Errorf("report says %q, want it to name the server", stderr)
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("指标明细")
	if len(rows) != 1+11 {
		t.Errorf("区财政局's circular via the server has %d indicators, want 11", len(rows)-1)
	}
	// A named server is asked also when the local data dir is free (here
	// one with no store at all): --server was ignored then.
	if _, stderr, err := runKpimon(t, nil, "report", "--storage.path", filepath.Join(dir, "elsewhere"), "--server", url,
		"--as-of", "2021-06-30", "-o", filepath.Join(dir, "z.xlsx")); err != nil || !strings.Contains(stderr, "from server "+url) {
		t.Errorf("report --server %s with a free local data dir: %v, %q; want the server's circular", url, err, stderr)
	}
	// The document's number and date go to the server's /report as
	// serial= and date=, as the README's /report takes them.
	html := filepath.Join(dir, "numbered.html")
	if _, stderr, err := runKpimon(t, nil, "report", "--storage.path", data, "--server", url, "--as-of", "2021-06-30",
		"--report.serial", "7", "--report.date", "2021-07-05", "-o", html); err != nil {
		t.Fatalf("report --report.serial 7 --report.date 2021-07-05 via the server: %v\n%s", err, stderr)
	}
	if b, err := os.ReadFile(html); err != nil || !strings.Contains(string(b), "雁峰办〔2021〕7号") || !strings.Contains(string(b), "2021年7月5日") {
		t.Errorf("the server's circular lacks the serial 雁峰办〔2021〕7号 or the date 2021年7月5日 asked for (%v)", err)
	}
	// Settings of the server's own are refused, not silently dropped (the
	// circular would have 15 红灯 where the flag asks for 21).
	for _, flag := range [][]string{{"--report.lights", "no_data=red"}, {"--lights", "no_data=red"}, {"--report.font", "/x.ttf"}, {"--report.issuer", "某某办公室"}} {
		args := append([]string{"report", "--storage.path", data, "--server", url, "--as-of", "2021-06-30", "-o", filepath.Join(dir, "y.pdf")}, flag...)
		_, _, err := runKpimon(t, nil, args...)
		if err == nil || !strings.Contains(err.Error(), "cannot apply to a circular made by the server") {
			t.Errorf("report %v via the server: err = %v, want a refusal", flag, err)
		}
	}
}
