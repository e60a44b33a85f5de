package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/testkit"
)

// TestRestartOnFullDiskNotReady: before, a server restarted on a disk
// that was still full answered /readyz 200 (for 28 s and more, until some
// write failed), and the 503 that followed showed the data path. The full
// disk is a real one: a small tmpfs, filled up but for 64 KiB (mounting needs root; the
// test is skipped where it cannot mount).
func TestRestartOnFullDiskNotReady(t *testing.T) {
	disk := t.TempDir()
	if err := syscall.Mount("tmpfs", disk, "tmpfs", 0, "size=40m"); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(disk, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", disk, err)
		}
	})
	data := filepath.Join(disk, "data")
	_, stopFirst := startServe(t, serveConfig{data: data}) // the server ran before the disk filled
	if err := stopFirst(); err != nil {
		t.Fatalf("first serve: %v", err)
	}
	filler := filepath.Join(disk, "filler")
	fillDisk(t, filler)

	url, stop, logs := startServeLogs(t, serveConfig{data: data})
	// Readiness has other conditions (the first rendering of /metrics): a
	// 503 for them is waited out, a 200 is the failure.
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(url + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("GET /readyz on a full disk: %d %s, want 503", resp.StatusCode, body)
		}
		if strings.Contains(string(body), "磁盘已满") {
			if strings.Contains(string(body), disk) {
				t.Errorf("GET /readyz on a full disk shows the data path %s: %s", disk, body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /readyz on a full disk still says %s after 90 s: want why (磁盘已满)", body)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Room again: ready within the probe interval (10 s), waited for generously.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for {
		if testkit.GetOK(ctx, url+"/readyz") == nil {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("not ready 90 s after the disk had room again\n%s", logs())
		case <-time.After(500 * time.Millisecond):
		}
	}
	if err := stop(); err != nil {
		t.Errorf("serve: %v", err)
	}
}

// fillDisk writes path until the disk is full but for a few pages.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill the disk: %v", err)
			}
			break
		}
	}
	// A few pages stay free, as on a disk "full" to a few kilobytes: small
	// files (the PID file) are still written, the store cannot grow.
	info, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(max(0, info.Size()-64<<10)); err != nil {
		t.Fatal(err)
	}
}
