package boards

import (
	"fmt"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// Unit is one responsible unit's board: its indicators, what lags, and
// which report it owes.
func Unit() Dashboard {
	const lead = `kpi_indicator_lead_unit{plan=~"$plan", lead_unit="$lead_unit"}`
	count := func(statuses string) string {
		return fmt.Sprintf(`count(kpi_status{plan=~"$plan", status=~"%s"} and on(plan, indicator) %s) or vector(0)`, statuses, lead)
	}
	stats := []struct{ title, desc, statuses string }{
		{"负责指标", "本单位作为牵头单位负责的指标个数。Indicators this unit leads.", ".*"},
		{"已达标", "已达到目标的指标个数 (achieved)。", "achieved"},
		// 正常推进 and 推进中 apart: a green and a yellow light in the circular.
		{present.Status(kpi.StatusOnTrack), statusDescriptions[kpi.StatusOnTrack], string(kpi.StatusOnTrack)},
		{present.Status(kpi.StatusInProgress), statusDescriptions[kpi.StatusInProgress], string(kpi.StatusInProgress)},
		{"滞后（进度滞后、严重滞后、不进反退）", "进度滞后、严重滞后与不进反退的指标个数之和 (lagging, off track, deteriorating)。", "lagging|off_track|deteriorating"},
		{"逾期未达标", "截止时间已过仍未达标的指标个数 (missed)。", "missed"},
	}
	var panels []Panel
	for i, s := range stats {
		color := "blue" // all of the unit's indicators: no status's colour
		if s.statuses != ".*" {
			color = statusesColor(s.statuses)
		}
		panels = append(panels, stat(s.title, s.desc, countUnit("个"), color, at(i*3, 0, 3, 4), instant("A", count(s.statuses))))
	}
	panels = append(panels, stat("逾期未报送", "报送期限已过、本期数据仍未报送的指标个数 (reports overdue)。", countUnit("个"), overdueColor(), at(len(stats)*3, 0, 3, 4),
		instant("A", fmt.Sprintf(`count(kpi_report_due_timestamp_seconds{plan=~"$plan", overdue="1"} and on(plan, indicator) %s) or vector(0)`, lead))))
	panels = append(panels, asOfStat(at(len(stats)*3+3, 0, 3, 4)))
	panels = append(panels,
		indicatorTable("本单位指标", "本单位牵头的全部指标及其进展。点指标名称看详情。Every indicator this unit leads.",
			at(0, 4, 24, 12), lead),
		indicatorTable("需要关注：滞后与逾期未达标",
			"本单位进度滞后、严重滞后、不进反退或逾期未达标的指标，需要采取措施。Indicators behind their path or missed.",
			at(0, 16, 24, 8), lead, `kpi_status{plan=~"$plan", status=~"lagging|off_track|deteriorating|missed"}`),
		overdueTable("逾期未报送的报表", "报送期限已过、仍未报送数据的指标，以及应报送的日期。Reports past their due date.",
			at(0, 24, 12, 8), lead),
		progressGauge(at(12, 24, 12, 8), lead),
	)
	panels = append(panels, supervisionStats(32)...)
	d := newBoard(UIDUnit, "责任单位 · 指标进展", "一个责任单位牵头的指标、滞后情况和报送情况 (one responsible unit)", "now-24h",
		[]Variable{
			datasourceVar(),
			regionVar(),
			queryVar("plan", "规划", "规划（目标文件）(plan)", `label_values(kpi_indicator_info, plan)`, true),
			queryVar("lead_unit", "牵头单位", "要查看的牵头单位 (lead unit)", `label_values(kpi_indicator_lead_unit{plan=~"$plan"}, lead_unit)`, false),
		}, panels)
	inRegion(&d)
	return d
}

// overdueTable lists the indicators whose report is overdue, with the
// owed period and the day it was due.
func overdueTable(title, desc string, pos GridPos, filters ...string) Panel {
	filters = append(filters, `kpi_report_due_timestamp_seconds{plan=~"$plan", overdue="1"}`)
	p := table(title, desc, pos,
		instant("A", on(`kpi_indicator_info{plan=~"$plan"}`, filters...)),
		instant("B", on(`max by (plan, indicator, period) (kpi_report_due_timestamp_seconds{plan=~"$plan", overdue="1"}) * 1000`, filters...)),
	)
	p.Transformations = mergeAndOrder([]string{"name", "lead_unit", "period", "Value #B", "plan", "indicator"},
		"name_en", "kind", "unit", "task", "deadline", "Value #A")
	p.FieldConfig.Overrides = []Override{
		column("name", "指标", linksProp(indicatorLink())),
		column("lead_unit", "牵头单位"),
		column("period", "应报期"),
		column("Value #B", "报送期限", unitProp("dateTimeAsIsoNoDateIfToday"), Property{ID: "color", Value: map[string]any{"mode": "fixed", "fixedColor": overdueColor()}}, cellColorText()),
		column("plan", "规划", hidden()),
		column("indicator", "指标编号", hidden()),
	}
	return p
}

// progressGauge shows each indicator's progress from baseline to target.
func progressGauge(pos GridPos, filter string) Panel {
	p := bargauge("完成进度", "各指标从基期值到目标值已完成的比例 (progress ratio)：100% 即达到目标。颜色由红到绿。",
		"percentunit", pos,
		instantSeries("A", on(progressExpr(`plan=~"$plan"`)+` * on(plan, indicator) group_left(name) kpi_indicator_info{plan=~"$plan"}`, filter), "{{name}}"))
	p.FieldConfig.Defaults.Min = ptr(0.0)
	p.FieldConfig.Defaults.Max = ptr(1.0)
	p.FieldConfig.Defaults.Color = map[string]any{"mode": "continuous-RdYlGr"}
	return p
}
