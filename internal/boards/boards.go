// Package boards defines kpimon's Grafana dashboards in Go and writes them
// as the JSON files Grafana provisions from grafana/dashboards. The boards
// are what district leaders look at, so their titles, labels and status
// words are Chinese.
//
// Regenerate the committed files after a change:
//
//	go generate ./internal/boards
package boards

//go:generate go run ./cmd/gen -out ../../grafana/dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

const (
	// DatasourceUID is the uid of the Prometheus data source provisioned by
	// grafana/provisioning/datasources/prometheus.yml.
	DatasourceUID = "kpimon-prometheus"
	// DatasourceVar is how every panel and query names its data source: the
	// board's data source variable, which defaults to DatasourceUID.
	DatasourceVar = "${datasource}"
	// Tag marks kpimon's boards; the header links list every board with it.
	Tag = "kpimon"

	UIDOverview  = "kpi-overview"
	UIDUnit      = "kpi-unit"
	UIDIndicator = "kpi-indicator"
	UIDReporting = "kpi-reporting"
)

// All returns every board, in the order of the header links.
func All() []Dashboard {
	return []Dashboard{Overview(), Unit(), Indicator(), Reporting()}
}

// FileName is the name of the board's file in grafana/dashboards.
func FileName(d Dashboard) string { return d.UID + ".json" }

// Marshal returns the board as Grafana reads it: indented JSON with Chinese
// and PromQL operators left readable, ending in a newline.
func Marshal(d Dashboard) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("encode board %s: %w", d.UID, err)
	}
	return buf.Bytes(), nil
}

// WriteDir writes every board into dir, one file each: All() and the
// province's ProvinceBoards().
func WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create board dir: %w", err)
	}
	for _, d := range append(All(), ProvinceBoards()...) {
		b, err := Marshal(d)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, FileName(d)), b, 0o644); err != nil {
			return fmt.Errorf("write board %s: %w", d.UID, err)
		}
	}
	return nil
}

// The boards' colours come from present's one colour table, with the
// default lights (the boards are generated files; a --report.lights change
// is not reflected here): a status word, a count of one status and a count
// of several all take their colour from it, as the circular and the web
// page do.

// statusesColor is the colour of a count of the indicators in statuses,
// written as the queries select them ("lagging|off_track|deteriorating"):
// one status has its own colour (present.Lights.StatusColor); several take
// the colour of the most serious light among them, so a count never looks
// better than the worst status it holds.
func statusesColor(statuses string) string {
	lights := present.DefaultLights()
	names := strings.Split(statuses, "|")
	if len(names) == 1 {
		return lights.StatusColor(kpi.Status(names[0]))
	}
	seriousness := []present.Light{present.None, present.Green, present.Yellow, present.Red}
	worst := present.None
	for _, s := range names {
		if l := lights.Of(kpi.Status(s)); slices.Index(seriousness, l) > slices.Index(seriousness, worst) {
			worst = l
		}
	}
	return worst.Color()
}

// overdueColor colours a report past its due date: red, as the web page
// marks it.
func overdueColor() string { return present.Red.Color() }

// statusMapping shows a status label value as its coloured Chinese word.
func statusMapping() []ValueMapping {
	opts := map[string]MappedResult{}
	for i, s := range kpi.Statuses {
		opts[string(s)] = MappedResult{Text: s.Chinese(), Color: statusesColor(string(s)), Index: i}
	}
	return []ValueMapping{{Type: "value", Options: opts}}
}

// overdueMapping shows the count of overdue reports of one indicator as
// words.
func overdueMapping() []ValueMapping {
	return []ValueMapping{{Type: "value", Options: map[string]MappedResult{
		"0": {Text: "按时", Color: present.Green.Color(), Index: 0},
		"1": {Text: "逾期未报", Color: overdueColor(), Index: 1},
	}}}
}
