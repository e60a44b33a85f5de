package catalog

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Change actions, as recorded in kpi.CatalogChange.Action.
const (
	ActionPlanAdd      = "plan.add"
	ActionPlanChange   = "plan.change"
	ActionPlanRemove   = "plan.remove"
	ActionTargetAdd    = "target.add"
	ActionTargetChange = "target.change"
	ActionTargetRemove = "target.remove"
)

// Diff returns what changed from old to new: plan changes first (by plan
// id), then added and changed indicators in new's order, then removed ones
// in old's order. Each detail reads like "target 30 → 35; deadline 2022 → 2023".
func Diff(old, new kpi.Catalog) []kpi.CatalogChange {
	var out []kpi.CatalogChange

	oldPlans := map[string]kpi.Plan{}
	for _, p := range old.Plans {
		oldPlans[p.ID] = p
	}
	newPlans := map[string]kpi.Plan{}
	for _, p := range new.Plans {
		newPlans[p.ID] = p
	}
	var planIDs []string
	for id := range oldPlans {
		planIDs = append(planIDs, id)
	}
	for id := range newPlans {
		if _, ok := oldPlans[id]; !ok {
			planIDs = append(planIDs, id)
		}
	}
	slices.Sort(planIDs)
	for _, id := range planIDs {
		o, inOld := oldPlans[id]
		n, inNew := newPlans[id]
		ref := kpi.Ref{Plan: id}
		switch {
		case !inOld:
			out = append(out, kpi.CatalogChange{Ref: ref, Action: ActionPlanAdd,
				Detail: fmt.Sprintf("%s (%d–%d)", n.Title, n.StartYear, n.EndYear)})
		case !inNew:
			out = append(out, kpi.CatalogChange{Ref: ref, Action: ActionPlanRemove, Detail: o.Title})
		default:
			if d := planDiff(o, n); d != "" {
				out = append(out, kpi.CatalogChange{Ref: ref, Action: ActionPlanChange, Detail: d})
			}
		}
	}

	oldInds := map[kpi.Ref]kpi.Indicator{}
	for _, ind := range old.Indicators {
		oldInds[ind.Ref()] = ind
	}
	newRefs := map[kpi.Ref]bool{}
	for _, ind := range new.Indicators {
		newRefs[ind.Ref()] = true
		o, ok := oldInds[ind.Ref()]
		if !ok {
			out = append(out, kpi.CatalogChange{Ref: ind.Ref(), Action: ActionTargetAdd, Detail: Describe(ind)})
			continue
		}
		if d := indicatorDiff(o, ind); d != "" {
			out = append(out, kpi.CatalogChange{Ref: ind.Ref(), Action: ActionTargetChange, Detail: d})
		}
	}
	for _, ind := range old.Indicators {
		if !newRefs[ind.Ref()] {
			out = append(out, kpi.CatalogChange{Ref: ind.Ref(), Action: ActionTargetRemove, Detail: Describe(ind)})
		}
	}
	return out
}

// Describe sums an indicator up in one line: "高新技术企业: at_least 30 家 by 2022".
func Describe(ind kpi.Indicator) string {
	var what string
	switch ind.Kind {
	case kpi.KindIncrease:
		what = fmt.Sprintf("increase (%s)", ind.Unit)
	case kpi.KindMilestone:
		what = "milestone"
	case kpi.KindReduceBy:
		what = fmt.Sprintf("reduce_by %s%% (%s)", num(ind.Target), ind.Unit)
	default:
		what = fmt.Sprintf("%s %s %s", ind.Kind, num(ind.Target), ind.Unit)
	}
	return fmt.Sprintf("%s: %s by %d", ind.Name, what, ind.Deadline)
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

func planDiff(o, n kpi.Plan) string {
	return changes([]fieldChange{
		textField("title", o.Title, n.Title),
		textField("title_en", o.TitleEN, n.TitleEN),
		textField("region", o.Region, n.Region),
		textField("source", o.Source, n.Source),
		{name: "start_year", old: strconv.Itoa(o.StartYear), new: strconv.Itoa(n.StartYear)},
		{name: "end_year", old: strconv.Itoa(o.EndYear), new: strconv.Itoa(n.EndYear)},
	})
}

func indicatorDiff(o, n kpi.Indicator) string {
	return changes([]fieldChange{
		textField("name", o.Name, n.Name),
		textField("name_en", o.NameEN, n.NameEN),
		{name: "kind", old: string(o.Kind), new: string(n.Kind)},
		{name: "target", old: num(o.Target), new: num(n.Target)},
		{name: "unit", old: o.Unit, new: n.Unit},
		{name: "deadline", old: strconv.Itoa(o.Deadline), new: strconv.Itoa(n.Deadline)},
		textField("deadline_note", o.DeadlineNote, n.DeadlineNote),
		{name: "baseline", old: baselineString(o.Baseline), new: baselineString(n.Baseline)},
		{name: "baseline_rule", old: ruleString(o.BaselineRule), new: ruleString(n.BaselineRule)},
		{name: "measure", old: string(o.Measure), new: string(n.Measure)},
		{name: "frequency", old: string(o.Frequency), new: string(n.Frequency)},
		{name: "due_days", old: strconv.Itoa(o.DueDays), new: strconv.Itoa(n.DueDays)},
		{name: "task", old: strconv.Itoa(o.Task), new: strconv.Itoa(n.Task)},
		textField("task_title", o.TaskTitle, n.TaskTitle),
		textField("work_line", o.WorkLine, n.WorkLine),
		{name: "lead_units", old: unitList(o.LeadUnits), new: unitList(n.LeadUnits)},
		{name: "co_units", old: unitList(o.CoUnits), new: unitList(n.CoUnits)},
		textField("source_text", o.SourceText, n.SourceText),
	})
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

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
	return b.Period.String() + ": " + num(b.Value)
}

func ruleString(r kpi.BaselineRule) string {
	if r == "" {
		return "none"
	}
	return string(r)
}
