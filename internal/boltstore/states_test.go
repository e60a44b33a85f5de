package boltstore

import (
	"context"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// readCounter counts the store's reads of every supervision item and
// explanation.
type readCounter struct {
	*Store
	items, explanations int
}

func (c *readCounter) SupervisionItems(ctx context.Context) ([]kpi.SupervisionItem, error) {
	c.items++
	return c.Store.SupervisionItems(ctx)
}

func (c *readCounter) AllExplanations(ctx context.Context) ([]kpi.Explanation, error) {
	c.explanations++
	return c.Store.AllExplanations(ctx)
}

// TestStatesReadSupervisionOnlyWhenItChanged: an evaluation after a figure
// write takes the supervision items and explanations it read before; one
// after a supervision write reads them again and shows the change.
func TestStatesReadSupervisionOnlyWhenItChanged(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := openAt(t, t.TempDir(), Options{Now: clk.now})
	mustSync(t, s, testCatalog())
	ref := kpi.Ref{Plan: "yanfeng", ID: "high_tech_enterprises"}
	open := kpi.SupervisionChanges{Open: []kpi.SupervisionOpening{
		{Ref: ref, Unit: "区科工信局", Status: kpi.StatusOffTrack, Deadline: (*kpi.Calendar)(nil).Deadline(clk.now(), 5)},
	}}
	if err := s.ApplySupervision(ctx, open, kpi.Actor{Name: "supervision"}); err != nil {
		t.Fatal(err)
	}
	src := &readCounter{Store: s}
	states := kpi.NewStates(src, kpi.StatesOptions{Now: clk.now, FiguresOnDemand: true})
	notes := func() []kpi.SupervisionNote {
		t.Helper()
		all, err := states.States(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range all {
			if st.Indicator.Ref() == ref {
				return st.Supervision
			}
		}
		t.Fatalf("no state of %v", ref)
		return nil
	}
	if n := notes(); len(n) != 1 || n[0].Latest != nil || src.items != 1 {
		t.Fatalf("first evaluation: notes %+v after %d reads of the items; want one unexplained, 1 read", n, src.items)
	}
	clk.advance(time.Minute)
	for v := range 3 {
		mustAdd(t, s, oneFigure(float64(25+v)))
		notes()
	}
	if src.items != 1 || src.explanations != 1 {
		t.Errorf("three figure writes later: items read %d times, explanations %d; want 1 and 1 (nothing changed them)", src.items, src.explanations)
	}
	clk.advance(time.Minute)
	unit := kpi.Actor{Name: "kjj", Units: []string{"区科工信局"}}
	if _, err := s.AddExplanation(ctx, kpi.Explanation{Ref: ref, Unit: "区科工信局", Reason: "疫情影响", Measures: "加快认定", ExpectedBy: "2022-12-31"}, unit); err != nil {
		t.Fatal(err)
	}
	if n := notes(); len(n) != 1 || n[0].Latest == nil || n[0].Latest.Reason != "疫情影响" || src.items != 2 {
		t.Errorf("after an explanation: notes %+v after %d reads; want it explained, 2 reads", n, src.items)
	}
}
