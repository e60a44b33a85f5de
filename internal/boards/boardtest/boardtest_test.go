package boardtest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestInterpolate(t *testing.T) {
	values := map[string]string{"plan": "p1", "plan_id": "x", "__range": "1h"}
	for _, tc := range []struct{ name, expr, want string }{
		{"dollar", `a{plan="$plan"}`, `a{plan="p1"}`},
		{"braces", `a{plan="${plan}"}`, `a{plan="p1"}`},
		{"format", `a{plan=~"${plan:regex}"}`, `a{plan=~"p1"}`},
		{"longer name", `a{plan="$plan_id"}`, `a{plan="x"}`},
		{"builtin", `increase(a[$__range])`, `increase(a[1h])`},
		{"unknown left", `a{x="$nope"}`, `a{x="$nope"}`},
		{"regex group left", `label_replace(a{plan="$plan"}, "f", "x$1", "u", "(.+)")`, `label_replace(a{plan="p1"}, "f", "x$1", "u", "(.+)")`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Interpolate(tc.expr, values); got != tc.want {
				t.Errorf("Interpolate(%q) = %q, want %q", tc.expr, got, tc.want)
			}
		})
	}
}

func TestMetricsUsed(t *testing.T) {
	for _, tc := range []struct {
		name, expr string
		want       []string
	}{
		{"selectors", `sum by (a) (kpi_gap{plan="x"} * on(plan) group_left() kpi_target{plan="x"})`, []string{"kpi_gap", "kpi_target"}},
		{"label_values", `label_values(kpi_indicator_info, plan)`, []string{"kpi_indicator_info"}},
		{"foreign", `up{job="x"} or vector(0)`, []string{"up"}},
		{"histogram", `histogram_quantile(0.9, sum by (le) (kpi_ingest_duration_seconds_bucket{a="b"}))`, []string{"kpi_ingest_duration_seconds_bucket"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, MetricsUsed(tc.expr)); diff != "" {
				t.Errorf("MetricsUsed(%q) (-want +got):\n%s", tc.expr, diff)
			}
		})
	}
}
