package boards_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/boards"
	"github.com/yanfeng/kpimon/internal/boards/boardtest"
)

// TestUnitBoardScopedToRegion: in the province's Grafana the 责任单位 board
// reads every district from one store, where two districts' units of one
// name (区科工信局) would count as one (31 = 28 + 3). Every series the
// board reads, in every panel and variable but the region picker itself,
// must keep to the selected region. On main 数据截至 took the latest
// evaluation time of every region.
func TestUnitBoardScopedToRegion(t *testing.T) {
	selector := regexp.MustCompile(`\b(kpi_\w+)(\{[^}]*\})?`)
	check := func(where, expr string) {
		for _, m := range selector.FindAllStringSubmatch(expr, -1) {
			if !strings.Contains(m[2], `region=~"$region"`) {
				t.Errorf("%s: %s is not kept to the selected region:\n%s", where, m[0], expr)
			}
		}
	}
	d := boards.Unit()
	for _, q := range boardtest.Queries(d) {
		check(q.Panel+" "+q.RefID, q.Expr)
	}
	for _, v := range d.Templating.List {
		if v.Type == "query" && v.Name != "region" {
			check("variable "+v.Name, v.Query)
		}
	}
}
