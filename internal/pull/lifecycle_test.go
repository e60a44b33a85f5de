package pull_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/pull"
)

// TestStopCancelsRunningPull: a scheduled run used to go on under
// context.Background() for up to 30 minutes after shutdown, beside a store
// being closed. Stop cancels it and returns only once it has returned; while
// it runs, a run asked for by hand is skipped as cron skips scheduled ones.
func TestStopCancelsRunningPull(t *testing.T) {
	ing, _ := newIngester(t)
	started := make(chan struct{}, 1)
	cancelled := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case started <- struct{}{}:
		default:
		}
		<-r.Context().Done() // answers never; only a cancelled run lets go
		cancelled <- struct{}{}
	}))
	defer srv.Close()
	fr := &failures{}
	src := pull.Source{Name: "hang", Type: pull.TypeHTTP, Location: srv.URL, Schedule: "@every 1s", Timeout: time.Hour}
	s, err := pull.New(pull.Options{Ingester: ing, Sources: []pull.Source{src}, FailureRecorder: fr})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background())
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatal("the scheduled run did not start within 20s")
	}

	if _, err := s.RunNow(context.Background(), "hang"); kpi.ErrorCode(err) != kpi.ECONFLICT {
		t.Errorf("RunNow during a scheduled run = %v, want ECONFLICT (skipped)", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v (the running pull was not cancelled)", err)
	}
	// The run has returned (its failure is recorded) by the time Stop does.
	if got := fr.count("pull:hang"); got != 1 {
		t.Errorf("failures recorded when Stop returned = %d, want 1 (the cancelled run)", got)
	}
	// The server sees the cancelled request when its connection closes,
	// a moment after the client gave up: wait for it, boundedly.
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Error("the server's request was not cancelled by Stop")
	}
}

// TestHeadersExpandFromGetenv: ${VAR} in a header comes from the
// environment serve was given, not the process environment.
func TestHeadersExpandFromGetenv(t *testing.T) {
	ing, _ := newIngester(t)
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Authorization")
		w.WriteHeader(http.StatusNotModified)
	}))
	defer srv.Close()
	src := pull.Source{Name: "tjj", Type: pull.TypeHTTP, Location: srv.URL, Schedule: "@every 1h",
		Headers: map[string]string{"Authorization": "Bearer ${TJJ_TOKEN}"}}
	env := map[string]string{"TJJ_TOKEN": "s3cret"}
	s, err := pull.New(pull.Options{Ingester: ing, Sources: []pull.Source{src}, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunNow(context.Background(), "tjj"); err != nil {
		t.Fatal(err)
	}
	if h := <-got; h != "Bearer s3cret" {
		t.Errorf("Authorization = %q, want %q", h, "Bearer s3cret")
	}
}

// TestHeaderVariableUnset: a header naming a variable the environment
// lacks refuses the sources at start, naming header and variable, instead
// of every pull going out with "Bearer " and failing with 401.
func TestHeaderVariableUnset(t *testing.T) {
	ing, _ := newIngester(t)
	src := pull.Source{Name: "tjj", Type: pull.TypeHTTP, Location: "http://127.0.0.1:1/latest.xlsx", Schedule: "@every 1h",
		Headers: map[string]string{"Authorization": "Bearer ${TJJ_TOKEN}"}}
	_, err := pull.New(pull.Options{Ingester: ing, Sources: []pull.Source{src}, Getenv: func(string) string { return "" }})
	var ke *kpi.Error
	if !errors.As(err, &ke) || !strings.Contains(ke.Message, "TJJ_TOKEN") || !strings.Contains(ke.Message, "Authorization") {
		t.Errorf("New with ${TJJ_TOKEN} unset = %v, want a refusal naming Authorization and TJJ_TOKEN", err)
	}
}

// count is how many failures were recorded for source.
func (f *failures) count(source string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, s := range f.sources {
		if s == source {
			n++
		}
	}
	return n
}
