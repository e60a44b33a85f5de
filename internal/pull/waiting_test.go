package pull_test

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/pull"
)

// failingIngester fails like a store that cannot write while fail is set,
// and hands files to the real ingester otherwise.
type failingIngester struct {
	kpi.Ingester
	fail atomic.Bool
}

func (f *failingIngester) Ingest(ctx context.Context, u kpi.Upload) (kpi.SubmissionResult, error) {
	if f.fail.Load() {
		return kpi.SubmissionResult{}, kpi.Errorf(kpi.EUNAVAILABLE, "store: no space left on device")
	}
	return f.Ingester.Ingest(ctx, u)
}

// inboxGauges gathers reg and returns the kpi_inbox_* samples of source.
func inboxGauges(t *testing.T, reg *prometheus.Registry, source string) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "source" && l.GetValue() == source {
					got[mf.GetName()] = m.GetGauge().GetValue()
				}
			}
		}
	}
	return got
}

// TestInboxStuckFileShowsInGauges: before, a file the store could not take
// stayed in the inbox run after run and no metric said so.
func TestInboxStuckFileShowsInGauges(t *testing.T) {
	real, st := newIngester(t)
	ing := &failingIngester{Ingester: real}
	ing.fail.Store(true)
	dir := t.TempDir()
	src, err := pull.InboxSource(dir, "0 8 * * *") // daily at 08:00, China time
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	s, err := pull.New(pull.Options{Ingester: ing, Sources: []pull.Source{src}, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	if got := inboxGauges(t, reg, "inbox"); len(got) != 1 || got["kpi_inbox_files_waiting"] != 0 {
		t.Errorf("empty inbox: gauges %v, want only kpi_inbox_files_waiting 0", got)
	}

	stuck := filepath.Join(dir, "stuck.csv")
	writeOld(t, stuck, goodCSV)
	dropped := time.Date(2026, 3, 2, 9, 0, 0, 0, kpi.China)
	if err := os.Chtimes(stuck, dropped, dropped); err != nil {
		t.Fatal(err)
	}
	writeOld(t, filepath.Join(dir, "later.csv"), goodCSV)        // an hour old: not the oldest
	writeOld(t, filepath.Join(dir, "copying.csv.part"), goodCSV) // a temporary name: not waiting
	if _, err := s.RunNow(context.Background(), "inbox"); err == nil {
		t.Fatal("RunNow with a failing store: no error")
	}
	if _, err := os.Stat(stuck); err != nil {
		t.Fatalf("the file the store refused is not in the inbox any more: %v", err)
	}
	got := inboxGauges(t, reg, "inbox")
	want := map[string]float64{
		"kpi_inbox_files_waiting":                    2,
		"kpi_inbox_oldest_waiting_timestamp_seconds": float64(dropped.Unix()),
		// Settled 5 s after 09:00 on 2 March; the next 08:00 run is 3 March's.
		"kpi_inbox_oldest_due_timestamp_seconds": float64(time.Date(2026, 3, 3, 8, 0, 0, 0, kpi.China).Unix()),
	}
	for name, v := range want {
		if g, ok := got[name]; !ok || g != v {
			t.Errorf("%s{source=\"inbox\"} = %v (present %v), want %v", name, g, ok, v)
		}
	}

	// The store is back: the next run takes both files and the gauges say
	// nothing waits.
	ing.fail.Store(false)
	if _, err := s.RunNow(context.Background(), "inbox"); err != nil {
		t.Fatalf("RunNow: %v", err)
	}
	if n := len(observations(t, st)); n != 1 {
		t.Errorf("stored %d figures, want 1", n)
	}
	if got := inboxGauges(t, reg, "inbox"); len(got) != 1 || got["kpi_inbox_files_waiting"] != 0 {
		t.Errorf("after the store came back: gauges %v, want only kpi_inbox_files_waiting 0", got)
	}
}
