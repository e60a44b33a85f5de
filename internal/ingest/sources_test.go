package ingest_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestAnnounce checks that announced sources have their counters at 0
// before any submission, and that a first rejected run then counts 1.
func TestAnnounce(t *testing.T) {
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "kpimon.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	reg := prometheus.NewPedanticRegistry()
	ing, err := ingest.New(ingest.Options{Store: store, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	ing.Announce("api", "pull:tjj")
	want := `# HELP kpi_ingest_runs_total Submissions handled, by source (api, upload, web, inbox, pull:<name>, cli) and result (ok, rejected, error).
# TYPE kpi_ingest_runs_total counter
kpi_ingest_runs_total{result="error",source="api"} 0
kpi_ingest_runs_total{result="error",source="pull:tjj"} 0
kpi_ingest_runs_total{result="ok",source="api"} 0
kpi_ingest_runs_total{result="ok",source="pull:tjj"} 0
kpi_ingest_runs_total{result="rejected",source="api"} 0
kpi_ingest_runs_total{result="rejected",source="pull:tjj"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "kpi_ingest_runs_total"); err != nil {
		t.Errorf("after Announce: %v", err)
	}
	if n, err := testutil.GatherAndCount(reg, "kpi_ingest_rows_total"); err != nil || n != 8 {
		t.Errorf("kpi_ingest_rows_total series after Announce = %d (%v), want 8 (4 results × 2 sources)", n, err)
	}
	if n, err := testutil.GatherAndCount(reg, "kpi_ingest_last_failure_timestamp_seconds"); err != nil || n != 0 {
		t.Errorf("kpi_ingest_last_failure_timestamp_seconds series after Announce = %d (%v), want none", n, err)
	}

	_, err = ing.IngestRows(context.Background(), []kpi.Row{{Indicator: "nope", Period: "2021", Value: "1"}},
		kpi.Upload{Source: "api", Actor: kpi.Actor{Name: "t", All: true}})
	if err == nil {
		t.Fatal("a row naming no indicator was accepted")
	}
	after := strings.Replace(want, `kpi_ingest_runs_total{result="rejected",source="api"} 0`, `kpi_ingest_runs_total{result="rejected",source="api"} 1`, 1)
	if err := testutil.GatherAndCompare(reg, strings.NewReader(after), "kpi_ingest_runs_total"); err != nil {
		t.Errorf("after a rejected submission: %v", err)
	}
}
