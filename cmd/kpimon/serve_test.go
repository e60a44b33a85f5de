package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/common/promslog"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// startServe runs serve in this process on a free port and returns its URL
// and a stop function that waits for a clean shutdown.
func startServe(t *testing.T, c serveConfig) (string, func() error) {
	t.Helper()
	url, stop, _ := startServeLogs(t, c)
	return url, stop
}

// startServeLogs is startServe that also returns serve's log so far.
func startServeLogs(t *testing.T, c serveConfig) (string, func() error, func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	c.listen = "127.0.0.1:0"
	c.onListen = func(a net.Addr) { addrc <- a }
	if c.log.Level == nil {
		c.log.Level = promslog.NewLevel()
		if err := c.log.Level.Set("warn"); err != nil {
			t.Fatal(err)
		}
	}
	if c.inboxSchedule == "" {
		c.inboxSchedule = "@every 1m"
	}
	logs := &testkit.LockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, &env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: io.Discard, stderr: logs}, c)
	}()
	var url string
	select {
	case a := <-addrc:
		url = "http://" + a.String()
	case err := <-done:
		cancel()
		t.Fatalf("serve returned before listening: %v\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("serve did not listen within 30s")
	}
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop within 30s of cancel")
			return nil
		}
	}
	t.Cleanup(func() { cancel() })
	return url, stop, logs.String
}

func TestServeAndStatus(t *testing.T) {
	data := t.TempDir()
	// A token first, with the server stopped, as an operator would.
	var out bytes.Buffer
	if err := run(context.Background(), []string{"kpimon", "token", "create", "--data", data, "--name", "tjj", "--all"}, func(string) string { return "" }, strings.NewReader(""), &out, io.Discard); err != nil {
		t.Fatalf("token create: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	token := lines[len(lines)-1]

	url, stop := startServe(t, serveConfig{data: data, asOf: "2022-03-01"})
	// Ready once the first rendering of /metrics is made (in the
	// background, after the listener opens).
	testkit.WaitFor(t, context.Background(), nil, "kpimon ready", func() error { return testkit.GetOK(context.Background(), url+"/readyz") })
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %s, want 200", path, resp.Status)
		}
	}
	body := `[{"indicator":"high_tech_enterprises","period":"2020","value":20},{"indicator":"high_tech_enterprises","period":"2021","value":22}]`
	req, _ := http.NewRequest(http.MethodPost, url+"/api/v1/observations", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST observations = %s", resp.Status)
	}

	// While the server holds the data dir, status asks the server.
	statusJSON := func(args ...string) map[string]string {
		t.Helper()
		var out, errs bytes.Buffer
		err := run(context.Background(), append([]string{"kpimon", "status", "--data", data, "-o", "json"}, args...), func(string) string { return "" }, strings.NewReader(""), &out, &errs)
		if err != nil {
			t.Fatalf("status %v: %v\n%s", args, err, errs.String())
		}
		var states []struct {
			Indicator  struct{ ID string }
			Evaluation struct{ Status string }
		}
		if err := json.Unmarshal(out.Bytes(), &states); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, s := range states {
			got[s.Indicator.ID] = s.Evaluation.Status
		}
		return got
	}
	// 2020 → 2021: +2 of the 10 needed, at a third of the way (baseline 2020
	// end, deadline 2022 end): pace 0.2/0.5 = 0.4 → off track.
	if got := statusJSON("--server", url)["high_tech_enterprises"]; got != "off_track" {
		t.Errorf("status via the server: high_tech_enterprises = %q, want off_track", got)
	}
	// Without --server it finds the server where KPIMON_LISTEN says serve
	// listens (it used to try 127.0.0.1:9464 whatever serve was told).
	var viaServer []kpi.State
	{
		var out, errs bytes.Buffer
		listen := strings.TrimPrefix(url, "http://")
		getenv := func(k string) string { return map[string]string{"KPIMON_LISTEN": listen}[k] }
		if err := run(context.Background(), []string{"kpimon", "status", "--data", data, "-o", "json"}, getenv, strings.NewReader(""), &out, &errs); err != nil {
			t.Fatalf("status with KPIMON_LISTEN=%s: %v\n%s", listen, err, errs.String())
		}
		// -o json from the server fills plan, ref and the report period
		// (they were empty and null).
		var states []kpi.State
		if err := json.Unmarshal(out.Bytes(), &states); err != nil {
			t.Fatal(err)
		}
		if len(states) == 0 {
			t.Fatal("status -o json via the server returned no indicators")
		}
		hte := states[slices.IndexFunc(states, func(s kpi.State) bool { return s.Indicator.ID == "high_tech_enterprises" })]
		if hte.Plan.ID != hte.Indicator.Plan || hte.Plan.Title == "" || hte.Plan.StartYear == 0 {
			t.Errorf("plan = %+v, want the indicator's plan %q with its title and years", hte.Plan, hte.Indicator.Plan)
		}
		if hte.Evaluation.Ref != hte.Indicator.Ref() {
			t.Errorf("evaluation.ref = %+v, want %+v", hte.Evaluation.Ref, hte.Indicator.Ref())
		}
		viaServer = states
	}
	// --as-of while the server runs asks the server for that day.
	if got := statusJSON("--server", url, "--as-of", "2021-06-30")["high_tech_enterprises"]; got != "insufficient_data" {
		t.Errorf("status --as-of 2021-06-30 via the server: %q, want insufficient_data", got)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve after cancel: %v", err)
	}
	// Stopped: status reads the store itself, as of any day.
	if got := statusJSON("--as-of", "2022-03-01")["high_tech_enterprises"]; got != "off_track" {
		t.Errorf("status from the store: high_tech_enterprises = %q, want off_track", got)
	}
	if got := statusJSON("--as-of", "2021-06-30")["high_tech_enterprises"]; got != "insufficient_data" {
		t.Errorf("status as of 2021-06-30 (only the 2020 figure counts): %q, want insufficient_data", got)
	}
	// The server's JSON says what the store's says: plan, ref and the
	// report duty (report.period was null through the server).
	var out2, errs2 bytes.Buffer
	if err := run(context.Background(), []string{"kpimon", "status", "--data", data, "-o", "json", "--as-of", "2022-03-01"}, func(string) string { return "" }, strings.NewReader(""), &out2, &errs2); err != nil {
		t.Fatalf("status from the store: %v\n%s", err, errs2.String())
	}
	var local []kpi.State
	if err := json.Unmarshal(out2.Bytes(), &local); err != nil {
		t.Fatal(err)
	}
	type duty struct {
		Plan      string
		Ref       kpi.Ref
		Period    string
		Due       time.Time
		Overdue   bool
		PlanTitle string
	}
	duties := func(states []kpi.State) []duty {
		var ds []duty
		for _, s := range states {
			d := duty{Plan: s.Plan.ID, Ref: s.Evaluation.Ref, Due: s.Evaluation.Report.Due.UTC(), Overdue: s.Evaluation.Report.Overdue, PlanTitle: s.Plan.Title}
			if p := s.Evaluation.Report.Period; p != nil {
				d.Period = p.String()
			}
			ds = append(ds, d)
		}
		return ds
	}
	if diff := cmp.Diff(duties(local), duties(viaServer)); diff != "" {
		t.Errorf("status -o json via the server differs from the store's (-store +server):\n%s", diff)
	}
}

func TestServeRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad as-of", []string{"serve", "--as-of", "2021/06/30"}, "--as-of"},
		{"bad log level", []string{"serve", "--log-level", "loud"}, "--log-level"},
		{"bad inbox schedule", []string{"serve", "--inbox", "x", "--inbox-schedule", "every day"}, "schedule"},
		{"missing targets dir", []string{"serve", "--targets", "/nonexistent/targets"}, "/nonexistent/targets"},
		{"stray argument", []string{"serve", "now"}, "no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"kpimon"}, tt.args...)
			args = append(args[:2], append([]string{"--data", t.TempDir()}, args[2:]...)...)
			err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run %v = %v, want an error mentioning %q", tt.args, err, tt.want)
			}
		})
	}
}

// TestServeCountsFailingPulls: a source whose URL fails shows in the ingest
// metrics (what KpiSourceFailing watches), though no file reached the ingester.
func TestServeCountsFailingPulls(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	sources := filepath.Join(t.TempDir(), "sources.yml")
	if err := os.WriteFile(sources, []byte("sources:\n  - name: tjj\n    type: http\n    location: "+down.URL+"/kpi.csv\n    schedule: \"@every 1s\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	url, stop, logs := startServeLogs(t, serveConfig{data: t.TempDir(), sources: sources})
	defer stop()
	const want = `kpi_ingest_runs_total{result="error",source="pull:tjj"}`
	// promslog reserves "source" for the code location and would log our
	// key as logged_source; ingest_source reaches the line as it is.
	const wantLog = `msg="pull failed" ingest_source=tjj err=`
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if log := logs(); strings.Contains(string(body), want) && strings.Contains(log, wantLog) {
			if strings.Contains(log, "logged_source") {
				t.Errorf("serve log has a renamed key logged_source:\n%s", log)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s in /metrics or no %s in the log 30s after start; log:\n%s", want, wantLog, logs())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestFirstStartLogsOneLinePerPlan: the first start logged one line per
// catalog change (80 for the seed); now one per plan at info, each change
// at debug.
func TestFirstStartLogsOneLinePerPlan(t *testing.T) {
	cat, err := loadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	st, err := openStore(t.TempDir(), time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	changes, err := st.SyncCatalog(context.Background(), cat, kpi.Actor{Name: "catalog"})
	if err != nil {
		t.Fatal(err)
	}
	for _, level := range []string{"info", "debug"} {
		var logs bytes.Buffer
		cfg := promslog.Config{Level: promslog.NewLevel(), Writer: &logs}
		if err := cfg.Level.Set(level); err != nil {
			t.Fatal(err)
		}
		logCatalogChanges(context.Background(), promslog.New(&cfg), changes)
		lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
		wantLines := len(cat.Plans)
		if level == "debug" {
			wantLines += len(changes)
		}
		if len(lines) != wantLines {
			t.Errorf("%s: %d log lines, want %d:\n%s", level, len(lines), wantLines, logs.String())
		}
		summary := fmt.Sprintf(`msg="catalog changes" plan=%s plan_added=true targets_added=%d targets_changed=0 targets_removed=0`, cat.Plans[0].ID, len(cat.Indicators))
		if !strings.Contains(logs.String(), summary) {
			t.Errorf("%s: logs lack %q:\n%s", level, summary, logs.String())
		}
	}
}

// TestServeExportsInboxWaiting: serve registers the inbox gauges on its
// /metrics, so KpiInboxFileStuck sees a file the inbox did not take in.
func TestServeExportsInboxWaiting(t *testing.T) {
	inbox := t.TempDir()
	file := filepath.Join(inbox, "waiting.csv")
	if err := os.WriteFile(file, []byte("indicator,period,value\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dropped := time.Date(2026, 3, 2, 9, 0, 0, 0, kpi.China)
	if err := os.Chtimes(file, dropped, dropped); err != nil {
		t.Fatal(err)
	}
	// Runs on 1 January only: the file waits for the whole test.
	url, stop := startServe(t, serveConfig{data: t.TempDir(), inbox: inbox, inboxSchedule: "0 0 1 1 *"})
	defer stop()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `kpi_inbox_files_waiting{source="inbox"} 1`+"\n") {
		t.Errorf("/metrics lacks kpi_inbox_files_waiting{source=\"inbox\"} 1")
	}
	const oldest = `kpi_inbox_oldest_waiting_timestamp_seconds{source="inbox"} `
	_, rest, ok := strings.Cut(string(body), "\n"+oldest)
	line, _, _ := strings.Cut(rest, "\n")
	if v, err := strconv.ParseFloat(line, 64); !ok || err != nil || v != float64(dropped.Unix()) {
		t.Errorf("%s= %q, want %d", oldest, line, dropped.Unix())
	}
}
