package boards

import "fmt"

// indicatorRegex turns a query_result line of kpi_indicator_info into the
// indicator id (value) and its Chinese name (text) for the picker. Labels
// come sorted, so indicator precedes name.
const indicatorRegex = `/indicator="(?<value>[^"]+)".*[{ ,]name="(?<text>[^"]+)"/`

// Indicator is one indicator's board: where it stands against its target,
// every reported period, the expected path and the projection, and when it
// was last reported.
func Indicator() Dashboard {
	const sel = `plan="$plan", indicator="$indicator"`
	m := func(metric string) string { return fmt.Sprintf("%s{%s}", metric, sel) }
	// withUnit names a value series by the indicator's unit (家, %, 件 …) so
	// the stat shows it beside the figure.
	withUnit := func(metric string) Target {
		return instantSeries("A", fmt.Sprintf("%s * on(plan, indicator) group_left(unit) %s", m(metric), m("kpi_indicator_info")), "{{unit}}")
	}
	figure := func(title, desc string, x, y int, t Target) Panel {
		p := valueStat(title, desc, "none", at(x, y, 4, 4), t)
		p.Options["textMode"] = "value_and_name"
		return p
	}
	date := func(title, desc string, x, y int, metric string) Panel {
		return valueStat(title, desc, "dateTimeAsIsoNoDateIfToday", at(x, y, 4, 4), instant("A", m(metric)+" * 1000"))
	}

	status := newPanel("stat", "状态", "按截至今日的进度评估的状态：已达标、正常推进、进度滞后、严重滞后、不进反退、逾期未达标、推进中、数据不足或未报送。Status as evaluated now.",
		"none", at(0, 0, 4, 4), instant("A", m("kpi_status")+" == 1"))
	status.Options = statOptions("/^status$/")
	status.FieldConfig.Defaults.Mappings = statusMapping()

	pace := valueStat("进度比", "完成进度与时间进度之比 (pace ratio)：不低于 0.95 为正常推进，0.6 到 0.95 为进度滞后，0 到 0.6 为严重滞后，小于 0 为不进反退。",
		"none", at(4, 4, 4, 4), instant("A", m("kpi_pace_ratio")))
	pace.FieldConfig.Defaults.Decimals = ptr(2)
	pace.FieldConfig.Defaults.Thresholds.Steps = paceSteps()
	pace.Options["colorMode"] = "background"

	progress := valueStat("完成进度", "从基期值到目标值已完成的比例 (progress ratio)；100% 即达到目标。", "percentunit", at(0, 4, 4, 4), instant("A", m("kpi_progress_ratio")))
	progress.FieldConfig.Defaults.Color = map[string]any{"mode": "continuous-RdYlGr"}
	progress.FieldConfig.Defaults.Min = ptr(0.0)
	progress.FieldConfig.Defaults.Max = ptr(1.0)

	overdue := valueStat("报送状态", "本期数据是否已过报送期限仍未报送 (report overdue)。", "none", at(20, 4, 4, 4), instant("A", m("kpi_report_overdue")))
	overdue.FieldConfig.Defaults.Mappings = overdueMapping()
	overdue.Options["colorMode"] = "background"

	// The latest actual is shown with its period, the last submission with
	// its source (both are labels of the series).
	latest := figure("最新实际值", "最近一期报送的实际值（新增类指标为规划期内累计值），下方为单位和报告期。Latest actual, its unit and period.", 4, 0,
		instantSeries("A", fmt.Sprintf("%s * on(plan, indicator) group_left(unit) %s", m("kpi_actual"), m("kpi_indicator_info")), "{{unit}} · 报告期 {{period}}"))
	lastSubmission := valueStat("最近报送时间", "最近一次报送（计入评估的那一期数据）的时间，下方为其来源（api、upload、web、inbox、pull:名称、cli）。Last submission and its source.",
		"dateTimeAsIsoNoDateIfToday", at(12, 4, 4, 4), instantSeries("A", m("kpi_last_observation_timestamp_seconds")+" * 1000", "来源 {{source}}"))
	lastSubmission.Options["textMode"] = "value_and_name"

	panels := []Panel{
		status,
		latest,
		figure("目标值", "截止年份应达到的目标值（压缩类为基期值按比例压缩后的值）。Target at the deadline.", 8, 0, withUnit("kpi_target")),
		figure("当前应达值", "按基期值到目标值的直线路径，今天应达到的值 (expected now)。", 12, 0, withUnit("kpi_expected")),
		figure("差距", "距目标还差多少，单位同指标；已达标为 0 (gap to target)。", 16, 0, withUnit("kpi_gap")),
		figure("截止时预计值", "按首期到最近一期的年均增速推算，到截止时预计达到的值 (projection at the deadline)。", 20, 0, withUnit("kpi_projected")),
		progress,
		pace,
		date("截止日期", "目标的截止时间（截止年份年末）。Deadline.", 8, 4, "kpi_deadline_timestamp_seconds"),
		lastSubmission,
		date("下期报送期限", "下一期数据应报送的日期（报告期末加报送天数）。When the next figure is due.", 16, 4, "kpi_report_due_timestamp_seconds"),
		overdue,
		infoTable(at(0, 8, 24, 4), m("kpi_indicator_info")),
		periodChart(at(0, 12, 12, 10), sel),
		pathChart(at(12, 12, 12, 10), m),
	}
	return newBoard(UIDIndicator, "指标详情", "一个指标的目标、各期实际值、应达路径和截止时预计值 (one indicator)", "now-1y",
		[]Variable{
			datasourceVar(),
			queryVar("plan", "规划", "规划（目标文件）(plan)", `label_values(kpi_indicator_info, plan)`, false),
			indicatorVar(),
		}, panels)
}

// indicatorVar picks an indicator by its Chinese name; its value is the id.
func indicatorVar() Variable {
	v := queryVar("indicator", "指标", "要查看的指标 (indicator)", `query_result(kpi_indicator_info{plan="$plan"})`, false)
	v.Regex = indicatorRegex
	return v
}

// infoTable shows what the catalog says of the indicator.
func infoTable(pos GridPos, info string) Panel {
	p := table("指标信息", "指标名称、所属任务、牵头单位、单位、类型和截止年份，取自规划的责任分工表。What the plan says of the indicator.", pos,
		instant("A", info))
	p.Transformations = mergeAndOrder([]string{"name", "name_en", "task", "lead_unit", "unit", "kind", "deadline"},
		"Time", "__name__", "Value #A", "Value", "plan")
	p.FieldConfig.Overrides = []Override{
		column("name", "指标"),
		column("name_en", "英文名称"),
		column("task", "任务"),
		column("lead_unit", "牵头单位", linksProp(unitLink())),
		column("unit", "单位"),
		column("kind", "类型", mappingsProp([]ValueMapping{{Type: "value", Options: map[string]MappedResult{
			"at_least":  {Text: "达到（不低于）", Index: 0},
			"at_most":   {Text: "降到（不高于）", Index: 1},
			"increase":  {Text: "持续增长", Index: 2},
			"reduce_by": {Text: "压缩", Index: 3},
			"milestone": {Text: "定性任务", Index: 4},
		}}})),
		column("deadline", "截止年份"),
		column("indicator", "指标编号"),
	}
	return p
}

// periodChart draws the actual of every reported period as a bar beside the
// target: the history the store keeps, older than Prometheus' own.
func periodChart(pos GridPos, sel string) Panel {
	p := newPanel("barchart", "各期实际值与目标", "每个报告期报送的实际值（柱）与目标值（同一期的第二根柱）。新增类指标为该期新增数。Actual per reported period against the target.",
		"none", pos,
		instant("A", fmt.Sprintf("max by (period) (kpi_actual_by_period{%s})", sel)),
		instant("B", fmt.Sprintf("max by (period) (0 * kpi_actual_by_period{%s} + on(plan, indicator) group_left() kpi_target{%s})", sel, sel)),
	)
	p.FieldConfig.Defaults.Color = map[string]any{"mode": "palette-classic"}
	p.FieldConfig.Overrides = []Override{
		column("Value #A", "实际值"),
		column("Value #B", "目标值", Property{ID: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "green"}}),
	}
	p.Transformations = mergeAndOrder([]string{"period", "Value #A", "Value #B"}, "Time")
	p.Transformations = append(p.Transformations, Transformation{ID: "sortBy", Options: map[string]any{"sort": []map[string]any{{"field": "period", "desc": false}}}})
	p.Options = map[string]any{
		"xField":      "period",
		"orientation": "vertical",
		"showValue":   "auto",
		"groupWidth":  0.7,
		"barWidth":    0.9,
		"stacking":    "none",
		"legend":      map[string]any{"displayMode": "list", "placement": "bottom", "showLegend": true, "calcs": []string{}},
		"tooltip":     map[string]any{"mode": "multi", "sort": "none"},
	}
	return p
}

// pathChart draws, over the board's time range, the actual against the
// target, the straight expected path and the projection at the deadline.
func pathChart(pos GridPos, m func(string) string) Panel {
	p := timeseries("实际值、应达路径与目标", "随时间变化的最新实际值、按直线路径当时应达到的值、目标值和截止时预计值。Actual against the expected path, the target and the projection.",
		"none", pos,
		series("A", m("kpi_actual"), "实际值"),
		series("B", m("kpi_expected"), "应达值"),
		series("C", m("kpi_target"), "目标值"),
		series("D", m("kpi_projected"), "截止时预计值"),
	)
	p.FieldConfig.Overrides = []Override{
		{Matcher: Matcher{ID: "byName", Options: "目标值"}, Properties: []Property{
			{ID: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "green"}},
			{ID: "custom.lineStyle", Value: map[string]any{"fill": "dash", "dash": []int{10, 10}}},
		}},
		{Matcher: Matcher{ID: "byName", Options: "应达值"}, Properties: []Property{
			{ID: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "blue"}},
		}},
		{Matcher: Matcher{ID: "byName", Options: "截止时预计值"}, Properties: []Property{
			{ID: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "purple"}},
			{ID: "custom.lineStyle", Value: map[string]any{"fill": "dot"}},
		}},
	}
	return p
}
