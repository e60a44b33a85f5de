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

// The kill tests show that one submission is one bbolt transaction: a
// server killed with SIGKILL in the middle of ingesting a large file holds,
// after restart, either the whole file or none of it, and an inbox file
// that was not committed is still in the inbox.

const (
	killIndicators = 4000
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

// startServer runs 'kpimon serve' on a free port and waits until it is ready.
func startServer(t *testing.T, bin string, args ...string) (*testkit.Proc, string) {
	t.Helper()
	addr := testkit.FreeAddr(t)
	p := testkit.Start(t, "kpimon", bin, append([]string{"serve", "--listen", addr}, args...)...)
	url := "http://" + addr
	testkit.WaitHTTP(t, context.Background(), p, url+"/readyz")
	return p, url
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

func TestKillDuringInboxIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("kill test builds and runs the server; skipped with -short")
	}
	bin := testkit.Kpimon(t)
	csv := bigCSV()
	const all = killIndicators * killYears
	// Kill at different moments after the ingest starts, so runs land both
	// before and after the commit.
	for _, delay := range []time.Duration{0, 100 * time.Millisecond, 400 * time.Millisecond, 1500 * time.Millisecond} {
		t.Run(delay.String(), func(t *testing.T) {
			data, targets, inbox := t.TempDir(), t.TempDir(), t.TempDir()
			writeBigCatalog(t, targets)
			s, _ := startServer(t, bin, "--data", data, "--targets", targets, "--inbox", inbox, "--inbox-schedule", "@every 1s")
			path := filepath.Join(inbox, "big.csv")
			if err := os.WriteFile(path, csv, 0o644); err != nil {
				t.Fatal(err)
			}
			old := time.Now().Add(-time.Minute) // settled: ready to read
			os.Chtimes(path, old, old)
			testkit.WaitFor(t, context.Background(), s, "the inbox ingest to begin", func() error {
				if !strings.Contains(s.Output(), "ingesting inbox file") {
					return errors.New("no 'ingesting inbox file' log line yet")
				}
				return nil
			})
			time.Sleep(delay) // the point is to kill at different moments
			s.Kill()

			n := storedFigures(t, bin, data, targets)
			_, statErr := os.Stat(path)
			inInbox := statErr == nil
			switch {
			case n == 0 && !inInbox:
				t.Fatalf("nothing stored and big.csv gone from the inbox: the file was lost")
			case n != 0 && n != all:
				t.Fatalf("stored %d figures after SIGKILL, want 0 or all %d", n, all)
			}
			t.Logf("killed %v after the ingest began: %d figures stored, file still in inbox: %v", delay, n, inInbox)

			// After restart the inbox finishes the job.
			s2, _ := startServer(t, bin, "--data", data, "--targets", targets, "--inbox", inbox, "--inbox-schedule", "@every 1s")
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
		})
	}
}

func TestKillDuringUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("kill test builds and runs the server; skipped with -short")
	}
	bin := testkit.Kpimon(t)
	data, targets := t.TempDir(), t.TempDir()
	writeBigCatalog(t, targets)
	token := testkit.CreateToken(t, bin, data, targets, "tjj")
	s, url := startServer(t, bin, "--data", data, "--targets", targets)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/api/v1/uploads?name=big.csv", bytes.NewReader(bigCSV()))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "text/csv")
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		done <- err
	}()
	time.Sleep(300 * time.Millisecond) // mid-request, while the server parses
	s.Kill()
	<-done
	n := storedFigures(t, bin, data, targets)
	if n != 0 && n != killIndicators*killYears {
		t.Fatalf("stored %d figures after SIGKILL mid-upload, want 0 or all %d", n, killIndicators*killYears)
	}
	t.Logf("killed mid-upload: %d figures stored", n)
}
