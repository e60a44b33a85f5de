package boltstore

import (
	"bytes"
	"context"
	"math"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/kpi"
)

func TestAddObservations(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := openAt(t, t.TempDir(), Options{Now: clk.now})
	mustSync(t, s, testCatalog())
	hte := kpi.Ref{Plan: "yanfeng", ID: "high_tech_enterprises"}
	fig := func(period string, v float64) kpi.Observation {
		p, err := kpi.ParsePeriod(period)
		if err != nil {
			t.Fatal(err)
		}
		return kpi.Observation{Plan: hte.Plan, Indicator: hte.ID, Period: p, Value: v}
	}
	t1 := clk.now()
	t2 := t1.Add(24 * time.Hour)
	t3 := t2.Add(24 * time.Hour)
	submitter := kpi.Actor{Name: "tjj", Remote: "10.0.0.7"}

	steps := []struct {
		name        string
		sub         kpi.Submission
		wantResults []string
		wantAudit   []string // details of the new audit entries, oldest first
	}{
		{
			name:        "first figures are added",
			sub:         kpi.Submission{Actor: submitter, Source: "upload", File: "x.xlsx", At: t1, Observations: []kpi.Observation{fig("2021", 25), fig("2020", 12)}},
			wantResults: []string{kpi.ResultAdded, kpi.ResultAdded},
			wantAudit:   []string{"observation.add 2021: 25 (file x.xlsx)", "observation.add 2020: 12 (file x.xlsx)"},
		},
		{
			name:        "a different figure is a revision, an equal one changes nothing",
			sub:         kpi.Submission{Actor: submitter, Source: "api", At: t2, Observations: []kpi.Observation{fig("2021", 28), fig("2020", 12)}},
			wantResults: []string{kpi.ResultRevised, kpi.ResultUnchanged},
			wantAudit:   []string{"observation.revise 2021: 25 → 28 (api)"},
		},
		{
			name:        "the same period twice in one submission",
			sub:         kpi.Submission{Actor: submitter, Source: "api", At: t3, Observations: []kpi.Observation{fig("2021", 29), fig("2021", 29), fig("2021", 30)}},
			wantResults: []string{kpi.ResultRevised, kpi.ResultUnchanged, kpi.ResultRevised},
			wantAudit:   []string{"observation.revise 2021: 28 → 29 (api)", "observation.revise 2021: 29 → 30 (api)"},
		},
	}
	for _, step := range steps {
		ok := t.Run(step.name, func(t *testing.T) {
			clk.set(step.sub.At) // audit entries are stamped with the store's clock
			before, _ := s.Audit(ctx, kpi.AuditFilter{})
			res := mustAdd(t, s, step.sub)
			var got []string
			for _, o := range res.Outcomes {
				got = append(got, o.Result)
			}
			if diff := cmp.Diff(step.wantResults, got); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
			count := map[string]int{}
			for _, r := range step.wantResults {
				count[r]++
			}
			if res.Added != count[kpi.ResultAdded] || res.Revised != count[kpi.ResultRevised] || res.Unchanged != count[kpi.ResultUnchanged] {
				t.Errorf("counts added %d revised %d unchanged %d, want %v", res.Added, res.Revised, res.Unchanged, count)
			}
			after, _ := s.Audit(ctx, kpi.AuditFilter{})
			var audit []string
			for i := len(after) - len(before) - 1; i >= 0; i-- {
				e := after[i]
				if e.Object != "yanfeng/high_tech_enterprises" || e.Actor != "tjj" || e.Remote != "10.0.0.7" || !e.At.Equal(step.sub.At) {
					t.Errorf("audit entry %+v: want object yanfeng/high_tech_enterprises, actor tjj from 10.0.0.7 at %v", e, step.sub.At)
				}
				audit = append(audit, e.Action+" "+e.Detail)
			}
			if diff := cmp.Diff(step.wantAudit, audit); diff != "" {
				t.Errorf("new audit entries (-want +got):\n%s", diff)
			}
		})
		if !ok {
			t.FailNow()
		}
	}

	t.Run("every revision kept", func(t *testing.T) {
		got, err := s.Observations(ctx, hte)
		if err != nil {
			t.Fatal(err)
		}
		rev := func(o kpi.Observation, r int, at time.Time, source, file string) kpi.Observation {
			o.Revision, o.SubmittedAt, o.SubmittedBy, o.Source, o.File = r, at, "tjj", source, file
			return o
		}
		want := []kpi.Observation{
			rev(fig("2020", 12), 1, t1, "upload", "x.xlsx"),
			rev(fig("2021", 25), 1, t1, "upload", "x.xlsx"),
			rev(fig("2021", 28), 2, t2, "api", ""),
			rev(fig("2021", 29), 3, t3, "api", ""),
			rev(fig("2021", 30), 4, t3, "api", ""),
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Observations (-want +got):\n%s", diff)
		}
		latest, err := s.Latest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantLatest := map[kpi.Ref][]kpi.Observation{hte: {want[0], want[4]}}
		if diff := cmp.Diff(wantLatest, latest); diff != "" {
			t.Errorf("Latest (-want +got):\n%s", diff)
		}
	})
	t.Run("audit by indicator", func(t *testing.T) {
		clk.set(t3.Add(time.Hour))
		if err := s.AppendAudit(ctx, kpi.AuditEntry{Actor: "tjj", Action: "submission.reject", Object: "yanfeng/high_tech_enterprises", Detail: "bad"}); err != nil {
			t.Fatal(err)
		}
		entries, err := s.Audit(ctx, kpi.AuditFilter{Object: "yanfeng/high_tech_enterprises"})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.Action+" "+e.Detail)
		}
		want := []string{
			"submission.reject bad",
			"observation.revise 2021: 29 → 30 (api)",
			"observation.revise 2021: 28 → 29 (api)",
			"observation.revise 2021: 25 → 28 (api)",
			"observation.add 2020: 12 (file x.xlsx)",
			"observation.add 2021: 25 (file x.xlsx)",
			"target.add 高新技术企业数：≥30家，2022年",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Audit by object (-want +got):\n%s", diff)
		}
		entries, _ = s.Audit(ctx, kpi.AuditFilter{Object: "yanfeng/high_tech_enterprises", Since: t2, Limit: 3})
		got = nil
		for _, e := range entries {
			got = append(got, e.Detail)
		}
		if diff := cmp.Diff([]string{"bad", "2021: 29 → 30 (api)", "2021: 28 → 29 (api)"}, got); diff != "" {
			t.Errorf("Audit by object since %v limit 3 (-want +got):\n%s", t2, diff)
		}
	})
	t.Run("unknown indicator", func(t *testing.T) {
		_, err := s.Observations(ctx, kpi.Ref{Plan: "yanfeng", ID: "nope"})
		wantCode(t, err, kpi.ENOTFOUND)
		got, err := s.Observations(ctx, kpi.Ref{Plan: "yanfeng", ID: "rd_ratio"})
		if err != nil || len(got) != 0 {
			t.Errorf("Observations(rd_ratio) = %v, %v; want none, nil", got, err)
		}
	})
}

func TestSubmissionWithBadRowWritesNothing(t *testing.T) {
	ctx := context.Background()
	good := kpi.Observation{Plan: "yanfeng", Indicator: "high_tech_enterprises", Period: kpi.YearPeriod(2021), Value: 25}
	tests := []struct {
		name string
		bad  kpi.Observation
	}{
		{"unknown indicator", kpi.Observation{Plan: "yanfeng", Indicator: "nope", Period: kpi.YearPeriod(2021), Value: 1}},
		{"unknown plan", kpi.Observation{Plan: "nope", Indicator: "rd_ratio", Period: kpi.YearPeriod(2021), Value: 1}},
		{"removed indicator", kpi.Observation{Plan: "yanfeng", Indicator: "removed_one", Period: kpi.YearPeriod(2021), Value: 1}},
		{"invalid period", kpi.Observation{Plan: "yanfeng", Indicator: "rd_ratio", Period: kpi.Period{Year: 2021, Quarter: 5}, Value: 1}},
		{"NaN", kpi.Observation{Plan: "yanfeng", Indicator: "rd_ratio", Period: kpi.YearPeriod(2021), Value: math.NaN()}},
		{"infinity", kpi.Observation{Plan: "yanfeng", Indicator: "rd_ratio", Period: kpi.YearPeriod(2021), Value: math.Inf(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openAt(t, t.TempDir(), Options{})
			cat := testCatalog()
			cat.Indicators = append(cat.Indicators, testIndicator("yanfeng", "removed_one", 1))
			mustSync(t, s, cat)
			mustSync(t, s, testCatalog()) // removes removed_one
			gen := s.Generation()
			auditBefore, _ := s.Audit(ctx, kpi.AuditFilter{})

			_, err := s.AddObservations(ctx, kpi.Submission{Actor: operator, Observations: []kpi.Observation{good, tt.bad, good}})
			e := wantCode(t, err, kpi.EINVALID)
			if len(e.Problems) != 1 {
				t.Errorf("problems = %v, want one", e.Problems)
			}
			latest, _ := s.Latest(ctx)
			if len(latest) != 0 {
				t.Errorf("Latest after refused submission = %v, want empty", latest)
			}
			auditAfter, _ := s.Audit(ctx, kpi.AuditFilter{})
			if len(auditAfter) != len(auditBefore) {
				t.Errorf("audit grew from %d to %d entries, want unchanged", len(auditBefore), len(auditAfter))
			}
			if got := s.Generation(); got != gen {
				t.Errorf("Generation %d → %d after refused submission, want unchanged", gen, got)
			}
		})
	}
}

// TestReadersSeeWholeSubmissions runs readers beside a writer of large
// submissions: every reader must see each submission whole or not at all.
func TestReadersSeeWholeSubmissions(t *testing.T) {
	ctx := context.Background()
	// Batches of 300: each submission of 4,000 figures is 14 transactions.
	s := openAt(t, t.TempDir(), Options{BatchRows: 300})
	cat := bigCatalog(10, 200) // 2,000 indicators
	mustSync(t, s, cat)
	years := []int{2020, 2021}
	const rounds = 4

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				read := s.Latest // one map
				if n%2 == 1 {
					read = func(ctx context.Context) (map[kpi.Ref][]kpi.Observation, error) {
						m := map[kpi.Ref][]kpi.Observation{} // one indicator at a time
						err := s.EachLatest(ctx, func(ref kpi.Ref, obs []kpi.Observation) error {
							m[ref] = slices.Clone(obs)
							return nil
						})
						return m, err
					}
				}
				latest, err := read(context.Background())
				if err != nil {
					errs <- err.Error()
					return
				}
				seen := map[float64]int{}
				for _, obs := range latest {
					for _, o := range obs {
						seen[o.Value]++
					}
				}
				if len(latest) != 0 && (len(latest) != len(cat.Indicators) || len(seen) != 1) {
					errs <- "partial state: " + cmp.Diff(nil, seen)
					return
				}
				c, err := s.Catalog(context.Background())
				if err != nil || len(c.Indicators) != len(cat.Indicators) {
					errs <- "catalog changed under a reader"
					return
				}
			}
		}()
	}
	for round := 1; round <= rounds; round++ {
		mustAdd(t, s, kpi.Submission{Actor: operator, Source: "cli", Observations: figures(cat, years, float64(round))})
	}
	cancel()
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	latest, _ := s.Latest(context.Background())
	for ref, obs := range latest {
		if len(obs) != len(years) || obs[0].Value != rounds || obs[0].Revision != rounds {
			t.Fatalf("Latest[%v] = %+v, want %d periods at value and revision %d", ref, obs, len(years), rounds)
		}
	}
}

func TestPeriodKeys(t *testing.T) {
	periods := []string{"2020", "2020-Q1", "2020-Q4", "2020-01", "2020-02", "2020-12", "2021", "2021-Q2", "2021-11", "2200-12"}
	var keys [][]byte
	for _, ps := range periods {
		p, err := kpi.ParsePeriod(ps)
		if err != nil {
			t.Fatal(err)
		}
		k := appendPeriodKey(nil, p)
		if len(k) != periodKeyLen {
			t.Fatalf("key of %s is %d bytes, want %d", ps, len(k), periodKeyLen)
		}
		got, err := decodePeriodKey(k)
		if err != nil || got != p {
			t.Errorf("decodePeriodKey(appendPeriodKey(%v)) = %v, %v", p, got, err)
		}
		if got := string(appendPeriodText([]byte("x"), p)); got != "x"+ps {
			t.Errorf("appendPeriodText(x, %v) = %q, want %q", p, got, "x"+ps)
		}
		keys = append(keys, k)
	}
	if !sort.SliceIsSorted(keys, func(i, j int) bool { return bytes.Compare(keys[i], keys[j]) < 0 }) {
		t.Errorf("period keys of %v do not sort in that order", periods)
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := openAt(t, t.TempDir(), Options{Now: clk.now})
	tjj := kpi.Token{Name: "tjj", Hash: kpi.HashToken("kpm_a"), Units: []string{"区统计局"}}
	steps := []struct {
		name     string
		do       func() error
		wantCode string
	}{
		{"create", func() error { return s.CreateToken(ctx, tjj, operator) }, ""},
		{"name taken", func() error {
			return s.CreateToken(ctx, kpi.Token{Name: "tjj", Hash: kpi.HashToken("kpm_b")}, operator)
		}, kpi.ECONFLICT},
		{"empty name", func() error { return s.CreateToken(ctx, kpi.Token{Hash: "x"}, operator) }, kpi.EINVALID},
		{"found by hash", func() error {
			got, err := s.TokenByHash(ctx, kpi.HashToken("kpm_a"))
			want := tjj
			want.CreatedAt = clk.now()
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("TokenByHash (-want +got):\n%s", diff)
			}
			return err
		}, ""},
		{"unknown hash", func() error { _, err := s.TokenByHash(ctx, kpi.HashToken("kpm_z")); return err }, kpi.EUNAUTHORIZED},
		{"revoke", func() error { return s.RevokeToken(ctx, "tjj", operator) }, ""},
		{"revoked hash", func() error { _, err := s.TokenByHash(ctx, kpi.HashToken("kpm_a")); return err }, kpi.EUNAUTHORIZED},
		{"revoke unknown", func() error { return s.RevokeToken(ctx, "nobody", operator) }, kpi.ENOTFOUND},
		{"listed with revocation", func() error {
			toks, err := s.Tokens(ctx)
			if len(toks) != 1 || toks[0].RevokedAt == nil || toks[0].Hash != tjj.Hash {
				t.Errorf("Tokens = %+v, want tjj revoked with its hash", toks)
			}
			return err
		}, ""},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			if err := step.do(); kpi.ErrorCode(err) != step.wantCode {
				t.Errorf("error %v, want code %q", err, step.wantCode)
			}
		})
	}
	audit, err := s.Audit(ctx, kpi.AuditFilter{Object: "tjj"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range audit {
		got = append(got, e.Action+" "+e.Detail)
	}
	if diff := cmp.Diff([]string{"token.revoke ", "token.create units: 区统计局"}, got); diff != "" {
		t.Errorf("token audit (-want +got):\n%s", diff)
	}
}

func TestAuditFilter(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := openAt(t, t.TempDir(), Options{Now: clk.now})
	start := clk.now()
	// Objects that prefix each other must not mix: "a" and "a/b".
	for i, obj := range []string{"a", "a/b", "a", "b", "a/b", "a"} {
		if err := s.AppendAudit(ctx, kpi.AuditEntry{Actor: "x", Action: "test", Object: obj, Detail: string(rune('0' + i))}); err != nil {
			t.Fatal(err)
		}
		clk.advance(time.Minute)
	}
	tests := []struct {
		name string
		f    kpi.AuditFilter
		want string // details, newest first
	}{
		{"all", kpi.AuditFilter{}, "543210"},
		{"limit", kpi.AuditFilter{Limit: 2}, "54"},
		{"object", kpi.AuditFilter{Object: "a"}, "520"},
		{"object with slash", kpi.AuditFilter{Object: "a/b"}, "41"},
		{"last object in index", kpi.AuditFilter{Object: "b"}, "3"},
		{"unknown object", kpi.AuditFilter{Object: "zz"}, ""},
		{"since", kpi.AuditFilter{Since: start.Add(3 * time.Minute)}, "543"},
		{"object since limit", kpi.AuditFilter{Object: "a", Since: start.Add(time.Minute), Limit: 1}, "5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, err := s.Audit(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got string
			for i, e := range entries {
				got += e.Detail
				if i > 0 && e.Seq >= entries[i-1].Seq {
					t.Errorf("entry %d seq %d not below %d: want newest first", i, e.Seq, entries[i-1].Seq)
				}
			}
			if got != tt.want {
				t.Errorf("Audit(%+v) details = %q, want %q", tt.f, got, tt.want)
			}
		})
	}
}
