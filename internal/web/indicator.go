package web

import (
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/yanfeng/kpimon/internal/access"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
	"github.com/yanfeng/kpimon/internal/report"
)

// indicatorPage is one indicator: its definition, evaluation, the counted
// figure of each period and every revision ever submitted.
type indicatorPage struct {
	base
	Ref          kpi.Ref
	RefText      string
	PlanTitle    string
	Name         string
	NameEN       string
	Task         int
	TaskTitle    string
	WorkLine     string
	LeadUnits    string
	CoUnits      string
	Unit         string
	Kind         string
	Target       string
	Deadline     int
	DeadlineNote string
	Baseline     string
	Frequency    string
	DueDays      int
	Measure      string
	SourceText   string
	Note         string // how the line was read and how to report it
	Reason       string // why the status is what it is, where it needs saying

	AsOf          string
	StatusWord    string
	StatusClass   string
	Actual        string
	ActualPeriod  string
	Expected      string
	Gap           string
	Progress      string
	Pace          string
	Projected     string
	Required      string // 需年均增加7家, "—"
	AchievedRate  string // 年均增加4家 (from the baseline to the latest figure), "—"
	Chart         template.HTML
	LastSubmitted string
	DuePeriod     string
	Due           string
	Overdue       bool
	MaySubmit     bool
	SubmitURL     string

	Supervision *supervisionSection // 督办: items, explanations, the form; nil without supervision

	History   []historyRow
	Revisions []revisionRow
	// Unended is how many periods with figures had not ended at the as-of
	// instant: the evaluation does not count them and the page does not
	// list them.
	Unended int
}

type historyRow struct {
	Period     string
	PeriodWord string
	Value      string
	Revision   int
	By         string
	At         string
}

type revisionRow struct {
	Period   string
	Revision int
	Value    string
	By       string
	At       string
	Source   string
	File     string
	Note     string
	Counted  bool
}

func (s *server) handleIndicator() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := s.currentViewer(r)
		ref := kpi.Ref{Plan: r.PathValue("plan"), ID: r.PathValue("id")}
		page, ok := s.newIndicatorPage(w, r, v, ref)
		if !ok {
			return
		}
		if page.Supervision != nil {
			page.Supervision.Done = r.URL.Query().Get("explained") == "1"
		}
		s.render(w, r, http.StatusOK, "indicator", page)
	})
}

// newIndicatorPage reads ref's page for v; on failure it has answered
// with an error page and returns false.
func (s *server) newIndicatorPage(w http.ResponseWriter, r *http.Request, v *viewer, ref kpi.Ref) (indicatorPage, bool) {
	st, err := s.states.State(r.Context(), ref)
	if err != nil {
		if kpi.ErrorCode(err) == kpi.ENOTFOUND {
			s.renderError(w, r, http.StatusNotFound, "没有这个指标",
				"规划 "+ref.Plan+" 中没有编号为 "+ref.ID+" 的指标（可能已被移除）。请从指标一览重新进入。")
			return indicatorPage{}, false
		}
		s.logger.Error("web: evaluate indicator", "indicator", ref.Plan+"/"+ref.ID, "err", err)
		s.renderError(w, r, http.StatusInternalServerError, "暂时无法读取指标",
			"读取指标时出错，请稍后刷新。")
		return indicatorPage{}, false
	}
	obs, err := s.store.Observations(r.Context(), ref)
	if err != nil {
		s.logger.Error("web: read observations", "indicator", ref.Plan+"/"+ref.ID, "err", err)
		s.renderError(w, r, http.StatusInternalServerError, "暂时无法读取数据",
			"读取报送记录时出错，请稍后刷新。")
		return indicatorPage{}, false
	}
	if v == nil {
		// Readers who are not signed in see the submitter's unit, not
		// a user or token name (half of a password guess).
		public, err := s.access.PublicSubmitters(r.Context())
		if err != nil {
			s.logger.Error("web: read submitters", "err", err)
			s.renderError(w, r, http.StatusInternalServerError, "暂时无法读取数据",
				"读取报送记录时出错，请稍后刷新。")
			return indicatorPage{}, false
		}
		st.Latest = slices.Clone(st.Latest) // the states are shared: change a copy
		access.PublicObservations(public, st.Latest)
		access.PublicObservations(public, obs)
	}
	page := newIndicatorPage(s.base(v, st.Indicator.Name, "overview"), st, obs, v, present.Date(s.states.Now()))
	page.Chart = template.HTML(report.IndicatorChart(st, s.lights).String()) // chart escapes its text
	if page.Supervision, err = s.supervisionSection(r.Context(), st, v); err != nil {
		s.logger.Error("web: read supervision", "indicator", ref.Plan+"/"+ref.ID, "err", err)
	}
	return page, true
}

func newIndicatorPage(b base, st kpi.State, obs []kpi.Observation, v *viewer, asOf string) indicatorPage {
	ind, ev := *st.Indicator, st.Evaluation
	p := indicatorPage{
		base:         b,
		Ref:          ind.Ref(),
		RefText:      ind.Plan + "/" + ind.ID,
		PlanTitle:    st.Plan.Title,
		Name:         ind.Name,
		NameEN:       ind.NameEN,
		Task:         ind.Task,
		TaskTitle:    ind.TaskTitle,
		WorkLine:     ind.WorkLine,
		LeadUnits:    strings.Join(ind.LeadUnits, "、"),
		CoUnits:      strings.Join(ind.CoUnits, "、"),
		Unit:         ind.Unit,
		Kind:         present.Kind(ind.Kind),
		Target:       present.Target(ind, ev),
		Deadline:     ind.Deadline,
		DeadlineNote: ind.DeadlineNote,
		Baseline:     "—",
		Frequency:    present.Frequency(ind.Frequency),
		DueDays:      ind.DueDays,
		Measure:      present.Measure(ind.Measure),
		SourceText:   ind.SourceText,
		Note:         ind.Note,
		Reason:       present.Reason(ev),

		AsOf:         asOf,
		StatusWord:   present.Status(ev.Status),
		StatusClass:  statusClass(ev.Status),
		Actual:       "—",
		Expected:     present.EstimateOf(ind, ev, ev.Expected),
		Gap:          present.GapOf(ind, ev),
		Progress:     present.Ratio(ev.ProgressRatio),
		Pace:         present.Ratio(ev.PaceRatio),
		Projected:    present.EstimateOf(ind, ev, ev.Projected),
		Required:     present.RequiredChange(ind, ev),
		AchievedRate: present.AchievedChange(ind, ev),
		Overdue:      ev.Report.Overdue,
		MaySubmit:    v != nil && v.token.Actor("").MaySubmitFor(ind),
		SubmitURL:    submitURL(ind.Ref()),
	}
	switch {
	case ev.Baseline != nil:
		p.Baseline = present.Reported(ind, ev.Baseline.Value) + "（" + present.Period(ev.Baseline.Period)
		if from := ev.BaselineOrigin.Chinese(); from != "" {
			p.Baseline += "，" + from
		}
		if ev.Baseline.Source != "" {
			p.Baseline += "，来源：" + ev.Baseline.Source
		}
		p.Baseline += "）"
	case ind.Baseline != nil:
		p.Baseline = present.Reported(ind, ind.Baseline.Value) + "（" + present.Period(ind.Baseline.Period) + "）"
	case ind.BaselineRule == kpi.BaselineFirstObservation:
		p.Baseline = "以基期（现有基础）数据为基数，未报基期数据的以首次报送的数据为基数"
	}
	if ev.Actual != nil {
		p.Actual = present.Value(ind, *ev.Actual)
	}
	if ev.Period != nil {
		p.ActualPeriod = present.Period(*ev.Period)
	}
	if ev.LastSubmittedAt != nil {
		p.LastSubmitted = present.DateTime(*ev.LastSubmittedAt)
	}
	if !ev.Report.Due.IsZero() {
		p.Due = present.DueDate(ev.Report.Due)
		if ev.Report.Period != nil {
			p.DuePeriod = present.Period(*ev.Report.Period)
		}
	}
	counted := make(map[string]int) // period → counted revision
	for _, o := range st.Latest {
		counted[o.Period.String()] = o.Revision
	}
	// Newest period first: that is what people come to see. A figure of a
	// period that had not ended at the as-of instant is not counted by the
	// evaluation, so the page leaves it out too (as-of shows the board as it
	// stood that day).
	for _, o := range slices.Backward(st.Latest) {
		if !o.Period.EndedBy(ev.AsOf) {
			p.Unended++
			continue
		}
		p.History = append(p.History, historyRow{
			Period: o.Period.String(), PeriodWord: present.Period(o.Period), Value: present.Reported(ind, o.Value),
			Revision: o.Revision, By: o.SubmittedBy, At: present.DateTime(o.SubmittedAt),
		})
	}
	for _, o := range slices.Backward(obs) {
		if !o.Period.EndedBy(ev.AsOf) {
			continue
		}
		p.Revisions = append(p.Revisions, revisionRow{
			Period: present.Period(o.Period), Revision: o.Revision, Value: present.Reported(ind, o.Value),
			By: o.SubmittedBy, At: present.DateTime(o.SubmittedAt), Source: sourceWord(o.Source),
			File: o.File, Note: o.Note, Counted: counted[o.Period.String()] == o.Revision,
		})
	}
	return p
}

// sourceWord names where a figure came from.
func sourceWord(src string) string {
	switch {
	case src == "web":
		return "网页"
	case src == "upload":
		return "上传"
	case src == "api":
		return "接口"
	case src == "inbox":
		return "收件目录"
	case src == "cli":
		return "命令行"
	case strings.HasPrefix(src, "pull:"):
		return "定时拉取 " + src
	}
	return src
}
