package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/yanfeng/kpimon/internal/testkit"
)

// The test catalog: one plan, evaluated as of 2020-06-01, after the 2019
// figures were due (2020-03-30). Baselines are given, so one figure each is
// enough to judge the pace. Elapsed time at a 2019 figure:
// (2020 − 2019) / (2023 − 2019) = 0.25.
const (
	testPlan = "e2e-plan"
	asOf     = "2020-06-01"

	// high_tech: baseline 10, target 30; 14 is progress 0.2, pace 0.8: lagging.
	laggingIndicator = "high_tech"
	laggingUnit      = "区科工信局"
	// foreign_trade: baseline 100, target 200, two lead units; 105.12
	// is pace 0.2: off track, shown with the decimals it was submitted with.
	twoUnitIndicator = "foreign_trade"
	// new_firms: no figure; its 2019 figure is overdue (to 区商务局).
	overdueIndicator = "new_firms"
	// patents (quarterly): deadline 2019 passed at 12 in 2019-Q3 (target
	// 20): missed, and its 2019-Q4 figure is overdue too; missed inhibits
	// overdue.
	missedIndicator = "patents"
	missedUnit      = "区市场监管局"

	grafanaURL = "https://grafana.example.gov.cn/"
	webURL     = "https://kpi.example.gov.cn/"
)

var twoUnits = []string{"区发改局", "区商务局"}

// oldCatalog is a plan that ended before the test's as-of date and whose
// one indicator never got a figure: its report duty ended (the 2017 figure
// was due 2018-03-31, reminders for half a year), so only
// KpiNeverReported speaks for it.
const oldCatalog = `id: e2e-old
title: 端到端测试旧规划
region: 测试区
source: internal/e2e
start_year: 2015
end_year: 2017
reporting_from: 2015-01-01
defaults: {frequency: annual, due_days: 90, measure: level}
tasks:
  - task: 1
    title: 财政科技投入
    work_lines:
      - id: "1.1"
        text: 到2017年，财政科技支出达到5000万元。
        lead_units: [区财政局]
        indicators:
          - id: science_spending
            name: 财政科技支出
            name_en: Public science spending
            kind: at_least
            target: 5000
            unit: 万元
            deadline: 2017
            source_text: 到2017年，财政科技支出达到5000万元。
`

const testCatalog = `id: e2e-plan
title: 端到端测试规划
title_en: End-to-end test plan
region: 测试区
source: internal/e2e
start_year: 2019
end_year: 2022
reporting_from: 2019-01-01
defaults: {frequency: annual, due_days: 90, measure: level}
tasks:
  - task: 1
    title: 推动企业技术创新
    work_lines:
      - id: "1.1"
        text: 到2022年，高新技术企业达到30家。
        lead_units: [区科工信局]
        co_units: [区统计局]
        indicators:
          - id: high_tech
            name: 高新技术企业
            name_en: High-tech enterprises
            kind: at_least
            target: 30
            unit: 家
            deadline: 2022
            baseline: {period: "2018", value: 10}
            source_text: 到2022年，高新技术企业达到30家。
      - id: "1.2"
        text: 到2022年，外贸进出口总额达到200亿元。
        lead_units: [区发改局, 区商务局]
        indicators:
          - id: foreign_trade
            name: 外贸进出口总额
            name_en: Foreign trade
            kind: at_least
            target: 200
            unit: 亿元
            deadline: 2022
            baseline: {period: "2018", value: 100}
            source_text: 到2022年，外贸进出口总额达到200亿元。
  - task: 2
    title: 优化创新环境
    work_lines:
      - id: "2.1"
        text: 到2022年，新设企业达到500家；到2019年，专利授权达到20件。
        lead_units: [区商务局]
        indicators:
          - id: new_firms
            name: 新设企业
            name_en: New firms
            kind: at_least
            target: 500
            unit: 家
            deadline: 2022
            baseline: {period: "2018", value: 300}
            source_text: 到2022年，新设企业达到500家。
      - id: "2.2"
        text: 到2019年，专利授权达到20件。
        lead_units: [区市场监管局]
        indicators:
          - id: patents
            name: 专利授权
            name_en: Patents granted
            kind: at_least
            target: 20
            unit: 件
            deadline: 2019
            frequency: quarterly
            baseline: {period: "2018", value: 10}
            source_text: 到2019年，专利授权达到20件。
`

// TestAlertsReachUnits runs kpimon, Prometheus with the shipped alert rules
// (a copy with short for and keep_firing_for) and Alertmanager with the
// shipped routing (webhook URLs pointed at this test), submits figures
// through the API and follows the alerts to the receivers: what a unit
// reads, who gets what, inhibition, an outage of kpimon, and the operator's
// alerts.
func TestAlertsReachUnits(t *testing.T) {
	top := t
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip("starts kpimon, Prometheus and Alertmanager: not in -short mode (CI runs it)")
	}
	prometheusBin := testkit.LookPath(t, "prometheus", "prometheus")
	alertmanagerBin := testkit.LookPath(t, "prometheus-alertmanager", "prometheus-alertmanager", "alertmanager")
	promtool := testkit.LookPath(t, "prometheus (promtool)", "promtool")
	root := testkit.RepoRoot(t)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()

	kpimonBin := testkit.Kpimon(t)

	hooks := newWebhooks()
	hookSrv := httptest.NewServer(hooks)
	defer hookSrv.Close()

	kpimonAddr, promAddr, amAddr := testkit.FreeAddr(t), testkit.FreeAddr(t), testkit.FreeAddr(t)

	// kpimon with the test catalog, a token allowed to submit anything, and
	// a scheduled pull from an address where nothing answers.
	targets := filepath.Join(dir, "targets")
	data := filepath.Join(dir, "data")
	writeFile(t, filepath.Join(targets, "e2e.yaml"), testCatalog)
	writeFile(t, filepath.Join(targets, "e2e-old.yaml"), oldCatalog)
	sources := filepath.Join(dir, "sources.yml")
	writeFile(t, sources, "sources:\n  - name: tjj\n    type: http\n    location: http://"+testkit.FreeAddr(t)+"/kpi.csv\n    schedule: \"@every 2s\"\n    timeout: 1s\n")
	secret := testkit.CreateToken(t, kpimonBin, data, targets, "e2e")
	kpimonArgs := []string{"serve", "--listen", kpimonAddr, "--data", data, "--targets", targets, "--as-of", asOf,
		"--sources", sources, "--grafana.url", grafanaURL, "--web.external-url", webURL}
	kpimon := testkit.Start(t, "kpimon", kpimonBin, kpimonArgs...)

	// Alertmanager with the shipped routes; every webhook goes to hookSrv,
	// at a path naming its receiver.
	amConfig := filepath.Join(dir, "alertmanager.yml")
	writeYAML(t, amConfig, testAlertmanagerConfig(t, filepath.Join(root, "alertmanager", "alertmanager.yml"), hookSrv.URL))
	alertmanager := testkit.Start(t, "alertmanager", alertmanagerBin,
		"--config.file="+amConfig, "--storage.path="+filepath.Join(dir, "am-data"),
		"--web.listen-address="+amAddr, "--cluster.listen-address=")

	// Prometheus with the shipped configuration and rules, made fast.
	rules := filepath.Join(dir, "kpimon.rules.yml")
	writeYAML(t, rules, testRules(t, filepath.Join(root, "prometheus", "rules", "kpimon.rules.yml")))
	promConfig := filepath.Join(dir, "prometheus.yml")
	writeYAML(t, promConfig, testPrometheusConfig(t, filepath.Join(root, "prometheus", "prometheus.yml"), rules, kpimonAddr, amAddr))
	prometheus := testkit.Start(t, "prometheus", prometheusBin,
		"--config.file="+promConfig, "--storage.tsdb.path="+filepath.Join(dir, "prom-data"),
		"--web.listen-address="+promAddr)

	testkit.WaitHTTP(t, ctx, kpimon, "http://"+kpimonAddr+"/readyz")
	testkit.WaitHTTP(t, ctx, alertmanager, "http://"+amAddr+"/-/ready")
	testkit.WaitHTTP(t, ctx, prometheus, "http://"+promAddr+"/-/ready")
	// The indicators are scraped and evaluated before anything is submitted.
	waitFor(t, ctx, "Prometheus to scrape kpimon's indicators", func() (bool, string) {
		res := promQuery(t, ctx, promAddr, `kpi_status{plan="e2e-plan"}`)
		return len(res) == 4, fmt.Sprintf("%d indicators", len(res))
	})

	submit(t, ctx, kpimonAddr, secret, []row{
		{testPlan, laggingIndicator, "2019", "14"},
		{testPlan, twoUnitIndicator, "2019", "105.12"},
		{testPlan, missedIndicator, "2019-Q1", "11"},
		{testPlan, missedIndicator, "2019-Q2", "12"},
		{testPlan, missedIndicator, "2019-Q3", "12"},
	})
	// A user's mistyped upload: rejected, counted, not the operator's.
	if status := post(t, ctx, kpimonAddr, secret, []row{{testPlan, "no_such_indicator", "2019", "1"}}); status < 400 {
		t.Errorf("POST of an unknown indicator = %d, want a 4xx rejection", status)
	}

	t.Run("a lagging indicator reaches its lead unit, in words it can act on", func(t *testing.T) {
		got := waitAlert(t, ctx, hooks, laggingUnit, "KpiIndicatorLagging", laggingIndicator)
		t.Logf("webhook body delivered to %s:\n%s", laggingUnit, hooks.body(laggingUnit))
		checkText(t, got, []string{
			"【进度滞后】高新技术企业（区科工信局牵头）：2019年实际14家，目标≥30家，差距16家，需年均增加6家",
		}, []string{
			"规划：端到端测试规划", "任务：1 推动企业技术创新", "指标：高新技术企业（high_tech）", "牵头单位：区科工信局",
			"实际：14家（2019年数据）", "目标：≥30家，截止2022年12月31日", "差距：16家", "进度要求：需年均增加6家（此前年均增加4家）\n", "报送地址：https://kpi.example.gov.cn/submit",
		})
		if want := "https://grafana.example.gov.cn/d/kpi-indicator/kpi-indicator?var-plan=" + testPlan + "&var-indicator=" + laggingIndicator; got.Labels["dashboard"] != want {
			t.Errorf("dashboard label = %q, want %q (from --grafana.url)", got.Labels["dashboard"], want)
		}
		if got.Labels["severity"] != "warning" || got.Labels["period"] != "2019" {
			t.Errorf("labels %v: want severity warning and the figure's period 2019", got.Labels)
		}
		if diff := amReceivers(t, ctx, amAddr, laggingIndicator); !slices.Equal(diff, []string{laggingUnit}) {
			t.Errorf("Alertmanager receivers of %s alerts = %v, want [%s]", laggingIndicator, diff, laggingUnit)
		}
		if others := hooks.receiversOf(laggingIndicator); !slices.Equal(others, []string{laggingUnit}) {
			t.Errorf("webhook receivers notified about %s = %v, want only [%s]", laggingIndicator, others, laggingUnit)
		}
	})

	t.Run("an off-track indicator with two lead units reaches both, its figure as submitted", func(t *testing.T) {
		for _, unit := range twoUnits {
			got := waitAlert(t, ctx, hooks, unit, "KpiIndicatorOffTrack", twoUnitIndicator)
			if got.Labels["lead_unit"] != unit || got.Labels["severity"] != "critical" {
				t.Errorf("alert at %s has labels %v, want lead_unit %s and severity critical", unit, got.Labels, unit)
			}
			checkText(t, got, []string{"【严重滞后】外贸进出口总额（区发改局、区商务局牵头）：2019年实际105.12亿元，目标≥200亿元，差距94.88亿元"}, nil)
		}
		want := slices.Sorted(slices.Values(twoUnits))
		if got := hooks.receiversOf(twoUnitIndicator); !slices.Equal(got, want) {
			t.Errorf("webhook receivers notified about %s = %v, want %v", twoUnitIndicator, got, want)
		}
	})

	t.Run("an overdue report names the owed period and its due date", func(t *testing.T) {
		got := waitAlert(t, ctx, hooks, "区商务局", "KpiReportOverdue", overdueIndicator)
		checkText(t, got, []string{"【逾期未报】新设企业（区商务局牵头）：2019年数据应于2020年3月31日前报送，尚未报送"},
			[]string{"应报：2019年数据，报送期限2020年3月31日", "已报最新：尚无数据", "下一步：请登录 https://kpi.example.gov.cn/submit 报送2019年数据。"})
		if got.Labels["period"] != "2019" {
			t.Errorf("overdue alert period label = %q, want the owed 2019", got.Labels["period"])
		}
		// 区商务局 has two alerts (foreign_trade, new_firms): one group,
		// so never one message per indicator.
		for _, n := range hooks.notifications("区商务局") {
			if len(n.Alerts) > 0 && n.GroupLabels["lead_unit"] != "区商务局" {
				t.Errorf("a notification to 区商务局 grouped by %v, want by lead_unit", n.GroupLabels)
			}
		}
	})

	t.Run("missed inhibits overdue for the same indicator and unit", func(t *testing.T) {
		got := waitAlert(t, ctx, hooks, missedUnit, "KpiDeadlineMissed", missedIndicator)
		checkText(t, got, []string{"【逾期未达标】专利授权（区市场监管局牵头）：截止2019年12月31日未达标，2019年第三季度实际12件，目标≥20件，差距8件"}, nil)
		waitFor(t, ctx, "Alertmanager to hold the overdue alert of "+missedIndicator+" as inhibited", func() (bool, string) {
			n := amAlerts(t, ctx, amAddr, []string{`alertname="KpiReportOverdue"`, `indicator="` + missedIndicator + `"`}, "&inhibited=true&active=false")
			return n == 1, fmt.Sprintf("%d inhibited", n)
		})
		if _, ok := hooks.find(missedUnit, "KpiReportOverdue", missedIndicator); ok {
			t.Errorf("%s received the overdue alert of %s, which the missed alert inhibits", missedUnit, missedIndicator)
		}
	})

	t.Run("a unit that never reported hears 逾期未报 once the duty has ended", func(t *testing.T) {
		got := waitAlert(t, ctx, hooks, "区财政局", "KpiNeverReported", "science_spending")
		checkText(t, got, []string{"【逾期未报】财政科技支出（区财政局牵头）：应报2017年数据，报送期限2018年3月31日已过，始终未报送任何数据"},
			[]string{"应报：2017年数据（完成时限年度），报送期限2018年3月31日", "已报最新：尚无数据", "状态：未报送", "下一步：请登录 https://kpi.example.gov.cn/submit 补报数据"})
		if got.Labels["lead_unit"] != "区财政局" || got.Labels["severity"] != "warning" {
			t.Errorf("labels %v: want lead_unit 区财政局 and severity warning", got.Labels)
		}
		if n := len(hooks.notifications("区财政局")); n != 1 {
			t.Errorf("区财政局 received %d notifications, want one:%s", n, hooks)
		}
	})

	t.Run("the operator hears of the failing pull, not of the rejected upload", func(t *testing.T) {
		got := waitAlert(t, ctx, hooks, "kpimon-operator", "KpiSourceFailing", "")
		if got.Labels["source"] != "pull:tjj" {
			t.Errorf("KpiSourceFailing for source %q, want pull:tjj", got.Labels["source"])
		}
		if want := "https://grafana.example.gov.cn/d/kpi-reporting/kpi-reporting?var-source=pull%3Atjj"; got.Annotations["dashboard"] != want {
			t.Errorf("dashboard = %q, want %q", got.Annotations["dashboard"], want)
		}
		rejected := promQuery(t, ctx, promAddr, `kpi_ingest_runs_total{source="api", result="rejected"} == 1`)
		if len(rejected) != 1 {
			t.Errorf("the rejected upload is not counted: %v", rejected)
		}
		for _, n := range hooks.notifications("kpimon-operator") {
			for _, a := range n.Alerts {
				if a.Labels["source"] == "api" {
					t.Errorf("the operator was notified about the api source: %v", a.Labels)
				}
			}
		}
	})

	t.Run("a kpimon outage longer than keep_firing_for resolves nothing for units", func(t *testing.T) {
		kpimon.Kill()
		waitAlert(t, ctx, hooks, "kpimon-operator", "KpimonDown", "")
		// Down for twice the test's keep_firing_for, evaluated all along.
		waitFor(t, ctx, "kpimon down for 6s in Prometheus", func() (bool, string) {
			res := promQuery(t, ctx, promAddr, `max_over_time(up{job="kpimon"}[6s]) == 0 and count_over_time(up{job="kpimon"}[6s]) >= 5`)
			return len(res) == 1, "not yet"
		})
		kpimon = testkit.Start(top, "kpimon (restarted)", kpimonBin, kpimonArgs...)
		testkit.WaitHTTP(t, ctx, kpimon, "http://"+kpimonAddr+"/readyz")
		waitFor(t, ctx, "kpimon scraped again for 3s", func() (bool, string) {
			res := promQuery(t, ctx, promAddr, `min_over_time(up{job="kpimon"}[3s]) == 1 and count_over_time(up{job="kpimon"}[3s]) >= 3`)
			return len(res) == 1, "not yet"
		})
		waitFor(t, ctx, "the operator to hear kpimon is back", func() (bool, string) {
			return hooks.resolved("kpimon-operator", "KpimonDown"), "no resolved KpimonDown yet"
		})
		for _, unit := range append([]string{laggingUnit, missedUnit}, twoUnits...) {
			for _, n := range hooks.notifications(unit) {
				for _, a := range n.Alerts {
					if a.Status == "resolved" {
						t.Errorf("%s received a resolved %s about %s", unit, a.Labels["alertname"], a.Labels["indicator"])
					}
				}
			}
		}
		if n := len(hooks.notifications(laggingUnit)); n != 1 {
			t.Errorf("%s received %d notifications, want the one before the outage:%s", laggingUnit, n, hooks)
		}
	})

	// A revised figure puts high_tech back on its path: the unit hears what
	// changed (KpiRecovered: the new status and figure), not only that the
	// old alert resolved.
	t.Run("a figure that fixes an indicator: the unit hears its new status and figure", func(t *testing.T) {
		// 20 of 30 from 10 at a quarter of the time: pace 2, on track.
		submit(t, ctx, kpimonAddr, secret, []row{{testPlan, laggingIndicator, "2019", "20"}})
		got := waitAlert(t, ctx, hooks, laggingUnit, "KpiRecovered", laggingIndicator)
		checkText(t, got, []string{"【已恢复】高新技术企业（区科工信局牵头）：现为正常推进，2019年实际20家，目标≥30家"},
			[]string{"状态：正常推进（原告警已解除）\n", "实际：20家（2019年数据）\n", "报送地址：https://kpi.example.gov.cn/submit"})
		if got.Labels["lead_unit"] != laggingUnit || got.Labels["status"] != "on_track" {
			t.Errorf("KpiRecovered labels %v: want lead_unit %s and status on_track", got.Labels, laggingUnit)
		}
		waitFor(t, ctx, "the lagging alert of "+laggingIndicator+" to resolve", func() (bool, string) {
			return hooks.resolved(laggingUnit, "KpiIndicatorLagging"), "not yet"
		})
		if others := hooks.receiversOf(laggingIndicator); !slices.Equal(others, []string{laggingUnit}) {
			t.Errorf("receivers notified about %s = %v, want only [%s]", laggingIndicator, others, laggingUnit)
		}
	})

	// After the submissions the scrape holds every family, the ingest
	// metrics of the API source included.
	t.Run("full scrape passes promtool check metrics", func(t *testing.T) {
		body := get(t, ctx, "http://"+kpimonAddr+"/metrics")
		for _, want := range []string{"kpi_status{", "kpi_indicator_lead_unit{", "kpi_ingest_runs_total{", "kpimon_links_info{", "go_goroutines", "process_cpu_seconds_total"} {
			if !strings.Contains(body, want) {
				t.Errorf("scrape lacks %s", want)
			}
		}
		cmd := exec.CommandContext(ctx, promtool, "check", "metrics")
		cmd.Stdin = strings.NewReader(body)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	})
}

// checkText checks an alert's summary and description labels (the text
// kpimon wrote) hold the wanted text and no UTC time or long decimals.
func checkText(t *testing.T, a alert, summary, description []string) {
	t.Helper()
	for _, w := range summary {
		if !strings.Contains(a.Labels["summary"], w) {
			t.Errorf("summary %q lacks %q", a.Labels["summary"], w)
		}
	}
	for _, w := range description {
		if !strings.Contains(a.Labels["description"], w) {
			t.Errorf("description %q lacks %q", a.Labels["description"], w)
		}
	}
	for _, k := range []string{"summary", "description"} {
		if v := a.Labels[k]; strings.Contains(v, "UTC") || strings.Contains(v, "+0000") || longDecimal.MatchString(v) {
			t.Errorf("%s holds a UTC time or an unrounded number: %q", k, v)
		}
		// Units read Chinese only: no English line beside it.
		if v := a.Labels[k]; strings.Contains(v, "English") {
			t.Errorf("%s has an English line: %q", k, v)
		}
	}
}

var longDecimal = regexp.MustCompile(`\d\.\d{5,}`)

// Configuration copies.

// testRules returns the shipped rules with every `for:` at 1s and every
// keep_firing_for at 3s, so alerts fire within seconds and an outage of a
// few seconds outlasts keep_firing_for.
func testRules(t *testing.T, path string) map[string]any {
	t.Helper()
	doc := readYAML(t, path)
	groups, _ := doc["groups"].([]any)
	if len(groups) == 0 {
		t.Fatalf("%s: no rule groups", path)
	}
	for _, g := range groups {
		for _, r := range g.(map[string]any)["rules"].([]any) {
			rule := r.(map[string]any)
			if _, ok := rule["for"]; ok {
				rule["for"] = "1s"
			}
			if _, ok := rule["keep_firing_for"]; ok {
				rule["keep_firing_for"] = "3s"
			}
		}
	}
	return doc
}

// testPrometheusConfig returns the shipped configuration evaluating every
// second, scraping its kpimon job (at kpimonAddr) and the Alertmanager at
// amAddr, and sending to it.
func testPrometheusConfig(t *testing.T, path, rules, kpimonAddr, amAddr string) map[string]any {
	t.Helper()
	doc := readYAML(t, path)
	global, _ := doc["global"].(map[string]any)
	if global == nil {
		global = map[string]any{}
		doc["global"] = global
	}
	global["scrape_interval"], global["scrape_timeout"], global["evaluation_interval"] = "1s", "1s", "1s"
	doc["rule_files"] = []any{rules}
	doc["alerting"] = map[string]any{"alertmanagers": []any{
		map[string]any{"static_configs": []any{map[string]any{"targets": []any{amAddr}}}},
	}}
	var kpimonJob map[string]any
	for _, sc := range doc["scrape_configs"].([]any) {
		if job := sc.(map[string]any); job["job_name"] == "kpimon" {
			kpimonJob = job
		}
	}
	if kpimonJob == nil {
		t.Fatalf("%s: no scrape job named kpimon, which the alert rules expect", path)
	}
	kpimonJob["static_configs"] = []any{map[string]any{"targets": []any{kpimonAddr}}}
	amJob := map[string]any{"job_name": "alertmanager", "static_configs": []any{map[string]any{"targets": []any{amAddr}}}}
	doc["scrape_configs"] = []any{kpimonJob, amJob}
	return doc
}

// testAlertmanagerConfig returns the shipped configuration with every
// webhook sent to hookURL/<receiver name> and notifications sent at once.
func testAlertmanagerConfig(t *testing.T, path, hookURL string) map[string]any {
	t.Helper()
	doc := readYAML(t, path)
	var fast func(route map[string]any, top bool)
	fast = func(route map[string]any, top bool) {
		for _, k := range []string{"group_wait", "group_interval"} {
			if _, ok := route[k]; ok || top {
				route[k] = "1s"
			}
		}
		if subs, ok := route["routes"].([]any); ok {
			for _, s := range subs {
				fast(s.(map[string]any), false)
			}
		}
	}
	fast(doc["route"].(map[string]any), true)
	hooks := 0
	for _, r := range doc["receivers"].([]any) {
		recv := r.(map[string]any)
		name := recv["name"].(string)
		if wh, ok := recv["webhook_configs"].([]any); ok {
			for _, w := range wh {
				w.(map[string]any)["url"] = hookURL + "/" + url.PathEscape(name)
				hooks++
			}
		}
	}
	if hooks == 0 {
		t.Fatalf("%s: no webhook receivers to point at the test", path)
	}
	return doc
}

// Webhook receivers.

type alert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

type notification struct {
	Path        string            `json:"-"` // the receiver named by the URL
	Raw         []byte            `json:"-"` // the body as delivered
	Receiver    string            `json:"receiver"`
	Status      string            `json:"status"`
	GroupLabels map[string]string `json:"groupLabels"`
	Alerts      []alert           `json:"alerts"`
}

// webhooks records Alertmanager's webhook notifications by receiver.
type webhooks struct {
	mu   sync.Mutex
	seen []notification
}

func newWebhooks() *webhooks { return &webhooks{} }

func (h *webhooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var n notification
	raw, err := io.ReadAll(r.Body)
	if err == nil {
		err = json.Unmarshal(raw, &n)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	n.Raw = raw
	n.Path, _ = url.PathUnescape(strings.TrimPrefix(r.URL.Path, "/"))
	h.mu.Lock()
	h.seen = append(h.seen, n)
	h.mu.Unlock()
}

// find returns a firing alert named alertname about indicator ("" for
// any) received by receiver.
func (h *webhooks) find(receiver, alertname, indicator string) (alert, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range h.seen {
		if n.Path != receiver || n.Receiver != receiver {
			continue
		}
		for _, a := range n.Alerts {
			if a.Status == "firing" && a.Labels["alertname"] == alertname && (indicator == "" || a.Labels["indicator"] == indicator) {
				return a, true
			}
		}
	}
	return alert{}, false
}

// notifications returns what receiver received, in order.
func (h *webhooks) notifications(receiver string) []notification {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []notification
	for _, n := range h.seen {
		if n.Path == receiver {
			out = append(out, n)
		}
	}
	return out
}

// resolved reports whether receiver was told alertname resolved.
func (h *webhooks) resolved(receiver, alertname string) bool {
	for _, n := range h.notifications(receiver) {
		for _, a := range n.Alerts {
			if a.Status == "resolved" && a.Labels["alertname"] == alertname {
				return true
			}
		}
	}
	return false
}

// body returns the first body receiver received, indented.
func (h *webhooks) body(receiver string) string {
	ns := h.notifications(receiver)
	if len(ns) == 0 {
		return ""
	}
	var b bytes.Buffer
	if err := json.Indent(&b, ns[0].Raw, "", "  "); err != nil {
		return string(ns[0].Raw)
	}
	return b.String()
}

// receiversOf returns the receivers notified about indicator, sorted.
func (h *webhooks) receiversOf(indicator string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var rs []string
	for _, n := range h.seen {
		for _, a := range n.Alerts {
			if a.Labels["indicator"] == indicator && !slices.Contains(rs, n.Path) {
				rs = append(rs, n.Path)
			}
		}
	}
	slices.Sort(rs)
	return rs
}

func (h *webhooks) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	for _, n := range h.seen {
		for _, a := range n.Alerts {
			fmt.Fprintf(&b, "\n  %s: %s %s %s/%s", n.Path, a.Status, a.Labels["alertname"], a.Labels["plan"], a.Labels["indicator"])
		}
	}
	if b.Len() == 0 {
		return " none"
	}
	return b.String()
}

func waitAlert(t *testing.T, ctx context.Context, hooks *webhooks, receiver, alertname, indicator string) alert {
	t.Helper()
	var got alert
	waitFor(t, ctx, fmt.Sprintf("%s about %s at receiver %s", alertname, indicator, receiver), func() (bool, string) {
		a, ok := hooks.find(receiver, alertname, indicator)
		got = a
		return ok, "notifications so far:" + hooks.String()
	})
	return got
}

// amReceivers asks Alertmanager which receivers the active alerts about
// indicator are routed to.
func amReceivers(t *testing.T, ctx context.Context, amAddr, indicator string) []string {
	t.Helper()
	u := "http://" + amAddr + "/api/v2/alerts?active=true&filter=" + url.QueryEscape(`indicator="`+indicator+`"`)
	var alerts []struct {
		Receivers []struct {
			Name string `json:"name"`
		} `json:"receivers"`
	}
	getJSON(t, ctx, u, &alerts)
	var names []string
	for _, a := range alerts {
		for _, r := range a.Receivers {
			if !slices.Contains(names, r.Name) {
				names = append(names, r.Name)
			}
		}
	}
	slices.Sort(names)
	return names
}

// amAlerts counts the alerts Alertmanager holds matching filter, with the
// extra query parameters params (e.g. "&inhibited=true").
func amAlerts(t *testing.T, ctx context.Context, amAddr string, filters []string, params string) int {
	t.Helper()
	q := url.Values{"filter": filters}
	var alerts []json.RawMessage
	getJSON(t, ctx, "http://"+amAddr+"/api/v2/alerts?"+q.Encode()+params, &alerts)
	return len(alerts)
}

// kpimon.

type row struct{ Plan, Indicator, Period, Value string }

func submit(t *testing.T, ctx context.Context, addr, token string, rows []row) {
	t.Helper()
	if status := post(t, ctx, addr, token, rows); status != http.StatusCreated {
		t.Fatalf("POST /api/v1/observations = %d, want 201", status)
	}
}

// post submits rows through the API and returns the status.
func post(t *testing.T, ctx context.Context, addr, token string, rows []row) int {
	t.Helper()
	body := make([]map[string]string, 0, len(rows))
	for _, r := range rows {
		body = append(body, map[string]string{"plan": r.Plan, "indicator": r.Indicator, "period": r.Period, "value": r.Value})
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/api/v1/observations", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Logf("POST /api/v1/observations = %d:\n%s", resp.StatusCode, msg)
	}
	return resp.StatusCode
}

// Prometheus.

func promQuery(t *testing.T, ctx context.Context, addr, query string) []map[string]any {
	t.Helper()
	var res struct {
		Status string `json:"status"`
		Data   struct {
			Result []map[string]any `json:"result"`
		} `json:"data"`
	}
	getJSON(t, ctx, "http://"+addr+"/api/v1/query?query="+url.QueryEscape(query), &res)
	return res.Data.Result
}

// Processes, ports, polling.

// start runs a long-lived process until the test ends, its output in
// dir/name.log, shown when the test fails.
// waitFor polls cond until it holds (see testkit.WaitFor).
func waitFor(t *testing.T, ctx context.Context, what string, cond func() (bool, string)) {
	t.Helper()
	testkit.WaitFor(t, ctx, nil, what, func() error {
		if ok, state := cond(); !ok {
			return errors.New(state)
		}
		return nil
	})
}

// get returns the body of a 200 response to GET u.
func get(t *testing.T, ctx context.Context, u string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %s:\n%s", u, resp.Status, b)
	}
	return string(b)
}

func getJSON(t *testing.T, ctx context.Context, u string, v any) {
	t.Helper()
	b := get(t, ctx, u)
	if err := json.Unmarshal([]byte(b), v); err != nil {
		t.Fatalf("GET %s: decode: %v\n%s", u, err, b)
	}
}

// Files.

func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

func writeYAML(t *testing.T, path string, doc any) {
	t.Helper()
	b, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(b))
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
