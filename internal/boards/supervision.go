package boards

import (
	"fmt"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// Supervision panels (督办): kpi_supervision_items{unit,state} counts each
// lead unit's supervision items by state; the unit label is the lead unit.

// supervisionColors colour the states: waiting amber, late red, answered
// and reviewed green, closed grey.
var supervisionColors = map[kpi.SupervisionState]string{
	kpi.SupervisionPending:  "orange",
	kpi.SupervisionOverdue:  "red",
	kpi.SupervisionAnswered: "green",
	kpi.SupervisionReviewed: "dark-green",
	kpi.SupervisionClosed:   "text",
}

// supervisionTable is the overview's 督办情况: each lead unit's items by
// state, the units with late items first.
func supervisionTable(pos GridPos) Panel {
	var targets []Target
	order := []string{"unit"}
	overrides := []Override{column("unit", "牵头单位", linksProp(supervisionUnitLink()))}
	for i, st := range kpi.SupervisionStates {
		ref := string(rune('A' + i))
		targets = append(targets, instant(ref, fmt.Sprintf(`sum by (unit) (kpi_supervision_items{unit=~"$lead_unit", state=%q})`, st)))
		order = append(order, "Value #"+ref)
		overrides = append(overrides, column("Value #"+ref, present.SupervisionState(st), countColors(supervisionColors[st]), cellColorText()))
	}
	p := table("督办情况",
		"红灯指标按牵头单位立项督办：待说明、逾期未说明（说明期限已过仍未提交情况说明）、已说明、已审阅、已办结的事项数。点单位名称看该单位看板。"+
			"Supervision items (督办) per lead unit and state.",
		pos, targets...)
	p.Transformations = mergeAndOrder(order)
	p.FieldConfig.Overrides = overrides
	p.Options["sortBy"] = []map[string]any{{"displayName": present.SupervisionState(kpi.SupervisionOverdue), "desc": true}}
	return p
}

// supervisionUnitLink opens the unit's board from the 督办情况 table.
func supervisionUnitLink() DataLink {
	return DataLink{
		Title: "查看责任单位 (unit board)",
		URL:   "/d/" + UIDUnit + "/" + UIDUnit + "?var-lead_unit=${__data.fields.unit}&${region:queryparam}&${plan:queryparam}&${datasource:queryparam}&${__url_time_range}",
	}
}

// supervisionStats are the unit board's tiles: its items by state.
func supervisionStats(y int) []Panel {
	var panels []Panel
	for i, st := range kpi.SupervisionStates {
		desc := "本单位处于“" + present.SupervisionState(st) + "”的督办事项数 (supervision items, " + string(st) + ")。"
		expr := fmt.Sprintf(`sum(kpi_supervision_items{unit="$lead_unit", state=%q}) or vector(0)`, st)
		panels = append(panels, stat("督办："+present.SupervisionState(st), desc, countUnit("项"), supervisionColors[st], at(i*4, y, 4, 4), instant("A", expr)))
	}
	return panels
}
