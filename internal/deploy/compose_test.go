package deploy

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/yanfeng/kpimon/internal/boards"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// repoRoot is the module root, where docker-compose.yml and the files it
// mounts live.
const repoRoot = "../.."

// composeFile is the part of docker-compose.yml the tests check.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image string `yaml:"image"`
	Build *struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	} `yaml:"build"`
	Volumes     []string `yaml:"volumes"`
	Ports       []string `yaml:"ports"`
	Expose      []string `yaml:"expose"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

// composeDefault matches ${VAR:-default} and ${VAR:?message}.
var composeDefault = regexp.MustCompile(`\$\{\w+(?::-([^}]*)|:\?[^}]*)?\}`)

// readCompose parses docker-compose.yml with every ${VAR:-default} set to
// its default, as compose does when the variable is unset.
func readCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	b = composeDefault.ReplaceAllFunc(b, func(m []byte) []byte {
		return composeDefault.FindSubmatch(m)[1]
	})
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("parse docker-compose.yml: %v", err)
	}
	return c
}

// TestComposeConfig validates the file with Debian's docker-compose.
func TestComposeConfig(t *testing.T) {
	bin := testkit.LookPath(t, "docker-compose", "docker-compose")
	// An empty env file, so an operator's .env in the checkout does not
	// change what the test sees.
	envFile := filepath.Join(t.TempDir(), "empty.env")
	if err := os.WriteFile(envFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  []string
	}{
		{"defaults", nil},
		{"inbox bind-mounted", []string{"KPIMON_INBOX_DIR=/mnt/tjj-share/kpimon", "GRAFANA_ADDR=0.0.0.0:3000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "--env-file", envFile, "-f", "docker-compose.yml", "config", "-q")
			cmd.Dir = repoRoot
			// A test value: the real password lives in an uncommitted .env.
			cmd.Env = append(withoutEnv(os.Environ(), "GRAFANA_ADMIN_PASSWORD"), append(tc.env, append(requiredEnv, "GRAFANA_ADMIN_PASSWORD=test-only")...)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("docker-compose config -q: %v\n%s", err, stderr.String())
			}
		})
	}
	// One setting names Grafana's address: Grafana's root URL and the board
	// links in kpimon's alerts both follow GRAFANA_ROOT_URL; Prometheus and
	// Alertmanager name their external addresses.
	t.Run("links from one setting", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "--env-file", envFile, "-f", "docker-compose.yml", "config")
		cmd.Dir = repoRoot
		cmd.Env = append(withoutEnv(os.Environ(), "GRAFANA_ADMIN_PASSWORD"), "GRAFANA_ADMIN_PASSWORD=test-only", "GRAFANA_ROOT_URL=https://kpi.example.gov.cn/grafana/",
			"KPIMON_EXTERNAL_URL=https://kpi.example.gov.cn/")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("docker-compose config: %v", err)
		}
		var c struct {
			Services map[string]struct {
				Environment map[string]string `yaml:"environment"`
				Command     []string          `yaml:"command"`
			} `yaml:"services"`
		}
		if err := yaml.Unmarshal(out, &c); err != nil {
			t.Fatal(err)
		}
		const root = "https://kpi.example.gov.cn/grafana/"
		if got := c.Services["grafana"].Environment["GF_SERVER_ROOT_URL"]; got != root {
			t.Errorf("grafana GF_SERVER_ROOT_URL = %q, want %q", got, root)
		}
		if got := c.Services["kpimon"].Environment["KPIMON_GRAFANA_URL"]; got != root {
			t.Errorf("kpimon KPIMON_GRAFANA_URL = %q, want GRAFANA_ROOT_URL %q", got, root)
		}
		for _, svc := range []string{"prometheus", "alertmanager"} {
			if !slices.ContainsFunc(c.Services[svc].Command, func(a string) bool { return strings.HasPrefix(a, "--web.external-url=http") }) {
				t.Errorf("%s has no --web.external-url: %v", svc, c.Services[svc].Command)
			}
		}
		checkOutageBounds(t, "prometheus", c.Services["prometheus"].Command)
		checkRetention(t, "alertmanager", c.Services["alertmanager"].Command)
	})
	// A localhost address in a unit's alert leads nowhere: compose asks
	// for the real ones instead of defaulting to localhost.
	for _, missing := range []string{"GRAFANA_ROOT_URL", "KPIMON_EXTERNAL_URL"} {
		t.Run(missing+" required", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "--env-file", envFile, "-f", "docker-compose.yml", "config", "-q")
			cmd.Dir = repoRoot
			env := []string{"GRAFANA_ADMIN_PASSWORD=test-only"}
			for _, kv := range requiredEnv {
				if !strings.HasPrefix(kv, missing+"=") {
					env = append(env, kv)
				}
			}
			cmd.Env = append(withoutEnv(withoutEnv(os.Environ(), "GRAFANA_ADMIN_PASSWORD"), missing), env...)
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), missing) {
				t.Errorf("docker-compose config without %s: err %v, output %q; want a refusal naming it", missing, err, out)
			}
		})
	}
	t.Run("password required", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "--env-file", envFile, "-f", "docker-compose.yml", "config", "-q")
		cmd.Dir = repoRoot
		cmd.Env = withoutEnv(os.Environ(), "GRAFANA_ADMIN_PASSWORD")
		if out, err := cmd.CombinedOutput(); err == nil {
			t.Errorf("docker-compose config passed without GRAFANA_ADMIN_PASSWORD, want an error asking for it; output:\n%s", out)
		}
	})
}

// requiredEnv are the settings compose requires besides the password,
// set as an operator would.
var requiredEnv = []string{"GRAFANA_ROOT_URL=https://grafana.example.gov.cn/", "KPIMON_EXTERNAL_URL=https://kpi.example.gov.cn/"}

// TestAlertmanagerRefusesPlaceholders runs the Alertmanager service's
// entrypoint script from docker-compose.yml with the host's sh: with the
// shipped alertmanager.yml (placeholder webhooks) it refuses to start and
// says why; with ALLOW_PLACEHOLDER_WEBHOOKS=1, or a file without
// placeholders, it starts Alertmanager (here a stand-in that prints its
// arguments).
func TestAlertmanagerRefusesPlaceholders(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
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
	ep := c.Services["alertmanager"].Entrypoint
	if len(ep) != 4 || ep[0] != "/bin/sh" || ep[1] != "-c" {
		t.Fatalf("alertmanager entrypoint %q: want /bin/sh -c SCRIPT NAME", ep)
	}
	dir := t.TempDir()
	fake := filepath.Join(dir, "alertmanager")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho started \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	clean := filepath.Join(dir, "clean.yml")
	if err := os.WriteFile(clean, []byte("route: {receiver: x}\nreceivers: [{name: x}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	shipped, err := filepath.Abs(filepath.Join(repoRoot, "alertmanager", "alertmanager.yml"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(config, allow string) (string, error) {
		// Compose turns $$ into $; the paths are the test's.
		script := strings.ReplaceAll(ep[2], "$$", "$")
		script = strings.ReplaceAll(script, "/etc/alertmanager/alertmanager.yml", config)
		script = strings.ReplaceAll(script, "/bin/alertmanager", fake)
		cmd := exec.Command("/bin/sh", "-c", script, ep[3], "--config.file=x")
		cmd.Env = append(withoutEnv(os.Environ(), "ALLOW_PLACEHOLDER_WEBHOOKS"), "ALLOW_PLACEHOLDER_WEBHOOKS="+allow)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run(shipped, "0"); err == nil || !strings.Contains(out, "placeholder webhooks") {
		t.Errorf("shipped alertmanager.yml: err %v, output %q; want a refusal naming the placeholder webhooks", err, out)
	}
	for _, tc := range []struct{ name, config, allow string }{{"allowed for a trial", shipped, "1"}, {"real receivers", clean, "0"}} {
		if out, err := run(tc.config, tc.allow); err != nil || out != "started --config.file=x\n" {
			t.Errorf("%s: err %v, output %q; want Alertmanager started with its arguments", tc.name, err, out)
		}
	}
}

func withoutEnv(env []string, name string) []string {
	var kept []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			kept = append(kept, kv)
		}
	}
	return kept
}

// TestComposeFiles checks what compose mounts and builds from exists, that
// every store is a named volume, images are pinned, every service has a
// health check, and only Grafana is published.
func TestComposeFiles(t *testing.T) {
	c := readCompose(t)
	wantServices := []string{"alertmanager", "grafana", "kpimon", "notify-relay", "prometheus"}
	var got []string
	for name := range c.Services {
		got = append(got, name)
	}
	slices.Sort(got)
	if diff := cmp.Diff(wantServices, got); diff != "" {
		t.Fatalf("services (-want +got):\n%s", diff)
	}
	stores := map[string]string{
		"kpimon":       "/var/lib/kpimon",
		"prometheus":   "/prometheus",
		"alertmanager": "/alertmanager",
		"grafana":      "/var/lib/grafana",
	}
	pinned := regexp.MustCompile(`^[\w./-]+:v?\d+\.\d+\.\d+$`)
	for name, s := range c.Services {
		t.Run(name, func(t *testing.T) {
			if s.Build != nil {
				dir := filepath.Join(repoRoot, s.Build.Context)
				dockerfile := s.Build.Dockerfile
				if dockerfile == "" {
					dockerfile = "Dockerfile"
				}
				mustExist(t, filepath.Join(dir, dockerfile))
			} else if !pinned.MatchString(s.Image) {
				t.Errorf("image %q is not pinned to a version (want name:1.2.3)", s.Image)
			}
			if s.Healthcheck == nil || len(s.Healthcheck.Test) == 0 {
				t.Error("no health check")
			}
			if len(s.Ports) > 0 && name != "grafana" {
				t.Errorf("publishes %v: only Grafana is published by default", s.Ports)
			}
			named := map[string]string{} // container path → named volume
			for _, v := range s.Volumes {
				src, rest, ok := strings.Cut(v, ":")
				if !ok {
					t.Errorf("volume %q has no container path", v)
					continue
				}
				dst, _, _ := strings.Cut(rest, ":")
				switch {
				case strings.HasPrefix(src, "./"):
					mustExist(t, filepath.Join(repoRoot, src))
				case strings.HasPrefix(src, "/"):
					t.Errorf("volume %q: an absolute host path ties the stack to one machine; use a named volume or a variable", v)
				default:
					if _, ok := c.Volumes[src]; !ok {
						t.Errorf("named volume %q is not declared under volumes:", src)
					}
					named[dst] = src
				}
			}
			if store, ok := stores[name]; ok && named[store] == "" {
				t.Errorf("store %s is not on a named volume (volumes %v)", store, s.Volumes)
			}
		})
	}
	if ports := c.Services["grafana"].Ports; len(ports) != 1 || !strings.HasPrefix(ports[0], "127.0.0.1:3000:") {
		t.Errorf("grafana ports %v, want 127.0.0.1:3000:3000 by default", ports)
	}
}

func mustExist(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("compose uses %s, which does not exist in the repository: %v", path, err)
	}
}

// TestDockerfile checks the image is built statically and runs as a
// non-root user with a health check and the data volume.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var froms, users []string
	text := string(b)
	for _, line := range strings.Split(text, "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		switch fields[0] {
		case "FROM":
			froms = append(froms, fields[1])
		case "USER":
			users = append(users, fields[1])
		}
	}
	if len(froms) < 2 {
		t.Errorf("FROM %v: want a multi-stage build", froms)
	}
	if len(users) == 0 || strings.HasPrefix(users[len(users)-1], "root") || strings.HasPrefix(users[len(users)-1], "0") {
		t.Errorf("USER %v: the final image must run as a non-root user", users)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "HEALTHCHECK", `VOLUME ["/var/lib/kpimon"]`, "./cmd/kpimon", "--data", "/var/lib/kpimon"} {
		if !strings.Contains(text, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	ignore, err := os.ReadFile(filepath.Join(repoRoot, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(ignore), "\n") {
		switch strings.TrimSuffix(strings.TrimSpace(line), "/") {
		case "cmd", "internal", "targets", "go.mod", "go.sum", "*", "**":
			t.Errorf(".dockerignore excludes %q, which the build needs", line)
		}
	}
}

// TestStackWiring checks the services find each other: every address in
// prometheus/prometheus.yml and Grafana's data source names a compose
// service and a port it exposes, and Grafana's time interval is
// Prometheus' scrape interval (so $__rate_interval spans enough samples).
func TestStackWiring(t *testing.T) {
	c := readCompose(t)
	var prom struct {
		Global struct {
			ScrapeInterval string `yaml:"scrape_interval"`
		} `yaml:"global"`
		Alerting struct {
			Alertmanagers []struct {
				StaticConfigs []struct {
					Targets []string `yaml:"targets"`
				} `yaml:"static_configs"`
			} `yaml:"alertmanagers"`
		} `yaml:"alerting"`
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	readYAML(t, filepath.Join(repoRoot, "prometheus/prometheus.yml"), &prom)
	check := func(where, addr string) {
		host, port, ok := strings.Cut(addr, ":")
		if !ok {
			t.Errorf("%s: address %q has no port", where, addr)
			return
		}
		if host == "localhost" || host == "127.0.0.1" {
			return
		}
		if _, ok := c.Services[host]; !ok {
			t.Errorf("%s: %s is not a compose service", where, addr)
			return
		}
		if expose := c.Services[host].Expose; !slices.Contains(expose, port) {
			t.Errorf("%s: service %s does not expose port %s (expose: %v)", where, host, port, expose)
		}
	}
	scrapesKpimon := false
	for _, sc := range prom.ScrapeConfigs {
		for _, s := range sc.StaticConfigs {
			for _, target := range s.Targets {
				check("prometheus.yml job "+sc.JobName, target)
				scrapesKpimon = scrapesKpimon || strings.HasPrefix(target, "kpimon:")
			}
		}
	}
	if !scrapesKpimon {
		t.Error("prometheus.yml does not scrape the kpimon service")
	}
	for _, am := range prom.Alerting.Alertmanagers {
		for _, s := range am.StaticConfigs {
			for _, target := range s.Targets {
				check("prometheus.yml alerting", target)
			}
		}
	}

	var ds struct {
		Datasources []struct {
			URL      string `yaml:"url"`
			JSONData struct {
				TimeInterval string `yaml:"timeInterval"`
			} `yaml:"jsonData"`
		} `yaml:"datasources"`
	}
	readYAML(t, filepath.Join(repoRoot, "grafana/provisioning/datasources/prometheus.yml"), &ds)
	for _, d := range ds.Datasources {
		check("grafana data source", strings.TrimPrefix(d.URL, "http://"))
		if got, want := d.JSONData.TimeInterval, prom.Global.ScrapeInterval; got != want {
			t.Errorf("grafana data source timeInterval %q, want Prometheus' scrape_interval %q", got, want)
		}
	}
}

// TestProvisioning checks the data source uid the boards default to is
// the provisioned one, and the dashboard provider reads where compose
// mounts the boards.
func TestProvisioning(t *testing.T) {
	var dsFile struct {
		APIVersion  int `yaml:"apiVersion"`
		Datasources []struct {
			Name, UID, Type, URL, Access string
			IsDefault                    bool `yaml:"isDefault"`
		} `yaml:"datasources"`
	}
	readYAML(t, filepath.Join(repoRoot, "grafana/provisioning/datasources/prometheus.yml"), &dsFile)
	if len(dsFile.Datasources) != 1 {
		t.Fatalf("%d data sources, want 1", len(dsFile.Datasources))
	}
	ds := dsFile.Datasources[0]
	if ds.UID != boards.DatasourceUID || ds.Type != "prometheus" || ds.URL != "http://prometheus:9090" || ds.Access != "proxy" {
		t.Errorf("data source uid %q type %q url %q access %q, want %q prometheus http://prometheus:9090 proxy", ds.UID, ds.Type, ds.URL, ds.Access, boards.DatasourceUID)
	}

	var provFile struct {
		APIVersion int `yaml:"apiVersion"`
		Providers  []struct {
			Name, Type string
			Options    struct{ Path string } `yaml:"options"`
		} `yaml:"providers"`
	}
	readYAML(t, filepath.Join(repoRoot, "grafana/provisioning/dashboards/kpimon.yml"), &provFile)
	if len(provFile.Providers) != 1 || provFile.Providers[0].Type != "file" {
		t.Fatalf("providers %+v, want one of type file", provFile.Providers)
	}
	path := provFile.Providers[0].Options.Path
	c := readCompose(t)
	mounts := map[string]string{} // container path → host path
	for _, v := range c.Services["grafana"].Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 {
			mounts[parts[1]] = parts[0]
		}
	}
	for _, tc := range []struct{ container, host string }{
		{path, "./grafana/dashboards"},
		{"/etc/grafana/provisioning", "./grafana/provisioning"},
	} {
		if got := mounts[tc.container]; got != tc.host {
			t.Errorf("grafana mounts %q at %s, want %q", got, tc.container, tc.host)
		}
	}
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
}

// flagDuration is the duration of flag name in a service's command, 0 when
// it is not there.
func flagDuration(t *testing.T, command []string, name string) time.Duration {
	t.Helper()
	for _, a := range command {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			d, err := model.ParseDuration(v)
			if err != nil {
				t.Fatalf("%s: %v", a, err)
			}
			return time.Duration(d)
		}
	}
	return 0
}

// checkOutageBounds holds a Prometheus command to the two bounds its
// resend delay sets (docs/metrics.md, "Outages"): an outage of up to 8h (4
// × the delay, Alertmanager's hold) resolves nothing for units, and a lost
// send is repeated within 2h; the `for` state outlives the hold.
func checkOutageBounds(t *testing.T, svc string, command []string) {
	t.Helper()
	resend := flagDuration(t, command, "--rules.alert.resend-delay")
	tolerance := flagDuration(t, command, "--rules.alert.for-outage-tolerance")
	if hold := 4 * resend; hold < 8*time.Hour {
		t.Errorf("%s: --rules.alert.resend-delay %v holds alerts %v in Alertmanager, want at least 8h (a night's outage must not resolve unit alerts)", svc, resend, hold)
	}
	if resend > 2*time.Hour {
		t.Errorf("%s: --rules.alert.resend-delay %v, want at most 2h (an alert sent before Alertmanager was found waits that long)", svc, resend)
	}
	if tolerance < 4*resend {
		t.Errorf("%s: --rules.alert.for-outage-tolerance %v, want at least Alertmanager's hold %v", svc, tolerance, 4*resend)
	}
}

// checkRetention holds an Alertmanager command's --data.retention to the
// longest repeat_interval of alertmanager.yml: Alertmanager forgets a
// notification after the retention and sends it again, so KpiNeverReported
// (said once: a year) would repeat every 120h, the default.
func checkRetention(t *testing.T, svc string, command []string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "alertmanager", "alertmanager.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var longest time.Duration
	for _, m := range regexp.MustCompile(`(?m)^\s*repeat_interval:\s*(\S+)`).FindAllSubmatch(b, -1) {
		d, err := model.ParseDuration(string(m[1]))
		if err != nil {
			t.Fatalf("alertmanager.yml repeat_interval %s: %v", m[1], err)
		}
		longest = max(longest, time.Duration(d))
	}
	if got := flagDuration(t, command, "--data.retention"); got < longest {
		t.Errorf("%s: --data.retention %v, want at least alertmanager.yml's longest repeat_interval %v", svc, got, longest)
	}
}
