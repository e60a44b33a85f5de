package boards

import "strings"

// regionVar picks one region on a board that province Grafana reads from
// VictoriaMetrics (overview, unit and reporting boards), where two
// districts' units of one name (区科工信局) would otherwise count as one
// (31 = 28 + 3). One region, no All: the first by default. A district's
// own Prometheus has no region label: the variable is empty and
// region=~"" keeps every series.
func regionVar() Variable {
	return queryVar("region", "地区", "地区 (region)；区县自身的看板无此项", `label_values(kpi_indicator_info, `+RegionLabel+`)`, false)
}

// inRegion scopes every series of d's queries and variables to the
// selected region: those naming the plan or the source, the evaluation
// time and the supervision items (TestBoardsScopedToRegion holds it).
func inRegion(d *Dashboard) {
	scope := func(expr string) string {
		expr = strings.ReplaceAll(expr, `plan=~"$plan"`, `plan=~"$plan", region=~"$region"`)
		expr = strings.ReplaceAll(expr, `kpi_indicator_info, plan)`, `kpi_indicator_info{region=~"$region"}, plan)`)
		expr = strings.ReplaceAll(expr, `kpi_evaluation_timestamp_seconds)`, `kpi_evaluation_timestamp_seconds{region=~"$region"})`)
		expr = strings.ReplaceAll(expr, `source=~"$source"`, `source=~"$source", region=~"$region"`)
		expr = strings.ReplaceAll(expr, `kpi_ingest_runs_total, source)`, `kpi_ingest_runs_total{region=~"$region"}, source)`)
		return strings.ReplaceAll(expr, `kpi_supervision_items{unit`, `kpi_supervision_items{region=~"$region", unit`)
	}
	for i := range d.Panels {
		for j := range d.Panels[i].Targets {
			d.Panels[i].Targets[j].Expr = scope(d.Panels[i].Targets[j].Expr)
		}
	}
	for i := range d.Templating.List {
		if v := &d.Templating.List[i]; v.Name != "region" {
			v.Query, v.Definition = scope(v.Query), scope(v.Definition)
		}
	}
}
