package main

import (
	"fmt"
	"time"

	"github.com/alecthomas/kingpin/v2"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// reportingFromFlag adds --reporting.from (KPIMON_REPORTING_FROM) to cmd:
// serve, report and status read report duty from the same setting, so a
// circular or an offline status names the same overdue figures as the
// server (docs/method.md, "Report duty").
func (c *cli) reportingFromFlag(cmd *kingpin.CmdClause) *string {
	return c.env(cmd.Flag("reporting.from", "Day reporting duty starts (2023-06-30) for plans whose targets file sets no reporting_from; figures due before it are history to import, not overdue. Default: the day a plan is first loaded into the store. Give serve, report and status the same day."), "KPIMON_REPORTING_FROM", "").PlaceHolder("DATE").String()
}

// parseReportingFrom reads --reporting.from; zero when s is empty.
func parseReportingFrom(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := kpi.ParseDay(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--reporting.from %q: want a day like 2023-06-30, years %d to %d", s, kpi.FirstYear, kpi.LastYear)
	}
	return t, nil
}
