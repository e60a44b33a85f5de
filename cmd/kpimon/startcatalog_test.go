package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/promslog"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestServeSkipsUnchangedTargets: a second start on the same targets files
// does not parse them again; a changed file is parsed and synced, and so is
// an unchanged one after the stored catalog was changed another way.
func TestServeSkipsUnchangedTargets(t *testing.T) {
	data, targets := t.TempDir(), t.TempDir()
	yaml, err := os.ReadFile(filepath.Join("..", "..", "targets", "yanfeng-innovation.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(targets, "yanfeng-innovation.yaml")
	if err := os.WriteFile(file, yaml, 0o644); err != nil {
		t.Fatal(err)
	}
	start := func() string {
		t.Helper()
		cfg := serveConfig{data: data, targets: targets}
		cfg.log.Level = promslog.NewLevel()
		if err := cfg.log.Level.Set("info"); err != nil {
			t.Fatal(err)
		}
		_, stop, logs := startServeLogs(t, cfg)
		if err := stop(); err != nil {
			t.Fatalf("serve: %v", err)
		}
		return logs()
	}
	const parsed, skipped = `msg="catalog loaded"`, "targets files not parsed again"
	steps := []struct {
		name   string
		before func()
		want   string
	}{
		{"first start", nil, parsed},
		{"same files", nil, skipped},
		{"a file changed", func() {
			if err := os.WriteFile(file, append(yaml, "\n# changed\n"...), 0o644); err != nil {
				t.Fatal(err)
			}
		}, parsed},
		{"same files again", nil, skipped},
		{"catalog changed another way", func() {
			// What kpimon targets or another binary would do: the stored
			// catalog no longer is what the files gave.
			store, err := openStore(data, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			cat, err := store.Catalog(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			cat.Indicators = slices.Clone(cat.Indicators)
			cat.Indicators[0].Target++
			if _, err := store.SyncCatalog(t.Context(), cat, kpi.Actor{Name: "operator"}); err != nil {
				t.Fatal(err)
			}
		}, parsed},
	}
	for _, step := range steps {
		if step.before != nil {
			step.before()
		}
		logs := start()
		if !strings.Contains(logs, step.want) {
			t.Errorf("%s: the log does not say %q:\n%s", step.name, step.want, logs)
		}
	}
}
