package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestReportDutyOffTheServer: report and an offline status count report
// duty from --reporting.from (KPIMON_REPORTING_FROM) as serve does; they
// said 逾期未报送 0 where the API said 15.
func TestReportDutyOffTheServer(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	figures := filepath.Join(dir, "figures.csv")
	if err := os.WriteFile(figures, []byte("指标编号,报告期,实际值\nhigh_tech_enterprises,2019,12\nhigh_tech_enterprises,2020,16\nhigh_tech_enterprises,2021,28\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := runKpimon(t, nil, "ingest", "--storage.path", data, figures); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr)
	}

	// As of 2021-06-30 with duty from 2019, every annual line but the one
	// reported owes its 2019 figure (due by the end of 2020-03-31).
	status, stderr, err := runKpimon(t, nil, "status", "--storage.path", data, "--as-of", "2021-06-30", "--reporting.from", "2019-01-01")
	if err != nil {
		t.Fatalf("status: %v\n%s", err, stderr)
	}
	overdue := strings.Count(status, "逾期未报 overdue")
	if overdue < 10 {
		t.Errorf("status --reporting.from 2019-01-01 shows %d overdue reports, want every annual line's:\n%s", overdue, status)
	}
	if strings.Contains(status, "high_tech_enterprises") && regexp.MustCompile(`high_tech_enterprises[^\n]*逾期未报`).MatchString(status) {
		t.Errorf("status names high_tech_enterprises overdue although 2019 and 2020 are in")
	}
	envStatus, _, err := runKpimon(t, map[string]string{"KPIMON_REPORTING_FROM": "2019-01-01"}, "status", "--storage.path", data, "--as-of", "2021-06-30")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(envStatus, "逾期未报 overdue"); got != overdue {
		t.Errorf("KPIMON_REPORTING_FROM gives %d overdue, --reporting.from %d", got, overdue)
	}

	html := filepath.Join(dir, "通报.html")
	if _, stderr, err := runKpimon(t, nil, "report", "--storage.path", data, "--as-of", "2021-06-30", "--reporting.from", "2019-01-01", "-o", html); err != nil {
		t.Fatalf("report: %v\n%s", err, stderr)
	}
	body, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`逾期未报送数据的(\d+)项`).FindStringSubmatch(string(body))
	if m == nil || m[1] != strconv.Itoa(overdue) {
		t.Errorf("the circular says %v overdue, want %d as status says", m, overdue)
	}
	// After the plan closed, the lines that never reported still count as
	// 逾期未报: all but the one reported, which closed.
	late, _, err := runKpimon(t, nil, "status", "--storage.path", data, "--as-of", "2024-06-30", "--reporting.from", "2019-01-01")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(late, "逾期未报 "); got != 79 {
		t.Errorf("as of 2024-06-30, %d overdue reports, want 79 (every line but the one reported)", got)
	}
	if _, stderr, err := runKpimon(t, nil, "report", "--storage.path", data, "--as-of", "2024-06-30", "--reporting.from", "2019-01-01", "-o", html); err != nil {
		t.Fatalf("report: %v\n%s", err, stderr)
	}
	if body, _ := os.ReadFile(html); !strings.Contains(string(body), "逾期未报送数据的79项") {
		t.Errorf("the circular of 2024-06-30 does not say 逾期未报送数据的79项")
	}

	// As of the last day of 2021, the 2021 figure counts.
	end2021, _, err := runKpimon(t, nil, "status", "--storage.path", data, "--as-of", "2021-12-31")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`high_tech_enterprises[^\n]*28家\s+2021\s`).MatchString(end2021) {
		t.Errorf("status --as-of 2021-12-31 does not show the 2021 figure 28家:\n%s", end2021)
	}

	if _, _, err := runKpimon(t, nil, "report", "--storage.path", data, "--reporting.from", "2019/01/01", "-o", filepath.Join(dir, "x.html")); err == nil {
		t.Errorf("report --reporting.from 2019/01/01 succeeded, want an error")
	}
}
