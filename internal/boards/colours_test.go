package boards_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/boards"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// selectedStatuses finds the statuses a query counts: the status=~"…"
// matcher of its kpi_status series (".*", all of them, is no status).
var selectedStatuses = regexp.MustCompile(`kpi_status\{[^}]*status=~"([^"]+)"`)

// wantStatusesColor is the colour present's one colour table gives a count
// of the statuses in the alternation "a|b": one status its own colour, a
// group the colour of its most serious light (a count never looks better
// than the worst status it holds).
func wantStatusesColor(statuses string) string {
	lights := present.DefaultLights()
	names := strings.Split(statuses, "|")
	if len(names) == 1 {
		return lights.StatusColor(kpi.Status(names[0]))
	}
	for _, l := range []present.Light{present.Red, present.Yellow, present.Green} {
		for _, s := range names {
			if lights.Of(kpi.Status(s)) == l {
				return l.Color()
			}
		}
	}
	return present.None.Color()
}

// TestStatusColoursFromOneTable checks every colour a board gives a status
// against present's table, which the circular and the web page use: status
// words, stat tiles and table columns that count indicators of some
// statuses, and counts of overdue reports (red, as on the web page). On
// main 逾期未达标 counts were purple, lagging counts orange and 无法判断
// #8e8e8e on the overview, unit and province boards, while the circular
// lights them red, yellow/red and grey.
func TestStatusColoursFromOneTable(t *testing.T) {
	lights := present.DefaultLights()
	checked := map[string]map[string]bool{} // board file → statuses whose count colour was checked
	for file, d := range readBoards(t) {
		checked[file] = map[string]bool{}
		for _, p := range d.Panels {
			where := fmt.Sprintf("%s panel %q", file, p.Title)
			checkMappings := func(ms []boards.ValueMapping) {
				for _, m := range ms {
					for raw, r := range m.Options {
						if slices.Contains(kpi.Statuses, kpi.Status(raw)) {
							if want := lights.StatusColor(kpi.Status(raw)); r.Color != want {
								t.Errorf("%s: status %s (%s) coloured %q, present's table says %q", where, raw, r.Text, r.Color, want)
							}
						}
					}
				}
			}
			checkMappings(p.FieldConfig.Defaults.Mappings)
			// countColor checks the colour of a count from 1 against what
			// expr counts.
			countColor := func(what, expr, got string) {
				want := ""
				if m := selectedStatuses.FindStringSubmatch(expr); m != nil && m[1] != ".*" {
					want = wantStatusesColor(m[1])
					checked[file][m[1]] = true
				} else if strings.Contains(expr, `overdue="1"`) && !strings.Contains(expr, "kpi_status") {
					want = present.Red.Color()
					checked[file]["overdue"] = true
				}
				if want != "" && got != want {
					t.Errorf("%s%s: count coloured %q, present's table says %q (query %s)", where, what, got, want, expr)
				}
			}
			if p.Type == "stat" && p.FieldConfig.Defaults.Unit != "percentunit" && len(p.Targets) == 1 {
				// A stat that maps its values shows the mapped colour (the
				// indicator board's 报送状态: 1 is 逾期未报).
				got := ""
				if ms := p.FieldConfig.Defaults.Mappings; len(ms) > 0 {
					got = ms[0].Options["1"].Color
				} else {
					steps := p.FieldConfig.Defaults.Thresholds.Steps
					got = steps[len(steps)-1].Color
				}
				countColor("", p.Targets[0].Expr, got)
			}
			for _, o := range p.FieldConfig.Overrides {
				field, _ := o.Matcher.Options.(string)
				for _, prop := range o.Properties {
					b, err := json.Marshal(prop.Value)
					if err != nil {
						t.Fatal(err)
					}
					switch prop.ID {
					case "mappings":
						var ms []boards.ValueMapping
						if err := json.Unmarshal(b, &ms); err != nil {
							t.Fatalf("%s column %s: mappings: %v", where, field, err)
						}
						checkMappings(ms)
					case "thresholds":
						var th boards.Thresholds
						if err := json.Unmarshal(b, &th); err != nil {
							t.Fatalf("%s column %s: thresholds: %v", where, field, err)
						}
						ref, ok := strings.CutPrefix(field, "Value #")
						if !ok || len(th.Steps) == 0 {
							continue
						}
						for _, q := range p.Targets {
							if q.RefID == ref {
								countColor(" column "+field, q.Expr, th.Steps[len(th.Steps)-1].Color)
							}
						}
					}
				}
			}
		}
	}
	// The test must have seen the counts it is about, or it proves nothing.
	for file, statuses := range map[string][]string{
		"kpi-overview.json":  {"missed", "lagging|off_track|deteriorating", "overdue"},
		"kpi-unit.json":      {"missed", "lagging|off_track|deteriorating", "on_track", "in_progress", "overdue"},
		"kpi-province.json":  {"missed", "lagging", "off_track|deteriorating", "overdue"},
		"kpi-reporting.json": {"overdue"},
		"kpi-indicator.json": {"overdue"},
	} {
		for _, s := range statuses {
			if !checked[file][s] {
				t.Errorf("%s: no coloured count of %s found to check", file, s)
			}
		}
	}
}
