package boltstore

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestLatestCacheMatchesStore checks after every kind of write that the
// cached Latest equals a fresh read, and that callers cannot spoil it.
func TestLatestCacheMatchesStore(t *testing.T) {
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
	many := figures(cat, []int{2010, 2011, 2012, 2013, 2014, 2015, 2016, 2017, 2018, 2019}, 7)
	for len(many) <= maxPatch {
		many = append(many, many...) // the same figures again: unchanged, but counted
	}
	steps := []struct {
		name string
		obs  []kpi.Observation
	}{
		{"first figures", []kpi.Observation{fig("high_tech_enterprises", "2021", 25)}},
		{"earlier period goes first", []kpi.Observation{fig("high_tech_enterprises", "2020", 12)}},
		{"revision replaces", []kpi.Observation{fig("high_tech_enterprises", "2021", 28)}},
		{"quarters and months after the year", []kpi.Observation{
			fig("high_tech_enterprises", "2021-03", 3), fig("high_tech_enterprises", "2021-Q2", 2),
			fig("high_tech_enterprises", "2021-Q1", 1), fig("rd_ratio", "2021", 2.1),
		}},
		{"same period twice in one write", []kpi.Observation{fig("rd_ratio", "2022", 2.2), fig("rd_ratio", "2022", 2.3)}},
		{"unchanged figure", []kpi.Observation{fig("rd_ratio", "2022", 2.3)}},
		{"write too large to patch", many},
		{"after a dropped cache", []kpi.Observation{fig("rd_ratio", "2023", 2.4)}},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			before, err := s.Latest(ctx) // primes the cache
			if err != nil {
				t.Fatal(err)
			}
			// Spoil what a caller holds: the cache must not notice.
			for ref, obs := range before {
				_ = append(obs, kpi.Observation{Value: -1})
				delete(before, ref)
			}
			at := time.Date(2022, 1, 2, 3, 4, 5, 6, kpi.China)
			mustAdd(t, s, kpi.Submission{Actor: operator, Source: "api", At: at, Observations: step.obs})
			got, err := s.Latest(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want, _, err := s.readLatest(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// Compare times by their text too: cached and stored figures
			// must not differ even in time zone.
			if diff := cmp.Diff(want, got, cmp.Transformer("text", func(t time.Time) string { return t.Format(time.RFC3339Nano) })); diff != "" {
				t.Errorf("cached Latest differs from the store (-store +cached):\n%s", diff)
			}
		})
	}
}

func TestCatalogCacheCopies(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, t.TempDir(), Options{})
	mustSync(t, s, testCatalog())
	first, err := s.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first.Indicators[0].Target = -1
	first.Plans[0].Title = "spoilt"
	got, err := s.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := s.readCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Catalog after a caller modified its copy (-store +cached):\n%s", diff)
	}
}

// TestCacheRefusesStaleSnapshots: a result read from a snapshot older than
// a committed write (a reader racing the writer) must not be cached.
func TestCacheRefusesStaleSnapshots(t *testing.T) {
	ref := kpi.Ref{Plan: "p", ID: "i"}
	figs := func(v float64) map[kpi.Ref][]kpi.Observation {
		return map[kpi.Ref][]kpi.Observation{ref: {{Plan: "p", Indicator: "i", Period: kpi.YearPeriod(2021), Value: v}}}
	}
	big := make([]kpi.Outcome, maxPatch+1)
	for i := range big {
		big[i] = kpi.Outcome{Observation: kpi.Observation{Plan: "p", Indicator: "i", Period: kpi.YearPeriod(2021)}, Result: kpi.ResultRevised}
	}
	var c latestCache
	c.put(figs(1), 5)
	if got, ok := c.get(); !ok || got[ref][0].Value != 1 {
		t.Fatalf("get after put at 5 = %v, %v; want the figures", got, ok)
	}
	c.committed(7, big) // too large to patch: dropped
	c.put(figs(2), 6)   // read before write 7 committed
	if got, ok := c.get(); ok {
		t.Errorf("get after a stale put = %v; want nothing cached", got)
	}
	c.put(figs(3), 7)
	if got, ok := c.get(); !ok || got[ref][0].Value != 3 {
		t.Errorf("get after put at 7 = %v, %v; want value 3", got, ok)
	}

	var cc catalogCache
	cc.put(kpi.Catalog{Plans: []kpi.Plan{{ID: "a"}}}, 5)
	cc.committed(7)
	cc.put(kpi.Catalog{Plans: []kpi.Plan{{ID: "stale"}}}, 6)
	if got, ok := cc.get(); ok {
		t.Errorf("catalog get after a stale put = %v; want nothing cached", got)
	}
}
