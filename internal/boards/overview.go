package boards

import (
	"fmt"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// Overview is the leaders' first board: how many indicators stand where,
// every indicator in one table, and every lead unit with what lags.
func Overview() Dashboard {
	const (
		info   = `kpi_indicator_info{plan=~"$plan", task=~"$task"}`
		lead   = `kpi_indicator_lead_unit{plan=~"$plan", lead_unit=~"$lead_unit"}`
		status = `kpi_status{plan=~"$plan", status=~"$status"}`
	)
	// count counts the indicators of the statuses the filters keep (one
	// kpi_status sample each): a status nobody has counts 0, not "no data".
	count := func(statuses string) string {
		return "count(" + on(fmt.Sprintf(`kpi_status{plan=~"$plan", status=~"%s"}`, statuses), info, lead) + ") or vector(0)"
	}
	// One tile per status of `kpimon status`, titled with its word, and
	// tiles named for what they sum: all indicators, overdue reports.
	type tile struct{ title, desc, expr, color string }
	tiles := []tile{{"指标总数", "所选规划、任务、牵头单位下的指标个数。Indicators selected by the filters.", count(".*"), "blue"}}
	for _, s := range kpi.Statuses {
		tiles = append(tiles, tile{present.Status(s), statusDescriptions[s], count(string(s)), statusesColor(string(s))})
	}
	tiles = append(tiles, tile{"逾期未报送", "报送期限已过、应报期数据仍未报送的指标个数 (reports overdue)。",
		"count(" + on(`kpi_report_due_timestamp_seconds{plan=~"$plan", overdue="1"}`, info, lead) + ") or vector(0)", overdueColor()})
	var panels []Panel
	for i, t := range tiles {
		panels = append(panels, stat(t.title, t.desc, countUnit("个"), t.color, at((i%6)*4, (i/6)*3, 4, 3), instant("A", t.expr)))
	}
	panels = append(panels, asOfStat(at(20, 3, 4, 3)))
	panels = append(panels, indicatorTable("指标一览",
		"每个指标的任务、牵头单位、目标、最新实际值及其报告期、差距、完成进度、状态和截止年份。点指标名称看详情。"+
			"Every indicator selected by the filters; click a name for its board.",
		at(0, 6, 24, 16), info, lead, status))
	panels = append(panels, unitTable(at(0, 22, 24, 10)))
	panels = append(panels, supervisionTable(at(0, 32, 24, 8)))
	d := newBoard(UIDOverview, "总览 · 创新型城区建设指标", "各指标达标、推进、滞后情况一览 (overview of every indicator)", "now-24h",
		[]Variable{
			datasourceVar(),
			regionVar(),
			queryVar("plan", "规划", "规划（目标文件）(plan)", `label_values(kpi_indicator_info, plan)`, true),
			queryVar("task", "主要任务", "主要任务编号 (task)", `label_values(kpi_indicator_info{plan=~"$plan"}, task)`, true),
			queryVar("lead_unit", "牵头单位", "责任单位中的牵头单位 (lead unit)", `label_values(kpi_indicator_lead_unit{plan=~"$plan"}, lead_unit)`, true),
			statusVar(),
		}, panels)
	inRegion(&d)
	return d
}

// The pace thresholds as the help texts print them: kpi's own.
var (
	onTrackPace = present.Plain(kpi.OnTrackPace)
	laggingPace = present.Plain(kpi.LaggingPace)
)

// statusDescriptions say what each status tile counts.
var statusDescriptions = map[kpi.Status]string{
	kpi.StatusAchieved:         "实际值已达到目标的指标个数 (achieved)。",
	kpi.StatusOnTrack:          "进度比不低于 " + onTrackPace + " 的指标个数 (on track)。",
	kpi.StatusInProgress:       "尚未到期、仍在推进的定性任务个数 (milestones in progress)。",
	kpi.StatusLagging:          "进度比在 " + laggingPace + " 到 " + onTrackPace + " 之间的指标个数 (lagging)。",
	kpi.StatusOffTrack:         "进度比低于 " + laggingPace + " 的指标个数 (off track)。",
	kpi.StatusDeteriorating:    "较基期不进反退的指标个数 (deteriorating)。",
	kpi.StatusMissed:           "截止时间已过仍未达标的指标个数 (missed)。",
	kpi.StatusInsufficientData: "只报送过一期、尚无法判断进度的指标个数 (insufficient data)。",
	kpi.StatusNoData:           "从未报送过实际值的指标个数 (no data)。",
}

// indicatorTable lists the indicators the filters keep, one row each.
func indicatorTable(title, desc string, pos GridPos, filters ...string) Panel {
	scoped := func(expr string) string { return on(expr, filters...) }
	const sel = `plan=~"$plan"`
	p := table(title, desc, pos,
		instant("A", scoped(`kpi_indicator_info{plan=~"$plan"}`)),
		instant("B", scoped(`max by (plan, indicator) (kpi_target{plan=~"$plan"})`)),
		instant("C", scoped(`max by (plan, indicator) (kpi_actual{plan=~"$plan"})`)),
		// The gap with the unit it is counted in (gap_unit): the
		// indicator's, and for a share 个百分点, not the 单位 column's %.
		instant("E", scoped(gapUnitExpr(sel))),
		instant("F", scoped(progressExpr(sel))),
		// The status with the latest figure's period.
		instant("G", scoped(`max by (plan, indicator, status, period) (kpi_status{plan=~"$plan"})`)),
	)
	p.Transformations = mergeAndOrder(
		[]string{"task", "name", "lead_unit", "unit", "Value #B", "Value #C", "period", "Value #E", "gap_unit", "Value #F", "status", "deadline", "plan", "indicator"},
		"name_en", "kind", "Value #A", "Value #G")
	p.FieldConfig.Overrides = []Override{
		column("task", "任务"),
		column("name", "指标", linksProp(indicatorLink())),
		column("lead_unit", "牵头单位"),
		column("unit", "单位"),
		column("Value #B", "目标值"),
		column("Value #C", "最新实际值"),
		column("period", "报告期"),
		column("Value #E", "差距", Property{ID: "decimals", Value: 2}),
		column("gap_unit", "差距单位"),
		column("Value #F", "完成进度", progressCell()...),
		column("status", "状态", mappingsProp(statusMapping()), cellColorBackground()),
		column("deadline", "截止年份"),
		column("plan", "规划", hidden()),
		column("indicator", "指标编号", hidden()),
	}
	p.Options["sortBy"] = []map[string]any{{"displayName": "任务", "desc": false}}
	return p
}

// gapUnitExpr is the gap (gapExpr) labelled gap_unit with the unit it is
// counted in (withChangeUnit's: a share's gap is in 个百分点), and without
// the unit label, which the table takes from kpi_indicator_info.
func gapUnitExpr(sel string) string {
	return fmt.Sprintf(`max without (unit) (label_replace(%s, "gap_unit", "$1", "unit", "(.*)"))`, withChangeUnit(gapExpr(sel), sel))
}

// unitTable lists every lead unit with its indicators' standing; a unit's
// name leads to its board.
func unitTable(pos GridPos) Panel {
	const (
		lead = `kpi_indicator_lead_unit{plan=~"$plan", lead_unit=~"$lead_unit"}`
		info = `kpi_indicator_info{plan=~"$plan", task=~"$task"}`
	)
	// perUnit sums a per-indicator 1 over each lead unit's indicators; a
	// unit with nothing lagging shows 0.
	perUnit := func(perIndicator string) string {
		return fmt.Sprintf("sum by (lead_unit) ((%s * on(plan, indicator) group_left() %s) and on(plan, indicator) %s)", lead, perIndicator, info) +
			fmt.Sprintf(" or 0 * count by (lead_unit) (%s and on(plan, indicator) %s)", lead, info)
	}
	state := func(statuses string) string {
		return fmt.Sprintf(`count by (plan, indicator) (kpi_status{plan=~"$plan", status=~"%s"})`, statuses)
	}
	const lagging, missed = "lagging|off_track|deteriorating", "missed"
	p := table("责任单位一览",
		"每个牵头单位负责的指标数，其中已达标、滞后（进度滞后、严重滞后、不进反退）、逾期未达标的个数，以及逾期未报送的报表数。点单位名称看该单位看板。"+
			"Each lead unit's indicators and what lags; click a unit for its board.",
		pos,
		instant("A", fmt.Sprintf("sum by (lead_unit) (%s and on(plan, indicator) %s)", lead, info)),
		instant("B", perUnit(state("achieved"))),
		instant("C", perUnit(state(lagging))),
		instant("D", perUnit(state(missed))),
		instant("E", perUnit(`count by (plan, indicator) (kpi_report_due_timestamp_seconds{plan=~"$plan", overdue="1"})`)),
	)
	p.Transformations = mergeAndOrder([]string{"lead_unit", "Value #A", "Value #B", "Value #C", "Value #D", "Value #E"})
	p.FieldConfig.Overrides = []Override{
		column("lead_unit", "牵头单位", linksProp(unitLink())),
		column("Value #A", "指标数"),
		column("Value #B", "已达标"),
		column("Value #C", "滞后", countColors(statusesColor(lagging)), cellColorText()),
		column("Value #D", "逾期未达标", countColors(statusesColor(missed)), cellColorText()),
		column("Value #E", "逾期未报送", countColors(overdueColor()), cellColorText()),
	}
	p.Options["sortBy"] = []map[string]any{{"displayName": "滞后", "desc": true}}
	return p
}

// countColors colours a count cell: plain at 0, the colour from 1.
func countColors(color string) Property {
	return Property{ID: "thresholds", Value: Thresholds{Mode: "absolute", Steps: []ThresholdStep{{Color: "text"}, {Color: color, Value: ptr(1.0)}}}}
}
