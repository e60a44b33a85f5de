package boards

import (
	"fmt"
	"slices"
	"strings"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Builders for the panels, queries and variables the boards share. Every
// panel gets the data source variable, a title, a description and a unit.

func dsRef() *DatasourceRef { return &DatasourceRef{Type: "prometheus", UID: DatasourceVar} }

// instant is an instant query shown as a table row per series.
func instant(ref, expr string) Target {
	return Target{RefID: ref, Datasource: dsRef(), Expr: expr, Format: "table", Instant: true}
}

// series is a range query drawn over the board's time range.
func series(ref, expr, legend string) Target {
	return Target{RefID: ref, Datasource: dsRef(), Expr: expr, LegendFormat: legend, Format: "time_series", Range: true}
}

func at(x, y, w, h int) GridPos { return GridPos{X: x, Y: y, W: w, H: h} }

func ptr[T any](v T) *T { return &v }

func newPanel(typ, title, desc, unit string, pos GridPos, targets ...Target) Panel {
	return Panel{
		Type: typ, Title: title, Description: desc, Datasource: dsRef(), GridPos: pos,
		FieldConfig: FieldConfig{
			Defaults: FieldDefaults{
				Unit:       unit,
				Color:      map[string]any{"mode": "thresholds"},
				Thresholds: Thresholds{Mode: "absolute", Steps: []ThresholdStep{{Color: "green"}}},
				Mappings:   []ValueMapping{},
				Links:      []DataLink{},
			},
			Overrides: []Override{},
		},
		Options:         map[string]any{},
		Targets:         targets,
		Transformations: []Transformation{},
	}
}

// stat is a count on a background coloured by thresholds: neutral at 0,
// color from 1 (a fixed colour showed "0 失败批次" red). unit names what
// is counted (countUnit).
func stat(title, desc, unit, color string, pos GridPos, t Target) Panel {
	p := newPanel("stat", title, desc, unit, pos, t)
	p.FieldConfig.Defaults.Color = map[string]any{"mode": "thresholds"}
	p.FieldConfig.Defaults.Thresholds = Thresholds{Mode: "absolute", Steps: []ThresholdStep{{Color: "text"}, {Color: color, Value: ptr(1.0)}}}
	p.FieldConfig.Defaults.Decimals = ptr(0)
	p.Options = statOptions("")
	return p
}

// countUnit is Grafana's unit for a count of things: the number with the
// word after it ("3个", "2批").
func countUnit(word string) string { return "suffix:" + word }

func statOptions(fields string) map[string]any {
	return map[string]any{
		"reduceOptions": map[string]any{"calcs": []string{"lastNotNull"}, "fields": fields, "values": false},
		"orientation":   "auto",
		"textMode":      "value",
		"colorMode":     "background",
		"graphMode":     "none",
		"justifyMode":   "center",
		"wideLayout":    true,
	}
}

// valueStat is a single figure of one indicator, coloured by thresholds.
func valueStat(title, desc, unit string, pos GridPos, t Target) Panel {
	p := newPanel("stat", title, desc, unit, pos, t)
	p.FieldConfig.Defaults.Thresholds.Steps = []ThresholdStep{{Color: "text"}}
	p.Options = statOptions("")
	p.Options["colorMode"] = "value"
	return p
}

// table shows instant queries merged into one row per indicator (or unit).
func table(title, desc string, pos GridPos, targets ...Target) Panel {
	p := newPanel("table", title, desc, "none", pos, targets...)
	p.FieldConfig.Defaults.Custom = map[string]any{
		"align":       "auto",
		"cellOptions": map[string]any{"type": "auto"},
		"filterable":  true,
		"inspect":     false,
	}
	p.Options = map[string]any{
		"showHeader": true,
		"cellHeight": "sm",
		"footer":     map[string]any{"show": false, "reducer": []string{"sum"}, "countRows": false, "fields": ""},
	}
	return p
}

// timeseries draws range queries as lines.
func timeseries(title, desc, unit string, pos GridPos, targets ...Target) Panel {
	p := newPanel("timeseries", title, desc, unit, pos, targets...)
	p.FieldConfig.Defaults.Color = map[string]any{"mode": "palette-classic"}
	p.FieldConfig.Defaults.Custom = map[string]any{
		"drawStyle":         "line",
		"lineInterpolation": "stepAfter",
		"lineWidth":         2,
		"fillOpacity":       0,
		"showPoints":        "auto",
		"spanNulls":         true,
		"axisPlacement":     "auto",
	}
	p.Options = map[string]any{
		"legend":  map[string]any{"displayMode": "table", "placement": "bottom", "showLegend": true, "calcs": []string{"lastNotNull"}},
		"tooltip": map[string]any{"mode": "multi", "sort": "none"},
	}
	return p
}

// bargauge shows one bar per series, e.g. progress per indicator.
func bargauge(title, desc, unit string, pos GridPos, t Target) Panel {
	p := newPanel("bargauge", title, desc, unit, pos, t)
	p.Options = map[string]any{
		"reduceOptions": map[string]any{"calcs": []string{"lastNotNull"}, "fields": "", "values": false},
		"orientation":   "horizontal",
		"displayMode":   "gradient",
		"showUnfilled":  true,
		"valueMode":     "color",
		"namePlacement": "left",
		"sizing":        "auto",
		"minVizHeight":  16,
		"minVizWidth":   8,
		"maxVizHeight":  300,
	}
	return p
}

// column overrides the display of one table column, matched by the field
// name the query gives it (a label name, or "Value #<refId>").
func column(field, display string, props ...Property) Override {
	all := append([]Property{{ID: "displayName", Value: display}}, props...)
	return Override{Matcher: Matcher{ID: "byName", Options: field}, Properties: all}
}

func unitProp(unit string) Property { return Property{ID: "unit", Value: unit} }

func hidden() Property { return Property{ID: "custom.hidden", Value: true} }

func cellColorText() Property {
	return Property{ID: "custom.cellOptions", Value: map[string]any{"type": "color-text"}}
}

func cellColorBackground() Property {
	return Property{ID: "custom.cellOptions", Value: map[string]any{"type": "color-background", "mode": "basic"}}
}

func mappingsProp(m []ValueMapping) Property { return Property{ID: "mappings", Value: m} }

func linksProp(links ...DataLink) Property { return Property{ID: "links", Value: links} }

// progressCell draws a progress ratio as a bar from 0 to 100 %, red to green.
func progressCell() []Property {
	return []Property{
		unitProp("percentunit"),
		{ID: "min", Value: 0},
		{ID: "max", Value: 1},
		{ID: "color", Value: map[string]any{"mode": "continuous-RdYlGr"}},
		{ID: "custom.cellOptions", Value: map[string]any{"type": "gauge", "mode": "basic", "valueDisplayMode": "text"}},
	}
}

// technicalFields are hidden from every table: Prometheus' own labels and
// the alert text kpimon puts on alerted samples.
var technicalFields = []string{"Time", "__name__", "job", "instance", "summary", "description", "dashboard"}

// mergeAndOrder merges the instant queries into one table and orders its
// columns; fields not listed keep their place after the listed ones; the
// technical fields and exclude are hidden.
func mergeAndOrder(order []string, exclude ...string) []Transformation {
	index := map[string]any{}
	for i, f := range order {
		index[f] = i
	}
	excl := map[string]any{}
	for _, f := range append(slices.Clone(technicalFields), exclude...) {
		excl[f] = true
	}
	return []Transformation{
		{ID: "merge", Options: map[string]any{}},
		{ID: "organize", Options: map[string]any{"excludeByName": excl, "indexByName": index, "renameByName": map[string]any{}}},
	}
}

// gapExpr is the shortfall against the deciding bar (kpi_target) in the
// indicator's unit, 0 when met, as kpimon's evaluation computes it
// (kpi_gap is not exported: docs/metrics.md): bar − actual for lines that
// must reach a figure, actual − bar for those that must stay under one.
// Increase and continuing lines have no kpi_target, so no gap: their
// status and reason say what is wrong.
func gapExpr(sel string) string {
	return fmt.Sprintf(`(clamp_min(kpi_target{%[1]s} - kpi_actual{%[1]s}, 0) and on(plan, indicator) kpi_indicator_info{%[1]s, kind!~"at_most|reduce_by"}`+
		` or clamp_min(kpi_actual{%[1]s} - kpi_target{%[1]s}, 0) and on(plan, indicator) kpi_indicator_info{%[1]s, kind=~"at_most|reduce_by"})`, sel)
}

// progressExpr is kpimon's own progress ratio (kpi_progress_ratio): from
// baseline to the deciding bar, a milestone's share done, a continuing
// line's years done of years due; absent where kpimon has none (increase
// lines), so a board never shows a progress the API does not.
func progressExpr(sel string) string {
	return fmt.Sprintf(`kpi_progress_ratio{%s}`, sel)
}

// asOfStat shows the instant kpimon evaluated the indicators at: every
// figure on a board stands as of it.
func asOfStat(pos GridPos) Panel {
	p := valueStat("数据截至", "kpimon 评估各指标所依据的时点（当前时间，或以 --as-of 指定的日期）。All figures stand as of this instant.",
		"dateTimeAsIso", pos, instant("A", "max(kpi_evaluation_timestamp_seconds) * 1000"))
	return p
}

// Links between boards. Grafana fills ${__data.fields.x} from the row's
// field x and ${datasource:queryparam} with var-datasource=<uid>.

func indicatorLink() DataLink {
	return DataLink{
		Title: "查看指标详情 (indicator board)",
		URL:   "/d/" + UIDIndicator + "/" + UIDIndicator + "?var-plan=${__data.fields.plan}&var-indicator=${__data.fields.indicator}&${datasource:queryparam}&${__url_time_range}",
	}
}

func unitLink() DataLink {
	return DataLink{
		Title: "查看责任单位 (unit board)",
		URL:   "/d/" + UIDUnit + "/" + UIDUnit + "?var-lead_unit=${__data.fields.lead_unit}&${region:queryparam}&${plan:queryparam}&${datasource:queryparam}&${__url_time_range}",
	}
}

func boardLinks() []DashLink {
	return []DashLink{{
		Title: "kpimon 看板", Type: "dashboards", Tags: []string{Tag}, AsDropdown: false,
		IncludeVars: false, KeepTime: true, Icon: "external link", Tooltip: "", URL: "",
	}}
}

// Variables.

func datasourceVar() Variable {
	return Variable{
		Name: "datasource", Label: "数据源", Type: "datasource", Query: "prometheus",
		Description: "Prometheus 数据源 (data source)",
		Refresh:     1, Current: Current{Text: "Prometheus (kpimon)", Value: DatasourceUID}, Options: []Option{},
	}
}

// queryVar is a variable filled by a label_values query.
func queryVar(name, label, desc, query string, multi bool) Variable {
	v := Variable{
		Name: name, Label: label, Description: desc, Type: "query", Datasource: dsRef(),
		Query: query, Definition: query, Refresh: 2, Sort: 1, Multi: multi, IncludeAll: multi,
		Options: []Option{},
	}
	if multi {
		v.AllValue = ".*"
		v.Current = Current{Selected: true, Text: []string{"All"}, Value: []string{"$__all"}}
	} else {
		v.Current = Current{Text: "", Value: ""}
	}
	return v
}

// statusVar lets the overview filter by status, shown in Chinese.
func statusVar() Variable {
	var pairs []string
	opts := []Option{{Selected: true, Text: "All", Value: "$__all"}}
	for _, s := range kpi.Statuses {
		pairs = append(pairs, fmt.Sprintf("%s : %s", s.Chinese(), s))
		opts = append(opts, Option{Text: s.Chinese(), Value: string(s)})
	}
	return Variable{
		Name: "status", Label: "状态", Description: "按评估状态筛选 (filter by status)", Type: "custom",
		Query: strings.Join(pairs, ","), Multi: true, IncludeAll: true, AllValue: ".*",
		Current: Current{Selected: true, Text: []string{"All"}, Value: []string{"$__all"}},
		Options: opts,
	}
}

// on joins expr with the filters: only series of indicators every filter
// keeps remain.
func on(expr string, filters ...string) string {
	for _, f := range filters {
		expr += " and on(plan, indicator) " + f
	}
	return expr
}

func newBoard(uid, title, desc string, from string, vars []Variable, panels []Panel) Dashboard {
	for i := range panels {
		panels[i].ID = i + 1
	}
	return Dashboard{
		UID: uid, Title: title, Description: desc, Tags: []string{Tag}, Timezone: "browser",
		Editable: true, GraphTooltip: 1, Refresh: "5m", SchemaVersion: 39, Version: 1,
		Time:        TimeRange{From: from, To: "now"},
		Templating:  Templating{List: vars},
		Annotations: Annotations{List: []any{}},
		Links:       boardLinks(),
		Panels:      panels,
	}
}

// instantSeries is an instant query named by its legend, for stat and bar
// gauge panels that show one value per series.
func instantSeries(ref, expr, legend string) Target {
	return Target{RefID: ref, Datasource: dsRef(), Expr: expr, LegendFormat: legend, Format: "time_series", Instant: true}
}
