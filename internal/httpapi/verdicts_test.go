package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/catalog"
	"github.com/yanfeng/kpimon/internal/httpapi"
	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// The verdicts of docs/method.md through the real API: figures are uploaded
// as a CSV file to a real bbolt store holding the seed plan, then each
// indicator is read back with GET /api/v1/indicators/{id} as of a day.

const seedSecret = "kpm_test-verdicts-all"

// seedStore is a store of the embedded seed catalog with an all-units token.
func seedStore(t *testing.T) kpi.Store {
	t.Helper()
	cat, err := catalog.Default()
	if err != nil {
		t.Fatalf("default catalog: %v", err)
	}
	return testkit.Store(t, cat, []kpi.Token{{Name: "tjj", Hash: kpi.HashToken(seedSecret), All: true, CreatedAt: testNow}})
}

// seedServer serves the API over st, evaluating as of the end of day (China
// time), as `kpimon serve --as-of day` does; reportingFrom as --reporting.from.
func seedServer(t *testing.T, st kpi.Store, day string, reportingFrom time.Time) *httptest.Server {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, day, kpi.China)
	if err != nil {
		t.Fatal(err)
	}
	asOf := d.AddDate(0, 0, 1).Add(-time.Second)
	ing, err := ingest.New(ingest.Options{Store: st})
	if err != nil {
		t.Fatalf("new ingester: %v", err)
	}
	srv := httptest.NewServer(httpapi.NewServer(httpapi.Deps{
		Store:    st,
		States:   kpi.NewStates(st, kpi.StatesOptions{Now: func() time.Time { return asOf }, ReportingFrom: reportingFrom}),
		Ingester: ing,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		// As serve wires it: ?as_of= keeps the same report duty.
		ReportingFrom: reportingFrom,
	}))
	t.Cleanup(srv.Close)
	return srv
}

// upload posts a CSV file of figures, as a unit's statistician would.
func upload(t *testing.T, srv *httptest.Server, csv string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/uploads?name=figures.csv", strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+seedSecret)
	req.Header.Set("Content-Type", "text/csv; charset=utf-8")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("upload: status %d, want 201\n%s", resp.StatusCode, b)
	}
}

// verdict is what a test states about an evaluation the API shows.
type verdict struct {
	Status         kpi.Status
	Reason         kpi.Reason
	ReasonPeriods  []string
	Target         *float64 // nil: JSON null
	Baseline       string   // "2018=200", "" for null
	BaselineOrigin kpi.BaselineOrigin
	ReportPeriod   string // "" for null
	Overdue        bool
	NeverReported  bool
}

type evaluationView struct {
	Status         kpi.Status         `json:"status"`
	Reason         kpi.Reason         `json:"reason"`
	ReasonZH       string             `json:"reason_zh"`
	ReasonPeriods  []kpi.Period       `json:"reason_periods"`
	Target         *float64           `json:"target"`
	Baseline       *kpi.Baseline      `json:"baseline"`
	BaselineOrigin kpi.BaselineOrigin `json:"baseline_origin"`
	ReportPeriod   *kpi.Period        `json:"report_period"`
	Overdue        bool               `json:"overdue"`
	NeverReported  bool               `json:"never_reported"`
}

func (e evaluationView) verdict() verdict {
	v := verdict{Status: e.Status, Reason: e.Reason, Target: e.Target, BaselineOrigin: e.BaselineOrigin, Overdue: e.Overdue, NeverReported: e.NeverReported}
	for _, p := range e.ReasonPeriods {
		v.ReasonPeriods = append(v.ReasonPeriods, p.String())
	}
	if e.Baseline != nil {
		v.Baseline = e.Baseline.Period.String() + "=" + formatValue(e.Baseline.Value)
	}
	if e.ReportPeriod != nil {
		v.ReportPeriod = e.ReportPeriod.String()
	}
	return v
}

func formatValue(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// getEvaluation reads one indicator's evaluation from the API.
func getEvaluation(t *testing.T, srv *httptest.Server, id string) evaluationView {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + "/api/v1/indicators/" + id)
	if err != nil {
		t.Fatalf("GET %s: %v", id, err)
	}
	defer resp.Body.Close()
	wantStatus(t, resp, http.StatusOK)
	return decodeBody[struct {
		Evaluation evaluationView `json:"evaluation"`
	}](t, resp).Evaluation
}

func ptr(v float64) *float64 { return &v }

// approx compares targets computed from a baseline (200 × 0.9).
var approx = cmpopts.EquateApprox(1e-9, 1e-12)

// TestVerdictsThroughTheAPI: the series, uploaded and read back.
func TestVerdictsThroughTheAPI(t *testing.T) {
	st := seedStore(t)
	// Report duty from the plan's start, as for a plan loaded in 2019.
	from2019 := time.Date(2019, 1, 1, 0, 0, 0, 0, kpi.China)
	upload(t, seedServer(t, st, "2023-06-30", from2019), strings.Join([]string{
		"指标编号,报告期,实际值",
		// at_most 0.331 by 2022; the 2022 figure is never reported.
		"energy_intensity_gdp,2019,0.400", "energy_intensity_gdp,2020,0.370", "energy_intensity_gdp,2021,0.345",
		// increase: fell in 2021, below where it started.
		"fiscal_st_spending,2019,1000", "fiscal_st_spending,2020,1200", "fiscal_st_spending,2021,900", "fiscal_st_spending,2022,950",
		// increase: fell in 2021, the plan still running.
		"patent_applications,2019,300", "patent_applications,2020,320", "patent_applications,2021,310",
		// increase: rose every year reported, 2020 never reported.
		"patent_grants,2019,100", "patent_grants,2021,120", "patent_grants,2022,130",
		// a single figure for an increase line and for a reduce_by line.
		"rd_spending,2022,5000", "approval_fees_cut,2022,80",
		// reduce_by from the existing level: 2018 is the plan's base year.
		"approval_time_cut,2018,200", "approval_time_cut,2020,190", "approval_time_cut,2021,180", "approval_time_cut,2022,175",
	}, "\n")+"\n")

	tests := []struct {
		name, id, day string
		want          verdict
	}{
		{
			name: "energy on track mid-2022", id: "energy_intensity_gdp", day: "2022-06-30",
			want: verdict{Status: kpi.StatusOnTrack, Target: ptr(0.331), Baseline: "2019=0.4", BaselineOrigin: kpi.BaselineFromFirstFigure, ReportPeriod: "2022"},
		},
		{
			name: "energy keeps its pace verdict before the 2022 figure is due", id: "energy_intensity_gdp", day: "2023-02-15",
			want: verdict{Status: kpi.StatusOnTrack, Reason: kpi.ReasonAwaitingFinal, ReasonPeriods: []string{"2022"}, Target: ptr(0.331),
				Baseline: "2019=0.4", BaselineOrigin: kpi.BaselineFromFirstFigure, ReportPeriod: "2022"},
		},
		{
			name: "energy missed once the 2022 figure is overdue", id: "energy_intensity_gdp", day: "2023-04-15",
			want: verdict{Status: kpi.StatusMissed, Reason: kpi.ReasonFinalOverdue, ReasonPeriods: []string{"2022"}, Target: ptr(0.331),
				Baseline: "2019=0.4", BaselineOrigin: kpi.BaselineFromFirstFigure, ReportPeriod: "2022", Overdue: true},
		},
		{
			name: "increase that fell during the plan is missed at its end", id: "fiscal_st_spending", day: "2023-06-30",
			want: verdict{Status: kpi.StatusMissed, Reason: kpi.ReasonFell, ReasonPeriods: []string{"2021"}, Target: ptr(900),
				Baseline: "2019=1000", BaselineOrigin: kpi.BaselineFromFirstFigure},
		},
		{
			name: "increase that fell is 不进反退 while the plan runs", id: "patent_applications", day: "2023-02-15",
			want: verdict{Status: kpi.StatusDeteriorating, Reason: kpi.ReasonFell, ReasonPeriods: []string{"2021"}, Target: ptr(320),
				Baseline: "2019=300", BaselineOrigin: kpi.BaselineFromFirstFigure, ReportPeriod: "2022"},
		},
		{
			name: "increase with a year never reported is 数据不足, not achieved", id: "patent_grants", day: "2023-06-30",
			want: verdict{Status: kpi.StatusInsufficientData, Reason: kpi.ReasonYearsMissing, ReasonPeriods: []string{"2020"}, Target: ptr(120),
				Baseline: "2019=100", BaselineOrigin: kpi.BaselineFromFirstFigure},
		},
		{
			name: "a single figure of an increase line is insufficient after the deadline, with no target", id: "rd_spending", day: "2023-06-30",
			want: verdict{Status: kpi.StatusInsufficientData, Reason: kpi.ReasonNeedTwoFigures,
				Baseline: "2022=5000", BaselineOrigin: kpi.BaselineFromFirstFigure},
		},
		{
			name: "a single figure of a reduce_by line is insufficient after the deadline", id: "approval_fees_cut", day: "2023-06-30",
			want: verdict{Status: kpi.StatusInsufficientData, Reason: kpi.ReasonNeedBaseline, Target: ptr(72),
				Baseline: "2022=80", BaselineOrigin: kpi.BaselineFromFirstFigure},
		},
		{
			// Never reported, after the plan closed: still
			// owed and overdue, naming the periods asked for.
			name: "a 2020 line never reported stays 未报送 and overdue after the plan", id: "new_engineering_research_centres", day: "2023-06-30",
			want: verdict{Status: kpi.StatusNoData, Reason: kpi.ReasonNeverReported, ReasonPeriods: []string{"2019", "2020"}, Target: ptr(1),
				BaselineOrigin: kpi.BaselineFromPlanStart, Baseline: "2018=0", NeverReported: true},
		},
		{
			name: "a cut from the 2018 level is achieved", id: "approval_time_cut", day: "2023-06-30",
			want: verdict{Status: kpi.StatusAchieved, Target: ptr(180), Baseline: "2018=200", BaselineOrigin: kpi.BaselineFromBasePeriod},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := getEvaluation(t, seedServer(t, st, tt.day, from2019), tt.id).verdict()
			if diff := cmp.Diff(tt.want, got, approx); diff != "" {
				t.Errorf("GET /api/v1/indicators/%s as of %s (-want +got):\n%s", tt.id, tt.day, diff)
			}
		})
	}

	t.Run("the unit is told what is missing", func(t *testing.T) {
		ev := getEvaluation(t, seedServer(t, st, "2023-06-30", time.Time{}), "rd_spending")
		if want := kpi.ReasonNeedTwoFigures.Chinese(); ev.ReasonZH != want || want == "" {
			t.Errorf("reason_zh = %q, want %q", ev.ReasonZH, want)
		}
	})
	t.Run("no target value is JSON null", func(t *testing.T) {
		resp, err := http.Get(seedServer(t, st, "2023-06-30", time.Time{}).URL + "/api/v1/indicators/rd_spending")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		ev := decodeBody[struct {
			Evaluation map[string]any `json:"evaluation"`
		}](t, resp).Evaluation
		if target, ok := ev["target"]; !ok || target != nil {
			t.Errorf("evaluation target = %v (present %v), want null", target, ok)
		}
	})
}

// storeLoadedOn opens a store whose clock says day, and loads the seed
// plan into it: the plan's first load, the default start of report duty.
func storeLoadedOn(t *testing.T, day string) kpi.Store {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, day, kpi.China)
	if err != nil {
		t.Fatal(err)
	}
	loaded := d.Add(10 * time.Hour)
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "kpimon.db"), boltstore.Options{Now: func() time.Time { return loaded }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SyncCatalog(context.Background(), cat, kpi.Actor{Name: "catalog"}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateToken(context.Background(), kpi.Token{Name: "tjj", Hash: kpi.HashToken(seedSecret), All: true, CreatedAt: loaded}, kpi.Actor{Name: "operator"}); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestReportDutyThroughTheAPI: a fresh deployment owes nothing due before
// it; with history imported, only the oldest owed period is named.
func TestReportDutyThroughTheAPI(t *testing.T) {
	t.Run("a fresh store of the seed plan raises no overdue", func(t *testing.T) {
		st := storeLoadedOn(t, "2023-06-30")
		for id, ev := range evaluations[evaluationView](t, seedServer(t, st, "2023-06-30", time.Time{}), "") {
			if ev.Overdue || ev.ReportPeriod != nil {
				t.Errorf("%s: report period %v, overdue %v; want nothing owed on the day the plan was loaded", id, ev.ReportPeriod, ev.Overdue)
			}
		}
	})
	t.Run("reporting from today (--reporting.from) raises no overdue on an old store", func(t *testing.T) {
		st := seedStore(t)
		today := time.Date(2023, 6, 30, 0, 0, 0, 0, kpi.China)
		for id, ev := range evaluations[evaluationView](t, seedServer(t, st, "2023-06-30", today), "") {
			if ev.Overdue {
				t.Errorf("%s: overdue %v for %v; want nothing overdue from today", id, ev.Overdue, ev.ReportPeriod)
			}
		}
	})
	t.Run("history imported with 2021 missing names 2021", func(t *testing.T) {
		st := storeLoadedOn(t, "2022-01-01")
		upload(t, seedServer(t, st, "2022-06-30", time.Time{}),
			"指标编号,报告期,实际值\nhigh_tech_enterprises,2019,12\nhigh_tech_enterprises,2020,16\nsafe_yanfeng,2019,1\nsafe_yanfeng,2020,1\n")
		cat, err := st.Catalog(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]kpi.Indicator{}
		for _, ind := range cat.Indicators {
			kinds[ind.ID] = ind
		}
		overdue := 0
		for id, ev := range evaluations[evaluationView](t, seedServer(t, st, "2022-06-30", time.Time{}), "") {
			ind := kinds[id]
			// 2019 and 2020 were due before the plan was loaded: history.
			// 2021 was due on 2022-03-31, after it: owed, and the only
			// period named. Milestones owe only at their 2022 deadline; a
			// 2020 target's last figure was due before the load.
			wantOverdue := ind.Kind != kpi.KindMilestone && ind.Deadline == 2022
			if ev.Overdue != wantOverdue {
				t.Errorf("%s (%s, %d): overdue %v, want %v", id, ind.Kind, ind.Deadline, ev.Overdue, wantOverdue)
			}
			if ev.Overdue {
				overdue++
				if ev.ReportPeriod == nil || ev.ReportPeriod.String() != "2021" {
					t.Errorf("%s: overdue for %v, want 2021", id, ev.ReportPeriod)
				}
			}
		}
		if overdue == 0 {
			t.Errorf("no indicator overdue, want every non-milestone line due 2022")
		}
		if ev := getEvaluation(t, seedServer(t, st, "2022-06-30", time.Time{}), "high_tech_enterprises"); ev.ReportPeriod == nil || ev.ReportPeriod.String() != "2021" || !ev.Overdue {
			t.Errorf("high_tech_enterprises: report period %v, overdue %v; want 2021 overdue", ev.ReportPeriod, ev.Overdue)
		}
	})
}
