package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/catalog"
	"github.com/yanfeng/kpimon/internal/kpi"
)

// `targets diff --stored` previews exactly what serve records when it loads
// a catalog into a store: here a changed target and an indicator that was
// removed coming back (restored, which only the store's history shows).
func TestTargetsDiffStoredPreviewsWhatServeRecords(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	const seed = "../../targets/yanfeng-innovation.yaml"
	full, err := catalog.LoadFiles(seed)
	if err != nil {
		t.Fatal(err)
	}
	store, err := openStore(data, time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	without := full
	without.Indicators = append(full.Indicators[:1:1], full.Indicators[2:]...) // the second indicator is removed…
	for _, cat := range []kpi.Catalog{full, without} {
		if _, err := store.SyncCatalog(ctx, cat, kpi.Actor{Name: "catalog", Remote: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	store.Close()

	// …and comes back, with another indicator's target changed.
	src, err := os.ReadFile(seed)
	if err != nil {
		t.Fatal(err)
	}
	newer := strings.Replace(string(src), "            target: 30\n            unit: 家\n            deadline: 2022\n",
		"            target: 35\n            unit: 家\n            deadline: 2022\n", 1)
	newFile := filepath.Join(dir, "new.yaml")
	if err := os.WriteFile(newFile, []byte(newer), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := runTargets(t, nil, "diff", "--stored", "--storage.path", data, "-o", "json", newFile)
	if err != nil {
		t.Fatalf("targets diff --stored: %v\n%s", err, stderr)
	}
	var preview []kpi.CatalogChange
	if err := json.Unmarshal([]byte(stdout), &preview); err != nil {
		t.Fatalf("targets diff -o json: %v\n%s", err, stdout)
	}
	restored := false
	for _, c := range preview {
		restored = restored || c.Ref == full.Indicators[1].Ref() && strings.HasPrefix(c.Detail, "restored: ")
	}
	if !restored || len(preview) != 2 {
		t.Errorf("preview = %+v, want the target change and %s restored", preview, full.Indicators[1].Ref())
	}

	store, err = openStore(data, time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	cat, err := catalog.LoadFiles(newFile)
	if err != nil {
		t.Fatal(err)
	}
	recorded, err := store.SyncCatalog(ctx, cat, kpi.Actor{Name: "catalog", Remote: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(recorded, preview); diff != "" {
		t.Errorf("targets diff --stored differs from what the store recorded (-recorded +preview):\n%s", diff)
	}
}
