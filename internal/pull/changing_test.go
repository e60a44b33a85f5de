package pull_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/pull"
)

// resumingIngester is the real ingester, but the inbox file's writer
// resumes (appends rows) while the first submission is being stored.
type resumingIngester struct {
	kpi.Ingester
	path string
	once sync.Once
}

func (r *resumingIngester) Ingest(ctx context.Context, u kpi.Upload) (kpi.SubmissionResult, error) {
	res, err := r.Ingester.Ingest(ctx, u)
	r.once.Do(func() { appendRows(r.path) })
	return res, err
}

func appendRows(path string) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if _, err := f.WriteString("high_tech_enterprises,2021,25\nhigh_tech_enterprises,2022,28\n"); err != nil {
		panic(err)
	}
}

// TestInboxWriterResumesAfterRead: before, a file whose writer paused
// longer than the settle time was read half-written, its half stored
// (receipt 新增 2), and the file, finished meanwhile, moved to done/
// holding 4 rows of which 2 were never stored, without a word. Now a file
// that changed between the look and the move stays for the next run,
// which takes it whole. The writer resumes at the two moments that matter:
// while the file is read (nothing is stored) and while its figures are
// stored (what was stored stands; the move waits).
func TestInboxWriterResumesAfterRead(t *testing.T) {
	for _, tc := range []struct {
		name      string
		firstRun  []string // periods stored by the first run
		receipt   string   // of the second run
		whileRead bool
	}{
		{"while read", nil, "新增 4 项", true},
		{"while stored", []string{"2019", "2020"}, "新增 2 项 · 修订 0 项 · 未变 2 项", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			real, st := newIngester(t)
			dir := t.TempDir()
			path := filepath.Join(dir, "tjj.csv")
			var ing kpi.Ingester = real
			if !tc.whileRead {
				ing = &resumingIngester{Ingester: real, path: path}
			}
			src, err := pull.InboxSource(dir, "@every 1h")
			if err != nil {
				t.Fatal(err)
			}
			s, err := pull.New(pull.Options{Ingester: ing, Sources: []pull.Source{src}})
			if err != nil {
				t.Fatal(err)
			}
			writeOld(t, path, "indicator,period,value\nhigh_tech_enterprises,2019,20\nhigh_tech_enterprises,2020,22\n")
			if tc.whileRead {
				pull.SetReadFile(s, func(p string, max int64) ([]byte, error) {
					body, err := os.ReadFile(p)
					appendRows(p)
					return body, err
				})
			}
			rep, err := s.RunNow(context.Background(), "inbox")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rep.Changed, []string{"tjj.csv"}) || len(rep.Ingested) != 0 {
				t.Fatalf("first run: changed %v, ingested %v; want tjj.csv left for the next run", rep.Changed, rep.Ingested)
			}
			if _, err := os.Stat(path); err != nil {
				t.Fatalf("the changed file is not in the inbox any more: %v", err)
			}
			if got := listDir(t, filepath.Join(dir, pull.DoneDir)); len(got) != 0 {
				t.Errorf("done/ after the first run holds %v, want nothing (no receipt for a file left)", got)
			}
			if got := periodsOf(t, st); !slices.Equal(got, tc.firstRun) {
				t.Errorf("stored by the first run: %v, want %v", got, tc.firstRun)
			}

			pull.SetReadFile(s, nil) // the writer is done
			old := time.Now().Add(-time.Hour)
			if err := os.Chtimes(path, old, old); err != nil { // settled since
				t.Fatal(err)
			}
			rep, err = s.RunNow(context.Background(), "inbox")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rep.Ingested, []string{"tjj.csv"}) {
				t.Fatalf("second run: ingested %v, want tjj.csv", rep.Ingested)
			}
			if got, want := periodsOf(t, st), []string{"2019", "2020", "2021", "2022"}; !slices.Equal(got, want) {
				t.Errorf("stored periods %v, want %v: the whole file", got, want)
			}
			done := filepath.Join(dir, pull.DoneDir)
			assertFiled(t, done, "tjj.csv", ".receipt.txt", tc.receipt)
			for _, n := range listDir(t, done) {
				if strings.HasSuffix(n, "-tjj.csv") {
					b, err := os.ReadFile(filepath.Join(done, n))
					if err != nil {
						t.Fatal(err)
					}
					if rows := strings.Count(string(b), "\n") - 1; rows != 4 {
						t.Errorf("done/%s holds %d rows, want the 4 stored", n, rows)
					}
				}
			}
		})
	}
}

func periodsOf(t *testing.T, st kpi.Store) []string {
	t.Helper()
	var periods []string
	for _, o := range observations(t, st) {
		periods = append(periods, o.Period.String())
	}
	return periods
}

// TestInboxNonRegularReported: before, a pipe or a folder named like a
// data file was passed over in silence, run after run. Now each is
// reported: logged, counted as a failure of the source, and moved to
// failed/ with a report saying what it is. A folder with another name
// (the operator's own) is left alone.
func TestInboxNonRegularReported(t *testing.T) {
	ing, _ := newIngester(t)
	dir := t.TempDir()
	src, err := pull.InboxSource(dir, "@every 1h")
	if err != nil {
		t.Fatal(err)
	}
	var fails failures
	s, err := pull.New(pull.Options{Ingester: ing, Sources: []pull.Source{src}, FailureRecorder: &fails})
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "figures.csv"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"more.xlsx", "archive"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	var rep pull.RunReport
	go func() {
		defer close(done)
		rep, err = s.RunNow(context.Background(), "inbox")
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the run did not end within a minute (blocked opening the pipe?)")
	}
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(rep.Unreadable)
	if want := []string{"figures.csv", "more.xlsx"}; !slices.Equal(rep.Unreadable, want) {
		t.Errorf("reported %v, want %v", rep.Unreadable, want)
	}
	if len(fails.sources) != 2 {
		t.Errorf("failures recorded %v, want two of the inbox", fails.sources)
	}
	failed := filepath.Join(dir, pull.FailedDir)
	assertFiled(t, failed, "figures.csv", ".errors.txt", "不是普通文件")
	assertFiled(t, failed, "more.xlsx", ".errors.txt", "不是普通文件")
	if _, err := os.Stat(filepath.Join(dir, "archive")); err != nil {
		t.Errorf("the operator's folder archive was moved: %v", err)
	}
}
