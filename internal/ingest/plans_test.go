package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
)

// provinceCatalog has plans regions, each with the same perPlan indicator
// ids and names (every district reports the same list), reported annually
// 2013–2022.
func provinceCatalog(plans, perPlan int) kpi.Catalog {
	var cat kpi.Catalog
	for p := range plans {
		pid := fmt.Sprintf("r%04d", p)
		cat.Plans = append(cat.Plans, kpi.Plan{ID: pid, Title: pid, Region: pid, Source: "s", StartYear: 2013, EndYear: 2022})
		for i := range perPlan {
			cat.Indicators = append(cat.Indicators, kpi.Indicator{ID: fmt.Sprintf("i%03d", i), Plan: pid, Name: fmt.Sprintf("指标%03d", i),
				Task: 1, LeadUnits: []string{"区统计局"}, Unit: "家", Kind: kpi.KindAtLeast, Target: 10_000, Deadline: 2022,
				Frequency: kpi.Annual, DueDays: 90, Measure: kpi.MeasureLevel, SourceText: "s"})
		}
	}
	return cat
}

// provinceFixture opens a store holding cat and an ingester on it.
func provinceFixture(t *testing.T, cat kpi.Catalog) (*boltstore.Store, *ingest.Ingester) {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "kpimon.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.SyncCatalog(context.Background(), cat, kpi.Actor{Name: "catalog"}); err != nil {
		t.Fatal(err)
	}
	ing, err := ingest.New(ingest.Options{Store: st, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return st, ing
}

// TestManyPlansSharingIDs checks that rows naming a plan land on that
// plan's indicator, found by id or by name, when every plan uses the same
// ids and names; and that a row without a plan is refused as ambiguous
// with a short list of plans, not all of them.
func TestManyPlansSharingIDs(t *testing.T) {
	ctx := context.Background()
	st, ing := provinceFixture(t, provinceCatalog(300, 3))
	// Value = plan number × 10 + indicator number, so each figure says
	// where it belongs.
	var body bytes.Buffer
	body.WriteString("plan,indicator,name,period,value\n")
	for p := 0; p < 300; p += 7 {
		fmt.Fprintf(&body, "r%04d,i001,,2021,%d\n", p, p*10+1)
		fmt.Fprintf(&body, "r%04d,,指标002,2021,%d\n", p, p*10+2)
		fmt.Fprintf(&body, "r%04d,wrong,指标000,2021,%d\n", p, p*10) // id wrong, name right
	}
	res, err := ing.Ingest(ctx, kpi.Upload{Name: "p.csv", Body: body.Bytes(), Actor: operator, Source: "test"})
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	if want := 3 * 43; res.Added != want {
		t.Errorf("Added = %d, want %d", res.Added, want)
	}
	latest, err := st.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for ref, obs := range latest {
		var p, i int
		if _, err := fmt.Sscanf(ref.Plan+" "+ref.ID, "r%d i%d", &p, &i); err != nil {
			t.Fatalf("ref %v: %v", ref, err)
		}
		if len(obs) != 1 || obs[0].Value != float64(p*10+i) || p%7 != 0 {
			t.Errorf("%s/%s: figures %+v, want one of %d", ref.Plan, ref.ID, obs, p*10+i)
		}
		got++
	}
	if got != 3*43 {
		t.Errorf("%d indicators have figures, want %d", got, 3*43)
	}

	_, err = ing.Ingest(ctx, kpi.Upload{Name: "q.csv", Body: []byte("indicator,period,value\ni001,2021,5\n"), Actor: operator, Source: "test"})
	var kerr *kpi.Error
	if !errors.As(err, &kerr) || len(kerr.Problems) != 1 {
		t.Fatalf("ingest without plan: error %v, want one problem", err)
	}
	if want := "加一列“计划”\nadd a plan column: r0000, r0001, r0002, r0003, r0004, … (300 plans in all)"; kerr.Problems[0].Expected != want {
		t.Errorf("ambiguous id: Expected = %q, want %q", kerr.Problems[0].Expected, want)
	}
}

// TestIndexFollowsCatalog checks that the ingester's index, kept across
// figure writes, is rebuilt when the catalog changes: a new indicator
// takes figures at once.
func TestIndexFollowsCatalog(t *testing.T) {
	ctx := context.Background()
	cat := provinceCatalog(2, 2)
	st, ing := provinceFixture(t, cat)
	upload := func(body string) (kpi.SubmissionResult, error) {
		return ing.Ingest(ctx, kpi.Upload{Name: "f.csv", Body: []byte(body), Actor: operator, Source: "test"})
	}
	if res, err := upload("plan,indicator,period,value\nr0000,i000,2021,1\n"); err != nil || res.Added != 1 {
		t.Fatalf("first upload: %+v, %v", res, err)
	}
	extra := cat.Indicators[0]
	extra.ID, extra.Name = "i999", "新指标"
	cat.Indicators = append(cat.Indicators, extra)
	if _, err := st.SyncCatalog(ctx, cat, kpi.Actor{Name: "catalog"}); err != nil {
		t.Fatal(err)
	}
	if res, err := upload("plan,indicator,period,value\nr0000,i999,2021,2\n"); err != nil || res.Added != 1 {
		t.Errorf("upload for an indicator added to the catalog since: %+v, %v; want it added", res, err)
	}
}
