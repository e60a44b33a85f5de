package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeInboxReportsAPipe: before, a pipe named like a data file sat in
// the inbox unread and unreported, run after run. On the real server it is
// now moved to failed/ with a report, and a good file beside it is taken.
func TestServeInboxReportsAPipe(t *testing.T) {
	inbox := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(inbox, "figures.csv"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(inbox, "good.csv")
	if err := os.WriteFile(good, []byte("indicator,period,value\nhigh_tech_enterprises,2021,25\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(good, old, old); err != nil {
		t.Fatal(err)
	}
	_, stop, logs := startServeLogs(t, serveConfig{data: t.TempDir(), inbox: inbox, inboxSchedule: "@every 1s"})
	deadline := time.Now().Add(90 * time.Second)
	for {
		report, taken := "", false
		if names, err := os.ReadDir(filepath.Join(inbox, "failed")); err == nil {
			for _, n := range names {
				if strings.HasSuffix(n.Name(), "-figures.csv.errors.txt") {
					b, err := os.ReadFile(filepath.Join(inbox, "failed", n.Name()))
					if err != nil {
						t.Fatal(err)
					}
					report = string(b)
				}
			}
		}
		if _, err := os.Stat(good); os.IsNotExist(err) {
			taken = true
		}
		if report != "" && taken {
			if !strings.Contains(report, "不是普通文件") {
				t.Errorf("the pipe's report says %q, want that it is not a regular file (不是普通文件)", report)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 90 s: the pipe's report %q, good.csv taken %v\n%s", report, taken, logs())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Errorf("serve: %v", err)
	}
}
