package boltstore

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/catalog"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

func TestSyncCatalog(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := openAt(t, t.TempDir(), Options{Now: clk.now})
	hte := kpi.Ref{Plan: "yanfeng", ID: "high_tech_enterprises"}
	rd := kpi.Ref{Plan: "yanfeng", ID: "rd_ratio"}

	base := testCatalog()
	changed := testCatalog()
	changed.Indicators[0].Target = 35
	changed.Indicators[0].Deadline = 2023
	withoutRD := testCatalog()
	withoutRD.Indicators = withoutRD.Indicators[:1]
	withoutRD.Indicators[0].Target = 35
	withoutRD.Indicators[0].Deadline = 2023
	otherPlan := kpi.Catalog{
		Plans:      []kpi.Plan{testPlan("zhuhui")},
		Indicators: []kpi.Indicator{testIndicator("zhuhui", "high_tech_enterprises", 20)},
	}
	retitled := otherPlan
	retitled.Plans = []kpi.Plan{testPlan("zhuhui")}
	retitled.Plans[0].Title = "珠晖区方案"

	steps := []struct {
		name        string
		cat         kpi.Catalog
		want        []kpi.CatalogChange
		wantCurrent []kpi.Ref // Catalog's indicators afterwards
	}{
		{
			name: "first load adds",
			cat:  base,
			want: []kpi.CatalogChange{
				{Ref: kpi.Ref{Plan: "yanfeng"}, Action: "plan.add", Detail: present.DescribePlan(base.Plans[0])},
				{Ref: hte, Action: "target.add", Detail: "高新技术企业数：≥30家，2022年"},
				{Ref: rd, Action: "target.add", Detail: "高新技术企业数：≥2.51家，2022年"},
			},
			wantCurrent: []kpi.Ref{hte, rd},
		},
		{
			name:        "same catalog changes nothing",
			cat:         base,
			want:        nil,
			wantCurrent: []kpi.Ref{hte, rd},
		},
		{
			name:        "changed target is a new version",
			cat:         changed,
			want:        []kpi.CatalogChange{{Ref: hte, Action: "target.change", Detail: "target 30 → 35; deadline 2022 → 2023"}},
			wantCurrent: []kpi.Ref{hte, rd},
		},
		{
			name:        "indicator left out is removed",
			cat:         withoutRD,
			want:        []kpi.CatalogChange{{Ref: rd, Action: "target.remove", Detail: "高新技术企业数：≥2.51家，2022年"}},
			wantCurrent: []kpi.Ref{hte},
		},
		{
			name:        "removed indicator comes back",
			cat:         changed,
			want:        []kpi.CatalogChange{{Ref: rd, Action: "target.add", Detail: "restored: 高新技术企业数：≥2.51家，2022年"}},
			wantCurrent: []kpi.Ref{hte, rd},
		},
		{
			name: "plan left out is hidden with its indicators",
			cat:  otherPlan,
			want: []kpi.CatalogChange{
				{Ref: kpi.Ref{Plan: "yanfeng"}, Action: kpi.ActionPlanRemove, Detail: present.DescribePlan(base.Plans[0])},
				{Ref: kpi.Ref{Plan: "zhuhui"}, Action: "plan.add", Detail: present.DescribePlan(otherPlan.Plans[0])},
				{Ref: kpi.Ref{Plan: "zhuhui", ID: "high_tech_enterprises"}, Action: "target.add", Detail: "高新技术企业数：≥20家，2022年"},
				{Ref: hte, Action: "target.remove", Detail: "高新技术企业数：≥35家，2023年"},
				{Ref: rd, Action: "target.remove", Detail: "高新技术企业数：≥2.51家，2022年"},
			},
			wantCurrent: []kpi.Ref{{Plan: "zhuhui", ID: "high_tech_enterprises"}},
		},
		{
			name:        "plan change",
			cat:         retitled,
			want:        []kpi.CatalogChange{{Ref: kpi.Ref{Plan: "zhuhui"}, Action: "plan.change", Detail: "title “衡阳市雁峰区创建省级创新型县（市、区）工作方案” → “珠晖区方案”"}},
			wantCurrent: []kpi.Ref{{Plan: "zhuhui", ID: "high_tech_enterprises"}},
		},
	}
	for _, step := range steps {
		// Sequential steps over one store: a failure stops the rest.
		ok := t.Run(step.name, func(t *testing.T) {
			clk.advance(time.Hour)
			auditBefore, _ := s.Audit(ctx, kpi.AuditFilter{})
			// What `kpimon targets diff --data` previews is what the sync records.
			stored, err := s.StoredCatalog(ctx)
			if err != nil {
				t.Fatal(err)
			}
			preview := catalog.DiffStored(stored, step.cat)
			got := mustSync(t, s, step.cat)
			if diff := cmp.Diff(step.want, got); diff != "" {
				t.Errorf("SyncCatalog changes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(got, preview); diff != "" {
				t.Errorf("preview from StoredCatalog differs from what SyncCatalog recorded (-recorded +preview):\n%s", diff)
			}
			cat, err := s.Catalog(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var refs []kpi.Ref
			for _, ind := range cat.Indicators {
				refs = append(refs, ind.Ref())
			}
			if diff := cmp.Diff(step.wantCurrent, refs); diff != "" {
				t.Errorf("Catalog indicators (-want +got):\n%s", diff)
			}
			auditAfter, _ := s.Audit(ctx, kpi.AuditFilter{})
			if got, want := len(auditAfter)-len(auditBefore), len(step.want); got != want {
				t.Errorf("audit grew by %d entries, want %d (one per change)", got, want)
			}
			for i, c := range step.want {
				e := auditAfter[len(step.want)-1-i] // newest first
				object := c.Ref.Plan
				if c.Ref.ID != "" {
					object += "/" + c.Ref.ID
				}
				want := kpi.AuditEntry{Seq: e.Seq, At: clk.now(), Actor: "operator", Remote: "cli", Action: c.Action, Object: object, Detail: c.Detail}
				if diff := cmp.Diff(want, e); diff != "" {
					t.Errorf("audit entry for change %d (-want +got):\n%s", i, diff)
				}
			}
		})
		if !ok {
			t.FailNow()
		}
	}

	t.Run("versions", func(t *testing.T) {
		vers, err := s.IndicatorVersions(ctx, rd)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range vers {
			got = append(got, versionLabel(v.Version, v.Removed))
		}
		want := []string{"1", "2 removed", "3", "4 removed"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("IndicatorVersions(rd) (-want +got):\n%s", diff)
		}
		vers, err = s.IndicatorVersions(ctx, hte)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := vers[0].Indicator.Target, 30.0; got != want {
			t.Errorf("hte version 1 target = %v, want %v", got, want)
		}
		if got, want := vers[1].Indicator.Target, 35.0; got != want {
			t.Errorf("hte version 2 target = %v, want %v", got, want)
		}
		if diff := cmp.Diff(testIndicator("yanfeng", "rd_ratio", 2.51), firstVersion(t, s, rd)); diff != "" {
			t.Errorf("rd version 1 definition (-want +got):\n%s", diff)
		}
	})
	t.Run("removed indicator not found", func(t *testing.T) {
		_, err := s.Indicator(ctx, rd)
		wantCode(t, err, kpi.ENOTFOUND)
		ind, err := s.Indicator(ctx, kpi.Ref{Plan: "zhuhui", ID: "high_tech_enterprises"})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ind.Target, 20.0; got != want {
			t.Errorf("Indicator target = %v, want %v", got, want)
		}
		_, err = s.IndicatorVersions(ctx, kpi.Ref{Plan: "yanfeng", ID: "nope"})
		wantCode(t, err, kpi.ENOTFOUND)
	})
}

func versionLabel(version int, removed bool) string {
	s := string(rune('0' + version))
	if removed {
		s += " removed"
	}
	return s
}

func firstVersion(t *testing.T, s *Store, ref kpi.Ref) kpi.Indicator {
	t.Helper()
	vers, err := s.IndicatorVersions(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return vers[0].Indicator
}

func TestSyncCatalogRefusesUnkeyableCatalog(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*kpi.Catalog)
	}{
		{"empty indicator id", func(c *kpi.Catalog) { c.Indicators[0].ID = "" }},
		{"NUL in id", func(c *kpi.Catalog) { c.Indicators[0].ID = "a\x00b" }},
		{"duplicate indicator", func(c *kpi.Catalog) { c.Indicators[1].ID = c.Indicators[0].ID }},
		{"unknown plan", func(c *kpi.Catalog) { c.Indicators[0].Plan = "elsewhere" }},
		{"duplicate plan", func(c *kpi.Catalog) { c.Plans = append(c.Plans, c.Plans[0]) }},
		{"slash in plan id", func(c *kpi.Catalog) {
			c.Plans[0].ID = "a/b"
			for i := range c.Indicators {
				c.Indicators[i].Plan = "a/b"
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openAt(t, t.TempDir(), Options{})
			cat := testCatalog()
			tt.mutate(&cat)
			_, err := s.SyncCatalog(context.Background(), cat, operator)
			e := wantCode(t, err, kpi.EINVALID)
			if len(e.Problems) == 0 {
				t.Errorf("error %v lists no problems", err)
			}
			got, _ := s.Catalog(context.Background())
			if len(got.Plans)+len(got.Indicators) != 0 {
				t.Errorf("refused catalog stored %d plans, %d indicators; want none", len(got.Plans), len(got.Indicators))
			}
		})
	}
}

// TestIndicatorCodecCoversEveryField fails when kpi.Indicator gains a field
// the binary encoding does not carry.
func TestIndicatorCodecCoversEveryField(t *testing.T) {
	var ind kpi.Indicator
	fill(t, reflect.ValueOf(&ind).Elem(), 1)
	v := kpi.IndicatorVersion{Version: 7, At: time.Date(2021, 5, 6, 7, 8, 9, 10, time.UTC), Removed: true, Indicator: ind}
	got, err := decodeVersion(encodeVersion(&v), nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(v, got); diff != "" {
		t.Errorf("decode(encode(version)) (-want +got):\n%s", diff)
	}
}

// fill sets every field reachable from v to a non-zero value.
func fill(t *testing.T, v reflect.Value, n int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + string(rune('a'+n%26)))
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(n + 1))
	case reflect.Float64:
		v.SetFloat(float64(n) + 0.5)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(t, s.Index(i), n+i)
		}
		v.Set(s)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(t, p.Elem(), n)
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(t, v.Field(i), n+i)
		}
	default:
		t.Fatalf("fill: no rule for %s", v.Type())
	}
}

func TestCatalogKeepsFileOrder(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, t.TempDir(), Options{})
	ids := func() []string {
		t.Helper()
		cat, err := s.Catalog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, ind := range cat.Indicators {
			got = append(got, ind.ID)
		}
		return got
	}
	cat := kpi.Catalog{Plans: []kpi.Plan{testPlan("p")}, Indicators: []kpi.Indicator{
		testIndicator("p", "zeta", 1), testIndicator("p", "alpha", 2), testIndicator("p", "mid", 3),
	}}
	if _, err := s.SyncCatalog(ctx, cat, kpi.Actor{Name: "t"}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"zeta", "alpha", "mid"}, ids()); diff != "" {
		t.Errorf("order after load (-want +got):\n%s", diff)
	}
	audited, _ := s.Audit(ctx, kpi.AuditFilter{})
	// Reordered only: the new order shows, and nothing is audited.
	cat.Indicators[0], cat.Indicators[2] = cat.Indicators[2], cat.Indicators[0]
	changes, err := s.SyncCatalog(ctx, cat, kpi.Actor{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 0 {
		t.Errorf("reordering reported changes %v, want none", changes)
	}
	if diff := cmp.Diff([]string{"mid", "alpha", "zeta"}, ids()); diff != "" {
		t.Errorf("order after reordering (-want +got):\n%s", diff)
	}
	if after, _ := s.Audit(ctx, kpi.AuditFilter{}); len(after) != len(audited) {
		t.Errorf("reordering wrote %d audit entries, want none", len(after)-len(audited))
	}
}

// TestSyncCatalogWordsChangesAsDiff: the audit log and `kpimon targets diff`
// (catalog.Diff) word the same change the same way. The store once diffed by
// reflection with a wording of its own.
func TestSyncCatalogWordsChangesAsDiff(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, t.TempDir(), Options{Now: newClock().now})
	old := testCatalog()
	mustSync(t, s, old)
	cur := testCatalog()
	cur.Plans[0].EndYear++
	cur.Indicators[0].Target = 35
	cur.Indicators[0].LeadUnits = append(cur.Indicators[0].LeadUnits, "区统计局")
	cur.Indicators[0].Baseline = &kpi.Baseline{Period: kpi.YearPeriod(2019), Value: 12.5}
	cur.Indicators[0].SourceText = "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十甲乙"
	cur.Indicators = cur.Indicators[:1]
	want := catalog.Diff(old, cur)
	if len(want) != 3 {
		t.Fatalf("catalog.Diff gave %d changes, want 3 (plan, indicator, removal): %v", len(want), want)
	}
	got, err := s.SyncCatalog(ctx, cur, kpi.Actor{Name: "catalog"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SyncCatalog and catalog.Diff word the change differently (-diff +store):\n%s", diff)
	}
}
