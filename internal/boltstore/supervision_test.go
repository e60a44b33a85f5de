package boltstore

import (
	"context"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

func TestSupervisionLoopSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clk := newClock()
	s := openAt(t, dir, Options{Now: clk.now})
	ref := kpi.Ref{Plan: "yanfeng", ID: "high_tech_enterprises"}
	gen := s.Generation()
	unit := kpi.Actor{Name: "kjj", Units: []string{"区科工信局"}, Remote: "10.0.0.1"}
	office := kpi.Actor{Name: "dcs", Supervisor: true}

	deadline := (*kpi.Calendar)(nil).Deadline(clk.now(), 5)
	open := kpi.SupervisionChanges{Open: []kpi.SupervisionOpening{
		{Ref: ref, Unit: "区科工信局", Status: kpi.StatusOffTrack, Deadline: deadline},
		{Ref: ref, Unit: "区发改局", Status: kpi.StatusOffTrack, Deadline: deadline},
	}}
	if err := s.ApplySupervision(ctx, open, kpi.Actor{Name: "supervision"}); err != nil {
		t.Fatal(err)
	}
	// Applying the same openings again opens nothing more.
	if err := s.ApplySupervision(ctx, open, kpi.Actor{Name: "supervision"}); err != nil {
		t.Fatal(err)
	}
	items, err := s.SupervisionItems(ctx)
	if err != nil || len(items) != 2 {
		t.Fatalf("SupervisionItems = %d items, %v; want 2", len(items), err)
	}
	id := items[0].ID
	if items[0].State != kpi.SupervisionPending || !items[0].Deadline.Equal(deadline) {
		t.Errorf("new item: %s deadline %v, want pending by %v", items[0].State, items[0].Deadline, deadline)
	}

	// Reviewing a pending item is a conflict.
	if _, err := s.ReviewSupervision(ctx, id, kpi.SupervisionReviewInput{Action: kpi.SupervisionEventReview}, office); kpi.ErrorCode(err) != kpi.ECONFLICT {
		t.Errorf("review of a pending item: %v, want conflict", err)
	}

	clk.advance(time.Hour)
	e1, err := s.AddExplanation(ctx, kpi.Explanation{Ref: ref, Unit: "区科工信局", Reason: "疫情影响", Measures: "加快认定", ExpectedBy: "2022-12-31"}, unit)
	if err != nil {
		t.Fatal(err)
	}
	if e1.Revision != 1 || e1.Item != id || e1.Author != "kjj" {
		t.Errorf("first explanation: revision %d item %d author %q, want 1, %d, kjj", e1.Revision, e1.Item, e1.Author, id)
	}
	clk.advance(time.Hour)
	newDeadline := (*kpi.Calendar)(nil).Deadline(clk.now(), 5)
	it, err := s.ReviewSupervision(ctx, id, kpi.SupervisionReviewInput{Action: kpi.SupervisionEventReturn, Comment: "措施不具体", Deadline: newDeadline}, office)
	if err != nil || it.State != kpi.SupervisionPending || it.Comment != "措施不具体" || !it.Deadline.Equal(newDeadline) {
		t.Fatalf("return: %+v, %v; want pending with the comment and the new deadline", it, err)
	}
	clk.advance(time.Hour)
	e2, err := s.AddExplanation(ctx, kpi.Explanation{Ref: ref, Unit: "区科工信局", Reason: "疫情影响，两家企业推迟申报", Measures: "逐户辅导", ExpectedBy: "2022-10-31"}, unit)
	if err != nil || e2.Revision != 2 {
		t.Fatalf("second explanation: revision %d, %v; want 2", e2.Revision, err)
	}
	if it, err = s.ReviewSupervision(ctx, id, kpi.SupervisionReviewInput{Action: kpi.SupervisionEventReview}, office); err != nil || it.State != kpi.SupervisionReviewed {
		t.Fatalf("review: %s, %v; want reviewed", it.State, err)
	}
	clk.advance(time.Hour)
	if err := s.ApplySupervision(ctx, kpi.SupervisionChanges{Close: []kpi.SupervisionClosing{{ID: id, Status: kpi.StatusOnTrack}}}, kpi.Actor{Name: "supervision"}); err != nil {
		t.Fatal(err)
	}
	if s.Generation() == gen {
		t.Errorf("supervision writes left Generation at %d; States carries the items and must see them", gen)
	}

	// Everything is there after a restart.
	s.Close()
	s = openAt(t, dir, Options{Now: clk.now})
	it, err = s.SupervisionItem(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range it.Events {
		actions = append(actions, e.Action)
	}
	if got, want := actions, []string{"open", "explain", "return", "explain", "review", "close"}; len(got) != len(want) || it.State != kpi.SupervisionClosed {
		t.Errorf("after restart: events %v state %s, want %v closed", got, it.State, want)
	}
	ex, err := s.Explanations(ctx, ref)
	if err != nil || len(ex) != 2 || ex[0].Reason != "疫情影响" || ex[1].Revision != 2 {
		t.Errorf("explanations after restart: %+v, %v; want both revisions", ex, err)
	}
	// A new red after closing opens a new item for the unit.
	if err := s.ApplySupervision(ctx, kpi.SupervisionChanges{Open: open.Open[:1]}, kpi.Actor{Name: "supervision"}); err != nil {
		t.Fatal(err)
	}
	if items, _ := s.SupervisionItems(ctx); len(items) != 3 {
		t.Errorf("after reopening: %d items, want 3", len(items))
	}
	// Every state change is audited against the indicator.
	entries, err := s.Audit(ctx, kpi.AuditFilter{Object: "yanfeng/high_tech_enterprises"})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range entries {
		count[e.Action]++
	}
	want := map[string]int{kpi.ActionSupervisionOpen: 3, kpi.ActionExplanationAdd: 2, kpi.ActionSupervisionReturn: 1, kpi.ActionSupervisionReview: 1, kpi.ActionSupervisionClose: 1}
	for action, n := range want {
		if count[action] != n {
			t.Errorf("audit %s: %d entries, want %d", action, count[action], n)
		}
	}
}

func TestSupervisionRefusesBadUnits(t *testing.T) {
	s := openAt(t, t.TempDir(), Options{})
	ref := kpi.Ref{Plan: "p", ID: "x"}
	if _, err := s.AddExplanation(context.Background(), kpi.Explanation{Ref: ref, Unit: "a\x00b"}, operator); kpi.ErrorCode(err) != kpi.EINVALID {
		t.Errorf("unit with NUL: %v, want invalid", err)
	}
	if _, err := s.ReviewSupervision(context.Background(), 99, kpi.SupervisionReviewInput{Action: kpi.SupervisionEventReturn, Comment: "x", Deadline: time.Now()}, operator); kpi.ErrorCode(err) != kpi.ENOTFOUND {
		t.Errorf("review of a missing item: %v, want not found", err)
	}
	if _, err := s.ReviewSupervision(context.Background(), 1, kpi.SupervisionReviewInput{Action: kpi.SupervisionEventReturn}, operator); kpi.ErrorCode(err) != kpi.EINVALID {
		t.Errorf("return without a comment: %v, want invalid", err)
	}
}
