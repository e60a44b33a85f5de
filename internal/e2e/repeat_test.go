package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/yanfeng/kpimon/internal/testkit"
)

// repeatScale shrinks the shipped Alertmanager durations for a test: a
// unit's five-day reminder (120h) becomes 4s.
const repeatScale = float64(4*time.Second) / float64(120*time.Hour)

// scaled is d shrunk by repeatScale, at least a second.
func scaled(t *testing.T, d string) string {
	t.Helper()
	v, err := model.ParseDuration(d)
	if err != nil {
		t.Fatalf("duration %q: %v", d, err)
	}
	return max(time.Second, time.Duration(float64(v)*repeatScale).Round(time.Second)).String()
}

// TestNeverReportedSaidOnce runs Alertmanager with the shipped routing,
// its repeat intervals and the compose file's --data.retention scaled down
// together (120h → 4s), and a unit with two alerts that keep firing: a
// lagging indicator, reminded at every repeat interval, and
// KpiNeverReported, which the unit hears once. On main KpiNeverReported
// shared the unit's group and was repeated with it every 120h.
func TestNeverReportedSaidOnce(t *testing.T) {
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip("starts Alertmanager: not in -short mode (CI runs it)")
	}
	alertmanagerBin := testkit.LookPath(t, "prometheus-alertmanager", "prometheus-alertmanager", "alertmanager")
	root := testkit.RepoRoot(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()

	hooks := newWebhooks()
	hookSrv := httptest.NewServer(hooks)
	defer hookSrv.Close()

	doc := testAlertmanagerConfig(t, filepath.Join(root, "alertmanager", "alertmanager.yml"), hookSrv.URL)
	var scale func(route map[string]any)
	scale = func(route map[string]any) {
		if d, ok := route["repeat_interval"].(string); ok {
			route["repeat_interval"] = scaled(t, d)
		}
		if subs, ok := route["routes"].([]any); ok {
			for _, s := range subs {
				scale(s.(map[string]any))
			}
		}
	}
	scale(doc["route"].(map[string]any))
	amConfig := filepath.Join(dir, "alertmanager.yml")
	writeYAML(t, amConfig, doc)

	// The notification log is kept as long as compose says, scaled alike.
	compose, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`--data\.retention=(\S+)`).FindSubmatch(compose)
	if m == nil {
		t.Fatal("docker-compose.yml's Alertmanager has no --data.retention: it forgets a notification after 120h and sends it again")
	}
	amAddr := testkit.FreeAddr(t)
	am := testkit.Start(t, "alertmanager", alertmanagerBin, "--config.file="+amConfig, "--storage.path="+filepath.Join(dir, "am"),
		"--web.listen-address="+amAddr, "--cluster.listen-address=", "--data.retention="+scaled(t, string(m[1])))
	testkit.WaitHTTP(t, ctx, am, "http://"+amAddr+"/-/ready")

	const unit = "区财政局"
	alerts := []map[string]any{
		{"labels": map[string]string{"alertname": "KpiNeverReported", "severity": "warning", "plan": "p", "indicator": "science_spending",
			"lead_unit": unit, "status": "no_data", "summary": "【逾期未报】财政科技支出（区财政局牵头）：应报2017年数据，报送期限2018年3月31日已过，始终未报送任何数据"}},
		{"labels": map[string]string{"alertname": "KpiIndicatorLagging", "severity": "warning", "plan": "p", "indicator": "rd_spending",
			"lead_unit": unit, "status": "lagging", "summary": "【进度滞后】研发经费投入（区财政局牵头）"}},
	}
	body, _ := json.Marshal(alerts)
	resp, err := http.Post("http://"+amAddr+"/api/v2/alerts", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	count := func(alertname string) int {
		n := 0
		for _, no := range hooks.notifications(unit) {
			for _, a := range no.Alerts {
				if a.Labels["alertname"] == alertname && a.Status == "firing" {
					n++
				}
			}
		}
		return n
	}
	// Three reminders of the lagging alert: three repeat intervals passed.
	waitFor(t, ctx, "three reminders of the lagging alert at "+unit, func() (bool, string) {
		return count("KpiIndicatorLagging") >= 3, "notifications so far:" + hooks.String()
	})
	if n := count("KpiNeverReported"); n != 1 {
		t.Errorf("%s heard KpiNeverReported %d times over three repeat intervals, want once:%s", unit, n, hooks)
	}
}
