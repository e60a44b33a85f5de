package catalog

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestReportingFromIsADay: a plan's reporting_from is taken exactly when
// kpi.ParseDay takes it (the catalog once had bounds of its own), and a
// refusal names the field and the years allowed.
func TestReportingFromIsADay(t *testing.T) {
	for _, day := range []string{"2023-06-30", "1900-01-01", "2200-12-31", "1899-12-31", "2201-01-01", "2023-6-30", "2023-02-30"} {
		src := strings.Replace(planYAML("p", "1:a"), "end_year: 2022\n", "end_year: 2022\nreporting_from: "+day+"\n", 1)
		cat, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(src)}})
		want, dayErr := kpi.ParseDay(day)
		if dayErr == nil {
			if err != nil || !cat.Plans[0].ReportingFrom.Equal(want) {
				t.Errorf("reporting_from %s: %v, %v; want %v", day, cat.Plans, err, want)
			}
			continue
		}
		ps := Problems(err)
		if len(ps) != 1 || ps[0].Field != "reporting_from" || !strings.Contains(ps[0].Expected, "1900 to 2200") {
			t.Errorf("reporting_from %s: %v; want one reporting_from problem naming the years", day, err)
		}
	}
}
