package pull_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/pull"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// TestSourceFailsOnlyWhenItCannotBeRead: KpiSourceFailing fires on a
// source's last failure after its last success. A file refused for its
// content is answered to its submitter (failed/*.errors.txt) and counted
// as a rejected run; it is no failure of the inbox, which would otherwise
// page the operator until the next good file, weeks later. An inbox folder
// kpimon cannot use, an HTTP error and a pulled file refused (its publisher
// hears nothing) are failures. Wired as kpimon serve wires it: the
// ingester records the failures the scheduler sees.
func TestSourceFailsOnlyWhenItCannotBeRead(t *testing.T) {
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "kpimon.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.SyncCatalog(context.Background(), testCatalog, kpi.Actor{Name: "test"}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	clock := time.Date(2026, 12, 7, 9, 0, 0, 0, kpi.China)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	tick := func() { mu.Lock(); clock = clock.Add(time.Minute); mu.Unlock() }
	reg := prometheus.NewRegistry()
	ing, err := ingest.New(ingest.Options{Store: st, Registerer: reg, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var status int
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if status != http.StatusOK {
			w.WriteHeader(status)
			return
		}
		w.Header().Set("Content-Type", "text/csv")
		w.Write([]byte(body))
	}))
	defer srv.Close()
	setFeed := func(code int, csv string) { mu.Lock(); status, body = code, csv; mu.Unlock() }

	inbox := filepath.Join(t.TempDir(), "inbox")
	in, err := pull.InboxSource(inbox, "@every 1h")
	if err != nil {
		t.Fatal(err)
	}
	feed := pull.Source{Name: "tjj", Type: pull.TypeHTTP, Location: srv.URL + "/figures.csv", Schedule: "@every 1h"}
	s, err := pull.New(pull.Options{Ingester: ing, FailureRecorder: ing, Sources: []pull.Source{in, feed}, StateDir: t.TempDir(), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	state := func(source string) kpi.SourceState {
		t.Helper()
		states, err := st.SourceStates(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range states {
			if s.Source == source {
				return s
			}
		}
		return kpi.SourceState{Source: source}
	}
	// failing is KpiSourceFailing's condition, on the stored state (which
	// the gauges are exported from after a restart) and on the gauges.
	failing := func(source string) bool {
		t.Helper()
		s := state(source)
		stored := !s.LastFailure.IsZero() && s.LastFailure.After(s.LastSuccess)
		failure := testkit.Metric(t, reg, "kpi_ingest_last_failure_timestamp_seconds", "source", source)
		exported := failure > 0 && failure > testkit.Metric(t, reg, "kpi_ingest_last_success_timestamp_seconds", "source", source)
		if stored != exported {
			t.Errorf("%s: stored state %+v failing=%v, gauges failing=%v", source, s, stored, exported)
		}
		return stored
	}

	t.Run("inbox run with a good and a refused file", func(t *testing.T) {
		if err := os.MkdirAll(inbox, 0o750); err != nil {
			t.Fatal(err)
		}
		writeOld(t, filepath.Join(inbox, "a-good.csv"), goodCSV)
		writeOld(t, filepath.Join(inbox, "b-bad.csv"), "indicator,period,value\nhigh_tech_enterprises,2021,2万\n")
		tick()
		rep, err := s.RunNow(context.Background(), "inbox")
		if err != nil || len(rep.Ingested) != 1 || len(rep.Rejected) != 1 {
			t.Fatalf("RunNow = %+v, %v; want one file stored and one refused", rep, err)
		}
		if failing("inbox") {
			t.Errorf("inbox failing after a run that refused a file for its content: %+v", state("inbox"))
		}
		if got := state("inbox").LastFailure; !got.IsZero() {
			t.Errorf("inbox last failure = %v, want none: the refusal is answered in failed/", got)
		}
		if got := testkit.MustMetric(t, reg, "kpi_ingest_runs_total", "source", "inbox", "result", "rejected"); got != 1 {
			t.Errorf(`kpi_ingest_runs_total{source="inbox",result="rejected"} = %v, want 1`, got)
		}
		// A later run with only a refused file: still not failing.
		writeOld(t, filepath.Join(inbox, "c-bad.csv"), "indicator,period,value\nno_such_indicator,2021,3\n")
		tick()
		if _, err := s.RunNow(context.Background(), "inbox"); err != nil {
			t.Fatal(err)
		}
		if failing("inbox") {
			t.Errorf("inbox failing after a run that only refused a file: %+v", state("inbox"))
		}
	})

	t.Run("inbox folder kpimon cannot use", func(t *testing.T) {
		// Tests run as root, where permissions stop nothing: a file where
		// the folder should be cannot be listed or get done/ and failed/.
		if err := os.RemoveAll(inbox); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(inbox, []byte("not a folder"), 0o644); err != nil {
			t.Fatal(err)
		}
		tick()
		if _, err := s.RunNow(context.Background(), "inbox"); err == nil {
			t.Fatal("RunNow on an inbox that is a file succeeded, want an error")
		}
		if !failing("inbox") {
			t.Errorf("inbox not failing after a run that could not read the folder: %+v", state("inbox"))
		}
	})

	t.Run("pulled URL", func(t *testing.T) {
		setFeed(http.StatusOK, goodCSV)
		tick()
		if _, err := s.RunNow(context.Background(), "tjj"); err != nil {
			t.Fatal(err)
		}
		if failing("pull:tjj") {
			t.Fatalf("pull:tjj failing after it was stored: %+v", state("pull:tjj"))
		}
		setFeed(http.StatusBadGateway, "")
		tick()
		if _, err := s.RunNow(context.Background(), "tjj"); err == nil {
			t.Fatal("RunNow against HTTP 502 succeeded, want an error")
		}
		if !failing("pull:tjj") {
			t.Errorf("pull:tjj not failing after HTTP 502: %+v", state("pull:tjj"))
		}
		setFeed(http.StatusOK, "indicator,period,value\nhigh_tech_enterprises,2022,26\n")
		tick()
		if _, err := s.RunNow(context.Background(), "tjj"); err != nil {
			t.Fatal(err)
		}
		if failing("pull:tjj") {
			t.Fatalf("pull:tjj failing after a stored file: %+v", state("pull:tjj"))
		}
		// A refused pulled file reaches nobody but the operator.
		setFeed(http.StatusOK, "indicator,period,value\nhigh_tech_enterprises,2022,2万\n")
		tick()
		if rep, err := s.RunNow(context.Background(), "tjj"); err != nil || len(rep.Rejected) != 1 {
			t.Fatalf("RunNow = %+v, %v; want the pulled file refused", rep, err)
		}
		if !failing("pull:tjj") {
			t.Errorf("pull:tjj not failing after its file was refused: %+v", state("pull:tjj"))
		}
		if got := testkit.MustMetric(t, reg, "kpi_ingest_runs_total", "source", "pull:tjj", "result", "rejected"); got != 1 {
			t.Errorf(`kpi_ingest_runs_total{source="pull:tjj",result="rejected"} = %v, want 1 (counted once)`, got)
		}
		if got := testkit.MustMetric(t, reg, "kpi_ingest_runs_total", "source", "pull:tjj", "result", "error"); got != 1 {
			t.Errorf(`kpi_ingest_runs_total{source="pull:tjj",result="error"} = %v, want 1 (the 502)`, got)
		}
	})
}
