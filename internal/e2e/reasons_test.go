package e2e

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/testkit"
)

// reasonsPlan is a plan whose deadline (2022) has passed as of
// reasonsAsOf, the final figures' due date (2023-03-31) included: each
// indicator is 逾期未达标 for another reason.
const (
	reasonsPlan  = "e2e-why"
	reasonsAsOf  = "2023-06-30"
	reasonsUnitA = "区科工信局" // firms: the 2022 figure never came (final_overdue)
	reasonsUnitB = "区财政局"  // rd_fell fell in 2021, rd_flat was flat in 2021
	reasonsUnitC = "区委宣传部" // promotion: 2021 not done
)

const reasonsCatalog = `id: e2e-why
title: 端到端原因规划
region: 测试区
source: internal/e2e
start_year: 2021
end_year: 2022
reporting_from: 2021-01-01
defaults: {frequency: annual, due_days: 90, measure: level}
tasks:
  - task: 1
    title: 推动企业技术创新
    work_lines:
      - id: "1.1"
        text: 到2022年，高新技术企业达到30家。
        lead_units: [区科工信局]
        indicators:
          - id: firms
            name: 高新技术企业
            kind: at_least
            target: 30
            unit: 家
            deadline: 2022
            baseline: {period: "2020", value: 10}
            source_text: 到2022年，高新技术企业达到30家。
      - id: "1.2"
        text: 研发经费投入、技术合同成交额逐年增长。
        lead_units: [区财政局]
        indicators:
          - id: rd_fell
            name: 研发经费投入
            kind: increase
            unit: 万元
            deadline: 2022
            baseline: {period: "2020", value: 1200}
            source_text: 研发经费投入逐年增长。
          - id: rd_flat
            name: 技术合同成交额
            kind: increase
            unit: 万元
            deadline: 2022
            baseline: {period: "2020", value: 1200}
            source_text: 技术合同成交额逐年增长。
      - id: "1.3"
        text: 持续开展科技宣传。
        lead_units: [区委宣传部]
        indicators:
          - id: promotion
            name: 持续开展科技宣传
            kind: continuing
            unit: 项
            deadline: 2022
            source_text: 持续开展科技宣传。
`

// zeroGap is a gap of nothing: 差距0, 差距：0, 差距0.0万元.
var zeroGap = regexp.MustCompile(`差距：?0`)

// TestAlertReasonsAndSourceAcrossRestart runs kpimon, Prometheus with the
// shipped rules (a copy with short for and keep_firing_for) and
// Alertmanager with the shipped routes, webhooks to this test.
//
// Each unit's webhook receives its missed indicator with the reason in
// words, as the API has it: the final figure overdue, a growth line that
// fell in 2021 (by how much), one flat in 2021, a continuing line with a
// year not done; growth and continuing lines say no 差距0.
//
// A pull source fails and the operator hears KpiSourceFailing; kpimon is
// then restarted with that source scheduled for next New Year, so it does
// not run again: the alert must stay firing on the failure kpimon stored,
// with no "resolved" to the operator, for longer than keep_firing_for
// could bridge.
func TestAlertReasonsAndSourceAcrossRestart(t *testing.T) {
	top := t
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip("starts kpimon, Prometheus and Alertmanager: not in -short mode (CI runs it)")
	}
	prometheusBin := testkit.LookPath(t, "prometheus", "prometheus")
	alertmanagerBin := testkit.LookPath(t, "prometheus-alertmanager", "prometheus-alertmanager", "alertmanager")
	root := testkit.RepoRoot(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	kpimonBin := testkit.Kpimon(t)
	hooks := newWebhooks()
	hookSrv := httptest.NewServer(hooks)
	defer hookSrv.Close()
	kpimonAddr, promAddr, amAddr := testkit.FreeAddr(t), testkit.FreeAddr(t), testkit.FreeAddr(t)

	targets, data := filepath.Join(dir, "targets"), filepath.Join(dir, "data")
	writeFile(t, filepath.Join(targets, "why.yaml"), reasonsCatalog)
	// A pull from an address where nothing answers, every 2s; after the
	// restart the same source runs only on New Year's Day.
	nowhere := "http://" + testkit.FreeAddr(t) + "/kpi.csv"
	failing, yearly := filepath.Join(dir, "sources.yml"), filepath.Join(dir, "sources-yearly.yml")
	writeFile(t, failing, "sources:\n  - name: tjj\n    type: http\n    location: "+nowhere+"\n    schedule: \"@every 2s\"\n    timeout: 1s\n")
	writeFile(t, yearly, "sources:\n  - name: tjj\n    type: http\n    location: "+nowhere+"\n    schedule: \"0 3 1 1 *\"\n    timeout: 1s\n")
	secret := testkit.CreateToken(t, kpimonBin, data, targets, "e2e")
	kpimonArgs := func(sources string) []string {
		return []string{"serve", "--listen", kpimonAddr, "--data", data, "--targets", targets, "--as-of", reasonsAsOf,
			"--sources", sources, "--grafana.url", grafanaURL, "--web.external-url", webURL}
	}
	kpimon := testkit.Start(t, "kpimon", kpimonBin, kpimonArgs(failing)...)

	amConfig := filepath.Join(dir, "alertmanager.yml")
	writeYAML(t, amConfig, testAlertmanagerConfig(t, filepath.Join(root, "alertmanager", "alertmanager.yml"), hookSrv.URL))
	am := testkit.Start(t, "alertmanager", alertmanagerBin, "--config.file="+amConfig, "--storage.path="+filepath.Join(dir, "am-data"),
		"--web.listen-address="+amAddr, "--cluster.listen-address=")

	// The rules made fast (for 1s, keep_firing_for 3s), KpiSourceFailing's
	// keep_firing_for (10m: ten scrapes) scaled to the test's 1s scrapes
	// but for the restart a loaded machine may take.
	const sourceHold = 30 * time.Second
	rulesDoc := testRules(t, filepath.Join(root, "prometheus", "rules", "kpimon.rules.yml"))
	sourceRule := false
	for _, g := range rulesDoc["groups"].([]any) {
		for _, r := range g.(map[string]any)["rules"].([]any) {
			if rule := r.(map[string]any); rule["alert"] == "KpiSourceFailing" {
				if _, ok := rule["keep_firing_for"]; !ok {
					t.Fatal("the shipped KpiSourceFailing has no keep_firing_for: a restart that misses a scrape resolves it")
				}
				rule["keep_firing_for"] = fmt.Sprintf("%ds", int(sourceHold.Seconds()))
				sourceRule = true
			}
		}
	}
	if !sourceRule {
		t.Fatal("no KpiSourceFailing rule in the shipped rules")
	}
	rules := filepath.Join(dir, "kpimon.rules.yml")
	writeYAML(t, rules, rulesDoc)
	promConfig := filepath.Join(dir, "prometheus.yml")
	writeYAML(t, promConfig, testPrometheusConfig(t, filepath.Join(root, "prometheus", "prometheus.yml"), rules, kpimonAddr, amAddr))
	prom := testkit.Start(t, "prometheus", prometheusBin, "--config.file="+promConfig,
		"--storage.tsdb.path="+filepath.Join(dir, "prom-data"), "--web.listen-address="+promAddr)
	testkit.WaitHTTP(t, ctx, kpimon, "http://"+kpimonAddr+"/readyz")
	testkit.WaitHTTP(t, ctx, am, "http://"+amAddr+"/-/ready")
	testkit.WaitHTTP(t, ctx, prom, "http://"+promAddr+"/-/ready")

	submit(t, ctx, kpimonAddr, secret, []row{
		{reasonsPlan, "firms", "2021", "28"},
		{reasonsPlan, "rd_fell", "2021", "1100"},
		{reasonsPlan, "rd_fell", "2022", "1300"},
		{reasonsPlan, "rd_flat", "2021", "1200"},
		{reasonsPlan, "rd_flat", "2022", "1300"},
		{reasonsPlan, "promotion", "2021", "0"},
		{reasonsPlan, "promotion", "2022", "1"},
	})

	for _, tc := range []struct {
		name, unit, indicator string
		summary, description  []string
		gap                   bool // the text may say 差距 (a numeric target)
	}{
		{"final figure overdue", reasonsUnitA, "firms",
			[]string{"【逾期未达标】高新技术企业（区科工信局牵头）：截止2022年12月31日未达标，2021年实际28家，目标≥30家，差距2家；完成时限年度的数据逾期未报：2022年"},
			[]string{"原因：完成时限年度的数据逾期未报：2022年\n", "差距：2家\n"}, true},
		{"a growth line that fell in 2021", reasonsUnitB, "rd_fell",
			[]string{"【逾期未达标】研发经费投入（区财政局牵头）：截止2022年12月31日未达标，2022年实际1300万元，目标逐年增长；有年度较上一年度下降：2021年"},
			[]string{"原因：有年度较上一年度下降：2021年\n", "差距：2021年较上年下降100万元\n"}, true},
		{"a growth line flat in 2021", reasonsUnitB, "rd_flat",
			[]string{"【逾期未达标】技术合同成交额（区财政局牵头）：截止2022年12月31日未达标，2022年实际1300万元，目标逐年增长；有年度较上一年度未增长：2021年"},
			[]string{"原因：有年度较上一年度未增长：2021年\n", "目标：逐年增长"}, false},
		{"a continuing line with a year not done", reasonsUnitC, "promotion",
			[]string{"【逾期未达标】持续开展科技宣传（区委宣传部牵头）：截止2022年12月31日未达标，2022年实际已完成，目标每年完成；有年度未完成：2021年"},
			[]string{"原因：有年度未完成：2021年\n", "目标：每年完成"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := waitAlert(t, ctx, hooks, tc.unit, "KpiDeadlineMissed", tc.indicator)
			checkText(t, got, tc.summary, tc.description)
			text := got.Labels["summary"] + "\n" + got.Labels["description"]
			if zeroGap.MatchString(text) || strings.Contains(text, "0.0") {
				t.Errorf("%s's alert says a gap of nothing:\n%s", tc.indicator, text)
			}
			if !tc.gap && strings.Contains(text, "差距") {
				t.Errorf("%s has no numeric target, but its alert says 差距:\n%s", tc.indicator, text)
			}
			if got.Labels["lead_unit"] != tc.unit || got.Labels["severity"] != "critical" {
				t.Errorf("labels %v: want lead_unit %s and severity critical", got.Labels, tc.unit)
			}
			if rs := hooks.receiversOf(tc.indicator); len(rs) != 1 || rs[0] != tc.unit {
				t.Errorf("receivers notified about %s = %v, want only [%s]", tc.indicator, rs, tc.unit)
			}
		})
	}

	// What a unit reads in WeCom or DingTalk: the grouped body its webhook
	// received, through the shipped template (Alertmanager's engine, amtool):
	// each reason survives the cut of a line, within WeCom's 4,096 bytes.
	t.Run("the units' WeCom and DingTalk messages keep each reason", func(t *testing.T) {
		amtool := testkit.LookPath(t, "prometheus-alertmanager (amtool)", "amtool")
		for unit, reasons := range map[string][]string{
			reasonsUnitA: {"…；完成时限年度的数据逾期未报：2022年"},
			reasonsUnitB: {"…；有年度较上一年度下降：2021年", "…；有年度较上一年度未增长：2021年"},
			reasonsUnitC: {"…；有年度未完成：2021年"},
		} {
			var raw []byte
			for _, n := range hooks.notifications(unit) {
				if len(n.Alerts) == len(reasons) {
					raw = n.Raw
				}
			}
			if raw == nil {
				t.Errorf("%s received no notification with its %d alerts:%s", unit, len(reasons), hooks)
				continue
			}
			for _, tmpl := range []string{"kpimon.wecom.markdown", "kpimon.dingtalk.markdown"} {
				msg := renderTemplate(t, amtool, root, tmpl, raw)
				if len(msg) > 4096 {
					t.Errorf("%s's %s message is %d bytes, over 4,096", unit, tmpl, len(msg))
				}
				for _, r := range reasons {
					if !strings.Contains(msg, r+"\n") {
						t.Errorf("%s's %s message lacks the reason %q:\n%s", unit, tmpl, r, msg)
					}
				}
			}
		}
	})

	t.Run("KpiSourceFailing stays firing across a kpimon restart", func(t *testing.T) {
		got := waitAlert(t, ctx, hooks, "kpimon-operator", "KpiSourceFailing", "")
		if got.Labels["source"] != "pull:tjj" {
			t.Fatalf("KpiSourceFailing for source %q, want pull:tjj", got.Labels["source"])
		}
		kpimon.Kill()
		kpimon = testkit.Start(top, "kpimon (restarted, the pull scheduled yearly)", kpimonBin, kpimonArgs(yearly)...)
		restarted := time.Now()
		testkit.WaitHTTP(t, ctx, kpimon, "http://"+kpimonAddr+"/readyz")
		// Scraped for longer than the scaled keep_firing_for since the
		// restart: an alert held up only by keep_firing_for has ended.
		window := sourceHold + 5*time.Second
		waitFor(t, ctx, fmt.Sprintf("the restarted kpimon scraped for %v", window), func() (bool, string) {
			q := fmt.Sprintf(`min_over_time(up{job="kpimon"}[%[1]ds]) == 1 and count_over_time(up{job="kpimon"}[%[1]ds]) >= %[2]d`,
				int(window.Seconds()), int(window.Seconds())-3)
			return time.Since(restarted) > window && len(promQuery(t, ctx, promAddr, q)) == 1, "not yet"
		})
		// The source did not run again: what keeps the alert is the failure
		// kpimon stored before the restart.
		if runs := promQuery(t, ctx, promAddr, `sum(kpi_ingest_runs_total{source="pull:tjj"}) > 0`); len(runs) != 0 {
			t.Fatalf("the pull ran after the restart (%v): the test proves nothing", runs)
		}
		if firing := promQuery(t, ctx, promAddr, `ALERTS{alertname="KpiSourceFailing", alertstate="firing", source="pull:tjj"}`); len(firing) != 1 {
			t.Errorf("KpiSourceFailing is not firing %v after the restart: %v", time.Since(restarted).Round(time.Second), firing)
		}
		if res := promQuery(t, ctx, promAddr, `kpi_ingest_last_failure_timestamp_seconds{source="pull:tjj"} > on(job, instance, source) kpi_ingest_last_success_timestamp_seconds
			or kpi_ingest_last_failure_timestamp_seconds{source="pull:tjj"} unless on(job, instance, source) kpi_ingest_last_success_timestamp_seconds`); len(res) != 1 {
			t.Errorf("the restarted kpimon does not export the stored failure of pull:tjj: %v", res)
		}
		if hooks.resolved("kpimon-operator", "KpiSourceFailing") {
			t.Errorf("the operator heard KpiSourceFailing resolved across the restart:%s", hooks)
		}
	})
}

// renderTemplate renders the template name of alertmanager/templates with
// a webhook body (Alertmanager's template data) by amtool template render.
func renderTemplate(t *testing.T, amtool, root, name string, body []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, file, string(body))
	return run(t, root, amtool, "template", "render", "--template.glob="+filepath.Join(root, "alertmanager", "templates", "*.tmpl"),
		"--template.text={{ template \""+name+"\" . }}", "--template.data="+file)
}
