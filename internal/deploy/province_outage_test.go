package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/yanfeng/kpimon/internal/testkit"
)

// outageFlags are the Prometheus flags that decide what a Prometheus outage
// does to alerts already sent: how long Alertmanager holds them (4 × the
// resend delay) and whether `for` state is restored after a restart.
func outageFlags(command []string) []string {
	var flags []string
	for _, a := range command {
		if strings.HasPrefix(a, "--rules.alert.") {
			flags = append(flags, a)
		}
	}
	slices.Sort(flags)
	return flags
}

// mainComposePrometheus is the Prometheus command of docker-compose.yml as
// compose resolves it with defaults.
func mainComposePrometheus(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	b = composeDefault.ReplaceAllFunc(b, func(m []byte) []byte { return composeDefault.FindSubmatch(m)[1] })
	var c struct {
		Services map[string]struct {
			Command []string `yaml:"command"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c.Services["prometheus"].Command
}

// provinceServices is docker-compose.province.yml as compose resolves it.
func provinceServices(t *testing.T) resolvedCompose {
	t.Helper()
	out, err := composeConfig(t, "GRAFANA_ADMIN_PASSWORD=test-only", "GRAFANA_ROOT_URL=https://grafana.example.gov.cn/")
	if err != nil {
		t.Fatal(err)
	}
	var c resolvedCompose
	if err := yaml.Unmarshal(out, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestProvincePrometheusFlagsMatchMain holds every district Prometheus and
// Alertmanager of the province file to the main file's outage flags and
// external URLs: without them a district Prometheus down for four minutes
// resolved all 53 unit alerts and fired them again.
func TestProvincePrometheusFlagsMatchMain(t *testing.T) {
	want := outageFlags(mainComposePrometheus(t))
	if len(want) < 2 {
		t.Fatalf("docker-compose.yml's Prometheus has outage flags %v, want resend delay and for-outage tolerance", want)
	}
	c := provinceServices(t)
	var districts []string
	for name := range c.Services {
		if d, ok := strings.CutSuffix(name, "-prometheus"); ok {
			districts = append(districts, d)
		}
	}
	if len(districts) < 2 {
		t.Fatalf("districts %v: want two", districts)
	}
	for _, d := range districts {
		prom := c.Services[d+"-prometheus"].Command
		if got := outageFlags(prom); !slices.Equal(got, want) {
			t.Errorf("%s-prometheus outage flags %v, want docker-compose.yml's %v", d, got, want)
		}
		checkRetention(t, d+"-alertmanager", c.Services[d+"-alertmanager"].Command)
		for _, svc := range []string{d + "-prometheus", d + "-alertmanager"} {
			if !slices.ContainsFunc(c.Services[svc].Command, func(a string) bool { return strings.HasPrefix(a, "--web.external-url=http") }) {
				t.Errorf("%s has no --web.external-url: %v", svc, c.Services[svc].Command)
			}
		}
	}
}

// TestProvinceOutageKeepsUnitAlerts runs a real Prometheus with a district's
// flags from the province file and a real Alertmanager, and checks how long
// Alertmanager holds an alert Prometheus sent: at least 8 hours (4 × the
// 2h resend delay), so a district Prometheus outage (4 min 19 s was seen)
// resolves nothing for the units. With Prometheus' default resend delay (1 min) the alert ends after
// 4 min and every unit is told "resolved".
func TestProvinceOutageKeepsUnitAlerts(t *testing.T) {
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip("starts Prometheus and Alertmanager: not in -short mode (CI runs it)")
	}
	prometheusBin := testkit.LookPath(t, "prometheus", "prometheus")
	alertmanagerBin := testkit.LookPath(t, "prometheus-alertmanager", "prometheus-alertmanager", "alertmanager")
	c := provinceServices(t)
	flags := outageFlags(c.Services["yanfeng-prometheus"].Command)

	dir := t.TempDir()
	promAddr, amAddr := testkit.FreeAddr(t), testkit.FreeAddr(t)
	amConfig := filepath.Join(dir, "alertmanager.yml")
	mustWrite(t, amConfig, "route: {receiver: sink, group_wait: 1s}\nreceivers: [{name: sink}]\n")
	// `for` outlasts Prometheus' first Alertmanager discovery (5 s): an
	// alert firing before then is dropped, and with a 2h resend delay not
	// sent again for 2h.
	rules := filepath.Join(dir, "rules.yml")
	mustWrite(t, rules, "groups:\n  - name: t\n    interval: 1s\n    rules:\n      - alert: KpiTestFiring\n        expr: vector(1)\n        for: 8s\n        labels: {lead_unit: 区测试局}\n")
	promConfig := filepath.Join(dir, "prometheus.yml")
	mustWrite(t, promConfig, fmt.Sprintf("global: {evaluation_interval: 1s}\nrule_files: [%q]\nalerting:\n  alertmanagers:\n    - static_configs: [{targets: [%q]}]\n", rules, amAddr))

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	am := testkit.Start(t, "alertmanager", alertmanagerBin, "--config.file="+amConfig,
		"--storage.path="+filepath.Join(dir, "am"), "--web.listen-address="+amAddr, "--cluster.listen-address=")
	// Alertmanager first: with a 2h resend delay an alert sent to nobody
	// is sent again only 2h later.
	testkit.WaitHTTP(t, ctx, am, "http://"+amAddr+"/-/ready")
	prom := testkit.Start(t, "prometheus", prometheusBin, append([]string{"--config.file=" + promConfig,
		"--storage.tsdb.path=" + filepath.Join(dir, "prom"), "--web.listen-address=" + promAddr}, flags...)...)
	testkit.WaitHTTP(t, ctx, prom, "http://"+promAddr+"/-/ready")

	var alerts []struct {
		EndsAt    time.Time `json:"endsAt"`
		UpdatedAt time.Time `json:"updatedAt"`
	}
	testkit.WaitFor(t, ctx, prom, "the alert to reach Alertmanager", func() error {
		alerts = nil
		if err := getJSON(ctx, "http://"+amAddr+"/api/v2/alerts?"+url.Values{"filter": {`alertname="KpiTestFiring"`}}.Encode(), &alerts); err != nil {
			return err
		}
		if len(alerts) != 1 {
			return fmt.Errorf("%d alerts", len(alerts))
		}
		return nil
	})
	// A Prometheus outage shorter than this resolves nothing.
	// (endsAt counts from the evaluation, updatedAt from its arrival a
	// moment later.)
	held := alerts[0].EndsAt.Sub(alerts[0].UpdatedAt)
	if held < 8*time.Hour-time.Minute {
		t.Errorf("Alertmanager holds the alert for %v after Prometheus' last send (flags %v), want at least 8h: a district Prometheus outage longer than that resolves every unit alert", held, flags)
	}
}

// getJSON decodes the answer of GET u (at most 1 MiB) into out.
func getJSON(ctx context.Context, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out)
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
