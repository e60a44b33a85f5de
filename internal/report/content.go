package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// Problem is one cause in 存在问题: how many indicators share it and which
// units lead them, most first.
type Problem struct {
	Cause string // 逾期未达标, 不进反退, 严重滞后, 进度滞后, 逾期未报, 未报送
	Count int
	Units []UnitCount
	Names []string // the indicators, in plan order
}

// UnitCount is a unit and how many indicators of a cause it leads.
type UnitCount struct {
	Unit  string
	Count int
}

// Sentence words the problem shortly: "进度滞后指标7项，涉及区科工信局3项、区发改局2项等5个单位。"
func (p Problem) Sentence() string {
	const shown = 4
	var units []string
	for i, u := range p.Units {
		if i == shown {
			break
		}
		units = append(units, fmt.Sprintf("%s%d项", u.Unit, u.Count))
	}
	s := fmt.Sprintf("%s指标%d项，涉及%s", p.Cause, p.Count, strings.Join(units, "、"))
	if len(p.Units) > shown {
		s += fmt.Sprintf("等%d个单位", len(p.Units))
	}
	return s + "。"
}

// problemCauses are the causes 存在问题 names, worst first, each with the
// test that puts an indicator under it. An overdue report is a cause of its
// own, whatever the status.
var problemCauses = []struct {
	cause string
	has   func(kpi.Evaluation) bool
}{
	{present.Status(kpi.StatusMissed), statusIs(kpi.StatusMissed)},
	{present.Status(kpi.StatusDeteriorating), statusIs(kpi.StatusDeteriorating)},
	{present.Status(kpi.StatusOffTrack), statusIs(kpi.StatusOffTrack)},
	{present.Status(kpi.StatusLagging), statusIs(kpi.StatusLagging)},
	{"逾期未报", func(ev kpi.Evaluation) bool { return ev.Report.Unreported() }},
}

func statusIs(s kpi.Status) func(kpi.Evaluation) bool {
	return func(ev kpi.Evaluation) bool { return ev.Status == s }
}

func problems(rows []Row) []Problem {
	var out []Problem
	for _, pc := range problemCauses {
		p := Problem{Cause: pc.cause}
		counts := map[string]int{}
		for _, r := range rows {
			if !pc.has(r.State.Evaluation) {
				continue
			}
			p.Count++
			p.Names = append(p.Names, r.Name)
			for _, u := range r.State.Indicator.LeadUnits {
				if counts[u] == 0 {
					p.Units = append(p.Units, UnitCount{Unit: u})
				}
				counts[u]++
			}
		}
		if p.Count == 0 {
			continue
		}
		for i := range p.Units {
			p.Units[i].Count = counts[p.Units[i].Unit]
		}
		slices.SortStableFunc(p.Units, func(a, b UnitCount) int { return cmp.Compare(b.Count, a.Count) })
		out = append(out, p)
	}
	return out
}

// RedRow is a red-light indicator in 存在问题, with what its lead units
// said about it.
type RedRow struct {
	Row
	Explanations []kpi.Explanation // newest per lead unit, in lead-unit order
}

// ExplanationText words one explanation for the circular:
// "区科工信局说明：原因……；措施……；预计2021年12月31日前……".
func ExplanationText(e kpi.Explanation) string {
	s := e.Unit + "说明：" + strings.TrimRight(e.Reason, "。；")
	if e.Measures != "" {
		s += "；措施：" + strings.TrimRight(e.Measures, "。；")
	}
	if e.ExpectedBy != "" {
		if d, err := kpi.ParseDay(e.ExpectedBy); err == nil {
			s += "；预计" + present.Date(d) + "前改善"
		}
	}
	return s + "（" + present.Date(e.At) + "）。"
}

func redRows(rows []Row, explanations []kpi.Explanation) []RedRow {
	type key struct {
		ref  kpi.Ref
		unit string
	}
	newest := map[key]kpi.Explanation{}
	for _, e := range explanations {
		k := key{e.Ref, e.Unit}
		if old, ok := newest[k]; !ok || e.Revision > old.Revision || (e.Revision == old.Revision && e.At.After(old.At)) {
			newest[k] = e
		}
	}
	var out []RedRow
	for _, r := range rows {
		if r.Light != present.Red {
			continue
		}
		rr := RedRow{Row: r}
		for _, u := range r.State.Indicator.LeadUnits {
			if e, ok := newest[key{r.State.Indicator.Ref(), u}]; ok {
				rr.Explanations = append(rr.Explanations, e)
			}
		}
		out = append(out, rr)
	}
	return out
}

// SupervisionRow is one line of the 督办情况 table.
type SupervisionRow struct {
	Name     string // the indicator
	Unit     string
	Cause    string // why it opened: 严重滞后、逾期未报
	Opened   string // 2021年4月2日
	Deadline string
	State    string // 待说明, 逾期未说明, 已说明, 已审阅, 已办结
}

// supervisionRows are the items as they stood at asOf, of the plan's
// indicators (and of unit, when set), in plan order.
func supervisionRows(all []Row, items []kpi.SupervisionItem, asOf time.Time, unit string) []SupervisionRow {
	byRef := map[kpi.Ref]int{}
	for i, r := range all {
		byRef[r.State.Indicator.Ref()] = i
	}
	type placed struct {
		at  int
		row SupervisionRow
	}
	var rows []placed
	for _, it := range items {
		at, ok := byRef[it.Ref]
		if !ok || (unit != "" && it.Unit != unit) {
			continue
		}
		it, ok := it.AsOf(asOf)
		if !ok {
			continue
		}
		rows = append(rows, placed{at, SupervisionRow{
			Name: all[at].Name, Unit: it.Unit, Cause: present.SupervisionCause(it),
			Opened: present.Date(it.OpenedAt), Deadline: present.Date(it.Deadline),
			State: present.SupervisionState(it.StateAt(asOf)),
		}})
	}
	slices.SortStableFunc(rows, func(a, b placed) int { return cmp.Compare(a.at, b.at) })
	out := make([]SupervisionRow, 0, len(rows))
	for _, p := range rows {
		out = append(out, p.row)
	}
	return out
}
