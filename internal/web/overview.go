package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
	"github.com/yanfeng/kpimon/internal/report"
)

// overviewPage is 指标一览: every indicator, filtered by task, unit and status.
type overviewPage struct {
	base
	AsOf   string
	Filter overviewFilter
	// OwnUnits links a unit's viewer to the list of its own indicators
	// (a filter choice otherwise found among every unit of the district).
	OwnUnits []reportLink
	Plans    []option
	Tasks    []option
	Units    []option
	Statuses []option
	Counts   []statusCount
	Rows     []indicatorRow
	Total    int
	Matched  int           // indicators the filter matches; Rows may hold fewer
	Chart    template.HTML // status counts per task
	Reports  []reportLink  // the circular of the chosen plan and unit
}

// maxOverviewRows bounds the table: a national catalog has far more
// indicators than a page can usefully show, and the filters narrow it.
const maxOverviewRows = 500

type overviewFilter struct {
	Plan   string
	Task   string
	Unit   string
	Status string
}

// option is one choice of a select.
type option struct {
	Value    string
	Label    string
	Selected bool
}

type statusCount struct {
	Word  string
	Class string
	Count int
}

// indicatorRow is one line of the overview table.
type indicatorRow struct {
	Ref       string // plan/id
	URL       string
	Name      string
	NameEN    string
	Task      int
	TaskTitle string
	// TaskHead heads the first row of each task (任务1 推动企业技术创新):
	// the table is grouped by task instead of repeating it in a column.
	TaskHead     string
	LeadUnits    []string
	Target       string
	Deadline     int
	Actual       string
	ActualPeriod string
	StatusWord   string
	StatusClass  string
	DuePeriod    string
	Due          string
	Overdue      bool
	MaySubmit    bool
	SubmitURL    string
	Supervision  []string // 督办状态: the open items' units and states
}

func (s *server) handleOverview() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := s.currentViewer(r)
		states, err := s.states.States(r.Context())
		if err != nil {
			s.logger.Error("web: evaluate indicators", "err", err)
			s.renderError(w, r, http.StatusInternalServerError, "暂时无法读取指标",
				"读取指标时出错，请稍后刷新。如果一直出错，请联系系统管理员查看 kpimon 日志。")
			return
		}
		q := r.URL.Query()
		f := overviewFilter{Plan: q.Get("plan"), Task: q.Get("task"), Unit: q.Get("unit"), Status: q.Get("status")}
		p := overviewPage{
			base:   s.base(v, "指标一览", "overview"),
			AsOf:   present.Date(s.states.Now()),
			Filter: f,
			Total:  len(states),
		}
		p.Plans, p.Tasks, p.Units, p.Statuses = filterOptions(states, f)
		counts := make(map[kpi.Status]int)
		match := f.stateFilter()
		var matched []kpi.State
		for _, st := range states {
			if !match.Match(*st) {
				continue
			}
			matched = append(matched, *st)
			counts[st.Evaluation.Status]++
			p.Matched++
			if len(p.Rows) < maxOverviewRows {
				p.Rows = append(p.Rows, newIndicatorRow(*st, v))
			}
		}
		for _, status := range kpi.Statuses {
			if n := counts[status]; n > 0 {
				p.Counts = append(p.Counts, statusCount{Word: present.Status(status), Class: statusClass(status), Count: n})
			}
		}
		headTasks(p.Rows, states, len(p.Plans) > 1)
		if open := s.openItemsByRef(r.Context()); open != nil {
			for i := range p.Rows {
				p.Rows[i].Supervision = open[p.Rows[i].Ref]
			}
		}
		p.Reports = reportLinks(f)
		if v != nil {
			for _, u := range v.token.Units {
				if u != f.Unit {
					p.OwnUnits = append(p.OwnUnits, reportLink{Label: u, URL: "/?unit=" + url.QueryEscape(u)})
				}
			}
		}
		if len(matched) > 0 {
			p.Chart = template.HTML(report.TaskStatusChart(matched, s.lights).String()) // chart escapes its text
		}
		s.render(w, r, http.StatusOK, "overview", p)
	})
}

// stateFilter is the form's filter as the API filters: a task that is not
// a number matches no indicator.
func (f overviewFilter) stateFilter() kpi.StateFilter {
	sf := kpi.StateFilter{Plan: f.Plan, Unit: f.Unit, Status: kpi.Status(f.Status)}
	if f.Task != "" {
		sf.Task = -1
		if n, err := strconv.Atoi(f.Task); err == nil && n > 0 {
			sf.Task = n
		}
	}
	return sf
}

// filterOptions lists the choices of the filter form from the indicators
// themselves, so a new plan or unit shows up without code changes. Lead
// units come first, in the order the table names them.
func filterOptions(states []*kpi.State, f overviewFilter) (plans, tasks, units, statuses []option) {
	seenPlan := map[string]bool{}
	seenTask := map[int]bool{}
	seenUnit := map[string]bool{}
	var coUnits []string
	for _, st := range states {
		if !seenPlan[st.Plan.ID] {
			seenPlan[st.Plan.ID] = true
			label := st.Plan.Title
			if label == "" {
				label = st.Plan.ID
			}
			plans = append(plans, option{Value: st.Plan.ID, Label: label, Selected: f.Plan == st.Plan.ID})
		}
		ind := st.Indicator
		if !seenTask[ind.Task] {
			seenTask[ind.Task] = true
			val := strconv.Itoa(ind.Task)
			tasks = append(tasks, option{Value: val, Label: val + " " + ind.TaskTitle, Selected: f.Task == val})
		}
		for _, u := range ind.LeadUnits {
			if !seenUnit[u] {
				seenUnit[u] = true
				units = append(units, option{Value: u, Label: u, Selected: f.Unit == u})
			}
		}
		coUnits = append(coUnits, ind.CoUnits...)
	}
	for _, u := range coUnits {
		if !seenUnit[u] {
			seenUnit[u] = true
			units = append(units, option{Value: u, Label: u + "（配合）", Selected: f.Unit == u})
		}
	}
	slices.SortStableFunc(tasks, func(a, b option) int {
		x, _ := strconv.Atoi(a.Value)
		y, _ := strconv.Atoi(b.Value)
		return x - y
	})
	for _, status := range kpi.Statuses {
		statuses = append(statuses, option{Value: string(status), Label: present.Status(status), Selected: f.Status == string(status)})
	}
	return plans, tasks, units, statuses
}

// headTasks sets TaskHead on each row that starts a task (rows come in
// plan, task order); with several plans the head names the plan too.
func headTasks(rows []indicatorRow, states []*kpi.State, plans bool) {
	titles := map[string]string{}
	if plans {
		for _, st := range states {
			titles[st.Indicator.Plan] = st.Plan.Title
		}
	}
	last := ""
	for i := range rows {
		plan, _, _ := strings.Cut(rows[i].Ref, "/")
		key := plan + "/" + strconv.Itoa(rows[i].Task)
		if key == last {
			continue
		}
		last = key
		head := report.Task{Number: rows[i].Task, Title: rows[i].TaskTitle}.Heading()
		if t := titles[plan]; t != "" {
			head = t + " · " + head
		}
		rows[i].TaskHead = head
	}
}

func newIndicatorRow(st kpi.State, v *viewer) indicatorRow {
	ind, ev := *st.Indicator, st.Evaluation
	row := indicatorRow{
		Ref:         ind.Plan + "/" + ind.ID,
		URL:         indicatorURL(ind.Ref()),
		Name:        ind.Name,
		NameEN:      ind.NameEN,
		Task:        ind.Task,
		TaskTitle:   ind.TaskTitle,
		LeadUnits:   ind.LeadUnits,
		Target:      present.Target(ind, ev),
		Deadline:    ind.Deadline,
		Actual:      "—",
		StatusWord:  present.Status(ev.Status),
		StatusClass: statusClass(ev.Status),
		Overdue:     ev.Report.Overdue,
		MaySubmit:   v != nil && v.token.Actor("").MaySubmitFor(ind),
		SubmitURL:   submitURL(ind.Ref()),
	}
	if ev.Actual != nil {
		row.Actual = present.Value(ind, *ev.Actual)
	}
	if ev.Period != nil {
		row.ActualPeriod = present.Period(*ev.Period)
	}
	if !ev.Report.Due.IsZero() {
		row.Due = present.DueDate(ev.Report.Due)
		if ev.Report.Period != nil {
			row.DuePeriod = present.Period(*ev.Report.Period)
		}
	}
	return row
}

// reportLink is a link to the progress circular in one format.
type reportLink struct {
	Label, URL string
}

// reportLinks links the circular of the plan and unit the filter chose
// (the whole plan without a unit), in each format.
func reportLinks(f overviewFilter) []reportLink {
	var links []reportLink
	for _, l := range []struct{ label, format string }{{"公文版", "docx"}, {"PDF", "pdf"}, {"Excel", "xlsx"}, {"网页", "html"}} {
		q := url.Values{"format": {l.format}}
		if f.Plan != "" {
			q.Set("plan", f.Plan)
		}
		if f.Unit != "" {
			q.Set("unit", f.Unit)
		}
		links = append(links, reportLink{Label: l.label, URL: "/report?" + q.Encode()})
	}
	return links
}
