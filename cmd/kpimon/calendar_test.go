package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestServeSupervisionCalendar: serve refuses a calendar file it cannot
// read, before it starts, and says at start which years a good one
// covers, warning when it names no day of the current year.
func TestServeSupervisionCalendar(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "calendar.yaml")
	if err := os.WriteFile(bad, []byte("workdays: [2025-10-09]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := runKpimon(t, nil, "serve", "--storage.path", filepath.Join(dir, "data"), "--web.listen-address", "127.0.0.1:0", "--supervision.calendar.file", bad)
	if err == nil || !strings.Contains(err.Error(), "--supervision.calendar.file") || !strings.Contains(err.Error(), "不是周六或周日") {
		t.Fatalf("serve with a bad calendar: %v, want it refused naming the flag", err)
	}

	// A calendar of 2000 only names no day of the year the test runs in.
	cal := &kpi.Calendar{Holidays: map[string]bool{"2000-01-03": true}}
	_, stop, logs := startServeLogs(t, serveConfig{data: filepath.Join(dir, "data"), calendar: cal})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs(), "supervision calendar names no day of this year") || !strings.Contains(logs(), "years=2000") {
		t.Errorf("serve's log does not warn that the calendar misses this year:\n%s", logs())
	}
}
