package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/testkit"
)

// The kill tests show that one submission is stored whole or not at all: a
// server killed with SIGKILL in the middle of storing a file holds, after
// restart, either the whole file or none of it (also when it was killed
// between the transactions of a file written in batches), and an inbox
// file that was not committed is still in the inbox. The binary is built
// with -tags killpoints, so the server stops at an exact instant of the
// write (KPIMON_KILLPOINT: just before or just after the commit, or after
// a batch) and is killed there: no sleeps, one kill point per phase.

const (
	killIndicators = 200
	killYears      = 10 // 2013..2022
)

// writeBigCatalog writes a plan of killIndicators indicators reported yearly
// from 2013 to 2022.
func writeBigCatalog(t *testing.T, dir string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("id: big\ntitle: 大计划\nregion: 测试区\nsource: kill test\nstart_year: 2013\nend_year: 2022\n")
	b.WriteString("defaults:\n  frequency: annual\n  due_days: 90\n  measure: level\ntasks:\n  - task: 1\n    title: 任务一\n    work_lines:\n")
	b.WriteString("      - id: \"1.1\"\n        text: 工作要点\n        lead_units: [区统计局]\n        co_units: []\n        indicators:\n")
	for i := 0; i < killIndicators; i++ {
		fmt.Fprintf(&b, "          - {id: ind_%05d, name: 指标%05d, name_en: Indicator %d, kind: at_least, target: 100, unit: 家, deadline: 2022, source_text: 到2022年达到100家}\n", i, i, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "big.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func bigCSV() []byte {
	var b bytes.Buffer
	b.WriteString("indicator,period,value\n")
	for i := 0; i < killIndicators; i++ {
		for y := 0; y < killYears; y++ {
			fmt.Fprintf(&b, "ind_%05d,%d,%d\n", i, 2013+y, 10+y+i%7)
		}
	}
	return b.Bytes()
}

// startServer runs 'kpimon serve' on a free port, with env added to its
// environment, and waits until it is ready.
func startServer(t *testing.T, bin string, env []string, args ...string) (*testkit.Proc, string) {
	t.Helper()
	addr := testkit.FreeAddr(t)
	p := testkit.StartEnv(t, "kpimon", bin, env, append([]string{"serve", "--listen", addr}, args...)...)
	url := "http://" + addr
	testkit.WaitHTTP(t, context.Background(), p, url+"/readyz")
	return p, url
}

// killAt waits until the server stops at its kill point, then kills it.
func killAt(t *testing.T, s *testkit.Proc, point string) {
	t.Helper()
	testkit.WaitFor(t, context.Background(), s, "the kill point "+point, func() error {
		if !strings.Contains(s.Output(), "killpoint reached: "+point) {
			return errors.New("not reached yet")
		}
		return nil
	})
	s.Kill()
}

// storedFigures counts the figures in the store with the server stopped,
// through 'kpimon status -o json'.
func storedFigures(t *testing.T, bin, data, targets string) int {
	t.Helper()
	out, err := exec.Command(bin, "status", "--data", data, "--targets", targets, "-o", "json").Output()
	if err != nil {
		t.Fatalf("kpimon status: %v", err)
	}
	var states []struct {
		Latest []json.RawMessage `json:"latest"`
	}
	if err := json.Unmarshal(out, &states); err != nil {
		t.Fatalf("decode status: %v", err)
	}
	n := 0
	for _, s := range states {
		n += len(s.Latest)
	}
	return n
}

const (
	beforeCommit = "add observations:before-commit"
	afterCommit  = "add observations:after-commit"
	// betweenBatches is after the first of several transactions of a file
	// written in batches (KPIMON_BATCH_ROWS=500: the 2,000 figures are 4).
	betweenBatches = "add observations:batch-committed"
)

func TestKillDuringInboxIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("kill test builds and runs the server; skipped with -short")
	}
	bin := testkit.KpimonKillpoints(t)
	csv := bigCSV()
	const all = killIndicators * killYears
	tests := []struct {
		point       string
		wantStored  int  // figures in the store after the kill
		wantInInbox bool // the file is still in the inbox after the kill
	}{
		// Everything written but not committed: nothing stored, the file
		// waits in the inbox.
		{beforeCommit, 0, true},
		// Committed, killed before the file moved to done/: all stored, and
		// the file is read again after restart, changing nothing.
		{afterCommit, all, true},
		// A quarter of the file committed in its own transaction: nothing
		// visible, rolled back when the store opens again, the file waits.
		{betweenBatches, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.point, func(t *testing.T) {
			data, targets, inbox := t.TempDir(), t.TempDir(), t.TempDir()
			writeBigCatalog(t, targets)
			args := []string{"--data", data, "--targets", targets, "--inbox", inbox, "--inbox-schedule", "@every 1s"}
			path := filepath.Join(inbox, "big.csv")
			if err := os.WriteFile(path, csv, 0o644); err != nil {
				t.Fatal(err)
			}
			old := time.Now().Add(-time.Minute) // settled: ready to read
			if err := os.Chtimes(path, old, old); err != nil {
				t.Fatal(err)
			}
			s, _ := startServer(t, bin, []string{"KPIMON_KILLPOINT=" + tt.point, "KPIMON_BATCH_ROWS=500"}, args...)
			killAt(t, s, tt.point)

			if n := storedFigures(t, bin, data, targets); n != tt.wantStored {
				t.Errorf("killed at %s: stored %d figures, want %d", tt.point, n, tt.wantStored)
			}
			if _, err := os.Stat(path); (err == nil) != tt.wantInInbox {
				t.Errorf("killed at %s: big.csv in the inbox = %v, want %v", tt.point, err == nil, tt.wantInInbox)
			}

			// After restart the inbox finishes the job.
			s2, _ := startServer(t, bin, nil, args...)
			testkit.WaitFor(t, context.Background(), s2, "big.csv to leave the inbox after restart", func() error {
				if _, err := os.Stat(path); err == nil {
					return errors.New("big.csv still in the inbox")
				}
				return nil
			})
			s2.Kill()
			if n := storedFigures(t, bin, data, targets); n != all {
				t.Errorf("after restart stored %d figures, want %d", n, all)
			}
			if done, _ := filepath.Glob(filepath.Join(inbox, "done", "*-big.csv")); len(done) != 1 {
				t.Errorf("after restart done/ holds %q, want big.csv once", done)
			}
		})
	}
}

func TestKillDuringUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("kill test builds and runs the server; skipped with -short")
	}
	bin := testkit.KpimonKillpoints(t)
	data, targets := t.TempDir(), t.TempDir()
	writeBigCatalog(t, targets)
	token := testkit.CreateToken(t, bin, data, targets, "tjj")
	s, url := startServer(t, bin, []string{"KPIMON_KILLPOINT=" + beforeCommit}, "--data", data, "--targets", targets)

	req, _ := http.NewRequest(http.MethodPost, url+"/api/v1/uploads?name=big.csv", bytes.NewReader(bigCSV()))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "text/csv")
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			err = fmt.Errorf("the upload was answered %s by a server stopped before its commit", resp.Status)
		}
		done <- err
	}()
	killAt(t, s, beforeCommit)
	if err := <-done; err == nil {
		t.Error("the upload succeeded although the server was killed before its commit")
	}
	if n := storedFigures(t, bin, data, targets); n != 0 {
		t.Fatalf("stored %d figures after SIGKILL before the commit, want 0", n)
	}
}
