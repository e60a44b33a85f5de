// Command gen writes kpimon's Grafana boards as JSON files for provisioning.
//
//	go run ./internal/boards/cmd/gen -out grafana/dashboards
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/yanfeng/kpimon/internal/boards"
)

func main() {
	out := flag.String("out", "grafana/dashboards", "`dir` to write the board JSON files into")
	flag.Parse()
	if err := boards.WriteDir(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
