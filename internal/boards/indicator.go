package boards

import "fmt"

// indicatorRegex turns a query_result line of kpi_indicator_info into the
// indicator id (value) and its Chinese name (text) for the picker. Labels
// come sorted, so indicator precedes name.
const indicatorRegex = `/indicator="(?<value>[^"]+)".*[{ ,]name="(?<text>[^"]+)"/`

// Indicator is one indicator's board: where it stands against its target,
// the actual over time against the expected path, and the report it owes.
// Every reported period with its revisions is on kpimon's web page.
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

	status := newPanel("stat", "状态", "按截至今日的进度评估的状态：已达标、正常推进、进度滞后、严重滞后、不进反退、逾期未达标、推进中、数据不足或未报送。Status as evaluated now.",
		"none", at(0, 0, 4, 4), instant("A", m("kpi_status")))
	status.Options = statOptions("/^status$/")
	status.FieldConfig.Defaults.Mappings = statusMapping()

	progress := valueStat("完成进度", "kpimon 计算的完成进度 (progress ratio)：从基期值到判定目标已完成的比例，100% 即达到目标；定性任务为已完成比例；持续类（每年完成）为已完成年数占应完成年数的比例。逐年增长类不计完成进度（看状态：每年是否比上年增长）。",
		"percentunit", at(0, 4, 4, 4), instant("A", progressExpr(sel)))
	progress.FieldConfig.Defaults.NoValue = "不计进度（逐年增长类看状态）"
	progress.FieldConfig.Defaults.Color = map[string]any{"mode": "continuous-RdYlGr"}
	progress.FieldConfig.Defaults.Min = ptr(0.0)
	progress.FieldConfig.Defaults.Max = ptr(1.0)

	// The owed period and its due date; red once overdue.
	due := valueStat("报送期限", "应报期数据的报送期限（报告期末加报送天数），下方为应报期和是否逾期（逾期 1）；逾期与否以右侧“报送状态”的颜色标示。When the awaited figure is due, and its period.",
		"dateTimeAsIsoNoDateIfToday", at(16, 4, 4, 4), instantSeries("A", m("kpi_report_due_timestamp_seconds")+" * 1000", "应报 {{period}} · 逾期 {{overdue}}"))
	due.Options["textMode"] = "value_and_name"
	overdue := valueStat("报送状态", "应报期数据是否已过报送期限仍未报送 (report overdue)。", "none", at(20, 4, 4, 4),
		instant("A", fmt.Sprintf("count(%s) or vector(0)", fmt.Sprintf(`kpi_report_due_timestamp_seconds{%s, overdue="1"}`, sel))))
	overdue.FieldConfig.Defaults.Mappings = overdueMapping()
	overdue.Options["colorMode"] = "background"

	// The latest actual, with its period (a label of kpi_status).
	latest := figure("最新实际值", "最近一期报送的实际值（新增类指标为规划期内累计值），下方为单位和报告期。Latest actual, its unit and period.", 4, 0,
		instantSeries("A", fmt.Sprintf("%s * on(plan, indicator) group_left(unit) %s * on(plan, indicator) group_left(period) %s",
			m("kpi_actual"), m("kpi_indicator_info"), m("kpi_status")), "{{unit}} · 报告期 {{period}}"))
	required := figure("需年均变化", "从最新一期到截止年份，达到目标平均每年还需的变化：需年均增长率（百分比，复合增长），或每年需增减的数量（单位同指标；比重类为个百分点）；负数为需下降。Required change per year.", 12, 4,
		// One series, named by its form: a rate reads as a percentage
		// (8.5%), not "relative 0.085"; an amount per year names its unit
		// (需年均增减（家）, a share's 个百分点).
		instantSeries("A", fmt.Sprintf(`label_replace(label_replace(%s, "form", "需年均增减（$1）", "unit", "(.+)"), "form", "需年均增长率", "type", "relative")`,
			withChangeUnit(m("kpi_required_annual_change"), sel)), "{{form}}"))
	required.FieldConfig.Defaults.Decimals = ptr(2)
	required.FieldConfig.Overrides = []Override{{Matcher: Matcher{ID: "byName", Options: "需年均增长率"},
		Properties: []Property{unitProp("percentunit"), {ID: "decimals", Value: 1}}}}

	// The deciding bar; increase and continuing lines have none and say so.
	target := figure("目标值", "判定是否达标的目标值（判定线）：突破40家为41家，40家左右为38家；压缩类为基期值按比例压缩后的值；定性任务为完成（100%或1）。逐年增长类和持续类没有目标数值：逐年增长类要求每年比上年增长，持续类要求每年完成。Deciding bar at the deadline.", 8, 0, withUnit("kpi_target"))
	target.FieldConfig.Defaults.NoValue = "无目标数值（逐年增长或每年完成）"

	gap := figure("差距", "距判定目标还差多少，单位同指标（比重类为个百分点，定性任务为%）；已达标为 0 (gap to the deciding bar)。逐年增长类和持续类没有目标数值，不计差距，看状态。", 16, 0,
		instantSeries("A", withChangeUnit(gapExpr(sel), sel), "{{unit}}"))
	gap.FieldConfig.Defaults.NoValue = "不计差距（看状态）"

	panels := []Panel{
		status,
		latest,
		target,
		figure("当前应达值", "按基期值到目标值的直线路径，今天应达到的值 (expected now)。", 12, 0, withUnit("kpi_expected")),
		gap,
		asOfStat(at(20, 0, 4, 4)),
		progress,
		leadUnitTable(at(4, 4, 8, 4), m("kpi_indicator_lead_unit")),
		required,
		due,
		overdue,
		infoTable(at(0, 8, 24, 4), m("kpi_indicator_info")),
		pathChart(at(0, 12, 24, 10), m),
	}
	d := newBoard(UIDIndicator, "指标详情", "一个指标的目标、实际值、应达路径和报送期限 (one indicator)", "now-1y",
		[]Variable{
			datasourceVar(),
			queryVar("plan", "规划", "规划（目标文件）(plan)", `label_values(kpi_indicator_info, plan)`, false),
			indicatorVar(),
			webURLVar(),
		}, panels)
	// Every reported period's figure and the trend chart (from which a
	// 逐年增长 line's years read) are on kpimon's page of the indicator.
	d.Links = append(d.Links, DashLink{
		Title: "各期数据与修订（kpimon 指标页）", Type: "link", Tags: []string{}, Icon: "doc",
		Tooltip: "每期报送的实际值、走势图、修订记录和情况说明", TargetBlank: true,
		URL: "${web_url}/indicators/${plan}/${indicator}",
	})
	return d
}

// webURLRegex takes the web_url label out of a kpimon_links_info line.
const webURLRegex = `/web_url="(?<value>[^"]*)"/`

// webURLVar is, hidden, kpimon's own address (--web.external-url) for the
// link to its page of the indicator: the kpimon of the plan's region where
// the province's store holds several.
func webURLVar() Variable {
	v := queryVar("web_url", "kpimon 地址", "kpimon 网页地址 (--web.external-url)",
		`query_result(max by (region, web_url) (kpimon_links_info) and on(region) kpi_indicator_info{plan="$plan"})`, false)
	v.Regex = webURLRegex
	v.Hide = 2
	return v
}

// withChangeUnit gives the indicator's difference or change expr (one
// series) the unit label its figure is named by: the indicator's unit, and
// for a share 个百分点, as the circular and the web page write the distance
// between two shares (a milestone's completion in % stays %).
func withChangeUnit(expr, sel string) string {
	join := func(kind string) string {
		return fmt.Sprintf("%s * on(plan, indicator) group_left(unit) kpi_indicator_info{%s, kind%s}", expr, sel, kind)
	}
	return fmt.Sprintf(`label_replace(%s, "unit", "个百分点", "unit", "%%") or %s`, join(`!="milestone"`), join(`="milestone"`))
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
		column("lead_unit", "牵头单位"),
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

// leadUnitTable lists the indicator's lead units, one row per
// kpi_indicator_lead_unit series, each linking to its unit board.
func leadUnitTable(pos GridPos, lead string) Panel {
	p := table("牵头单位", "本指标的牵头单位，每个单位一行；点单位名称看该单位看板。Lead units; click one for its board.", pos, instant("A", lead))
	p.Transformations = mergeAndOrder([]string{"lead_unit"}, "Value #A", "Value", "plan", "indicator")
	p.FieldConfig.Overrides = []Override{column("lead_unit", "牵头单位", linksProp(unitLink()))}
	return p
}

// pathChart draws, over the board's time range, the actual against the
// target and the straight expected path: one continuous line each, the
// actual stepping when a figure arrives.
func pathChart(pos GridPos, m func(string) string) Panel {
	p := timeseries("实际值、应达路径与目标", "随时间变化的最新实际值（新一期数据报送时跳变）、按直线路径当时应达到的值和目标值。各期数据及修订见 kpimon 报送网页的指标页。Actual against the expected path and the target.",
		"none", pos,
		series("A", m("kpi_actual"), "实际值"),
		series("B", m("kpi_expected"), "应达值"),
		series("C", m("kpi_target"), "目标值"),
	)
	p.FieldConfig.Overrides = []Override{
		{Matcher: Matcher{ID: "byName", Options: "目标值"}, Properties: []Property{
			{ID: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "green"}},
			{ID: "custom.lineStyle", Value: map[string]any{"fill": "dash", "dash": []int{10, 10}}},
		}},
		{Matcher: Matcher{ID: "byName", Options: "应达值"}, Properties: []Property{
			{ID: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "blue"}},
		}},
	}
	return p
}
