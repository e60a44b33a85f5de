package boards

import (
	"fmt"
	"strings"

	"github.com/yanfeng/kpimon/internal/present"
)

// The province board reads the central store (VictoriaMetrics, or any
// PromQL store) into which every district's Prometheus remote-writes its
// kpimon's series. Each district's Prometheus adds two external labels to
// every series it writes (docs/province.md):
//
//	region: the district, city or province the kpimon serves, e.g. 雁峰区
//	level:  区, 市 or 省
//
// so (region, plan, indicator) names one indicator province-wide, and the
// district boards, provisioned in the province's Grafana as well, show one
// district's plan when a link sets its plan.

// UIDProvince is the uid of the province overview board.
const UIDProvince = "kpi-province"

// RegionLabel and LevelLabel are the external labels each district's
// Prometheus sets; every province query groups or filters by them.
const (
	RegionLabel = "region"
	LevelLabel  = "level"
)

// ProvinceBoards returns the boards of the province's Grafana that the
// district's Grafana does not need; WriteDir writes them beside All().
func ProvinceBoards() []Dashboard { return []Dashboard{Province()} }

// provinceScope selects the series of the regions the variables keep.
const provinceScope = `level=~"$level", region=~"$region"`

// statusGroup is a set of statuses the province board counts together.
type statusGroup struct {
	title, desc, statuses string
}

// provinceGroups are the columns of the region table, in order; together
// they cover every status once.
func provinceGroups() []statusGroup {
	return []statusGroup{
		{"已达标", "实际值已达到目标的指标个数 (achieved)。", "achieved"},
		{"正常推进", "进度比不低于 " + onTrackPace + " 的指标，含推进中的定性任务 (on track, in progress)。", "on_track|in_progress"},
		{"进度滞后", "进度比在 " + laggingPace + " 到 " + onTrackPace + " 之间的指标 (lagging)。", "lagging"},
		{"严重滞后", "进度比低于 " + laggingPace + " 或不进反退的指标 (off track, deteriorating)。", "off_track|deteriorating"},
		{"逾期未达标", "截止时间已过仍未达标的指标 (missed)。", "missed"},
		{"无法判断", "只报送过一期或从未报送的指标 (insufficient data, no data)。", "insufficient_data|no_data"},
	}
}

// regionCount counts, per (level, region), the indicators whose current
// status is one of statuses; a region with none counts 0, not "no data".
func regionCount(statuses string) string {
	return fmt.Sprintf(`(count by (level, region) (kpi_status{%s, status=~"%s"} == 1) or 0 * %s)`,
		provinceScope, statuses, regionTotal())
}

// regionTotal counts each region's indicators.
func regionTotal() string {
	return fmt.Sprintf(`count by (level, region) (kpi_indicator_info{%s})`, provinceScope)
}

// goodShare is each region's share of indicators achieved or on track (in
// progress counts as on track, as on the overview): the ranking measure.
func goodShare() string {
	return regionCount("achieved|on_track|in_progress") + " / " + regionTotal()
}

// Province is the 全市/全省 overview: per region the counts by status and
// the share achieved or on track, the regions ranked by that share, one
// indicator compared across regions against its target, and links down to
// each region's boards.
func Province() Dashboard {
	var panels []Panel
	panels = append(panels,
		stat("地区数", "所选层级、地区中报送到省级平台的地区个数。Regions selected.", countUnit("个"), "blue", at(0, 0, 4, 4),
			instant("A", fmt.Sprintf(`count(%s)`, regionTotal()))),
		stat("指标总数", "所选地区全部规划的指标个数。Indicators of every selected region.", countUnit("个"), "blue", at(4, 0, 4, 4),
			instant("A", fmt.Sprintf(`count(kpi_indicator_info{%s})`, provinceScope))),
	)
	for i, g := range []statusGroup{provinceGroups()[0], provinceGroups()[2], provinceGroups()[3], provinceGroups()[4]} {
		expr := fmt.Sprintf(`count(kpi_status{%s, status=~"%s"} == 1) or vector(0)`, provinceScope, g.statuses)
		panels = append(panels, stat(g.title, g.desc, countUnit("个"), statusesColor(g.statuses), at(8+i*3, 0, 3, 4), instant("A", expr)))
	}
	share := stat("达标或正常推进占比", "所选地区已达标或正常推进（含推进中）的指标占全部指标的比例。Share achieved or on track.",
		"percentunit", "green", at(20, 0, 4, 4),
		instant("A", fmt.Sprintf(`(count(kpi_status{%s, status=~"achieved|on_track|in_progress"} == 1) or vector(0)) / count(kpi_indicator_info{%s})`, provinceScope, provinceScope)))
	share.FieldConfig.Defaults.Decimals = ptr(1)
	// A share is good or bad by its size, not green whatever it is.
	share.FieldConfig.Defaults.Thresholds.Steps = []ThresholdStep{{Color: present.Red.Color()}, {Color: present.Yellow.Color(), Value: ptr(0.6)}, {Color: present.Green.Color(), Value: ptr(0.8)}}
	panels = append(panels, share,
		regionTable(at(0, 4, 24, 10)),
		regionRanking(at(0, 14, 12, 10)),
		comparisonGauge(at(12, 14, 12, 10)),
		comparisonTable(at(0, 24, 24, 8)),
		planTable(at(0, 32, 24, 8)),
	)
	return newBoard(UIDProvince, "全省总览 · 各地区指标进展",
		"各地区（区、市）规划指标达标、推进、滞后情况对比，数据来自省级时序库 (every region's indicators, from the central store)", "now-24h",
		[]Variable{
			datasourceVar(),
			queryVar("level", "层级", "地区层级：区、市、省 (level)", `label_values(kpi_indicator_info, level)`, true),
			queryVar("region", "地区", "地区 (region)", `label_values(kpi_indicator_info{level=~"$level"}, region)`, true),
			queryVar("name", "对比指标", "各地区对比的指标，按中文名称选 (indicator compared across regions)",
				`label_values(kpi_indicator_info{level=~"$level", region=~"$region"}, name)`, false),
		}, panels)
}

// regionTable has one row per region: its indicators, how many stand in
// each status group, and the share achieved or on track, sorted by that
// share; a region's name leads to its plans below.
func regionTable(pos GridPos) Panel {
	targets := []Target{instant("A", regionTotal())}
	order := []string{"region", "level", "Value #A"}
	overrides := []Override{
		column("region", "地区"),
		column("level", "层级"),
		column("Value #A", "指标数"),
	}
	for i, g := range provinceGroups() {
		ref := string(rune('B' + i))
		targets = append(targets, instant(ref, regionCount(g.statuses)))
		order = append(order, "Value #"+ref)
		props := []Property{}
		if g.statuses != "achieved" && g.statuses != "on_track|in_progress" && !strings.Contains(g.statuses, "no_data") {
			props = append(props, countColors(statusesColor(g.statuses)), cellColorText())
		}
		overrides = append(overrides, column("Value #"+ref, g.title, props...))
	}
	shareRef := string(rune('B' + len(provinceGroups())))
	targets = append(targets, instant(shareRef, goodShare()))
	order = append(order, "Value #"+shareRef)
	overrides = append(overrides, column("Value #"+shareRef, "达标或正常推进占比", progressCell()...))
	p := table("各地区指标状态",
		"每个地区的指标数、各状态的指标个数，以及已达标或正常推进（含推进中）的占比，按占比从高到低排列。"+
			"Each region's indicators by status and the share achieved or on track, best first.",
		pos, targets...)
	p.Transformations = mergeAndOrder(order, "Time")
	p.FieldConfig.Overrides = overrides
	p.Options["sortBy"] = []map[string]any{{"displayName": "达标或正常推进占比", "desc": true}}
	return p
}

// regionBars draws one bar per region for a 0–1 share, best first, red
// to green.
func regionBars(title, desc string, pos GridPos, share string) Panel {
	p := bargauge(title, desc, "percentunit", pos, instantSeries("A", "sort_desc("+share+")", "{{region}}"))
	p.FieldConfig.Defaults.Min = ptr(0.0)
	p.FieldConfig.Defaults.Max = ptr(1.0)
	p.FieldConfig.Defaults.Decimals = ptr(1)
	p.FieldConfig.Defaults.Color = map[string]any{"mode": "continuous-RdYlGr"}
	return p
}

// regionRanking draws the regions as bars, best share first.
func regionRanking(pos GridPos) Panel {
	return regionBars("地区排名：达标或正常推进占比",
		"各地区已达标或正常推进（含推进中）的指标占比，从高到低。Regions ranked by the share achieved or on track.",
		pos, goodShare())
}

// compared selects the compared indicator's info series in every region.
const compared = `kpi_indicator_info{level=~"$level", region=~"$region", name="$name"}`

// comparedValue is one per-indicator family of the compared indicator, one
// series per region (and plan).
func comparedValue(family string) string {
	return fmt.Sprintf(`max by (level, region, plan, indicator) (kpi_%s{%s} and on(region, plan, indicator) %s)`, family, provinceScope, compared)
}

// comparedProgress is the compared indicator's progress in each region
// (kpimon's kpi_progress_ratio).
func comparedProgress() string {
	return fmt.Sprintf(`max by (level, region, plan, indicator) (%s and on(region, plan, indicator) %s)`, progressExpr(provinceScope), compared)
}

// comparisonGauge shows the compared indicator's progress in each region.
func comparisonGauge(pos GridPos) Panel {
	return regionBars("同一指标各地区完成进度：$name",
		"所选指标在各地区的完成进度（(实际 − 基期) ÷ (目标 − 基期)），从高到低。Progress of one indicator in every region.",
		pos, comparedProgress())
}

// comparisonTable lists the compared indicator in every region against
// that region's target; the name leads to the indicator's board.
func comparisonTable(pos GridPos) Panel {
	p := table("同一指标各地区对比：$name",
		"所选指标在各地区的目标值、最新实际值及其报告期、完成进度和状态。点指标名称看该地区的指标详情。"+
			"One indicator in every region against its target; click for the region's indicator board.",
		pos,
		instant("A", compared),
		instant("B", comparedValue("target")),
		instant("C", fmt.Sprintf(`max by (level, region, plan, indicator, period) (kpi_actual{%s} * on(region, plan, indicator) group_left(period) kpi_status{%s} and on(region, plan, indicator) %s)`, provinceScope, provinceScope, compared)),
		instant("D", comparedProgress()),
		instant("E", fmt.Sprintf(`max by (level, region, plan, indicator, status) (kpi_status{%s} == 1 and on(region, plan, indicator) %s)`, provinceScope, compared)),
	)
	p.Transformations = mergeAndOrder(
		[]string{"region", "level", "name", "lead_unit", "unit", "Value #B", "Value #C", "period", "Value #D", "status", "deadline", "plan", "indicator"},
		"Time", "__name__", "name_en", "kind", "task", "job", "instance", "Value #A", "Value #E")
	p.FieldConfig.Overrides = []Override{
		column("region", "地区"),
		column("level", "层级"),
		column("name", "指标", linksProp(indicatorLink())),
		column("lead_unit", "牵头单位"),
		column("unit", "单位"),
		column("Value #B", "目标值"),
		column("Value #C", "最新实际值"),
		column("period", "报告期"),
		column("Value #D", "完成进度", progressCell()...),
		column("status", "状态", mappingsProp(statusMapping()), cellColorBackground()),
		column("deadline", "截止年份"),
		column("plan", "规划", hidden()),
		column("indicator", "指标编号", hidden()),
	}
	p.Options["sortBy"] = []map[string]any{{"displayName": "完成进度", "desc": true}}
	return p
}

// planTable lists every region's plans with links down to the district
// boards (provisioned in the province's Grafana too, reading the same
// store): the overview filtered to the plan, which is why plan ids must be
// unique province-wide (docs/scaling.md).
func planTable(pos GridPos) Panel {
	p := table("各地区规划与看板",
		"每个地区的规划及其指标数、逾期未报送的报表数。点规划名称进入该地区的总览看板（按规划筛选）。"+
			"Every region's plans; click through to the region's boards.",
		pos,
		instant("A", fmt.Sprintf(`count by (level, region, plan) (kpi_indicator_info{%s})`, provinceScope)),
		instant("B", fmt.Sprintf(`count by (level, region, plan) (kpi_report_due_timestamp_seconds{%s, overdue="1"}) or 0 * count by (level, region, plan) (kpi_indicator_info{%s})`, provinceScope, provinceScope)),
	)
	p.Transformations = mergeAndOrder([]string{"region", "level", "plan", "Value #A", "Value #B"}, "Time")
	p.FieldConfig.Overrides = []Override{
		column("region", "地区"),
		column("level", "层级"),
		column("plan", "规划", linksProp(DataLink{
			Title: "查看该地区总览 (the region's overview)",
			URL:   "/d/" + UIDOverview + "/" + UIDOverview + "?var-region=${__data.fields.region}&var-plan=${__data.fields.plan}&${datasource:queryparam}&${__url_time_range}",
		})),
		column("Value #A", "指标数"),
		column("Value #B", "逾期未报送", countColors(overdueColor()), cellColorText()),
	}
	p.Options["sortBy"] = []map[string]any{{"displayName": "地区", "desc": false}}
	return p
}
