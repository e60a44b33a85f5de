package boards_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/boards"
	"github.com/yanfeng/kpimon/internal/boards/boardtest"
)

// TestBoardsScopedToRegion: in the province's Grafana the overview, the
// 责任单位 board and the 数据报送 board read every district from one store, where two
// districts' units of one name (区科工信局) would count as one
// (31 = 28 + 3). Both pick one region, and every series they read, in
// every panel and variable but the region picker itself, keeps to it. On
// main the overview and the reporting board had no region (plan = All
// merged the districts) and the unit board's 数据截至 took the latest
// evaluation time of every region.
func TestBoardsScopedToRegion(t *testing.T) {
	selector := regexp.MustCompile(`\b(kpi_\w+)(\{[^}]*\})?`)
	for _, d := range []boards.Dashboard{boards.Overview(), boards.Unit(), boards.Reporting()} {
		t.Run(d.UID, func(t *testing.T) {
			check := func(where, expr string) {
				for _, m := range selector.FindAllStringSubmatch(expr, -1) {
					if !strings.Contains(m[2], `region=~"$region"`) {
						t.Errorf("%s: %s is not kept to the selected region:\n%s", where, m[0], expr)
					}
				}
			}
			var region *boards.Variable
			for i, v := range d.Templating.List {
				if v.Name == "region" {
					region = &d.Templating.List[i]
				} else if v.Type == "query" {
					check("variable "+v.Name, v.Query)
				}
			}
			if region == nil || region.Multi || region.IncludeAll {
				t.Fatalf("region variable %+v, want one that picks a single region", region)
			}
			for _, q := range boardtest.Queries(d) {
				check(q.Panel+" "+q.RefID, q.Expr)
			}
		})
	}
}
