package boards

import (
	"slices"
	"strings"
)

// Unexported parts of the boards that the external tests (package
// boards_test) check directly.
var (
	IndicatorVar = indicatorVar
	UnitLink     = unitLink
)

const IndicatorRegex = indicatorRegex

// histograms lists the exportedMetrics (boards_test.go) that are histograms.
func histograms() []string { return []string{"kpi_ingest_duration_seconds"} }

// MetricFamily returns the family a series name belongs to: a histogram's
// name_bucket, name_sum and name_count series belong to name; other names
// are their own family.
func MetricFamily(name string) string {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && slices.Contains(histograms(), base) {
			return base
		}
	}
	return name
}
