package e2e

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/yanfeng/kpimon/internal/testkit"
)

// outageScale shrinks the district Prometheus' outage flags for a test:
// the 2h resend delay becomes 12s (Alertmanager then holds an alert 48s,
// leaving a restart on a loaded machine 30s after an 18s outage).
const outageScale = float64(12*time.Second) / float64(2*time.Hour)

// districtFlag is the value of flag in docker-compose.province.yml (the
// district Prometheus flags, defined once there), scaled by outageScale;
// Prometheus' default def when the file does not set it.
func districtFlag(t *testing.T, compose []byte, flag, def string) time.Duration {
	t.Helper()
	v := def
	if m := regexp.MustCompile(regexp.QuoteMeta(flag) + `=(\S+)`).FindSubmatch(compose); m != nil {
		v = string(m[1])
	}
	d, err := model.ParseDuration(v)
	if err != nil {
		t.Fatalf("%s=%s: %v", flag, v, err)
	}
	// Prometheus takes whole milliseconds.
	return time.Duration(float64(d) * outageScale).Round(time.Millisecond)
}

// TestDistrictPrometheusOutage runs a district as docker-compose.province.yml
// does — kpimon, Prometheus with the shipped rules (for 1s) and the
// province file's outage flags, Alertmanager with the shipped routes — all
// scaled down (resend delay 2h → 12s, outage tolerance 25h → 150s,
// evaluation every second). Units hear their alerts; then the district
// Prometheus is killed for longer than the resend delay and started again
// on its data: three hours, scaled (18s). No unit may hear "resolved", nor
// the same alert twice, until well past the moment Alertmanager would have
// ended the alert had Prometheus not sent it again. Without the flags
// (Prometheus' 1m default, scaled: a hold of 4s) the units hear every alert
// resolved and fired again.
func TestDistrictPrometheusOutage(t *testing.T) {
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip("starts kpimon, Prometheus and Alertmanager: not in -short mode (CI runs it)")
	}
	prometheusBin := testkit.LookPath(t, "prometheus", "prometheus")
	alertmanagerBin := testkit.LookPath(t, "prometheus-alertmanager", "prometheus-alertmanager", "alertmanager")
	root := testkit.RepoRoot(t)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()

	compose, err := os.ReadFile(filepath.Join(root, "docker-compose.province.yml"))
	if err != nil {
		t.Fatal(err)
	}
	resend := districtFlag(t, compose, "--rules.alert.resend-delay", "1m")
	tolerance := districtFlag(t, compose, "--rules.alert.for-outage-tolerance", "1h")
	// Prometheus sends an alert as valid for 4 × max(resend delay,
	// evaluation interval).
	hold := 4 * max(resend, time.Second)
	t.Logf("scaled: resend delay %v, hold %v, for-outage tolerance %v", resend, hold, tolerance)

	kpimonBin := testkit.Kpimon(t)
	hooks := newWebhooks()
	hookSrv := httptest.NewServer(hooks)
	defer hookSrv.Close()
	kpimonAddr, promAddr, amAddr := testkit.FreeAddr(t), testkit.FreeAddr(t), testkit.FreeAddr(t)

	targets, data := filepath.Join(dir, "targets"), filepath.Join(dir, "data")
	writeFile(t, filepath.Join(targets, "e2e.yaml"), testCatalog)
	secret := testkit.CreateToken(t, kpimonBin, data, targets, "e2e")
	kpimon := testkit.Start(t, "kpimon", kpimonBin, "serve", "--listen", kpimonAddr, "--data", data, "--targets", targets,
		"--as-of", asOf, "--grafana.url", grafanaURL, "--web.external-url", webURL)

	amConfig := filepath.Join(dir, "alertmanager.yml")
	writeYAML(t, amConfig, testAlertmanagerConfig(t, filepath.Join(root, "alertmanager", "alertmanager.yml"), hookSrv.URL))
	am := testkit.Start(t, "alertmanager", alertmanagerBin, "--config.file="+amConfig, "--storage.path="+filepath.Join(dir, "am-data"),
		"--web.listen-address="+amAddr, "--cluster.listen-address=")

	rules := filepath.Join(dir, "kpimon.rules.yml")
	writeYAML(t, rules, testRules(t, filepath.Join(root, "prometheus", "rules", "kpimon.rules.yml")))
	promConfig := filepath.Join(dir, "prometheus.yml")
	writeYAML(t, promConfig, testPrometheusConfig(t, filepath.Join(root, "prometheus", "prometheus.yml"), rules, kpimonAddr, amAddr))
	promArgs := []string{"--config.file=" + promConfig, "--storage.tsdb.path=" + filepath.Join(dir, "prom-data"),
		"--web.listen-address=" + promAddr,
		"--rules.alert.resend-delay=" + model.Duration(resend).String(), "--rules.alert.for-outage-tolerance=" + model.Duration(tolerance).String()}
	testkit.WaitHTTP(t, ctx, am, "http://"+amAddr+"/-/ready")
	prom := testkit.Start(t, "prometheus", prometheusBin, promArgs...)
	testkit.WaitHTTP(t, ctx, kpimon, "http://"+kpimonAddr+"/readyz")
	testkit.WaitHTTP(t, ctx, prom, "http://"+promAddr+"/-/ready")

	submit(t, ctx, kpimonAddr, secret, []row{
		{testPlan, laggingIndicator, "2019", "14"},
		{testPlan, twoUnitIndicator, "2019", "105.12"},
	})
	waitAlert(t, ctx, hooks, laggingUnit, "KpiIndicatorLagging", laggingIndicator)
	for _, u := range twoUnits {
		waitAlert(t, ctx, hooks, u, "KpiIndicatorOffTrack", twoUnitIndicator)
	}
	// Every unit alert the rules raise here (the lagging, the off-track and
	// the overdue ones) has reached its unit before the outage.
	units := []string{laggingUnit, twoUnits[0], twoUnits[1], missedUnit}
	waitFor(t, ctx, "Alertmanager to have notified every unit alert", func() (bool, string) {
		active := amAlerts(t, ctx, amAddr, []string{`lead_unit=~".+"`}, "&active=true&inhibited=false&silenced=false")
		notified := 0
		for _, u := range units {
			for _, n := range hooks.notifications(u) {
				notified += len(n.Alerts)
			}
		}
		return active > 0 && notified >= active, fmt.Sprintf("%d active, %d notified", active, notified)
	})
	before := map[string]int{}
	for _, u := range units {
		before[u] = len(hooks.notifications(u))
	}

	// Down for three hours, scaled: longer than the 2h resend delay, within
	// the 8h Alertmanager holds an alert.
	outage := time.Duration(float64(3*time.Hour) * outageScale)
	killed := time.Now()
	prom.Kill()
	select {
	case <-time.After(outage):
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	restarted := time.Now()
	prom = testkit.Start(t, "prometheus (restarted)", prometheusBin, promArgs...)
	testkit.WaitHTTP(t, ctx, prom, "http://"+promAddr+"/-/ready")
	t.Logf("Prometheus down %v (resend delay %v)", restarted.Sub(killed).Round(time.Millisecond), resend)
	if down := restarted.Sub(killed); down <= resend {
		t.Fatalf("Prometheus was down %v, not longer than the resend delay %v", down, resend)
	}

	// Prometheus sends the alerts again after its restart, and the time
	// Alertmanager would have ended them without that passes.
	waitFor(t, ctx, "Prometheus to send the lagging alert again after its restart", func() (bool, string) {
		var alerts []struct {
			UpdatedAt time.Time `json:"updatedAt"`
		}
		u := "http://" + amAddr + "/api/v2/alerts?active=true&filter=" + url.QueryEscape(`alertname="KpiIndicatorLagging"`)
		getJSON(t, ctx, u, &alerts)
		return len(alerts) == 1 && alerts[0].UpdatedAt.After(restarted), fmt.Sprintf("%d alerts", len(alerts))
	})
	waitFor(t, ctx, "the hold of the alerts sent before the outage to pass", func() (bool, string) {
		return time.Since(killed) > hold+2*time.Second, "not yet"
	})

	for _, u := range units {
		for _, n := range hooks.notifications(u) {
			for _, a := range n.Alerts {
				if a.Status == "resolved" {
					t.Errorf("%s heard %s about %s resolved during a Prometheus outage of %v", u, a.Labels["alertname"], a.Labels["indicator"], restarted.Sub(killed).Round(time.Millisecond))
				}
			}
		}
		if n := len(hooks.notifications(u)); n != before[u] {
			t.Errorf("%s got %d notifications, %d before the outage: the outage sent it its alerts again:%s", u, n, before[u], hooks)
		}
	}
}
