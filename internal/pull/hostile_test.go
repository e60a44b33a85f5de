package pull_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/pull"
)

// TestInboxUnreadableFileDoesNotStopTheRest: before, one unreadable file
// stopped every file sorted after it, for good.
func TestInboxUnreadableFileDoesNotStopTheRest(t *testing.T) {
	ing, st := newIngester(t)
	dir := t.TempDir()
	src, err := pull.InboxSource(dir, "@every 1h")
	if err != nil {
		t.Fatal(err)
	}
	fr := &failures{}
	s, err := pull.New(pull.Options{Ingester: ing, Sources: []pull.Source{src}, FailureRecorder: fr})
	if err != nil {
		t.Fatal(err)
	}
	writeOld(t, filepath.Join(dir, "a-unreadable.csv"), goodCSV)
	writeOld(t, filepath.Join(dir, "b-good.csv"), goodCSV)
	pull.SetReadFile(s, func(path string, max int64) ([]byte, error) {
		if strings.HasSuffix(path, "a-unreadable.csv") {
			return nil, &os.PathError{Op: "read", Path: path, Err: errors.New("input/output error")}
		}
		return os.ReadFile(path)
	})
	rep, err := s.RunNow(context.Background(), "inbox")
	if err != nil {
		t.Fatalf("RunNow: %v", err)
	}
	if !slices.Equal(rep.Ingested, []string{"b-good.csv"}) || !slices.Equal(rep.Unreadable, []string{"a-unreadable.csv"}) {
		t.Errorf("run = %+v, want b-good.csv ingested and a-unreadable.csv unreadable", rep)
	}
	if obs := observations(t, st); len(obs) != 1 {
		t.Errorf("stored %d figures, want 1", len(obs))
	}
	if !slices.Equal(fr.sources, []string{"inbox"}) {
		t.Errorf("failures recorded %v, want [inbox]", fr.sources)
	}
	assertFiled(t, filepath.Join(dir, pull.FailedDir), "a-unreadable.csv", ".errors.txt", "无法读取")
	if left := listDir(t, dir); !slices.Equal(left, []string{pull.DoneDir, pull.FailedDir}) {
		t.Errorf("inbox holds %v, want only done/ and failed/", left)
	}
}

// TestInboxLimitsAndLinks: before, a 100 MB file was read whole (RSS 1.1
// GB) and symbolic links were skipped without a word.
func TestInboxLimitsAndLinks(t *testing.T) {
	ing, st := newIngester(t)
	dir := t.TempDir()
	src, err := pull.InboxSource(dir, "@every 1h")
	if err != nil {
		t.Fatal(err)
	}
	s, err := pull.New(pull.Options{Ingester: ing, Sources: []pull.Source{src}, MaxFileBytes: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	writeOld(t, filepath.Join(dir, "big.csv"), goodCSV+strings.Repeat("high_tech_enterprises,2021,25\n", 100))
	secret := filepath.Join(t.TempDir(), "secret.csv")
	writeOld(t, secret, goodCSV)
	if err := os.Symlink(secret, filepath.Join(dir, "link.csv")); err != nil {
		t.Fatal(err)
	}
	rep, err := s.RunNow(context.Background(), "inbox")
	if err != nil {
		t.Fatalf("RunNow: %v", err)
	}
	if !slices.Equal(rep.Rejected, []string{"big.csv", "link.csv"}) || len(rep.Ingested) != 0 {
		t.Errorf("run = %+v, want big.csv and link.csv rejected, nothing ingested", rep)
	}
	if obs := observations(t, st); len(obs) != 0 {
		t.Errorf("stored %v, want nothing", obs)
	}
	assertFiled(t, filepath.Join(dir, pull.FailedDir), "big.csv", ".errors.txt", "超过 0 MiB")
	assertFiled(t, filepath.Join(dir, pull.FailedDir), "link.csv", ".errors.txt", "符号链接")
	if _, err := os.Stat(secret); err != nil {
		t.Errorf("the link's target was touched: %v", err)
	}
}

// TestInboxFailedWriteLeavesNoTempFiles: before, a run whose report could
// not be put in place (a full disk) left .errors.txt.tmp files behind.
// Here the rename of the report fails: a directory holds its name.
func TestInboxFailedWriteLeavesNoTempFiles(t *testing.T) {
	ing, _ := newIngester(t)
	dir := t.TempDir()
	src, err := pull.InboxSource(dir, "@every 1h")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	s, err := pull.New(pull.Options{Ingester: ing, Sources: []pull.Source{src}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	writeOld(t, filepath.Join(dir, "bad.csv"), "indicator,period,value\nno_such_indicator,2021,1\n")
	blocker := filepath.Join(dir, pull.FailedDir, now.In(kpi.China).Format("20060102-150405")+"-bad.csv.errors.txt")
	if err := os.MkdirAll(filepath.Join(blocker, "x"), 0o750); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunNow(context.Background(), "inbox"); err == nil {
		t.Fatal("RunNow succeeded though the report could not be written")
	}
	for _, d := range []string{dir, filepath.Join(dir, pull.FailedDir)} {
		if left := listDir(t, d); slices.ContainsFunc(left, func(n string) bool { return strings.HasSuffix(n, ".tmp") }) {
			t.Errorf("temporary files left in %s: %v", d, left)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.csv")); err != nil {
		t.Errorf("bad.csv should stay in the inbox for the next run: %v", err)
	}
}

// TestPullLimits: before, a 300 MB pulled file was refused only after
// 256 MB sat in memory, was downloaded again every run, and a redirect to
// another host carried X-Api-Key there.
func TestPullLimits(t *testing.T) {
	ing, st := newIngester(t)
	var (
		mu         sync.Mutex
		fullBodies int
		leaked     []string
	)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		leaked = append(leaked, r.Header.Get("X-Api-Key"))
		mu.Unlock()
		w.Write([]byte(goodCSV))
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big.csv":
			if r.Header.Get("If-None-Match") == `"big1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			mu.Lock()
			fullBodies++
			mu.Unlock()
			w.Header().Set("ETag", `"big1"`)
			w.Write([]byte(goodCSV + strings.Repeat("high_tech_enterprises,2021,25\n", 1000)))
		case "/moved.csv":
			if r.Header.Get("X-Api-Key") != "s3cret" {
				http.Error(w, "no key", http.StatusForbidden)
				return
			}
			http.Redirect(w, r, other.URL+"/figures.csv", http.StatusFound)
		}
	}))
	defer srv.Close()
	stateDir := t.TempDir()
	s, err := pull.New(pull.Options{Ingester: ing, StateDir: stateDir, MaxFileBytes: 4 << 10, Sources: []pull.Source{
		{Name: "big", Type: pull.TypeHTTP, Location: srv.URL + "/big.csv", Schedule: "@every 1h"},
		{Name: "moved", Type: pull.TypeHTTP, Location: srv.URL + "/moved.csv", Schedule: "@every 1h", Headers: map[string]string{"X-Api-Key": "s3cret"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rep, err := s.RunNow(ctx, "big")
	if err != nil || !slices.Equal(rep.Rejected, []string{srv.URL + "/big.csv"}) {
		t.Fatalf("first run of big = %+v, %v; want it rejected", rep, err)
	}
	rep, err = s.RunNow(ctx, "big")
	if err != nil || len(rep.Skipped) != 1 || fullBodies != 1 {
		t.Errorf("second run of big = %+v, %v after %d downloads; want skipped with one download", rep, err, fullBodies)
	}
	if _, err := s.RunNow(ctx, "moved"); err != nil {
		t.Fatalf("run of moved: %v", err)
	}
	if !slices.Equal(leaked, []string{""}) {
		t.Errorf("the other host saw X-Api-Key %q, want it not sent", leaked)
	}
	if obs := observations(t, st); len(obs) != 1 {
		t.Errorf("stored %d figures, want 1 (from the redirect)", len(obs))
	}
	if left := listDir(t, stateDir); slices.ContainsFunc(left, func(n string) bool { return strings.HasSuffix(n, ".tmp") }) {
		t.Errorf("temporary files left in the state dir: %v", left)
	}
}
