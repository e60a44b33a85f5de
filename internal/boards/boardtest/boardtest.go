// Package boardtest holds helpers for tests of kpimon's Grafana boards, in
// the manner of net/http/httptest: it lists a board's queries and reads
// PromQL the way Grafana does (template variables, metric names), so tests
// can run every query against a real Prometheus or VictoriaMetrics.
package boardtest

import (
	"regexp"
	"sort"

	"github.com/yanfeng/kpimon/internal/boards"
)

// Query is one PromQL expression of a board's panel.
type Query struct {
	Board, Panel, RefID string
	Expr                string
	// Range says the panel draws it over the time range; otherwise it is
	// evaluated at one instant.
	Range bool
}

// Queries returns every panel query of the board, in panel order.
func Queries(d boards.Dashboard) []Query {
	var qs []Query
	for _, p := range d.Panels {
		for _, t := range p.Targets {
			qs = append(qs, Query{Board: d.UID, Panel: p.Title, RefID: t.RefID, Expr: t.Expr, Range: t.Range})
		}
	}
	return qs
}

var (
	// variableRef matches $name and ${name}; $1 in a label_replace
	// replacement is a regex group, not a variable (the boards name none
	// with a digit first, and Grafana leaves a name it lacks alone).
	variableRef = regexp.MustCompile(`\$\{([A-Za-z_]\w*)(?::\w+)?\}|\$([A-Za-z_]\w*)`)
	selectorRef = regexp.MustCompile(`\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{`)
	kpiName     = regexp.MustCompile(`\bkpi_\w+`)
)

// VariablesUsed returns the names of the template variables expr refers
// to, as $name or ${name} or ${name:format}, sorted.
func VariablesUsed(expr string) []string {
	seen := map[string]bool{}
	for _, m := range variableRef.FindAllStringSubmatch(expr, -1) {
		name := m[1]
		if name == "" {
			name = m[2]
		}
		seen[name] = true
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Interpolate replaces the template variables of expr by their values, as
// Grafana does before it sends a query. A variable without a value is left
// as it is, so Prometheus rejects the query and the caller learns of it.
func Interpolate(expr string, values map[string]string) string {
	return variableRef.ReplaceAllStringFunc(expr, func(ref string) string {
		m := variableRef.FindStringSubmatch(ref)
		name := m[1]
		if name == "" {
			name = m[2]
		}
		if v, ok := values[name]; ok {
			return v
		}
		return ref
	})
}

// MetricsUsed returns the metric names the expression selects (every name
// followed by a label matcher, and every kpi_ name), sorted and without
// repeats.
func MetricsUsed(expr string) []string {
	seen := map[string]bool{}
	for _, m := range selectorRef.FindAllStringSubmatch(expr, -1) {
		seen[m[1]] = true
	}
	for _, n := range kpiName.FindAllString(expr, -1) {
		seen[n] = true
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
