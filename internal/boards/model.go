package boards

// The types below are the part of Grafana's dashboard JSON model (schema
// version 39, Grafana 11) the kpimon boards use. They are written out as the
// provisioned files and read back by the tests, so a field missing here is a
// field the boards do not set.

// Dashboard is one Grafana dashboard as provisioned from a JSON file.
type Dashboard struct {
	UID           string      `json:"uid"`
	Title         string      `json:"title"`
	Description   string      `json:"description"`
	Tags          []string    `json:"tags"`
	Timezone      string      `json:"timezone"`
	Editable      bool        `json:"editable"`
	GraphTooltip  int         `json:"graphTooltip"`
	Refresh       string      `json:"refresh"`
	SchemaVersion int         `json:"schemaVersion"`
	Version       int         `json:"version"`
	Time          TimeRange   `json:"time"`
	Templating    Templating  `json:"templating"`
	Annotations   Annotations `json:"annotations"`
	Links         []DashLink  `json:"links"`
	Panels        []Panel     `json:"panels"`
}

// TimeRange is the dashboard's default time range.
type TimeRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Annotations holds the dashboard's annotation queries (none besides
// Grafana's built-in ones, which Grafana adds itself).
type Annotations struct {
	List []any `json:"list"`
}

// Templating holds the dashboard's template variables.
type Templating struct {
	List []Variable `json:"list"`
}

// Variable is a template variable: the data source picker, a label_values
// query, or a custom list.
type Variable struct {
	Name        string         `json:"name"`
	Label       string         `json:"label"`
	Description string         `json:"description,omitempty"`
	Type        string         `json:"type"` // datasource, query, custom
	Datasource  *DatasourceRef `json:"datasource,omitempty"`
	// Query is the plugin type for a datasource variable, the PromQL
	// variable query for a query variable, and "text : value" pairs for a
	// custom variable.
	Query      string   `json:"query"`
	Definition string   `json:"definition,omitempty"`
	Regex      string   `json:"regex"`
	Refresh    int      `json:"refresh"` // 1 on load, 2 on time range change
	Sort       int      `json:"sort"`
	Hide       int      `json:"hide"`
	Multi      bool     `json:"multi"`
	IncludeAll bool     `json:"includeAll"`
	AllValue   string   `json:"allValue,omitempty"`
	Current    Current  `json:"current"`
	Options    []Option `json:"options"`
}

// Current is a variable's selected value.
type Current struct {
	Selected bool `json:"selected,omitempty"`
	Text     any  `json:"text"`  // string, or []string for multi values
	Value    any  `json:"value"` // string, or []string for multi values
}

// Option is one choice of a custom variable.
type Option struct {
	Selected bool   `json:"selected"`
	Text     string `json:"text"`
	Value    string `json:"value"`
}

// DashLink is a link in the dashboard's header.
type DashLink struct {
	Title       string   `json:"title"`
	Type        string   `json:"type"` // dashboards or link
	Tags        []string `json:"tags"`
	AsDropdown  bool     `json:"asDropdown"`
	IncludeVars bool     `json:"includeVars"`
	KeepTime    bool     `json:"keepTime"`
	TargetBlank bool     `json:"targetBlank"`
	Icon        string   `json:"icon"`
	Tooltip     string   `json:"tooltip"`
	URL         string   `json:"url"`
}

// DatasourceRef points a panel, query or variable at a data source.
type DatasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// Panel is one visualization. kpimon's boards use no rows, so every panel
// is a real one with queries.
type Panel struct {
	ID              int              `json:"id"`
	Type            string           `json:"type"` // stat, table, timeseries, barchart, bargauge
	Title           string           `json:"title"`
	Description     string           `json:"description"`
	Datasource      *DatasourceRef   `json:"datasource"`
	GridPos         GridPos          `json:"gridPos"`
	FieldConfig     FieldConfig      `json:"fieldConfig"`
	Options         map[string]any   `json:"options"`
	Targets         []Target         `json:"targets"`
	Transformations []Transformation `json:"transformations"`
}

// GridPos places a panel on the 24-column grid.
type GridPos struct {
	H int `json:"h"`
	W int `json:"w"`
	X int `json:"x"`
	Y int `json:"y"`
}

// Target is one PromQL query of a panel.
type Target struct {
	RefID        string         `json:"refId"`
	Datasource   *DatasourceRef `json:"datasource"`
	Expr         string         `json:"expr"`
	LegendFormat string         `json:"legendFormat,omitempty"`
	Format       string         `json:"format"` // time_series or table
	Instant      bool           `json:"instant"`
	Range        bool           `json:"range"`
	Interval     string         `json:"interval,omitempty"`
}

// FieldConfig holds the defaults of every field of a panel and the
// per-field overrides.
type FieldConfig struct {
	Defaults  FieldDefaults `json:"defaults"`
	Overrides []Override    `json:"overrides"`
}

// FieldDefaults is how a panel shows its fields unless overridden.
type FieldDefaults struct {
	Unit        string         `json:"unit"`
	Decimals    *int           `json:"decimals,omitempty"`
	Min         *float64       `json:"min,omitempty"`
	Max         *float64       `json:"max,omitempty"`
	NoValue     string         `json:"noValue,omitempty"`
	Color       map[string]any `json:"color"`
	Thresholds  Thresholds     `json:"thresholds"`
	Mappings    []ValueMapping `json:"mappings"`
	Links       []DataLink     `json:"links"`
	Custom      map[string]any `json:"custom,omitempty"`
	DisplayName string         `json:"displayName,omitempty"`
}

// Thresholds colour values by steps.
type Thresholds struct {
	Mode  string          `json:"mode"` // absolute or percentage
	Steps []ThresholdStep `json:"steps"`
}

// ThresholdStep is one step; the first has a nil value (minus infinity).
type ThresholdStep struct {
	Color string   `json:"color"`
	Value *float64 `json:"value"`
}

// ValueMapping maps raw values to display text and colour. kpimon uses the
// "value" type only: one entry per raw value.
type ValueMapping struct {
	Type    string                  `json:"type"`
	Options map[string]MappedResult `json:"options"`
}

// MappedResult is what a mapped value shows.
type MappedResult struct {
	Text  string `json:"text"`
	Color string `json:"color,omitempty"`
	Index int    `json:"index"`
}

// DataLink is a link on a field's values, e.g. from an indicator's name to
// its board.
type DataLink struct {
	Title       string `json:"title"`
	URL         string `json:"url"`
	TargetBlank bool   `json:"targetBlank"`
}

// Override changes the config of the fields a matcher selects.
type Override struct {
	Matcher    Matcher    `json:"matcher"`
	Properties []Property `json:"properties"`
}

// Matcher selects fields, e.g. {"id": "byName", "options": "status"}.
type Matcher struct {
	ID      string `json:"id"`
	Options any    `json:"options"`
}

// Property is one overridden setting, e.g. {"id": "unit", "value": "percentunit"}.
type Property struct {
	ID    string `json:"id"`
	Value any    `json:"value"`
}

// Transformation reshapes query results, e.g. merging several instant
// queries into one table.
type Transformation struct {
	ID      string         `json:"id"`
	Options map[string]any `json:"options"`
}
