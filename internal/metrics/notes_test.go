package metrics

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestNoteOnlyRevisionsKeepTheMetrics: every figure confirmed with the same
// value and a new note (a revision each, 说明已更新) leaves every kpi_*
// sample as it was: no status, figure or alert text changes (no status
// left an alerted one, so no recovery text either).
func TestNoteOnlyRevisionsKeepTheMetrics(t *testing.T) {
	ctx := context.Background()
	store := openStore(t, testIndicators(), testObservations())
	c := newTestCollector(store)
	srv := httptest.NewServer(NewHandler(c, NewRegistry(c), nil))
	defer srv.Close()
	before, _ := get(t, srv.URL, "gzip")

	confirmed := testObservations()
	for i := range confirmed {
		confirmed[i].Note = "统计局核定"
	}
	res, err := store.AddObservations(ctx, kpi.Submission{Actor: kpi.Actor{Name: "test", All: true}, Source: "cli",
		At: asOf.Add(-30 * 24 * time.Hour), Observations: confirmed})
	if err != nil {
		t.Fatal(err)
	}
	if res.Revised != len(confirmed) || res.Revised == 0 {
		t.Fatalf("confirmations: revised %d of %d, want all", res.Revised, len(confirmed))
	}
	after, _ := get(t, srv.URL, "gzip")
	if diff := cmp.Diff(kpiBlocks(before), kpiBlocks(after)); diff != "" {
		t.Errorf("note-only revisions changed the metrics (-before +after):\n%s", diff)
	}
	if !strings.Contains(after, "kpi_status{") {
		t.Errorf("scrape holds no kpi_status samples:\n%s", after)
	}
}
