package pull_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/pull"
)

var testCatalog = kpi.Catalog{
	Plans: []kpi.Plan{{ID: "p", Title: "测试计划", Region: "雁峰区", Source: "test", StartYear: 2019, EndYear: 2022}},
	Indicators: []kpi.Indicator{{
		ID: "high_tech_enterprises", Plan: "p", Name: "高新技术企业数", NameEN: "High-tech enterprises",
		Task: 1, TaskTitle: "推动企业技术创新", LeadUnits: []string{"区科工信局"}, Unit: "家",
		Kind: kpi.KindAtLeast, Target: 30, Deadline: 2022, Frequency: kpi.Annual, DueDays: 90,
		Measure: kpi.MeasureLevel, SourceText: "到2022年，高新技术企业达到30家",
	}},
}

// newIngester returns the real ingest pipeline on a real bbolt store.
func newIngester(t *testing.T) (*ingest.Ingester, kpi.Store) {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "kpimon.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.SyncCatalog(context.Background(), testCatalog, kpi.Actor{Name: "test"}); err != nil {
		t.Fatal(err)
	}
	ing, err := ingest.New(ingest.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	return ing, st
}

func observations(t *testing.T, st kpi.Store) []kpi.Observation {
	t.Helper()
	obs, err := st.Observations(context.Background(), kpi.Ref{Plan: "p", ID: "high_tech_enterprises"})
	if err != nil {
		t.Fatal(err)
	}
	return obs
}

// inboxScheduler returns a scheduler with one inbox source on dir.
func inboxScheduler(t *testing.T, ing *ingest.Ingester, dir, schedule string) *pull.Scheduler {
	t.Helper()
	src, err := pull.InboxSource(dir, schedule)
	if err != nil {
		t.Fatal(err)
	}
	s, err := pull.New(pull.Options{Ingester: ing, Sources: []pull.Source{src}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const goodCSV = "indicator,period,value\nhigh_tech_enterprises,2021,25\n"

func writeOld(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestInbox(t *testing.T) {
	ing, st := newIngester(t)
	dir := t.TempDir()
	s := inboxScheduler(t, ing, dir, "@every 1h")
	writeOld(t, filepath.Join(dir, "good.csv"), goodCSV)
	writeOld(t, filepath.Join(dir, "bad.csv"), "indicator,period,value\nno_such_indicator,2021,abc\n")
	writeOld(t, filepath.Join(dir, "copying.csv.part"), goodCSV)
	writeOld(t, filepath.Join(dir, "~$good.xlsx"), "lock")
	// What Windows Explorer leaves in a shared folder is no submission.
	writeOld(t, filepath.Join(dir, "Thumbs.db"), "\x00thumbnails")
	writeOld(t, filepath.Join(dir, "desktop.ini"), "[.ShellClassInfo]\r\n")
	// A file modified just now may still be being written: it waits.
	if err := os.WriteFile(filepath.Join(dir, "fresh.csv"), []byte(goodCSV), 0o644); err != nil {
		t.Fatal(err)
	}

	rep, err := s.RunNow(context.Background(), "inbox")
	if err != nil {
		t.Fatalf("RunNow: %v", err)
	}
	if got, want := strings.Join(rep.Ingested, ","), "good.csv"; got != want {
		t.Errorf("ingested %q, want %q", got, want)
	}
	if got, want := strings.Join(rep.Rejected, ","), "bad.csv"; got != want {
		t.Errorf("rejected %q, want %q", got, want)
	}
	if got, want := strings.Join(rep.Skipped, ","), "fresh.csv"; got != want {
		t.Errorf("skipped %q, want %q", got, want)
	}
	if obs := observations(t, st); len(obs) != 1 || obs[0].Value != 25 || obs[0].Source != "inbox" || obs[0].File != "good.csv" {
		t.Errorf("stored %+v, want one figure 25 from inbox good.csv", obs)
	}

	left := map[string]bool{}
	for _, n := range listDir(t, dir) {
		left[n] = true
	}
	for _, name := range []string{"fresh.csv", "copying.csv.part", "~$good.xlsx", "Thumbs.db", "desktop.ini"} {
		if !left[name] {
			t.Errorf("inbox lost %s; left: %v", name, left)
		}
	}
	for _, name := range []string{"good.csv", "bad.csv"} {
		if left[name] {
			t.Errorf("inbox still holds %s after processing", name)
		}
	}
	assertFiled(t, filepath.Join(dir, pull.DoneDir), "good.csv", ".receipt.txt", "新增 1 项")
	// The figure by the indicator's name, in words.
	assertFiled(t, filepath.Join(dir, pull.DoneDir), "good.csv", ".receipt.txt", "高新技术企业数（high_tech_enterprises）\t2021年\t25家\t新增\n")
	assertFiled(t, filepath.Join(dir, pull.FailedDir), "bad.csv", ".errors.txt", "no_such_indicator")
	// A problem's English follows its Chinese on its own, indented line.
	assertFiled(t, filepath.Join(dir, pull.FailedDir), "bad.csv", ".errors.txt", "未知指标")
	assertFiled(t, filepath.Join(dir, pull.FailedDir), "bad.csv", ".errors.txt", "\n  bad.csv: row 2: column indicator: unknown indicator")
	// Where, what and what was written, in Chinese words for the submitter.
	assertFiled(t, filepath.Join(dir, pull.FailedDir), "bad.csv", ".errors.txt", "- bad.csv 第 2 行 indicator 列：未知指标（填写的是“no_such_indicator”，应为：目录中的指标编号或完整中文名称）\n")
}

// assertFiled checks sub holds the moved file and a report containing want.
func assertFiled(t *testing.T, sub, name, suffix, want string) {
	t.Helper()
	var file, report string
	for _, n := range listDir(t, sub) {
		switch {
		case strings.HasSuffix(n, "-"+name):
			file = n
		case strings.HasSuffix(n, "-"+name+suffix):
			report = n
		}
	}
	if file == "" || report == "" {
		t.Fatalf("%s holds %v, want %s and its %s report", sub, listDir(t, sub), name, suffix)
	}
	b, err := os.ReadFile(filepath.Join(sub, report))
	if err != nil {
		t.Fatal(err)
	}
	// Reports are read on Windows: a UTF-8 BOM and CRLF line ends.
	text, ok := strings.CutPrefix(string(b), "\ufeff")
	if !ok || strings.Count(text, "\n") != strings.Count(text, "\r\n") {
		t.Errorf("%s = %q, want a UTF-8 BOM and CRLF line ends (Notepad)", report, b)
	}
	if text = strings.ReplaceAll(text, "\r\n", "\n"); !strings.Contains(text, want) {
		t.Errorf("%s = %q, want it to contain %q", report, text, want)
	}
}

type failures struct {
	mu      sync.Mutex
	sources []string
}

func (f *failures) RecordFailure(source string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sources = append(f.sources, source)
}

func TestHTTPConditional(t *testing.T) {
	ing, st := newIngester(t)
	var (
		mu          sync.Mutex
		body        = goodCSV
		etag        = `"v1"`
		conditional int
		status      = http.StatusOK
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if status != http.StatusOK {
			w.WriteHeader(status)
			return
		}
		if r.Header.Get("If-None-Match") == etag {
			conditional++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "text/csv")
		w.Write([]byte(body))
	}))
	defer srv.Close()
	fr := &failures{}
	src := pull.Source{Name: "tjj", Type: pull.TypeHTTP, Location: srv.URL + "/figures.csv", Schedule: "@every 1h"}
	s, err := pull.New(pull.Options{Ingester: ing, Sources: []pull.Source{src}, StateDir: t.TempDir(), FailureRecorder: fr})
	if err != nil {
		t.Fatal(err)
	}
	run := func(name string) pull.RunReport {
		t.Helper()
		rep, err := s.RunNow(context.Background(), "tjj")
		if err != nil {
			t.Fatalf("%s: RunNow: %v", name, err)
		}
		return rep
	}
	if rep := run("first"); len(rep.Ingested) != 1 {
		t.Fatalf("first run %+v, want the file ingested", rep)
	}
	if rep := run("unchanged"); len(rep.Skipped) != 1 || conditional != 1 {
		t.Errorf("unchanged run %+v with %d conditional hits, want skipped via 304", rep, conditional)
	}
	// Same bytes under a new ETag: not ingested twice.
	mu.Lock()
	etag = `"v2"`
	mu.Unlock()
	if rep := run("same bytes"); len(rep.Skipped) != 1 {
		t.Errorf("same-bytes run %+v, want skipped", rep)
	}
	mu.Lock()
	etag, body = `"v3"`, "indicator,period,value\nhigh_tech_enterprises,2021,27\n"
	mu.Unlock()
	if rep := run("changed"); len(rep.Ingested) != 1 {
		t.Errorf("changed run %+v, want ingested", rep)
	}
	obs := observations(t, st)
	if len(obs) != 2 || obs[1].Value != 27 || obs[1].Revision != 2 || obs[1].Source != "pull:tjj" {
		t.Errorf("stored %+v, want revision 2 = 27 from pull:tjj", obs)
	}

	mu.Lock()
	status = http.StatusInternalServerError
	mu.Unlock()
	if _, err := s.RunNow(context.Background(), "tjj"); err == nil {
		t.Error("RunNow against HTTP 500 succeeded, want an error")
	}
	if len(fr.sources) != 1 || fr.sources[0] != "pull:tjj" {
		t.Errorf("failures recorded %v, want [pull:tjj]", fr.sources)
	}
}

func TestHTTPTimeout(t *testing.T) {
	ing, _ := newIngester(t)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	src := pull.Source{Name: "slow", Type: pull.TypeHTTP, Location: srv.URL, Schedule: "@every 1h", Timeout: 50 * time.Millisecond}
	s, err := pull.New(pull.Options{Ingester: ing, Sources: []pull.Source{src}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunNow(context.Background(), "slow"); err == nil {
		t.Fatal("RunNow against a server that never answers succeeded, want a timeout error")
	}
}

func TestSchedulerRunsOnSchedule(t *testing.T) {
	ing, st := newIngester(t)
	dir := t.TempDir()
	s := inboxScheduler(t, ing, dir, "@every 1s")
	writeOld(t, filepath.Join(dir, "good.csv"), goodCSV)
	s.Start(context.Background())
	var stored atomic.Bool
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && !stored.Load() {
		stored.Store(len(observations(t, st)) == 1)
		time.Sleep(100 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if !stored.Load() {
		t.Fatal("the scheduled inbox run did not store the file within 20s")
	}
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name       string
		yaml       string
		wantFields []string // problems expected, by field; none means valid
	}{
		{"valid", `
sources:
  - name: tjj
    type: http
    location: https://tjj.example.gov.cn/kpi.csv
    schedule: "0 8 * * *"
  - name: share
    type: dir
    location: /srv/share
    schedule: "@every 10m"
    time_zone: UTC
`, nil},
		{"bad schedule", `
sources:
  - name: tjj
    type: http
    location: https://x/kpi.csv
    schedule: "every morning"
`, []string{"source tjj: schedule"}},
		{"bad type, zone and url", `
sources:
  - name: a
    type: ftp
    location: x
    schedule: "@daily"
    time_zone: Mars/Olympus
  - name: b
    type: http
    location: "not a url"
    schedule: "@daily"
`, []string{"source a: type", "source a: time_zone", "source b: location"}},
		{"duplicate", `
sources:
  - {name: a, type: dir, location: /x, schedule: "@daily"}
  - {name: a, type: dir, location: /y, schedule: "@daily"}
`, []string{"sources[1].name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sources.yml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, err := pull.LoadConfig(path)
			if tt.wantFields == nil {
				if err != nil {
					t.Fatalf("LoadConfig: %v", err)
				}
				if cfg.Sources[0].TimeZone != pull.DefaultTimeZone || cfg.Sources[1].TimeZone != "UTC" {
					t.Errorf("time zones %q, %q; want default %s then UTC", cfg.Sources[0].TimeZone, cfg.Sources[1].TimeZone, pull.DefaultTimeZone)
				}
				return
			}
			ke, ok := err.(*kpi.Error)
			if !ok || ke.Code != kpi.EINVALID {
				t.Fatalf("LoadConfig error = %v, want *kpi.Error EINVALID", err)
			}
			var got []string
			for _, p := range ke.Problems {
				got = append(got, p.Field)
				if p.File != path {
					t.Errorf("problem %v names file %q, want %q", p, p.File, path)
				}
			}
			if strings.Join(got, "|") != strings.Join(tt.wantFields, "|") {
				t.Errorf("problem fields %q, want %q", got, tt.wantFields)
			}
		})
	}
}

// TestInboxGBKAndTemplate drops what offices really send into the inbox: a
// CSV saved by Excel on Chinese Windows (GBK) and the XLSX template filled in.
func TestInboxGBKAndTemplate(t *testing.T) {
	ing, st := newIngester(t)
	dir := t.TempDir()
	gbk, err := simplifiedchinese.GBK.NewEncoder().String("指标名称,报告期,实际值,备注\n高新技术企业数,2020年,21,统计公报\n")
	if err != nil {
		t.Fatal(err)
	}
	writeOld(t, filepath.Join(dir, "2020年报.csv"), gbk)
	var tmpl bytes.Buffer
	if err := ingest.WriteTemplate(&tmpl, testCatalog); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&tmpl)
	if err != nil {
		t.Fatal(err)
	}
	x.SetCellValue(ingest.TemplateSheet, "H2", "2021年")
	x.SetCellValue(ingest.TemplateSheet, "I2", 26)
	var filled bytes.Buffer
	if _, err := x.WriteTo(&filled); err != nil {
		t.Fatal(err)
	}
	writeOld(t, filepath.Join(dir, "2021模板.xlsx"), filled.String())

	s := inboxScheduler(t, ing, dir, "@every 1h")
	rep, err := s.RunNow(context.Background(), "inbox")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Ingested) != 2 || len(rep.Rejected) != 0 {
		failed, _ := os.ReadDir(filepath.Join(dir, pull.FailedDir))
		for _, e := range failed {
			b, _ := os.ReadFile(filepath.Join(dir, pull.FailedDir, e.Name()))
			t.Logf("%s: %s", e.Name(), b)
		}
		t.Fatalf("run %+v, want both files ingested", rep)
	}
	obs := observations(t, st)
	if len(obs) != 2 || obs[0].Value != 21 || obs[0].Note != "统计公报" || obs[1].Value != 26 || obs[1].File != "2021模板.xlsx" {
		t.Errorf("stored %+v, want 2020 = 21 (note 统计公报) from the GBK CSV and 2021 = 26 from the template", obs)
	}
}

// TestInboxReceiptFigures: an inbox receipt prints a large figure as
// written (2400000, not 2.4e+06) and says when a figure lies beyond the
// target's deadline.
func TestInboxReceiptFigures(t *testing.T) {
	ing, _ := newIngester(t)
	dir := t.TempDir()
	s := inboxScheduler(t, ing, dir, "@every 1h")
	writeOld(t, filepath.Join(dir, "late.csv"), "indicator,period,value,确认\nhigh_tech_enterprises,2022,2400000,是\nhigh_tech_enterprises,2023,2400001,是\n") // far above the target: confirmed
	if _, err := s.RunNow(context.Background(), "inbox"); err != nil {
		t.Fatalf("RunNow: %v", err)
	}
	done := filepath.Join(dir, pull.DoneDir)
	assertFiled(t, done, "late.csv", ".receipt.txt", "高新技术企业数（high_tech_enterprises）\t2022年\t2400000家\t新增\n")
	assertFiled(t, done, "late.csv", ".receipt.txt", "2023年\t2400001家\t新增\t超出目标期限（2022年），计入报送记录，不计入达标判断\n")
}
