package httpapi

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yanfeng/kpimon/internal/access"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// This file's exported types are the API's JSON (its wire types), shared
// by the handlers and Client.

// Evaluation is an evaluation as the API shows it: flat, with the
// status in Chinese and the report duty beside it.
type Evaluation struct {
	AsOf            time.Time          `json:"as_of"`
	Status          kpi.Status         `json:"status"`
	StatusZH        string             `json:"status_zh"`
	Target          *float64           `json:"target"` // null where there is no target value yet
	Bar             *float64           `json:"bar"`    // the figure that decides the verdict (突破40家: 41); gap, progress, pace are measured to it
	Reason          kpi.Reason         `json:"reason,omitempty"`
	ReasonZH        string             `json:"reason_zh,omitempty"`
	ReasonPeriods   []kpi.Period       `json:"reason_periods,omitempty"`
	Falls           []float64          `json:"falls,omitempty"` // a growth line that fell: how much each reason period fell, in the unit
	BaselineOrigin  kpi.BaselineOrigin `json:"baseline_origin,omitempty"`
	Actual          *float64           `json:"actual"`
	Period          *kpi.Period        `json:"period"`
	Baseline        *kpi.Baseline      `json:"baseline"`
	Expected        *float64           `json:"expected"`
	Gap             *float64           `json:"gap"`
	ProgressRatio   *float64           `json:"progress_ratio"`
	PaceRatio       *float64           `json:"pace_ratio"`
	Projected       *float64           `json:"projected"`
	Deadline        time.Time          `json:"deadline"`
	LastSubmittedAt *time.Time         `json:"last_submitted_at"`
	ReportPeriod    *kpi.Period        `json:"report_period"` // the oldest owed period (docs/method.md, "Report duty"); null when nothing is owed
	ReportDue       *time.Time         `json:"report_due"`    // null when no more reports are due
	Overdue         bool               `json:"overdue"`
	NeverReported   bool               `json:"never_reported"` // the plan closed without any figure that was owed: 逾期未报, not completed
	// Required growth (需年均增长/需年均下降) and the change per year so far:
	// ratios per year when change_is_relative, else units per year.
	RequiredAnnualChange *float64 `json:"required_annual_change"`
	AchievedAnnualChange *float64 `json:"achieved_annual_change"`
	ChangeIsRelative     bool     `json:"change_is_relative"`
	// Text is the numbers as people read them, in the words the web page,
	// the alerts, kpimon status and the circular print (package present).
	Text EvaluationText `json:"text"`
}

// EvaluationText is an evaluation's numbers in words ("" where none).
type EvaluationText struct {
	Target   string `json:"target"`   // ≥30家, 40家左右（≥38家）, 逐年增长
	Actual   string `json:"actual"`   // 32.96%
	Gap      string `json:"gap"`      // 0.04个百分点
	Required string `json:"required"` // 需年均提高0.41个百分点
	Achieved string `json:"achieved"` // 年均增加4家
}

// newEvaluationText words an evaluation's numbers by package present.
func newEvaluationText(ind kpi.Indicator, e kpi.Evaluation) EvaluationText {
	blank := func(s string) string {
		if s == present.Missing {
			return ""
		}
		return s
	}
	return EvaluationText{
		Target: present.Target(ind, e), Actual: blank(present.OptValue(ind, e.Actual)), Gap: blank(present.GapOf(ind, e)),
		Required: blank(present.RequiredChange(ind, e)), Achieved: blank(present.AchievedChange(ind, e)),
	}
}

func newEvaluation(ind kpi.Indicator, e kpi.Evaluation) Evaluation {
	v := Evaluation{
		AsOf: e.AsOf, Status: e.Status, StatusZH: e.Status.Chinese(), Target: finite(e.Target), Bar: finite(e.Bar),
		Reason: e.Reason, ReasonZH: e.Reason.Chinese(), ReasonPeriods: e.ReasonPeriods, Falls: e.Falls,
		BaselineOrigin: e.BaselineOrigin, Actual: finite(e.Actual), Period: e.Period, Baseline: e.Baseline, Expected: finite(e.Expected),
		Gap: finite(e.Gap), ProgressRatio: finite(e.ProgressRatio), PaceRatio: finite(e.PaceRatio),
		Projected: finite(e.Projected), Deadline: e.Deadline, LastSubmittedAt: e.LastSubmittedAt,
		ReportPeriod: e.Report.Period, Overdue: e.Report.Overdue, NeverReported: e.Report.NeverReported,
		RequiredAnnualChange: finite(e.RequiredAnnualChange), AchievedAnnualChange: finite(e.AchievedAnnualChange),
		ChangeIsRelative: e.ChangeIsRelative, Text: newEvaluationText(ind, e),
	}
	if !e.Report.Due.IsZero() {
		due := e.Report.Due
		v.ReportDue = &due
	}
	if v.Baseline != nil && (math.IsNaN(v.Baseline.Value) || math.IsInf(v.Baseline.Value, 0)) {
		v.Baseline = nil
	}
	return v
}

// finite drops NaN and infinities, which JSON cannot carry.
func finite(f *float64) *float64 {
	if f == nil || math.IsNaN(*f) || math.IsInf(*f, 0) {
		return nil
	}
	return f
}

// IndicatorSummary is one element of GET /api/v1/indicators.
type IndicatorSummary struct {
	Plan       string        `json:"plan"`
	ID         string        `json:"id"`
	Indicator  kpi.Indicator `json:"indicator"`
	Evaluation Evaluation    `json:"evaluation"`
}

// IndicatorList is GET /api/v1/indicators.
type IndicatorList struct {
	AsOf       time.Time          `json:"as_of"`
	Count      int                `json:"count"`
	Indicators []IndicatorSummary `json:"indicators"`
	Plans      []kpi.Plan         `json:"plans"` // the plans of the indicators listed
}

// parseIndicatorFilter reads the query of GET /api/v1/indicators.
func parseIndicatorFilter(r *http.Request) (kpi.StateFilter, error) {
	q := r.URL.Query()
	f := kpi.StateFilter{Plan: q.Get("plan"), Unit: strings.TrimSpace(q.Get("unit")), Status: kpi.Status(q.Get("status"))}
	if s := q.Get("task"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return f, kpi.Errorf(kpi.EINVALID, "参数 task=%q 无效\ntask=%q is not a task number: use 1, 2, …", s, s)
		}
		f.Task = n
	}
	if f.Status != "" && !slices.Contains(kpi.Statuses, f.Status) {
		names := make([]string, len(kpi.Statuses))
		for i, s := range kpi.Statuses {
			names[i] = string(s)
		}
		return f, kpi.Errorf(kpi.EINVALID, "参数 status=%q 无效\nstatus=%q is unknown: use one of %s",
			f.Status, f.Status, strings.Join(names, ", "))
	}
	return f, nil
}

// handleIndicatorsList lists every indicator with its evaluation.
func handleIndicatorsList(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := parseIndicatorFilter(r)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		states := d.States
		if asOf := r.URL.Query().Get("as_of"); asOf != "" {
			// Evaluated once for this request: the server's clock stays.
			at, err := kpi.ParseAsOf(asOf)
			if err != nil {
				writeError(w, r, d.Logger, kpi.Errorf(kpi.EINVALID, "参数 as_of=%q 无效：%s\nas_of=%q is not a day: use 2021-06-30, years %d to %d", asOf, kpi.DayForm, asOf, kpi.FirstYear, kpi.LastYear))
				return
			}
			states = kpi.NewStates(d.Store, kpi.StatesOptions{Now: func() time.Time { return at }, ReportingFrom: d.ReportingFrom})
		}
		all, err := states.States(r.Context())
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		list := IndicatorList{AsOf: states.Now(), Indicators: []IndicatorSummary{}, Plans: []kpi.Plan{}}
		for _, s := range all {
			if f.Match(*s) {
				list.Indicators = append(list.Indicators, IndicatorSummary{
					Plan: s.Indicator.Plan, ID: s.Indicator.ID, Indicator: *s.Indicator, Evaluation: newEvaluation(*s.Indicator, s.Evaluation),
				})
				if !slices.ContainsFunc(list.Plans, func(p kpi.Plan) bool { return p.ID == s.Plan.ID }) {
					list.Plans = append(list.Plans, *s.Plan)
				}
			}
		}
		list.Count = len(list.Indicators)
		respond(w, r, d.Logger, http.StatusOK, list)
	})
}

// PeriodFigures is one reported period with every revision of its figure.
type PeriodFigures struct {
	Period    kpi.Period        `json:"period"`
	Value     float64           `json:"value"` // the newest revision's, the one that counts
	Revisions []kpi.Observation `json:"revisions"`
}

// IndicatorDetail is GET /api/v1/indicators/{id}.
type IndicatorDetail struct {
	Plan       kpi.Plan               `json:"plan"`
	Indicator  kpi.Indicator          `json:"indicator"`
	Target     float64                `json:"target"` // as the plan states it; evaluation.target is the effective one
	Latest     *kpi.Observation       `json:"latest"` // the newest counted figure
	Periods    []PeriodFigures        `json:"periods"`
	Versions   []kpi.IndicatorVersion `json:"versions"`
	Evaluation Evaluation             `json:"evaluation"`
}

// handleIndicatorGet shows one indicator: target, figures with their
// revisions, definition versions and evaluation.
func handleIndicatorGet(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		ref, err := resolveRef(r, d.Store)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		state, err := d.States.State(ctx, ref)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		obs, err := d.Store.Observations(ctx, ref)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		versions, err := d.Store.IndicatorVersions(ctx, ref)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		// Reads are open to anyone: the submitter shows as the unit,
		// never as a user or token name.
		public, err := d.Access.PublicSubmitters(ctx)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		access.PublicObservations(public, obs)
		detail := IndicatorDetail{
			Plan: *state.Plan, Indicator: *state.Indicator, Target: state.Indicator.Target,
			Periods: groupPeriods(obs), Versions: versions, Evaluation: newEvaluation(*state.Indicator, state.Evaluation),
		}
		if detail.Versions == nil {
			detail.Versions = []kpi.IndicatorVersion{}
		}
		if n := len(state.Latest); n > 0 {
			latest := state.Latest[n-1]
			latest.SubmittedBy = public(latest.SubmittedBy)
			detail.Latest = &latest
		}
		respond(w, r, d.Logger, http.StatusOK, detail)
	})
}

// resolveRef finds the indicator of the path's id (or exact Chinese name),
// in ?plan= or in the only plan that has it.
func resolveRef(r *http.Request, store kpi.Store) (kpi.Ref, error) {
	id := r.PathValue("id")
	if plan := r.URL.Query().Get("plan"); plan != "" {
		ref := kpi.Ref{Plan: plan, ID: id}
		if _, err := store.Indicator(r.Context(), ref); err != nil {
			return ref, err
		}
		return ref, nil
	}
	cat, err := store.Catalog(r.Context())
	if err != nil {
		return kpi.Ref{}, err
	}
	var refs []kpi.Ref
	for _, byName := range []bool{false, true} { // an id first, else the exact Chinese name
		for _, ind := range cat.Indicators {
			if (!byName && ind.ID == id) || (byName && ind.Name == id) {
				refs = append(refs, ind.Ref())
			}
		}
		if len(refs) > 0 {
			break
		}
	}
	switch len(refs) {
	case 0:
		return kpi.Ref{}, kpi.Errorf(kpi.ENOTFOUND,
			"没有编号或名称为 %q 的指标\nno indicator with id or name %q: GET /api/v1/indicators lists them", id, id)
	case 1:
		return refs[0], nil
	}
	plans := make([]string, len(refs))
	for i, ref := range refs {
		plans[i] = ref.Plan
	}
	return kpi.Ref{}, kpi.Errorf(kpi.ECONFLICT,
		"多个规划都有编号为 %q 的指标\nindicator id %q exists in several plans (%s): add ?plan= with one of them",
		id, id, strings.Join(plans, ", "))
}

// groupPeriods groups revisions (ordered by period, then revision) by period.
func groupPeriods(obs []kpi.Observation) []PeriodFigures {
	periods := []PeriodFigures{}
	for _, o := range obs {
		if n := len(periods); n > 0 && periods[n-1].Period == o.Period {
			periods[n-1].Revisions = append(periods[n-1].Revisions, o)
			periods[n-1].Value = o.Value
			continue
		}
		periods = append(periods, PeriodFigures{Period: o.Period, Value: o.Value, Revisions: []kpi.Observation{o}})
	}
	return periods
}
