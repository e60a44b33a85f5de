package supervision_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
	"github.com/yanfeng/kpimon/internal/supervision"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// TestExplainingUnitsAreWhatExplainAccepts: the units the web form offers
// an actor (ExplainingUnits) are exactly those Explain accepts from it —
// each offered unit is taken, every other unit refused.
func TestExplainingUnitsAreWhatExplainAccepts(t *testing.T) {
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2022, 6, 30, 10, 0, 0, 0, kpi.China))
	ind := kpi.Indicator{Plan: "p", ID: "x", Name: "高新技术企业", Task: 1, LeadUnits: []string{"区科工信局", "区发改局"}, CoUnits: []string{"区统计局"},
		Unit: "家", Kind: kpi.KindAtLeast, Target: 30, Deadline: 2023, Frequency: kpi.Annual, DueDays: 90, Measure: kpi.MeasureLevel}
	_, _, svc := serviceOn(t, clock, planOf(ind))
	tests := []struct {
		name  string
		actor kpi.Actor
		want  []string
	}{
		{"one lead unit", kpi.Actor{Name: "kgx", Units: []string{"区科工信局"}}, []string{"区科工信局"}},
		{"both lead units", kpi.Actor{Name: "two", Units: []string{"区发改局", "区商务局", "区科工信局"}}, []string{"区发改局", "区科工信局"}},
		{"cooperating unit", kpi.Actor{Name: "tjj-unit", Units: []string{"区统计局"}}, nil},
		{"another indicator's unit", kpi.Actor{Name: "sw", Units: []string{"区商务局"}}, nil},
		{"bureau", kpi.Actor{Name: "tjj", All: true}, []string{"区科工信局", "区发改局"}},
		{"supervision office", kpi.Actor{Name: "dcs", Supervisor: true}, []string{"区科工信局", "区发改局"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := supervision.ExplainingUnits(ind, tt.actor)
			if !slices.Equal(got, tt.want) {
				t.Errorf("ExplainingUnits = %v, want %v", got, tt.want)
			}
			for _, unit := range []string{"区科工信局", "区发改局", "区统计局", "区商务局"} {
				e, err := svc.PrepareExplanation(ctx, ind.Ref(), kpi.ExplanationInput{Unit: unit, Reason: "a", Measures: "b", ExpectedBy: "2022-12-31"}, tt.actor)
				offered := slices.Contains(got, unit)
				if accepted := err == nil && e.Unit == unit; accepted != offered {
					t.Errorf("PrepareExplanation for %s = %+v, %v; offered %v", unit, e, err, offered)
				}
			}
		})
	}
}

// TestExplanationExpectedByNotPassed: an explanation promising completion
// by a day already over is refused with a Chinese problem on expected_by;
// today and later days are taken. The API, the web form and the XLSX
// 情况说明 sheet all check through PrepareExplanation.
func TestExplanationExpectedByNotPassed(t *testing.T) {
	ctx := context.Background()
	// 00:30 on 2022-07-01 in China is still 2022-06-30 in UTC: the day is China's.
	clock := testkit.NewClock(time.Date(2022, 7, 1, 0, 30, 0, 0, kpi.China))
	ind := kpi.Indicator{Plan: "p", ID: "x", Name: "高新技术企业", Task: 1, LeadUnits: []string{"区科工信局"},
		Unit: "家", Kind: kpi.KindAtLeast, Target: 30, Deadline: 2023, Frequency: kpi.Annual, DueDays: 90, Measure: kpi.MeasureLevel}
	_, _, svc := serviceOn(t, clock, planOf(ind))
	unit := kpi.Actor{Name: "kgx", Units: []string{"区科工信局"}}
	for by, refused := range map[string]bool{"2022-06-30": true, "2021-12-31": true, "2022-07-01": false, "2022-12-31": false} {
		_, err := svc.PrepareExplanation(ctx, ind.Ref(), kpi.ExplanationInput{Reason: "a", Measures: "b", ExpectedBy: by}, unit)
		if !refused {
			if err != nil {
				t.Errorf("expected by %s on 2022-07-01: %v, want it taken", by, err)
			}
			continue
		}
		var kerr *kpi.Error
		if !errors.As(err, &kerr) || kerr.Code != kpi.EINVALID || len(kerr.Problems) != 1 {
			t.Fatalf("expected by %s on 2022-07-01: %v, want one EINVALID problem", by, err)
		}
		p := kerr.Problems[0]
		d, _ := kpi.ParseDay(by)
		if p.Field != "expected_by" || p.Value != by || p.Message != "预计完成时间"+present.Date(d)+"已过（今天是2022年7月1日），请填写今天或以后的日期" {
			t.Errorf("expected by %s: problem %+v", by, p)
		}
	}
}

// TestItemUnits: the bureau and the office see every unit's items (no
// unit filter); a unit account sees its own units' items, in a copy the
// filter may keep.
func TestItemUnits(t *testing.T) {
	if got := supervision.ItemUnits(kpi.Actor{Name: "dcs", Supervisor: true}); got != nil {
		t.Errorf("ItemUnits(office) = %v, want nil (every unit)", got)
	}
	if got := supervision.ItemUnits(kpi.Actor{Name: "tjj", All: true}); got != nil {
		t.Errorf("ItemUnits(bureau) = %v, want nil (every unit)", got)
	}
	own := []string{"区科工信局", "区发改局"}
	got := supervision.ItemUnits(kpi.Actor{Name: "two", Units: own})
	if !slices.Equal(got, own) {
		t.Fatalf("ItemUnits(unit account) = %v, want %v", got, own)
	}
	if got[0] = "x"; own[0] != "区科工信局" {
		t.Errorf("ItemUnits shares the actor's slice")
	}
	if got := supervision.ItemUnits(kpi.Actor{Name: "none"}); got == nil || len(got) != 0 {
		t.Errorf("ItemUnits(no units) = %#v, want an empty filter (no unit), not nil (every unit)", got)
	}
}

// planOf is a catalog of one plan p (2021–2023) holding inds.
func planOf(inds ...kpi.Indicator) kpi.Catalog {
	return kpi.Catalog{Plans: []kpi.Plan{{ID: "p", Title: "规划", StartYear: 2021, EndYear: 2023}}, Indicators: inds}
}

// serviceOn opens a store on clock (closed when the test ends) with cat
// synced in, and a supervision service over its states.
func serviceOn(tb testing.TB, clock *testkit.Clock, cat kpi.Catalog) (*boltstore.Store, *kpi.States, *supervision.Service) {
	tb.Helper()
	st, err := boltstore.Open(filepath.Join(tb.TempDir(), "kpimon.db"), boltstore.Options{Now: clock.Now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if _, err := st.SyncCatalog(context.Background(), cat, kpi.Actor{Name: "catalog"}); err != nil {
		tb.Fatal(err)
	}
	states := kpi.NewStates(st, kpi.StatesOptions{Now: clock.Now})
	return st, states, supervision.New(supervision.Options{Store: st, States: states, Now: clock.Now})
}
