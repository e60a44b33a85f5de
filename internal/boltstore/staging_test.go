package boltstore

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// seenByReaders is everything a reader can see of the figures: every
// indicator's latest figures (both ways of reading them), one indicator's
// revisions, the audit log and one indicator's audit entries.
type seenByReaders struct {
	Latest       map[kpi.Ref][]kpi.Observation
	Each         map[kpi.Ref][]kpi.Observation
	LatestOf     []kpi.Observation
	Observations []kpi.Observation
	Audit        []kpi.AuditEntry
	AuditOf      []kpi.AuditEntry
}

func readAll(t *testing.T, s *Store, ref kpi.Ref) seenByReaders {
	t.Helper()
	ctx := context.Background()
	var r seenByReaders
	var err error
	if r.Latest, err = s.Latest(ctx); err != nil {
		t.Fatalf("Latest: %v", err)
	}
	r.Each = map[kpi.Ref][]kpi.Observation{}
	if err := s.EachLatest(ctx, func(ref kpi.Ref, obs []kpi.Observation) error {
		r.Each[ref] = append([]kpi.Observation(nil), obs...)
		return nil
	}); err != nil {
		t.Fatalf("EachLatest: %v", err)
	}
	if r.LatestOf, err = s.LatestOf(ctx, ref); err != nil {
		t.Fatalf("LatestOf: %v", err)
	}
	if r.Observations, err = s.Observations(ctx, ref); err != nil {
		t.Fatalf("Observations: %v", err)
	}
	if r.Audit, err = s.Audit(ctx, kpi.AuditFilter{Limit: 100000}); err != nil {
		t.Fatalf("Audit: %v", err)
	}
	if r.AuditOf, err = s.Audit(ctx, kpi.AuditFilter{Object: ref.Plan + "/" + ref.ID}); err != nil {
		t.Fatalf("Audit of %v: %v", ref, err)
	}
	return r
}

func hasPending(t *testing.T, s *Store) bool {
	t.Helper()
	var p pending
	if err := s.db.View(func(tx *bolt.Tx) error { p = readPending(tx); return nil }); err != nil {
		t.Fatal(err)
	}
	return !p.none()
}

// stagedFixture is a store written in batches of 50 figures, holding one
// figure (2020, value 1) of each of 60 indicators, and a submission of 120
// figures (3 batches): every 2020 figure revised to 2 and a 2021 figure of 2.
func stagedFixture(t *testing.T, dir string) (*Store, kpi.Submission, kpi.Ref) {
	t.Helper()
	s := openAt(t, dir, Options{BatchRows: 50})
	cat := bigCatalog(2, 30)
	mustSync(t, s, cat)
	mustAdd(t, s, kpi.Submission{Actor: operator, Source: "cli", Observations: figures(cat, []int{2020}, 1)})
	next := kpi.Submission{Actor: operator, Source: "upload", File: "big.csv", Observations: append(
		figures(cat, []int{2020}, 2), figures(cat, []int{2021}, 2)...)}
	return s, next, cat.Indicators[37].Ref()
}

// TestStagedSubmissionHiddenUntilCommitted: a submission written in
// several transactions shows readers nothing, figures or audit entries,
// until its last one commits; then all of it.
func TestStagedSubmissionHiddenUntilCommitted(t *testing.T) {
	s, next, ref := stagedFixture(t, t.TempDir())
	before := readAll(t, s, ref)
	gen := s.Generation()
	batches := 0
	s.batchCommitted = func() {
		batches++
		if diff := cmp.Diff(before, readAll(t, s, ref)); diff != "" {
			t.Errorf("after batch %d a reader sees the uncommitted submission (-before +seen):\n%s", batches, diff)
		}
		if s.Generation() != gen {
			t.Errorf("after batch %d Generation moved: %d → %d", batches, gen, s.Generation())
		}
	}
	res := mustAdd(t, s, next)
	if batches != 2 {
		t.Errorf("%d batches committed before the last, want 2 (120 figures in batches of 50)", batches)
	}
	if res.Added != 60 || res.Revised != 60 {
		t.Errorf("receipt added %d revised %d, want 60 and 60", res.Added, res.Revised)
	}
	after := readAll(t, s, ref)
	if len(after.Latest) != 60 || len(after.Each) != 60 {
		t.Fatalf("after the commit: %d / %d indicators with figures, want 60", len(after.Latest), len(after.Each))
	}
	for r, obs := range after.Latest {
		if len(obs) != 2 || obs[0].Value != 2 || obs[0].Revision != 2 || obs[1].Value != 2 || obs[1].Revision != 1 {
			t.Fatalf("after the commit Latest[%v] = %+v, want 2020 revision 2 and 2021 revision 1, both 2", r, obs)
		}
	}
	if len(after.Observations) != 3 || len(after.Audit) != len(before.Audit)+120 || len(after.AuditOf) != len(before.AuditOf)+2 {
		t.Errorf("after the commit: %d revisions of %v (want 3), %d audit entries (want %d), %d of it (want %d)",
			len(after.Observations), ref, len(after.Audit), len(before.Audit)+120, len(after.AuditOf), len(before.AuditOf)+2)
	}
	if s.Generation() == gen || hasPending(t, s) {
		t.Errorf("after the commit: Generation %d (was %d), pending record left = %v", s.Generation(), gen, hasPending(t, s))
	}
}

// TestStagedSubmissionFailingHalfWayLeavesNothing: a submission whose
// context ends between batches is refused, and the batches already
// committed are undone.
func TestStagedSubmissionFailingHalfWayLeavesNothing(t *testing.T) {
	s, next, ref := stagedFixture(t, t.TempDir())
	before := readAll(t, s, ref)
	ctx, cancel := context.WithCancel(context.Background())
	s.batchCommitted = cancel
	if _, err := s.AddObservations(ctx, next); !errors.Is(err, context.Canceled) {
		t.Fatalf("AddObservations cancelled after its first batch: %v, want context.Canceled", err)
	}
	s.batchCommitted = nil
	if diff := cmp.Diff(before, readAll(t, s, ref)); diff != "" {
		t.Errorf("a failed submission left figures behind (-before +after):\n%s", diff)
	}
	if hasPending(t, s) {
		t.Error("a failed submission left its pending record")
	}
	// The store takes it whole afterwards.
	if res := mustAdd(t, s, next); res.Added != 60 || res.Revised != 60 {
		t.Errorf("resubmitted: added %d revised %d, want 60 and 60", res.Added, res.Revised)
	}
}

// errCrash stands for the process dying between two batches.
var errCrash = errors.New("crash")

// TestStagedSubmissionCrashRolledBackAtOpen: a process that dies between
// the batches of a submission leaves them in the file; the next Open
// undoes them before anyone reads, and the same submission is then taken.
func TestStagedSubmissionCrashRolledBackAtOpen(t *testing.T) {
	dir := t.TempDir()
	s, next, ref := stagedFixture(t, dir)
	before := readAll(t, s, ref)
	batches := 0
	s.batchCommitted = func() {
		if batches++; batches == 2 {
			panic(errCrash)
		}
	}
	func() {
		defer func() {
			if r := recover(); r != errCrash {
				t.Fatalf("recovered %v, want the crash", r)
			}
		}()
		s.AddObservations(context.Background(), next) //nolint:errcheck // it panics
	}()
	if !hasPending(t, s) {
		t.Fatal("no pending record after a crash between batches: the test stops nothing")
	}
	if diff := cmp.Diff(before, readAll(t, s, ref)); diff != "" {
		t.Errorf("after the crash, before restart, a reader sees part of the submission (-before +seen):\n%s", diff)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openAt(t, dir, Options{BatchRows: 50})
	if hasPending(t, s2) {
		t.Error("Open left the pending record")
	}
	if diff := cmp.Diff(before, readAll(t, s2, ref)); diff != "" {
		t.Errorf("after restart (-before +seen):\n%s", diff)
	}
	if res := mustAdd(t, s2, next); res.Added != 60 || res.Revised != 60 {
		t.Errorf("resubmitted after restart: added %d revised %d, want 60 and 60", res.Added, res.Revised)
	}
	if got := readAll(t, s2, ref); len(got.Observations) != 3 || len(got.Audit) != len(before.Audit)+120 {
		t.Errorf("after resubmitting: %d revisions (want 3), %d audit entries (want %d)", len(got.Observations), len(got.Audit), len(before.Audit)+120)
	}
}

// TestStagedReceiptSummary: with MaxOutcomes the store lists that many
// outcomes and counts all of them per plan, across batches.
func TestStagedReceiptSummary(t *testing.T) {
	s, next, _ := stagedFixture(t, t.TempDir())
	next.MaxOutcomes = 7
	res := mustAdd(t, s, next)
	want := []kpi.PlanResult{
		{Plan: "region-0000", Added: 30, Revised: 30},
		{Plan: "region-0001", Added: 30, Revised: 30},
	}
	if diff := cmp.Diff(want, res.ByPlan); diff != "" || len(res.Outcomes) != 7 || res.MoreOutcomes != 113 {
		t.Errorf("receipt: %d outcomes, %d more (want 7, 113); by plan (-want +got):\n%s", len(res.Outcomes), res.MoreOutcomes, diff)
	}
	if again := res.Summary(100); len(again.Outcomes) != 7 || again.MoreOutcomes != 113 || !cmp.Equal(want, again.ByPlan) {
		t.Errorf("Summary of a store's summary changed it: %d outcomes, %d more, %+v", len(again.Outcomes), again.MoreOutcomes, again.ByPlan)
	}
}

// TestStagedResubmissionCommitsNothing: a large file equal to what is
// stored commits no batch at all.
func TestStagedResubmissionCommitsNothing(t *testing.T) {
	s, next, ref := stagedFixture(t, t.TempDir())
	mustAdd(t, s, next)
	before, gen := readAll(t, s, ref), s.Generation()
	s.batchCommitted = func() { t.Error("a batch of unchanged figures was committed") }
	if res := mustAdd(t, s, next); res.Unchanged != 120 {
		t.Errorf("resubmitted: unchanged %d, want 120", res.Unchanged)
	}
	if diff := cmp.Diff(before, readAll(t, s, ref)); diff != "" || s.Generation() != gen || hasPending(t, s) {
		t.Errorf("an unchanged resubmission changed the store (Generation %d → %d, pending %v):\n%s", gen, s.Generation(), hasPending(t, s), diff)
	}
}
