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
// units), kpimon's notification relay with the shipped relay.yml (each
// unit's URL pointed at this test), and Prometheus with the shipped rules
// scraping both. A unit's receiver answers 500: the operator must hear,
// within minutes, KpiReceiverFailing naming that unit (the relay counts
// failures per receiver; on main nothing named it: Alertmanager counts by
// integration only and the text pointed to its log), and
// AlertmanagerNotificationsFailing, not one unit group_interval (1h)
// later.
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

	amAddr, promAddr, relayAddr := testkit.FreeAddr(t), testkit.FreeAddr(t), testkit.FreeAddr(t)
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
	// Webhooks through the relay go to this test's relay; the others (the
	// operator's) straight to the sink.
	relayed := 0
	for _, r := range doc["receivers"].([]any) {
		recv := r.(map[string]any)
		for _, w := range recv["webhook_configs"].([]any) {
			wc := w.(map[string]any)
			if u, ok := strings.CutPrefix(wc["url"].(string), "http://notify-relay:9465/"); ok {
				wc["url"] = "http://" + relayAddr + "/" + u
				relayed++
			} else {
				wc["url"] = hookSrv.URL + "/" + url.PathEscape(recv["name"].(string))
			}
		}
	}
	if relayed == 0 {
		t.Fatal("alertmanager.yml sends no webhook through the relay")
	}
	// The relay's file with every receiver's URL pointed at the sink.
	relayDoc := readYAML(t, filepath.Join(root, "alertmanager", "relay.yml"))
	for _, r := range relayDoc["receivers"].([]any) {
		rc := r.(map[string]any)
		rc["url"] = hookSrv.URL + "/" + url.PathEscape(rc["name"].(string))
	}
	relayConfig := filepath.Join(dir, "relay.yml")
	writeYAML(t, relayConfig, relayDoc)
	relay := testkit.Start(t, "notify-relay", testkit.Kpimon(t), "notify-relay", "--web.listen-address="+relayAddr, "--relay.config.file="+relayConfig)
	testkit.WaitHTTP(t, ctx, relay, "http://"+relayAddr+"/-/ready")
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
		"scrape_configs": []any{
			map[string]any{"job_name": "alertmanager", "static_configs": []any{map[string]any{"targets": []any{amAddr}}}},
			map[string]any{"job_name": "notify-relay", "static_configs": []any{map[string]any{"targets": []any{relayAddr}}}},
		},
	})
	prom := testkit.Start(t, "prometheus", prometheusBin, "--config.file="+promConfig,
		"--storage.tsdb.path="+filepath.Join(dir, "prom"), "--web.listen-address="+promAddr)
	testkit.WaitHTTP(t, ctx, prom, "http://"+promAddr+"/-/ready")
	waitFor(t, ctx, "Prometheus to scrape Alertmanager's and the relay's counters at 0", func() (bool, string) {
		return len(promQuery(t, ctx, promAddr, `alertmanager_notification_requests_failed_total{integration="webhook"} == 0`)) == 1 &&
			len(promQuery(t, ctx, promAddr, `kpimon_relay_notifications_failed_total{receiver="`+failingUnit+`"} == 0`)) == 1, "not yet"
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
	named := waitAlert(t, ctx, hooks, "kpimon-operator", "KpiReceiverFailing", "")
	t.Logf("the operator heard %s's receiver was failing %v after the unit's alert", failingUnit, time.Since(start).Round(time.Second))
	if named.Labels["receiver"] != failingUnit {
		t.Errorf("KpiReceiverFailing labels %v: want receiver %s", named.Labels, failingUnit)
	}
	if s := named.Annotations["summary"]; !strings.Contains(s, failingUnit) {
		t.Errorf("KpiReceiverFailing summary %q does not name %s", s, failingUnit)
	}
	got := waitAlert(t, ctx, hooks, "kpimon-operator", "AlertmanagerNotificationsFailing", "")
	if got.Labels["integration"] != "webhook" {
		t.Errorf("AlertmanagerNotificationsFailing labels %v: want integration webhook", got.Labels)
	}
	// Only the failing unit is named.
	for _, n := range hooks.notifications("kpimon-operator") {
		for _, a := range n.Alerts {
			if a.Labels["alertname"] == "KpiReceiverFailing" && a.Labels["receiver"] != failingUnit {
				t.Errorf("KpiReceiverFailing for %s, whose receiver works", a.Labels["receiver"])
			}
		}
	}
}
