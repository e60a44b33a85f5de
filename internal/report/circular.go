// Package report makes the progress circular (进展情况通报) of a plan as it
// stood on a date, in the official-document form of GB/T 9704 (版头, 文号,
// title, 主送, sections, 落款, 版记): counts by status and light, what
// changed since a previous circular, the problems by cause with the units'
// explanations, the units ranked over what they lead, a table and charts
// per task, supervision, next steps — and writes it as .docx, PDF, XLSX or
// HTML. Every number, date, target and status word is said by
// internal/present, as on the web page and in the CLI.
//
// It also draws the charts of kpimon's own web pages (IndicatorChart,
// TaskStatusChart), so a page and a circular show one picture.
package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yanfeng/kpimon/internal/chart"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// Options says which circular to make.
type Options struct {
	// AsOf is the instant the circular reports at.
	AsOf time.Time
	// Previous, when not zero, is the as-of instant of the previous
	// circular: the cover then lists what changed since.
	Previous time.Time
	// Unit, when set, limits the circular to the indicators the unit leads
	// or cooperates on.
	Unit string
	// Lights maps statuses to lights; nil: DefaultLights.
	Lights present.Lights
	// ReportingFrom is the day report duty starts for plans without their
	// own reporting_from (serve's --reporting.from); zero: the day each
	// plan was first loaded. kpi.StatesOptions.ReportingFrom.
	ReportingFrom time.Time
	// Office is the issuing office's own fields (发文机关, 文号, 主送 …);
	// empty fields take defaults from the plan (Office.withDefaults).
	Office Office
	// MinRanked is how many indicators a unit must lead to be ranked;
	// units leading fewer are listed apart without a rank. 0: DefaultMinRanked.
	MinRanked int
	// Explanations are what units said about their indicators (情况说明);
	// a red indicator's newest explanation from each of its lead units is
	// printed under it in 存在问题. Optional.
	Explanations []kpi.Explanation
	// Supervision is the supervision items (督办事项) as they stood at
	// AsOf; when any is given the circular has a 督办情况 table. Optional.
	Supervision []kpi.SupervisionItem
}

// DefaultMinRanked is the fewest lead indicators a ranked unit has: a unit
// with one indicator at 100 % is not first of the district.
const DefaultMinRanked = 3

// Circular is one progress circular, ready to render.
type Circular struct {
	Plan     kpi.Plan
	Title    string // 衡阳市雁峰区…责任分工表指标进展情况通报
	AsOf     time.Time
	AsOfText string // 截至2021年6月30日
	Unit     string
	Previous time.Time
	Lights   present.Lights
	// Made is when the circular was made, for its footer.
	Made time.Time
	// BackLink, when set, is where the HTML circular links back to (the
	// site's overview, when kpimon serves it).
	BackLink string

	// Office holds the office's fields with defaults filled in; Number
	// is the 发文字号 and Date the 成文日期 it gives.
	Office  Office
	Number  string // 雁创办〔2021〕1号
	Date    string // 2021年6月30日
	Subject string // 关于培育建设省级创新型区工作进展情况的通报
	Summary Summary
	Changes *Changes // nil without a previous date
	Tasks   []Task
	// Units are the units ranked over the indicators they lead (牵头),
	// always over the whole plan, so a unit's circular shows the district's
	// ranking; Unranked lead fewer than MinRanked and have no rank;
	// Cooperating counts the indicators each unit cooperates on (配合).
	Units       []UnitRank
	Unranked    []UnitRank
	Cooperating []UnitRank
	MinRanked   int
	Attention   []AttentionGroup
	// Problems is the 存在问题 section: the lagging and red indicators
	// grouped by cause, each with the units concerned.
	Problems []Problem
	// Red is the red-light indicators, each with its lead units' newest
	// explanations (when Options.Explanations has any).
	Red []RedRow
	// Supervision is the 督办情况 table's rows; nil when none were given.
	Supervision []SupervisionRow

	TaskStatusChart chart.Scene // per task, indicators per status
}

// Summary is the cover's count.
type Summary struct {
	Total     int
	Statuses  []StatusCount // every status with at least one indicator, in kpi.Statuses order
	Lights    []LightCount  // every light, in LightOrder
	Good      int           // achieved or on track
	GoodShare float64       // Good / Total
	Overdue   int           // indicators whose report is overdue
}

// StatusCount is how many indicators have a status.
type StatusCount struct {
	Status kpi.Status
	Word   string
	Light  present.Light
	Count  int
}

// LightCount is how many indicators show a light.
type LightCount struct {
	Light present.Light
	Word  string
	Count int
}

// Task is one 主要任务 with its indicators.
type Task struct {
	Number int
	Title  string
	Rows   []Row
	Chart  chart.Scene // each indicator's progress against the time elapsed
	// Charts is Chart for pages: wider, names uncut, at most
	// maxChartRows indicators each, so each fits a page.
	Charts []chart.Scene
}

// Heading is the task's heading: "任务1 推动企业技术创新".
func (t Task) Heading() string { return fmt.Sprintf("任务%d %s", t.Number, t.Title) }

// Row is one indicator of the circular: the state and its words.
type Row struct {
	State kpi.State
	Light present.Light

	Name       string
	LeadUnits  string
	Target     string // ≥30家
	Deadline   string // 2022年
	Actual     string // 16家, "—"
	Period     string // 2020年, ""
	Completion string // progress from baseline to target, 53.3%
	Pace       string // pace ratio, 66.7%
	Required   string // 需年均增加7家, "—"
	Achieved   string // 年均增加4家, "—"
	Gap        string
	LightWord  string
	StatusWord string
	Reason     string // why the status, when it needs saying (present.Reason), else ""
	Overdue    string // the owed period and due date when overdue, else ""
}

// UnitRank is one lead unit's line in the ranking.
type UnitRank struct {
	Rank      int
	Unit      string
	Total     int
	Good      int
	GoodShare float64
	Lagging   int // lagging, off track or deteriorating
	Missed    int
	Overdue   int // reports owed past their due date
}

// AttentionGroup is one sentence of the paragraph naming the indicators
// that need attention: all those of one status.
type AttentionGroup struct {
	Status kpi.Status
	Word   string
	Rows   []Row
}

// Sentence is the group as a circular words it.
func (g AttentionGroup) Sentence() string {
	var items []string
	for _, r := range g.Rows {
		items = append(items, r.Mention())
	}
	return fmt.Sprintf("%s的指标%d项：%s。", g.Word, len(g.Rows), strings.Join(items, "；"))
}

// Mention names the indicator with what it must still do, as the lagging
// paragraph does: "高新技术企业（区科工信局，2020年16家，目标≥30家，差距14家，需年均增加7家）".
func (r Row) Mention() string {
	parts := []string{r.LeadUnits}
	if r.Period != "" {
		parts = append(parts, r.Period+r.Actual)
	}
	parts = append(parts, "目标"+r.Target+"（"+r.Deadline+"）")
	if gap := present.GapClause(*r.State.Indicator, r.State.Evaluation); gap != "" {
		parts = append(parts, gap)
	}
	if r.Required != present.Missing {
		parts = append(parts, r.Required)
	}
	return r.Name + "（" + strings.Join(parts, "，") + "）"
}

// Changes is what changed since the previous circular.
type Changes struct {
	Previous     time.Time
	PreviousText string // 2020年6月30日
	FirstFigures []Row  // 新报送: the first figure came in (no status change is counted for them)
	NewFigures   []Row  // a newer period's figure came in
	// Up and Down are the real changes: between two evaluated statuses.
	Up, Down  []StatusChange
	Unchanged int // evaluated both times, same status
	// Moves are the largest changes, up or down, at most MaxMoves.
	Moves []StatusChange
}

// StatusChange is an indicator whose status moved.
type StatusChange struct {
	Row      Row
	From     kpi.Status
	FromWord string
	Step     int // how far it moved: positive up, negative down
}

// Direction is 好转 or 退步.
func (sc StatusChange) Direction() string {
	if sc.Step > 0 {
		return "好转"
	}
	return "退步"
}

// Build makes the circular of plan from the states of its indicators at
// opts.AsOf and, when opts.Previous is set, at opts.Previous. States of
// other plans are left out.
func Build(plan kpi.Plan, states, previous []kpi.State, opts Options) Circular {
	lights := opts.Lights
	if lights == nil {
		lights = present.DefaultLights()
	}
	c := Circular{
		Plan: plan, Title: plan.Title + "指标进展情况通报", AsOf: opts.AsOf,
		AsOfText: "截至" + present.Date(opts.AsOf), Unit: opts.Unit, Previous: opts.Previous, Lights: lights,
	}
	c.Office = opts.Office.withDefaults(plan)
	c.Number = c.Office.DocNumber(opts.AsOf)
	c.Date = present.Date(c.Office.dateOr(opts.AsOf))
	c.Subject = "关于" + c.Office.Subject + "工作进展情况的通报"
	if opts.Unit != "" {
		c.Subject = "关于" + opts.Unit + c.Office.Subject + "工作进展情况的通报"
	}
	c.MinRanked = cmp.Or(opts.MinRanked, DefaultMinRanked)
	var rows, all []Row
	for _, st := range states {
		if st.Indicator.Plan != plan.ID {
			continue
		}
		r := newRow(st, lights)
		all = append(all, r)
		if opts.Unit == "" || st.Indicator.HasUnit(opts.Unit) {
			rows = append(rows, r)
		}
	}
	c.Summary = summarize(rows, lights)

	for _, r := range rows {
		ind := *r.State.Indicator
		if n := len(c.Tasks); n == 0 || c.Tasks[n-1].Number != ind.Task {
			c.Tasks = append(c.Tasks, Task{Number: ind.Task, Title: ind.TaskTitle})
		}
		t := &c.Tasks[len(c.Tasks)-1]
		t.Rows = append(t.Rows, r)
	}
	for i := range c.Tasks {
		c.Tasks[i].Chart = taskChart(c.Tasks[i], lights, chart.ProgressChart{})
		c.Tasks[i].Charts = pageCharts(c.Tasks[i], lights)
	}
	shown := make([]kpi.State, 0, len(rows))
	for _, r := range rows {
		shown = append(shown, r.State)
	}
	c.TaskStatusChart = TaskStatusChart(shown, lights)
	c.Units, c.Unranked = rankUnits(all, c.MinRanked)
	c.Cooperating = cooperating(all)
	c.Attention = attention(rows)
	c.Problems = problems(rows)
	c.Red = redRows(rows, opts.Explanations)
	if opts.Supervision != nil {
		c.Supervision = supervisionRows(all, opts.Supervision, opts.AsOf, opts.Unit)
	}
	if !opts.Previous.IsZero() {
		c.Changes = changes(rows, previous, lights, opts.Previous)
	}
	return c
}

func newRow(st kpi.State, lights present.Lights) Row {
	ind, ev := *st.Indicator, st.Evaluation
	r := Row{
		State:      st,
		Light:      lights.Of(ev.Status),
		Name:       ind.Name,
		LeadUnits:  strings.Join(ind.LeadUnits, "、"),
		Target:     present.Target(ind, ev),
		Deadline:   fmt.Sprintf("%d年", ind.Deadline),
		Actual:     present.OptValue(ind, ev.Actual),
		Completion: present.Ratio(ev.ProgressRatio),
		Pace:       present.Ratio(ev.PaceRatio),
		Required:   present.RequiredChange(ind, ev),
		Achieved:   present.AchievedChange(ind, ev),
		Gap:        present.GapOf(ind, ev),
		StatusWord: present.Status(ev.Status),
		Reason:     present.Reason(ev),
	}
	if ind.Kind == kpi.KindMilestone && ev.Actual != nil {
		r.Actual = present.Value(ind, *ev.Actual)
	}
	r.LightWord = r.Light.Word()
	if ev.Period != nil {
		r.Period = present.Period(*ev.Period)
	}
	switch {
	case ev.Report.Overdue && ev.Report.Period != nil:
		r.Overdue = present.Period(*ev.Report.Period) + "数据应于" + present.DueDate(ev.Report.Due) + "前报送"
	case ev.Report.NeverReported:
		r.Overdue = present.Reason(ev)
	}
	return r
}

// good is 已达标 or 正常推进: the share the cover and the unit ranking count.
func good(s kpi.Status) bool { return s == kpi.StatusAchieved || s == kpi.StatusOnTrack }

func summarize(rows []Row, lights present.Lights) Summary {
	s := Summary{Total: len(rows)}
	byStatus := map[kpi.Status]int{}
	byLight := map[present.Light]int{}
	for _, r := range rows {
		st := r.State.Evaluation.Status
		byStatus[st]++
		byLight[r.Light]++
		if good(st) {
			s.Good++
		}
		if r.State.Evaluation.Report.Unreported() {
			s.Overdue++
		}
	}
	for _, st := range kpi.Statuses {
		if n := byStatus[st]; n > 0 {
			s.Statuses = append(s.Statuses, StatusCount{Status: st, Word: present.Status(st), Light: lights.Of(st), Count: n})
		}
	}
	for _, l := range present.LightOrder {
		s.Lights = append(s.Lights, LightCount{Light: l, Word: l.Word(), Count: byLight[l]})
	}
	if s.Total > 0 {
		s.GoodShare = float64(s.Good) / float64(s.Total)
	}
	return s
}

// rankUnits ranks the units by the share of the indicators they lead
// (牵头) that are achieved or on track; ties by fewer missed, fewer
// lagging, fewer overdue, then name, and tied units share a place. An
// indicator led by two units counts for both. Units leading fewer than
// minRanked indicators are returned apart, unranked: one indicator at
// 100 % says little about a unit.
func rankUnits(rows []Row, minRanked int) (ranked, unranked []UnitRank) {
	for _, ur := range tally(rows, func(ind kpi.Indicator) []string { return ind.LeadUnits }) {
		if ur.Total < minRanked {
			unranked = append(unranked, ur)
		} else {
			ranked = append(ranked, ur)
		}
	}
	order := func(a, b UnitRank) int {
		return cmp.Or(
			cmp.Compare(b.GoodShare, a.GoodShare),
			cmp.Compare(a.Missed, b.Missed),
			cmp.Compare(a.Lagging, b.Lagging),
			cmp.Compare(a.Overdue, b.Overdue),
			strings.Compare(a.Unit, b.Unit),
		)
	}
	slices.SortStableFunc(ranked, order)
	slices.SortStableFunc(unranked, order)
	for i := range ranked {
		ranked[i].Rank = i + 1
		if i > 0 && ranked[i].GoodShare == ranked[i-1].GoodShare && ranked[i].Missed == ranked[i-1].Missed &&
			ranked[i].Lagging == ranked[i-1].Lagging && ranked[i].Overdue == ranked[i-1].Overdue {
			ranked[i].Rank = ranked[i-1].Rank // tied: same place
		}
	}
	return ranked, unranked
}

// cooperating counts, per unit, the indicators it cooperates on (配合),
// most first; they are shown, not ranked.
func cooperating(rows []Row) []UnitRank {
	out := tally(rows, func(ind kpi.Indicator) []string { return ind.CoUnits })
	slices.SortStableFunc(out, func(a, b UnitRank) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), strings.Compare(a.Unit, b.Unit))
	})
	return out
}

// tally counts each unit's indicators by outcome, units in first-seen order.
func tally(rows []Row, units func(kpi.Indicator) []string) []UnitRank {
	byUnit := map[string]*UnitRank{}
	var order []string
	for _, r := range rows {
		ev := r.State.Evaluation
		for _, u := range units(*r.State.Indicator) {
			ur := byUnit[u]
			if ur == nil {
				ur = &UnitRank{Unit: u}
				byUnit[u] = ur
				order = append(order, u)
			}
			ur.Total++
			switch {
			case good(ev.Status):
				ur.Good++
			case ev.Status == kpi.StatusLagging, ev.Status == kpi.StatusOffTrack, ev.Status == kpi.StatusDeteriorating:
				ur.Lagging++
			case ev.Status == kpi.StatusMissed:
				ur.Missed++
			}
			if ev.Report.Unreported() {
				ur.Overdue++
			}
		}
	}
	out := make([]UnitRank, 0, len(order))
	for _, u := range order {
		ur := *byUnit[u]
		ur.GoodShare = float64(ur.Good) / float64(ur.Total)
		out = append(out, ur)
	}
	return out
}

// attentionStatuses are the statuses the circular names, worst first.
var attentionStatuses = []kpi.Status{kpi.StatusMissed, kpi.StatusDeteriorating, kpi.StatusOffTrack, kpi.StatusLagging}

func attention(rows []Row) []AttentionGroup {
	var groups []AttentionGroup
	for _, st := range attentionStatuses {
		g := AttentionGroup{Status: st, Word: present.Status(st)}
		for _, r := range rows {
			if r.State.Evaluation.Status == st {
				g.Rows = append(g.Rows, r)
			}
		}
		if len(g.Rows) > 0 {
			groups = append(groups, g)
		}
	}
	return groups
}

// statusRank orders the evaluated statuses from worst to best, for up
// and down. Statuses without a verdict (未报送, 数据不足) are not in it: a
// figure arriving is not progress, and none arriving is not a setback.
var statusRank = map[kpi.Status]int{
	kpi.StatusMissed: 0, kpi.StatusDeteriorating: 1, kpi.StatusOffTrack: 2,
	kpi.StatusLagging: 3, kpi.StatusInProgress: 4, kpi.StatusOnTrack: 5, kpi.StatusAchieved: 6,
}

// MaxMoves is how many status changes the circular names: the largest.
const MaxMoves = 10

func changes(rows []Row, previous []kpi.State, lights present.Lights, at time.Time) *Changes {
	ch := &Changes{Previous: at, PreviousText: present.Date(at)}
	before := make(map[kpi.Ref]kpi.Evaluation, len(previous))
	for _, st := range previous {
		before[st.Indicator.Ref()] = st.Evaluation
	}
	for _, r := range rows {
		ev := r.State.Evaluation
		prev, ok := before[r.State.Indicator.Ref()]
		if !ok {
			continue
		}
		switch {
		case ev.Period != nil && prev.Period == nil:
			ch.FirstFigures = append(ch.FirstFigures, r)
		case ev.Period != nil && *prev.Period != *ev.Period:
			ch.NewFigures = append(ch.NewFigures, r)
		}
		from, okFrom := statusRank[prev.Status]
		to, okTo := statusRank[ev.Status]
		if !okFrom || !okTo {
			continue
		}
		sc := StatusChange{Row: r, From: prev.Status, FromWord: present.Status(prev.Status), Step: to - from}
		switch {
		case to > from:
			ch.Up = append(ch.Up, sc)
		case to < from:
			ch.Down = append(ch.Down, sc)
		default:
			ch.Unchanged++
		}
	}
	moves := append(slices.Clone(ch.Up), ch.Down...)
	slices.SortStableFunc(moves, func(a, b StatusChange) int {
		return cmp.Compare(abs(b.Step), abs(a.Step))
	})
	ch.Moves = moves[:min(len(moves), MaxMoves)]
	return ch
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
