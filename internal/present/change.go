package present

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// This file words a catalog change: the one wording the audit log
// (boltstore.SyncCatalog) and `kpimon targets diff` (catalog.Diff) share.
// Every field of kpi.Plan and kpi.Indicator is listed below; change_test.go
// fails when a new field is not, so a change to it cannot go unrecorded.

// Describe sums an indicator up in one line: "高新技术企业：≥30家，2022年".
func Describe(ind kpi.Indicator) string {
	return fmt.Sprintf("%s：%s，%d年", ind.Name, Target(ind, kpi.Evaluation{}), ind.Deadline)
}

// DescribePlan sums a plan up in one line: "…工作方案 (2019–2022)".
func DescribePlan(p kpi.Plan) string {
	return fmt.Sprintf("%s (%d–%d)", p.Title, p.StartYear, p.EndYear)
}

// PlanChanges lists the fields that differ between two versions of a plan,
// e.g. "start_year 2019 → 2020; end_year 2022 → 2025"; "" when none do.
func PlanChanges(o, n kpi.Plan) string {
	return changes([]fieldChange{
		textField("title", o.Title, n.Title),
		textField("title_en", o.TitleEN, n.TitleEN),
		textField("region", o.Region, n.Region),
		textField("source", o.Source, n.Source),
		{name: "start_year", old: strconv.Itoa(o.StartYear), new: strconv.Itoa(n.StartYear)},
		{name: "end_year", old: strconv.Itoa(o.EndYear), new: strconv.Itoa(n.EndYear)},
		{name: "base_year", old: strconv.Itoa(o.BaseYear), new: strconv.Itoa(n.BaseYear)},
		{name: "reporting_from", old: dayString(o.ReportingFrom), new: dayString(n.ReportingFrom)},
		// loaded_at: the store's record of the first load, not a definition.
		// id: a plan with another id is another plan, never a change.
	})
}

// IndicatorChanges lists the fields that differ between two versions of an
// indicator, e.g. "target 30 → 35; deadline 2022 → 2023"; "" when none do.
func IndicatorChanges(o, n kpi.Indicator) string {
	return changes([]fieldChange{
		textField("name", o.Name, n.Name),
		textField("name_en", o.NameEN, n.NameEN),
		{name: "kind", old: string(o.Kind), new: string(n.Kind)},
		{name: "target", old: Plain(o.Target), new: Plain(n.Target)},
		{name: "tolerance", old: Plain(o.Tolerance), new: Plain(n.Tolerance)},
		{name: "strict", old: strconv.FormatBool(o.Strict), new: strconv.FormatBool(n.Strict)},
		{name: "max", old: optString(o.Max), new: optString(n.Max)},
		{name: "unit", old: o.Unit, new: n.Unit},
		{name: "deadline", old: strconv.Itoa(o.Deadline), new: strconv.Itoa(n.Deadline)},
		textField("deadline_note", o.DeadlineNote, n.DeadlineNote),
		{name: "baseline", old: baselineString(o.Baseline), new: baselineString(n.Baseline)},
		{name: "baseline_rule", old: ruleString(o.BaselineRule), new: ruleString(n.BaselineRule)},
		{name: "stages", old: stagesString(o.Stages), new: stagesString(n.Stages)},
		{name: "measure", old: string(o.Measure), new: string(n.Measure)},
		{name: "frequency", old: string(o.Frequency), new: string(n.Frequency)},
		{name: "due_days", old: strconv.Itoa(o.DueDays), new: strconv.Itoa(n.DueDays)},
		{name: "task", old: strconv.Itoa(o.Task), new: strconv.Itoa(n.Task)},
		textField("task_title", o.TaskTitle, n.TaskTitle),
		textField("work_line", o.WorkLine, n.WorkLine),
		{name: "lead_units", old: unitList(o.LeadUnits), new: unitList(n.LeadUnits)},
		{name: "co_units", old: unitList(o.CoUnits), new: unitList(n.CoUnits)},
		textField("note", o.Note, n.Note),
		textField("source_text", o.SourceText, n.SourceText),
		// id and plan: another ref is another indicator, never a change.
	})
}

type fieldChange struct {
	name     string
	old, new string
	text     bool // free text: shown quoted and shortened
}

// textField is a free-text field of a change.
func textField(name, old, new string) fieldChange {
	return fieldChange{name: name, old: old, new: new, text: true}
}

func changes(fields []fieldChange) string {
	var parts []string
	for _, f := range fields {
		if f.old == f.new {
			continue
		}
		if !f.text {
			parts = append(parts, fmt.Sprintf("%s %s → %s", f.name, f.old, f.new))
			continue
		}
		o, n := quote(f.old), quote(f.new)
		if o == n {
			parts = append(parts, fmt.Sprintf("%s changed after its first %d characters", f.name, quoteMax))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s → %s", f.name, o, n))
	}
	return strings.Join(parts, "; ")
}

// quoteMax is how many characters of a text a change detail shows.
const quoteMax = 30

// quote shows text in a detail, shortened: details are read in a terminal
// or an audit log, not compared.
func quote(s string) string {
	r := []rune(s)
	if len(r) > quoteMax {
		s = string(r[:quoteMax]) + "…"
	}
	return "“" + s + "”"
}

func unitList(units []string) string { return "[" + strings.Join(units, ", ") + "]" }

func baselineString(b *kpi.Baseline) string {
	if b == nil {
		return "none"
	}
	s := b.Period.String() + ": " + Plain(b.Value)
	if b.Source != "" {
		s += " (" + b.Source + ")"
	}
	return s
}

func stagesString(stages []kpi.Stage) string {
	if len(stages) == 0 {
		return "none"
	}
	parts := make([]string, len(stages))
	for i, st := range stages {
		parts[i] = st.Period.String() + " " + Plain(st.Percent) + "%"
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func dayString(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.In(kpi.China).Format("2006-01-02")
}

// optString is an optional figure in a change: "none" when absent.
func optString(p *float64) string {
	if p == nil {
		return "none"
	}
	return Plain(*p)
}

func ruleString(r kpi.BaselineRule) string {
	if r == "" {
		return "none"
	}
	return string(r)
}
