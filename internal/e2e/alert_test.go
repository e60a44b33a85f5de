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
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/yanfeng/kpimon/internal/testkit"
)

// The test catalog: one plan, evaluated as of 2020-02-01 (so no 2019 figure
// is overdue yet: it is due on 2020-03-30) with two indicators whose
// baselines are given, so one figure each is enough to judge the pace.
// Elapsed time at the 2019 figure: (2020 − 2019) / (2023 − 2019) = 0.25.
const (
	testPlan = "e2e-plan"
	asOf     = "2020-02-01"

	// high_tech: baseline 10, target 30; 14 is progress 0.2, pace 0.8: lagging.
	laggingIndicator = "high_tech"
	laggingUnit      = "区科工信局"
	// foreign_trade: baseline 100, target 200, two lead units; 130 is pace
	// 1.2 (on track), 105 is pace 0.2 (off track).
	twoUnitIndicator = "foreign_trade"
)

var twoUnits = []string{"区发改局", "区商务局"}

const testCatalog = `id: e2e-plan
title: 端到端测试规划
title_en: End-to-end test plan
region: 测试区
source: internal/e2e
start_year: 2019
end_year: 2022
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
`

// TestAlertReachesLeadUnit runs kpimon, Prometheus with the shipped alert
// rules (a copy with short `for:`) and Alertmanager with the shipped routing
// (webhook URLs pointed at this test), submits figures through the API and
// follows the alerts to the receivers of the indicators' lead units.
func TestAlertReachesLeadUnit(t *testing.T) {
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

	// kpimon with the test catalog and a token allowed to submit anything.
	targets := filepath.Join(dir, "targets")
	data := filepath.Join(dir, "data")
	writeFile(t, filepath.Join(targets, "e2e.yaml"), testCatalog)
	secret := testkit.CreateToken(t, kpimonBin, data, targets, "e2e")
	kpimon := testkit.Start(t, "kpimon", kpimonBin, "serve", "--listen", kpimonAddr, "--data", data, "--targets", targets, "--as-of", asOf)

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
		res := promQuery(t, ctx, promAddr, `kpi_status{status="no_data"} == 1`)
		return len(res) == 2, fmt.Sprintf("%d indicators with status no_data", len(res))
	})

	t.Run("lagging indicator reaches its lead unit only", func(t *testing.T) {
		submit(t, ctx, kpimonAddr, secret, []row{
			{testPlan, laggingIndicator, "2019", "14"},
			{testPlan, twoUnitIndicator, "2019", "130"},
		})
		got := waitAlert(t, ctx, hooks, laggingUnit, "KpiIndicatorLagging", laggingIndicator)
		if got.Labels["severity"] != "warning" || got.Annotations["dashboard"] == "" || got.Annotations["target"] != "30" || got.Annotations["actual"] != "14" {
			t.Errorf("alert %v %v: want severity warning, target 30, actual 14 and a dashboard link", got.Labels, got.Annotations)
		}
		if want := "http://localhost:3000/d/kpi-indicator/kpi-indicator?var-plan=" + testPlan + "&var-indicator=" + laggingIndicator; got.Annotations["dashboard"] != want {
			t.Errorf("dashboard annotation = %q, want %q", got.Annotations["dashboard"], want)
		}
		if diff := amReceivers(t, ctx, amAddr, laggingIndicator); !slices.Equal(diff, []string{laggingUnit}) {
			t.Errorf("Alertmanager receivers of %s alerts = %v, want [%s]", laggingIndicator, diff, laggingUnit)
		}
		if others := hooks.receiversOf(laggingIndicator); !slices.Equal(others, []string{laggingUnit}) {
			t.Errorf("webhook receivers notified about %s = %v, want only [%s]", laggingIndicator, others, laggingUnit)
		}
		if n := hooks.count(twoUnitIndicator); n != 0 {
			t.Errorf("%d notifications about the on-track indicator %s, want none", n, twoUnitIndicator)
		}
	})

	t.Run("off-track indicator with two lead units reaches both", func(t *testing.T) {
		submit(t, ctx, kpimonAddr, secret, []row{{testPlan, twoUnitIndicator, "2019", "105"}})
		for _, unit := range twoUnits {
			got := waitAlert(t, ctx, hooks, unit, "KpiIndicatorOffTrack", twoUnitIndicator)
			if got.Labels["lead_unit"] != unit || got.Labels["severity"] != "critical" {
				t.Errorf("alert at %s has labels %v, want lead_unit %s and severity critical", unit, got.Labels, unit)
			}
		}
		want := slices.Sorted(slices.Values(twoUnits))
		if got := amReceivers(t, ctx, amAddr, twoUnitIndicator); !slices.Equal(got, want) {
			t.Errorf("Alertmanager receivers of %s alerts = %v, want %v", twoUnitIndicator, got, want)
		}
		if got := hooks.receiversOf(twoUnitIndicator); !slices.Equal(got, want) {
			t.Errorf("webhook receivers notified about %s = %v, want %v", twoUnitIndicator, got, want)
		}
	})

	// After the submissions the scrape holds every family, the ingest
	// metrics of the API source included.
	t.Run("full scrape passes promtool check metrics", func(t *testing.T) {
		body := get(t, ctx, "http://"+kpimonAddr+"/metrics")
		for _, want := range []string{"kpi_status{", "kpi_indicator_lead_unit{", "kpi_ingest_runs_total{", "go_goroutines", "process_cpu_seconds_total"} {
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

// Configuration copies.

// testRules returns the shipped rules with every `for:` at 1s and no
// keep_firing_for, so alerts fire within seconds.
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
			delete(rule, "keep_firing_for")
		}
	}
	return doc
}

// testPrometheusConfig returns the shipped configuration evaluating every
// second, scraping only its kpimon job (at kpimonAddr) and sending to the
// Alertmanager at amAddr.
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
	doc["scrape_configs"] = []any{kpimonJob}
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
	Path     string  `json:"-"` // the receiver named by the URL
	Receiver string  `json:"receiver"`
	Status   string  `json:"status"`
	Alerts   []alert `json:"alerts"`
}

// webhooks records Alertmanager's webhook notifications by receiver.
type webhooks struct {
	mu   sync.Mutex
	seen []notification
}

func newWebhooks() *webhooks { return &webhooks{} }

func (h *webhooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var n notification
	if err := json.NewDecoder(r.Body).Decode(&n); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	n.Path, _ = url.PathUnescape(strings.TrimPrefix(r.URL.Path, "/"))
	h.mu.Lock()
	h.seen = append(h.seen, n)
	h.mu.Unlock()
}

// find returns a firing alert named alertname about indicator received by
// receiver.
func (h *webhooks) find(receiver, alertname, indicator string) (alert, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range h.seen {
		if n.Path != receiver || n.Receiver != receiver {
			continue
		}
		for _, a := range n.Alerts {
			if a.Status == "firing" && a.Labels["alertname"] == alertname && a.Labels["indicator"] == indicator {
				return a, true
			}
		}
	}
	return alert{}, false
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

func (h *webhooks) count(indicator string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := 0
	for _, n := range h.seen {
		for _, a := range n.Alerts {
			if a.Labels["indicator"] == indicator {
				c++
			}
		}
	}
	return c
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

// kpimon.

type row struct{ Plan, Indicator, Period, Value string }

func submit(t *testing.T, ctx context.Context, addr, token string, rows []row) {
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
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/v1/observations = %d, want 201:\n%s", resp.StatusCode, msg)
	}
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
