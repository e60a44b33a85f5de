package metrics

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestWriteRewordsOnlyChangedAlerts checks that after one figure is
// written, the rendering words the alert text of that indicator only
// (the others' is reused from the states that produced it), that the
// alert samples are cut in chunks of which most are reused, and that the
// text reads as a rendering from scratch by a fresh collector.
func TestWriteRewordsOnlyChangedAlerts(t *testing.T) {
	ctx := context.Background()
	// Enough alerting indicators that their text spans several chunks.
	inds, obs := largeFixture(6000)
	store := openStore(t, inds, obs)
	c := newTestCollector(store)
	states, err := c.states.States(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before, err := c.render(states, nil)
	if err != nil {
		t.Fatal(err)
	}
	alerting := 0
	for _, st := range states {
		if alertingStatus(st.Evaluation.Status) {
			alerting++
		}
	}
	if alerting < 1000 {
		t.Fatalf("the fixture has %d alerting indicators, want many", alerting)
	}
	if got := c.worded.Load(); got < int64(alerting) {
		t.Fatalf("the first rendering worded %d texts, want at least one per alerting indicator (%d)", got, alerting)
	}

	// high_tech_… indicators lag in the fixture; a new low figure keeps
	// one alerting with new words.
	target := inds[5]
	sub := kpi.Submission{Actor: kpi.Actor{Name: "test", All: true}, Source: "cli", At: submittedAt,
		Observations: []kpi.Observation{{Plan: target.Plan, Indicator: target.ID, Period: kpi.YearPeriod(2021), Value: 11}}}
	if _, err := store.AddObservations(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if states, err = c.states.States(ctx); err != nil {
		t.Fatal(err)
	}
	worded := c.worded.Load()
	after, err := c.render(states, before)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.worded.Load() - worded; got < 1 || got > 2 {
		t.Errorf("after one figure the rendering worded %d alert texts, want 1 or 2 (status, overdue report) of %s", got, target.ID)
	}

	fresh := newTestCollector(store)
	freshStates, err := fresh.states.States(ctx)
	if err != nil {
		t.Fatal(err)
	}
	scratch, err := fresh.render(freshStates, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, want := plainText(t, after), plainText(t, scratch)
	if got != want {
		t.Fatalf("rendering after the write differs from one from scratch:\n%s", firstDifference(want, got))
	}
	if !strings.Contains(got, fmt.Sprintf(`indicator=%q`, target.ID)) || !strings.Contains(got, "实际11家") {
		t.Errorf("the written figure's alert text is not in the rendering:\n%s", grepLines(got, target.ID))
	}
	// An alert that ends (the figure meets the target) and one that
	// starts: the incremental rendering still reads as one from scratch.
	ended, started := inds[10], inds[15]
	sub = kpi.Submission{Actor: kpi.Actor{Name: "test", All: true}, Source: "cli", At: submittedAt,
		Observations: []kpi.Observation{
			{Plan: ended.Plan, Indicator: ended.ID, Period: kpi.YearPeriod(2021), Value: 99},
			{Plan: started.Plan, Indicator: started.ID, Period: kpi.YearPeriod(2021), Value: 1},
		}}
	if _, err := store.AddObservations(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if states, err = c.states.States(ctx); err != nil {
		t.Fatal(err)
	}
	again, err := c.render(states, after)
	if err != nil {
		t.Fatal(err)
	}
	if freshStates, err = newTestCollector(store).states.States(ctx); err != nil {
		t.Fatal(err)
	}
	// From scratch by the same collector: it saw the alert end, which a
	// new one cannot know (the ended one carries the recovery text).
	scratchAgain, err := c.render(freshStates, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := plainText(t, again), plainText(t, scratchAgain); got != want {
		t.Fatalf("rendering after an alert ended and one started differs from one from scratch:\n%s", firstDifference(want, got))
	}
	recovered := false
	for _, l := range strings.Split(plainText(t, again), "\n") {
		recovered = recovered || strings.Contains(l, fmt.Sprintf(`indicator=%q`, ended.ID)) && strings.Contains(l, "【已恢复】")
	}
	if !recovered {
		t.Errorf("the ended alert's indicator %s has no recovery text", ended.ID)
	}

	// Alert text is most of the body: its chunks are reused but the one
	// holding the changed indicator's lines.
	alertChunks, reused := 0, 0
	for name, list := range after.alerts {
		for key, s := range list.chunks {
			alertChunks++
			if p, ok := before.alerts[name].chunks[key]; ok && p.seg == s.seg {
				reused++
			}
		}
	}
	if alertChunks < 4 || alertChunks-reused > 2 {
		t.Errorf("%d of %d alert chunks reused after one write, want all but the one or two holding %s", reused, alertChunks, target.ID)
	}
}

func plainText(t *testing.T, r *rendered) string {
	t.Helper()
	var b strings.Builder
	if err := r.writePlain(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// firstDifference shows the first line where a and b differ.
func firstDifference(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("lengths differ: %d and %d lines", len(al), len(bl))
}

// TestReadyOnlyOnceRendered checks that the collector is not ready while
// its first rendering is being made, and is once a scrape can be answered
// from it.
func TestReadyOnlyOnceRendered(t *testing.T) {
	store := openStore(t, testIndicators(), testObservations())
	gated := &gatedStates{StateService: kpi.NewStates(store, kpi.StatesOptions{Now: func() time.Time { return asOf }}), release: make(chan struct{})}
	gated.held.Store(true)
	c := NewCollector(gated, Options{BuildVersion: "test"})
	if err := c.Ready(); !errors.Is(err, ErrNotRendered) {
		t.Fatalf("Ready() before any rendering = %v, want ErrNotRendered", err)
	}
	startPrerender(t, c, store)
	for deadline := time.Now().Add(10 * time.Second); gated.waiting.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Prerender started no rendering")
		}
	}
	if err := c.Ready(); !errors.Is(err, ErrNotRendered) {
		t.Errorf("Ready() while the first rendering is held = %v, want ErrNotRendered", err)
	}
	gated.held.Store(false)
	close(gated.release)
	for deadline := time.Now().Add(10 * time.Second); c.Ready() != nil; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("Ready() = %v 10 s after the rendering was released", c.Ready())
		}
	}
	// Ready: a scrape is answered from the rendering without waiting.
	srv := httptest.NewServer(NewHandler(c, NewRegistry(c), nil))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("scrape once ready: %s", resp.Status)
	}
}
