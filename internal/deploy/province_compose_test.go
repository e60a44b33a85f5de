package deploy

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/yanfeng/kpimon/internal/boards"
	"github.com/yanfeng/kpimon/internal/testkit"
)

const provinceComposeFile = "docker-compose.province.yml"

// composeConfig runs 'docker-compose -f docker-compose.province.yml config'
// with env (and an empty env file, so an operator's .env does not count).
func composeConfig(t *testing.T, env ...string) ([]byte, error) {
	t.Helper()
	bin := testkit.LookPath(t, "docker-compose", "docker-compose")
	root := testkit.RepoRoot(t)
	envFile := filepath.Join(t.TempDir(), "empty.env")
	if err := os.WriteFile(envFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--env-file", envFile, "-f", provinceComposeFile, "config")
	cmd.Dir = root
	cmd.Env = append(withoutEnv(os.Environ(), "GRAFANA_ADMIN_PASSWORD"), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%v\n%s", err, stderr.String())
	}
	return out, nil
}

// TestProvinceComposeConfig validates the province compose file with
// Debian's docker-compose, and that it refuses to start without a Grafana
// password.
func TestProvinceComposeConfig(t *testing.T) {
	if _, err := composeConfig(t, "GRAFANA_ADMIN_PASSWORD=test-only", "GRAFANA_ROOT_URL=https://grafana.example.gov.cn/"); err != nil {
		t.Fatalf("docker-compose -f %s config: %v", provinceComposeFile, err)
	}
	if out, err := composeConfig(t, "GRAFANA_ROOT_URL=https://grafana.example.gov.cn/"); err == nil {
		t.Errorf("docker-compose config passed without GRAFANA_ADMIN_PASSWORD, want an error asking for it:\n%.500s", out)
	}
	if out, err := composeConfig(t, "GRAFANA_ADMIN_PASSWORD=test-only"); err == nil || !strings.Contains(err.Error(), "GRAFANA_ROOT_URL") {
		t.Errorf("docker-compose config without GRAFANA_ROOT_URL: err %v; want a refusal naming it:\n%.500s", err, out)
	}
	// The district Alertmanagers refuse placeholder webhooks as the main
	// file's does: the same entrypoint.
	c, main := provinceServicesEntrypoints(t)
	for name, ep := range c {
		if strings.HasSuffix(name, "-alertmanager") && !slices.Equal(ep, main) {
			t.Errorf("%s entrypoint %q, want docker-compose.yml's alertmanager entrypoint", name, ep)
		}
	}
}

type resolvedCompose struct {
	Services map[string]struct {
		Image   string            `yaml:"image"`
		Command []string          `yaml:"command"`
		Expose  []string          `yaml:"expose"`
		Volumes []string          `yaml:"volumes"`
		Ports   []any             `yaml:"ports"`
		Env     map[string]string `yaml:"environment"`
	} `yaml:"services"`
}

type districtProm struct {
	Global struct {
		ExternalLabels map[string]string `yaml:"external_labels"`
	} `yaml:"global"`
	RuleFiles []string `yaml:"rule_files"`
	Alerting  struct {
		Alertmanagers []struct {
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"alertmanagers"`
	} `yaml:"alerting"`
	RemoteWrite []struct {
		URL string `yaml:"url"`
	} `yaml:"remote_write"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
}

// TestProvinceComposeWiring checks the province stack as compose resolves
// it: every district's Prometheus carries a distinct region and a level,
// scrapes its own kpimon, sends alerts to its own Alertmanager and
// remote-writes to the central VictoriaMetrics; Grafana reads
// VictoriaMetrics under the uid the boards use and opens the province
// board; VictoriaMetrics is the release the tests run.
func TestProvinceComposeWiring(t *testing.T) {
	out, err := composeConfig(t, "GRAFANA_ADMIN_PASSWORD=test-only", "GRAFANA_ROOT_URL=https://grafana.example.gov.cn/")
	if err != nil {
		t.Fatal(err)
	}
	root := testkit.RepoRoot(t)
	var c resolvedCompose
	if err := yaml.Unmarshal(out, &c); err != nil {
		t.Fatalf("parse docker-compose config output: %v", err)
	}
	// hostFile returns the repository file a service mounts at path.
	hostFile := func(service, path string) string {
		t.Helper()
		for _, v := range c.Services[service].Volumes {
			parts := strings.Split(v, ":")
			if len(parts) >= 2 && parts[1] == path {
				return parts[0]
			}
		}
		t.Fatalf("service %s mounts nothing at %s (volumes %v)", service, path, c.Services[service].Volumes)
		return ""
	}
	exposes := func(addr string) bool {
		host, port, _ := strings.Cut(addr, ":")
		return slices.Contains(c.Services[host].Expose, port)
	}

	regions := map[string]string{}
	var districts []string
	for name := range c.Services {
		if d, ok := strings.CutSuffix(name, "-prometheus"); ok {
			districts = append(districts, d)
		}
	}
	slices.Sort(districts)
	if len(districts) < 2 {
		t.Fatalf("districts %v: want at least two", districts)
	}
	promtool := testkit.LookPath(t, "prometheus", "promtool")
	for _, d := range districts {
		t.Run(d, func(t *testing.T) {
			cfgPath := hostFile(d+"-prometheus", "/etc/prometheus/prometheus.yml")
			if rules := hostFile(d+"-prometheus", "/etc/prometheus/rules"); rules != filepath.Join(root, "prometheus", "rules") {
				t.Errorf("rules mounted from %s, want the repository's prometheus/rules (alerts stay with the district)", rules)
			}
			if out, err := exec.Command(promtool, "check", "config", "--syntax-only", cfgPath).CombinedOutput(); err != nil {
				t.Errorf("promtool check config %s: %v\n%s", cfgPath, err, out)
			}
			b, err := os.ReadFile(cfgPath)
			if err != nil {
				t.Fatal(err)
			}
			var p districtProm
			if err := yaml.Unmarshal(b, &p); err != nil {
				t.Fatal(err)
			}
			region, level := p.Global.ExternalLabels[boards.RegionLabel], p.Global.ExternalLabels[boards.LevelLabel]
			if region == "" || !slices.Contains([]string{"区", "市", "省"}, level) {
				t.Errorf("external labels %v: want %s set and %s one of 区 市 省", p.Global.ExternalLabels, boards.RegionLabel, boards.LevelLabel)
			}
			if other, dup := regions[region]; dup {
				t.Errorf("region %q is also %s's: regions must be unique", region, other)
			}
			regions[region] = d
			if len(p.RemoteWrite) != 1 {
				t.Fatalf("remote_write %v: want one, into VictoriaMetrics", p.RemoteWrite)
			}
			u, err := url.Parse(p.RemoteWrite[0].URL)
			if err != nil || u.Host != "victoriametrics:8428" || u.Path != "/api/v1/write" || !exposes(u.Host) {
				t.Errorf("remote_write url %q: want http://victoriametrics:8428/api/v1/write on a service exposing 8428", p.RemoteWrite[0].URL)
			}
			var am []string
			for _, a := range p.Alerting.Alertmanagers {
				for _, s := range a.StaticConfigs {
					am = append(am, s.Targets...)
				}
			}
			if !slices.Equal(am, []string{d + "-alertmanager:9093"}) || !exposes(am[0]) {
				t.Errorf("alertmanagers %v: want only the district's own, %s-alertmanager:9093", am, d)
			}
			var kpimon []string
			for _, sc := range p.ScrapeConfigs {
				if sc.JobName == "kpimon" {
					for _, s := range sc.StaticConfigs {
						kpimon = append(kpimon, s.Targets...)
					}
				}
			}
			if !slices.Equal(kpimon, []string{d + "-kpimon:9464"}) || !exposes(kpimon[0]) {
				t.Errorf("job kpimon scrapes %v: want only the district's own kpimon, %s-kpimon:9464", kpimon, d)
			}
			if cmd := strings.Join(c.Services[d+"-kpimon"].Command, " "); strings.Contains(cmd, "--targets") {
				if dir := hostFile(d+"-kpimon", "/etc/kpimon/targets"); !isDir(dir) {
					t.Errorf("kpimon --targets mounts %s, which is no directory", dir)
				}
			}
		})
	}

	var ds struct {
		Datasources []struct {
			UID, Type, URL string
		} `yaml:"datasources"`
	}
	dsDir := hostFile("grafana", "/etc/grafana/provisioning/datasources")
	b, err := os.ReadFile(filepath.Join(dsDir, "victoriametrics.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &ds); err != nil {
		t.Fatal(err)
	}
	if len(ds.Datasources) != 1 || ds.Datasources[0].UID != boards.DatasourceUID || ds.Datasources[0].URL != "http://victoriametrics:8428" {
		t.Errorf("province data sources %+v: want one, uid %s, url http://victoriametrics:8428", ds.Datasources, boards.DatasourceUID)
	}
	if got := hostFile("grafana", "/var/lib/grafana/dashboards"); got != filepath.Join(root, "grafana", "dashboards") {
		t.Errorf("grafana reads boards from %s, want grafana/dashboards", got)
	}
	home := c.Services["grafana"].Env["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
	if home != "/var/lib/grafana/dashboards/"+boards.UIDProvince+".json" {
		t.Errorf("grafana home board %q, want the province board", home)
	}
	for name, s := range c.Services {
		if len(s.Ports) > 0 && name != "grafana" {
			t.Errorf("%s publishes %v: only Grafana is published", name, s.Ports)
		}
	}

	// One VictoriaMetrics release everywhere: compose, the tests, CI.
	_, version, _ := strings.Cut(testkit.VictoriaMetricsModule, "@")
	if img := c.Services["victoriametrics"].Image; img != "victoriametrics/victoria-metrics:"+version {
		t.Errorf("victoriametrics image %q, want victoriametrics/victoria-metrics:%s (the release the tests run)", img, version)
	}
	ci, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^vm_module=` + regexp.QuoteMeta(testkit.VictoriaMetricsModule) + `$`).Match(ci) {
		t.Errorf(".ci/run does not install %s", testkit.VictoriaMetricsModule)
	}
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// provinceServicesEntrypoints returns every service's entrypoint in
// docker-compose.province.yml and the main file's Alertmanager entrypoint,
// both as docker-compose config resolves them.
func provinceServicesEntrypoints(t *testing.T) (map[string][]string, []string) {
	t.Helper()
	var out = map[string][]string{}
	b, err := composeConfig(t, "GRAFANA_ADMIN_PASSWORD=test-only", "GRAFANA_ROOT_URL=https://grafana.example.gov.cn/")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]struct {
			Entrypoint []string `yaml:"entrypoint"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	for name, s := range c.Services {
		out[name] = s.Entrypoint
	}
	raw, err := os.ReadFile(filepath.Join(testkit.RepoRoot(t), "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Services map[string]struct {
			Entrypoint []string `yaml:"entrypoint"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	// docker-compose config writes $ as $$, as the file does.
	return out, m.Services["alertmanager"].Entrypoint
}
