package boltstore

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestSameValueWithNewNote: a figure re-sent with the same value and a new
// note (统计局核定 after 初报) is the next revision, marked NoteRevised and
// audited; one with no note, or the same note, changes nothing and keeps
// the stored note. The note-only revision is named among the changed
// figures (the states show its revision and note) and evaluates as the
// figure did.
func TestSameValueWithNewNote(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := openAt(t, t.TempDir(), Options{Now: clk.now})
	cat := testCatalog()
	mustSync(t, s, cat)
	hte := kpi.Ref{Plan: "yanfeng", ID: "high_tech_enterprises"}
	fig := func(v float64, note string) kpi.Observation {
		return kpi.Observation{Plan: hte.Plan, Indicator: hte.ID, Period: kpi.YearPeriod(2020), Value: v, Note: note}
	}
	submit := func(o kpi.Observation) kpi.SubmissionResult {
		t.Helper()
		clk.advance(time.Hour)
		return mustAdd(t, s, kpi.Submission{Actor: operator, Source: "api", Observations: []kpi.Observation{o}})
	}
	evalNow := time.Date(2021, 6, 30, 0, 0, 0, 0, time.UTC)
	evaluate := func() kpi.Evaluation {
		t.Helper()
		obs, err := s.LatestOf(ctx, hte)
		if err != nil {
			t.Fatal(err)
		}
		return kpi.Evaluate(cat.Plans[0], cat.Indicators[0], obs, evalNow)
	}

	if res := submit(fig(16, "初报")); res.Added != 1 {
		t.Fatalf("first figure: %+v, want added", res)
	}
	first, gen := evaluate(), s.Generation()

	res := submit(fig(16, "统计局核定"))
	if res.Revised != 1 || res.Unchanged != 0 || len(res.Outcomes) != 1 || !res.Outcomes[0].NoteRevised ||
		res.Outcomes[0].Observation.Revision != 2 || res.Outcomes[0].Observation.Note != "统计局核定" {
		t.Fatalf("same value, new note: %+v, want one revision 2 marked NoteRevised with the new note", res)
	}
	refs, ok := s.FiguresChangedSince(gen)
	if !ok || !cmp.Equal(refs, []kpi.Ref{hte}) {
		t.Errorf("FiguresChangedSince after a note-only revision = %v, %v; want [%v]", refs, ok, hte)
	}
	second := evaluate()
	if second.Status != first.Status || second.Actual == nil || first.Actual == nil || *second.Actual != *first.Actual ||
		second.PaceRatio != first.PaceRatio {
		t.Errorf("a note-only revision changed the evaluation: %v %v → %v %v", first.Status, first.Actual, second.Status, second.Actual)
	}
	entries, err := s.Audit(ctx, kpi.AuditFilter{Object: "yanfeng/high_tech_enterprises", Limit: 1})
	if err != nil || len(entries) != 1 || entries[0].Action+" "+entries[0].Detail != "observation.revise 2020: 16, new note (api)" {
		t.Errorf("audit of the note-only revision: %+v, %v", entries, err)
	}

	gen = s.Generation()
	for _, again := range []kpi.Observation{fig(16, ""), fig(16, "统计局核定")} {
		if res := submit(again); res.Unchanged != 1 || res.Revised != 0 || res.Outcomes[0].NoteRevised {
			t.Errorf("same value, note %q: %+v, want unchanged", again.Note, res)
		}
	}
	if s.Generation() != gen {
		t.Errorf("a resubmission without a new note committed (Generation %d → %d)", gen, s.Generation())
	}
	if res := submit(fig(17, "")); res.Revised != 1 || res.Outcomes[0].NoteRevised {
		t.Errorf("a new value: %+v, want a revision not marked NoteRevised", res)
	}

	got, err := s.Observations(ctx, hte)
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, o := range got {
		notes = append(notes, o.Note)
	}
	if diff := cmp.Diff([]string{"初报", "统计局核定", ""}, notes); diff != "" {
		t.Errorf("notes of the revisions (-want +got):\n%s", diff)
	}
}

// TestStagedNotes: in a file written in batches, a figure with a new note
// is revised and the others stay; the same file again, with its notes or
// without any, commits nothing.
func TestStagedNotes(t *testing.T) {
	s, next, _ := stagedFixture(t, t.TempDir())
	for i := range next.Observations {
		next.Observations[i].Note = "初报"
	}
	mustAdd(t, s, next)

	withNew := next
	withNew.Observations = append([]kpi.Observation(nil), next.Observations...)
	withNew.Observations[77].Note = "统计局核定"
	gen := s.Generation()
	res := mustAdd(t, s, withNew)
	if res.Revised != 1 || res.Unchanged != 119 || !res.Outcomes[77].NoteRevised || s.Generation() == gen || hasPending(t, s) {
		t.Errorf("one new note in a staged file: revised %d unchanged %d (want 1, 119), NoteRevised %v, Generation %d → %d, pending %v",
			res.Revised, res.Unchanged, res.Outcomes[77].NoteRevised, gen, s.Generation(), hasPending(t, s))
	}

	noNotes := next
	noNotes.Observations = append([]kpi.Observation(nil), next.Observations...)
	for i := range noNotes.Observations {
		noNotes.Observations[i].Note = ""
	}
	s.batchCommitted = func() { t.Error("a batch of unchanged figures was committed") }
	gen = s.Generation()
	for _, sub := range []kpi.Submission{withNew, noNotes} {
		if res := mustAdd(t, s, sub); res.Unchanged != 120 {
			t.Errorf("resubmitted: unchanged %d, want 120", res.Unchanged)
		}
	}
	if s.Generation() != gen || hasPending(t, s) {
		t.Errorf("an unchanged resubmission committed (Generation %d → %d, pending %v)", gen, s.Generation(), hasPending(t, s))
	}
}
