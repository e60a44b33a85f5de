package boltstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestFiguresChangedSince checks after every kind of write that the
// indicators FiguresChangedSince names are exactly those whose figures
// changed, that LatestOf of each reads as Latest, and that a write too
// large to list is told as unknown.
func TestFiguresChangedSince(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, t.TempDir(), Options{})
	cat := testCatalog()
	mustSync(t, s, cat)
	fig := func(id, period string, v float64) kpi.Observation {
		p, err := kpi.ParsePeriod(period)
		if err != nil {
			t.Fatal(err)
		}
		return kpi.Observation{Plan: "yanfeng", Indicator: id, Period: p, Value: v}
	}
	ref := func(id string) kpi.Ref { return kpi.Ref{Plan: "yanfeng", ID: id} }
	many := figures(cat, []int{2010, 2011, 2012, 2013, 2014, 2015, 2016, 2017, 2018, 2019}, 7)
	for len(many) <= figureLogMax {
		many = append(many, many...) // the same figures again: unchanged, but counted
	}
	steps := []struct {
		name  string
		obs   []kpi.Observation
		want  []kpi.Ref // nil: not known
		known bool
	}{
		{"first figures", []kpi.Observation{fig("high_tech_enterprises", "2021", 25)}, []kpi.Ref{ref("high_tech_enterprises")}, true},
		{"revision", []kpi.Observation{fig("high_tech_enterprises", "2021", 28)}, []kpi.Ref{ref("high_tech_enterprises")}, true},
		{"two indicators", []kpi.Observation{
			fig("high_tech_enterprises", "2021-03", 3), fig("rd_ratio", "2021", 2.1), fig("rd_ratio", "2022", 2.2),
		}, []kpi.Ref{ref("high_tech_enterprises"), ref("rd_ratio")}, true},
		{"unchanged figure", []kpi.Observation{fig("rd_ratio", "2022", 2.2)}, nil, true},
		{"many figures of few indicators", many, []kpi.Ref{ref("high_tech_enterprises"), ref("rd_ratio")}, true},
		{"after many", []kpi.Observation{fig("rd_ratio", "2023", 2.4)}, []kpi.Ref{ref("rd_ratio")}, true},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			gen := s.Generation()
			at := time.Date(2022, 1, 2, 3, 4, 5, 6, kpi.China)
			mustAdd(t, s, kpi.Submission{Actor: operator, Source: "api", At: at, Observations: step.obs})
			got, known := s.FiguresChangedSince(gen)
			if known != step.known {
				t.Fatalf("FiguresChangedSince(%d) known = %v, want %v", gen, known, step.known)
			}
			if known {
				slices.SortFunc(got, func(a, b kpi.Ref) int { return strings.Compare(a.ID, b.ID) })
				if diff := cmp.Diff(step.want, got); diff != "" {
					t.Errorf("FiguresChangedSince(%d) (-want +got):\n%s", gen, diff)
				}
			}
			if _, known := s.FiguresChangedSince(s.Generation()); !known {
				t.Errorf("FiguresChangedSince(current generation) is not known")
			}
			latest, err := s.Latest(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, ind := range cat.Indicators {
				one, err := s.LatestOf(ctx, ind.Ref())
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(latest[ind.Ref()], one); diff != "" {
					t.Errorf("LatestOf(%s) differs from Latest (-Latest +LatestOf):\n%s", ind.ID, diff)
				}
			}
		})
	}
}

// TestFigureLogForgetsLargeWrites: a write of more indicators than the
// log keeps is told as unknown, for generations before it only.
func TestFigureLogForgetsLargeWrites(t *testing.T) {
	var l figureLog
	l.start(3)
	outcomes := func(n int) []kpi.Ref {
		var c changedRefs
		for i := range n {
			c.add(kpi.Ref{Plan: "p", ID: fmt.Sprint(i)})
			c.add(kpi.Ref{Plan: "p", ID: fmt.Sprint(i)})
		}
		return c.list()
	}
	if _, known := l.since(2); known {
		t.Errorf("since(2) before the store's generation 3 is known")
	}
	l.committed(4, outcomes(2))
	if refs, known := l.since(3); !known || len(refs) != 2 {
		t.Errorf("since(3) = %v, %v; want 2 refs", refs, known)
	}
	l.committed(5, outcomes(figureLogMax+1))
	if _, known := l.since(4); known {
		t.Errorf("since(4) is known after a write of %d indicators", figureLogMax+1)
	}
	l.committed(6, outcomes(1))
	if refs, known := l.since(5); !known || len(refs) != 1 {
		t.Errorf("since(5) = %v, %v; want the one ref written after the large write", refs, known)
	}
}

// TestCatalogShared checks that the catalog is read once and shared until
// it changes, and that a change is seen at once.
func TestCatalogShared(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, t.TempDir(), Options{})
	cat := testCatalog()
	mustSync(t, s, cat)
	first, err := s.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if &first.Indicators[0] != &second.Indicators[0] {
		t.Errorf("two reads of an unchanged catalog hold two copies of the indicators, want one shared")
	}
	changed := slices.Clone(cat.Indicators)
	changed[0].Target++
	mustSync(t, s, kpi.Catalog{Plans: cat.Plans, Indicators: changed})
	third, err := s.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := third.Indicators[0].Target, changed[0].Target; got != want {
		t.Errorf("after a catalog change Catalog's target = %v, want %v", got, want)
	}
	if first.Indicators[0].Target == changed[0].Target {
		t.Errorf("the catalog handed out before the change was modified")
	}
}

// TestCatalogCacheRefusesStaleSnapshots: a catalog read from a snapshot
// older than a committed change (a reader racing the writer) must not be
// cached.
func TestCatalogCacheRefusesStaleSnapshots(t *testing.T) {
	var cc catalogCache
	cc.put(kpi.Catalog{Plans: []kpi.Plan{{ID: "a"}}}, 5)
	cc.committed(7)
	cc.put(kpi.Catalog{Plans: []kpi.Plan{{ID: "stale"}}}, 6)
	if got, ok := cc.get(); ok {
		t.Errorf("catalog get after a stale put = %v; want nothing cached", got)
	}
	cc.put(kpi.Catalog{Plans: []kpi.Plan{{ID: "b"}}}, 7)
	if got, ok := cc.get(); !ok || got.Plans[0].ID != "b" {
		t.Errorf("catalog get after put at 7 = %v, %v; want plan b", got, ok)
	}
}
