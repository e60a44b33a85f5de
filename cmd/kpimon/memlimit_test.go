package main

import (
	"errors"
	"log/slog"
	"math"
	"runtime/debug"
	"testing"

	"github.com/KimMachineGun/automemlimit/memlimit"
)

// TestMemoryLimit: --memory.limit wins, then GOMEMLIMIT, then 90 % of the
// container's limit; without any there is none.
func TestMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	container := func(limit uint64, err error) memlimit.Provider {
		return func() (uint64, error) { return limit, err }
	}
	const gib = 1 << 30
	tests := []struct {
		name       string
		flag       string
		gomemlimit string
		cgroup     memlimit.Provider
		want       memoryLimit
	}{
		{"flag", "900MiB", "", container(2*gib, nil), memoryLimit{900 << 20, "flag"}},
		{"flag 0 disables", "0", "", container(2*gib, nil), memoryLimit{math.MaxInt64, "none"}},
		{"container", "", "", container(2*gib, nil), memoryLimit{ratioOf(2 * gib), "cgroup"}},
		{"no container limit", "", "", container(0, memlimit.ErrNoLimit), memoryLimit{math.MaxInt64, "none"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetMemoryLimit(math.MaxInt64)
			got, err := setMemoryLimit(tt.flag, func(string) string { return tt.gomemlimit }, tt.cgroup, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("setMemoryLimit(%q) = %+v, want %+v", tt.flag, got, tt.want)
			}
			if rt := debug.SetMemoryLimit(-1); rt != tt.want.bytes {
				t.Errorf("runtime memory limit = %d, want %d", rt, tt.want.bytes)
			}
		})
	}
	t.Run("GOMEMLIMIT kept", func(t *testing.T) {
		debug.SetMemoryLimit(700 << 20) // as the runtime read it at start
		got, err := setMemoryLimit("", func(k string) string {
			if k == "GOMEMLIMIT" {
				return "700MiB"
			}
			return ""
		}, container(2*gib, nil), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		if want := (memoryLimit{700 << 20, "GOMEMLIMIT"}); got != want {
			t.Errorf("setMemoryLimit with GOMEMLIMIT set = %+v, want %+v", got, want)
		}
	})
	if _, err := setMemoryLimit("lots", func(string) string { return "" }, container(0, errors.New("unused")), slog.New(slog.DiscardHandler)); err == nil {
		t.Errorf("setMemoryLimit(%q) took it", "lots")
	}
}

// TestDefaultLimitsTakeBenchmarkFiles: with default flags the API takes
// the 1,000,000-row CSV of BENCHMARKS.md (34,386,535 bytes) and its rows.
func TestDefaultLimitsTakeBenchmarkFiles(t *testing.T) {
	cfg, err := serveConfigFor(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	const benchmarkCSV, benchmarkRows = 34386535, 1000000
	if cfg.limits.uploadBytes < benchmarkCSV*3/2 {
		t.Errorf("default upload limit %d bytes, want room for the %d-byte CSV of BENCHMARKS.md", cfg.limits.uploadBytes, benchmarkCSV)
	}
	if cfg.limits.rows < benchmarkRows {
		t.Errorf("default row limit %d, want at least %d", cfg.limits.rows, benchmarkRows)
	}
	if cfg.memoryLimit != "" {
		t.Errorf("default --memory.limit = %q, want automatic", cfg.memoryLimit)
	}
}

// ratioOf is memoryLimitRatio of n, as setMemoryLimit computes it.
func ratioOf(n uint64) int64 { return int64(float64(n) * memoryLimitRatio) }
