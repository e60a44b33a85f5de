package ingest_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// TestSourceStateSurvivesRestart stores a source's last success and
// failure in bbolt and exports them again after a restart (a new store
// and ingester on the same file): a pull failing before the restart is
// still failing after it (kpi_ingest_last_failure > last_success, what
// KpiSourceFailing fires on), and the 数据报送 board still shows when the
// api source last succeeded. On main both gauges were gone after a restart
// and the alert resolved until the next scheduled run, a day later.
func TestSourceStateSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kpimon.db")
	clock := time.Date(2026, 3, 1, 9, 0, 0, 0, kpi.China)
	st, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SyncCatalog(context.Background(), catalog, kpi.Actor{Name: "catalog"}); err != nil {
		t.Fatal(err)
	}
	ing, err := ingest.New(ingest.Options{Store: st, Now: func() time.Time { return clock }, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ing.IngestRows(context.Background(), []kpi.Row{{Indicator: "high_tech_enterprises", Period: "2021", Value: "28"}},
		kpi.Upload{Actor: operator, Source: "pull:tjj"}); err != nil {
		t.Fatal(err)
	}
	success := clock
	clock = clock.Add(24 * time.Hour)
	ing.RecordFailure("pull:tjj")
	failure := clock
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	clock = clock.Add(time.Hour)
	st2, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	reg2 := prometheus.NewRegistry()
	if _, err := ingest.New(ingest.Options{Store: st2, Now: func() time.Time { return clock }, Registerer: reg2}); err != nil {
		t.Fatal(err)
	}
	if got, want := testkit.MustMetric(t, reg2, "kpi_ingest_last_success_timestamp_seconds", "source", "pull:tjj"), float64(success.Unix()); got != want {
		t.Errorf("last success after the restart = %v, want %v", got, want)
	}
	if got, want := testkit.MustMetric(t, reg2, "kpi_ingest_last_failure_timestamp_seconds", "source", "pull:tjj"), float64(failure.Unix()); got != want {
		t.Errorf("last failure after the restart = %v, want %v", got, want)
	}
	if n := testutil.CollectAndCount(reg2, "kpi_ingest_last_failure_timestamp_seconds"); n != 1 {
		t.Errorf("%d last-failure series after the restart, want the one source that failed", n)
	}
}
