package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/testkit"
)

// TestOperatorHearsOfFailingReceiver runs Alertmanager with the shipped
// routing (group waits made short, group intervals as shipped: 1h for
// units) and Prometheus with the shipped rules scraping it. A unit's
// webhook answers 500: the operator must hear AlertmanagerNotificationsFailing
// within minutes, not one unit group_interval (1h) later as on main, where
// the rule read alertmanager_notifications_failed_total, which counts a
// notification only when its retries give up at the group_interval.
func TestOperatorHearsOfFailingReceiver(t *testing.T) {
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip("starts Prometheus and Alertmanager: not in -short mode (CI runs it)")
	}
	prometheusBin := testkit.LookPath(t, "prometheus", "prometheus")
	alertmanagerBin := testkit.LookPath(t, "prometheus-alertmanager", "prometheus-alertmanager", "alertmanager")
	root := testkit.RepoRoot(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()

	const failingUnit = "区科工信局"
	hooks := newWebhooks()
	hookSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, _ := url.PathUnescape(strings.TrimPrefix(r.URL.Path, "/")); p == failingUnit {
			http.Error(w, "receiver down", http.StatusInternalServerError)
			return
		}
		hooks.ServeHTTP(w, r)
	}))
	defer hookSrv.Close()

	amAddr, promAddr := testkit.FreeAddr(t), testkit.FreeAddr(t)
	doc := readYAML(t, filepath.Join(root, "alertmanager", "alertmanager.yml"))
	var fastWait func(route map[string]any, top bool)
	fastWait = func(route map[string]any, top bool) {
		if _, ok := route["group_wait"]; ok || top {
			route["group_wait"] = "1s"
		}
		if subs, ok := route["routes"].([]any); ok {
			for _, s := range subs {
				fastWait(s.(map[string]any), false)
			}
		}
	}
	fastWait(doc["route"].(map[string]any), true)
	delete(doc, "templates")
	for _, r := range doc["receivers"].([]any) {
		recv := r.(map[string]any)
		for _, w := range recv["webhook_configs"].([]any) {
			w.(map[string]any)["url"] = hookSrv.URL + "/" + url.PathEscape(recv["name"].(string))
		}
	}
	amConfig := filepath.Join(dir, "alertmanager.yml")
	writeYAML(t, amConfig, doc)
	am := testkit.Start(t, "alertmanager", alertmanagerBin, "--config.file="+amConfig, "--storage.path="+filepath.Join(dir, "am"),
		"--web.listen-address="+amAddr, "--cluster.listen-address=")
	testkit.WaitHTTP(t, ctx, am, "http://"+amAddr+"/-/ready")

	promConfig := filepath.Join(dir, "prometheus.yml")
	writeYAML(t, promConfig, map[string]any{
		"global":     map[string]any{"scrape_interval": "1s", "evaluation_interval": "1s"},
		"rule_files": []any{filepath.Join(root, "prometheus", "rules", "kpimon.rules.yml")},
		"alerting":   map[string]any{"alertmanagers": []any{map[string]any{"static_configs": []any{map[string]any{"targets": []any{amAddr}}}}}},
		"scrape_configs": []any{map[string]any{"job_name": "alertmanager",
			"static_configs": []any{map[string]any{"targets": []any{amAddr}}}}},
	})
	prom := testkit.Start(t, "prometheus", prometheusBin, "--config.file="+promConfig,
		"--storage.tsdb.path="+filepath.Join(dir, "prom"), "--web.listen-address="+promAddr)
	testkit.WaitHTTP(t, ctx, prom, "http://"+promAddr+"/-/ready")
	waitFor(t, ctx, "Prometheus to scrape Alertmanager's counters at 0", func() (bool, string) {
		return len(promQuery(t, ctx, promAddr, `alertmanager_notification_requests_failed_total{integration="webhook"} == 0`)) == 1, "not yet"
	})

	// A unit alert, as the indicator rules send it.
	body, _ := json.Marshal([]map[string]any{{"labels": map[string]string{
		"alertname": "KpiIndicatorLagging", "severity": "warning", "plan": "p", "indicator": "high_tech",
		"lead_unit": failingUnit, "summary": "【进度滞后】高新技术企业", "description": "d", "dashboard": "u"}}})
	resp, err := http.Post("http://"+amAddr+"/api/v2/alerts", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	start := time.Now()
	got := waitAlert(t, ctx, hooks, "kpimon-operator", "AlertmanagerNotificationsFailing", "")
	t.Logf("the operator heard of the failing receiver %v after the unit's alert", time.Since(start).Round(time.Second))
	if got.Labels["integration"] != "webhook" {
		t.Errorf("AlertmanagerNotificationsFailing labels %v: want integration webhook", got.Labels)
	}
	if d := got.Annotations["description"]; !strings.Contains(d, "receiver=") {
		t.Errorf("description %q does not say where the failing receiver is named", d)
	}
}
