package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/yanfeng/kpimon/internal/catalog"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// TestPrometheusFiles checks the shipped Prometheus configuration and rules
// and runs the rules' unit tests.
func TestPrometheusFiles(t *testing.T) {
	promtool := testkit.LookPath(t, "prometheus (promtool)", "promtool")
	root := testkit.RepoRoot(t)
	tests := []struct {
		name string
		args []string
	}{
		{"check config", []string{"check", "config", "prometheus/prometheus.yml"}},
		{"check rules", []string{"check", "rules", "prometheus/rules/kpimon.rules.yml"}},
		{"test rules", []string{"test", "rules", "prometheus/tests/kpimon.test.yml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := run(t, root, promtool, tt.args...)
			if !strings.Contains(out, "SUCCESS") {
				t.Errorf("promtool %s: no SUCCESS in output:\n%s", strings.Join(tt.args, " "), out)
			}
		})
	}
	t.Run("for is at least the outage guard's look-back", func(t *testing.T) {
		path := filepath.Join(root, "prometheus", "rules", "kpimon.rules.yml")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		guarded, problems := forFloorProblems(t, b)
		if guarded == 0 {
			t.Errorf("%s: no rule re-asserts its ALERTS series over a look-back; the check reads nothing", path)
		}
		for _, p := range problems {
			t.Error(p)
		}
		// The check fails when a guarded rule's for drops below its
		// look-back (here the first one's 1h to 5m).
		lowered := bytes.Replace(b, []byte("        for: 1h\n"), []byte("        for: 5m\n"), 1)
		if _, problems := forFloorProblems(t, lowered); len(problems) != 1 {
			t.Errorf("a guarded rule with for 5m under a 10m look-back: %d problems, want 1: %v", len(problems), problems)
		}
	})
	t.Run("the documented delay of a fix follows the rules and routes", func(t *testing.T) {
		checkFixDelayDoc(t, root)
	})
}

// checkFixDelayDoc holds the delay units are told a fixing figure takes
// (README: "1–2 hours"; the templates: 约1至2小时) to the files it comes
// from: the old alert keeps firing until the new state has waited the
// indicator rules' for and keep_firing_for, then the unit's group is sent
// within one group_interval.
func checkFixDelayDoc(t *testing.T, root string) {
	t.Helper()
	rules := readYAML(t, filepath.Join(root, "prometheus", "rules", "kpimon.rules.yml"))
	var hold model.Duration
	n := 0
	for _, g := range rules["groups"].([]any) {
		group := g.(map[string]any)
		if group["name"] != "kpimon-indicators" {
			continue
		}
		for _, r := range group["rules"].([]any) {
			rule := r.(map[string]any)
			for _, k := range []string{"for", "keep_firing_for"} {
				v, _ := rule[k].(string)
				if v == "" {
					continue
				}
				d, err := model.ParseDuration(v)
				if err != nil {
					t.Fatalf("rule %v %s %q: %v", rule["alert"], k, v, err)
				}
				hold = max(hold, d)
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("no for or keep_firing_for in the group kpimon-indicators")
	}
	// The group_interval a unit's route uses: its own or the nearest
	// parent's.
	am := readYAML(t, filepath.Join(root, "alertmanager", "alertmanager.yml"))
	var interval string
	var walk func(route map[string]any, inherited string) bool
	walk = func(route map[string]any, inherited string) bool {
		if v, ok := route["group_interval"].(string); ok {
			inherited = v
		}
		if route["receiver"] == "区科工信局" {
			interval = inherited
			return true
		}
		subs, _ := route["routes"].([]any)
		for _, s := range subs {
			if walk(s.(map[string]any), inherited) {
				return true
			}
		}
		return false
	}
	if !walk(am["route"].(map[string]any), "5m") { // Alertmanager's default
		t.Fatal("alertmanager.yml: no route to 区科工信局")
	}
	group, err := model.ParseDuration(interval)
	if err != nil {
		t.Fatalf("group_interval %q: %v", interval, err)
	}
	lo, hi := time.Duration(hold), time.Duration(hold)+time.Duration(group)
	if lo%time.Hour != 0 || hi%time.Hour != 0 {
		t.Fatalf("a fix reaches a unit %v–%v after its figure: not whole hours, as README.md and the templates say it; reword them and this check", lo, hi)
	}
	for file, want := range map[string]string{
		"README.md":                          fmt.Sprintf("reaches its unit %d–%d hours later", lo/time.Hour, hi/time.Hour),
		"alertmanager/templates/kpimon.tmpl": fmt.Sprintf("告警约%d至%d小时后更新或解除", lo/time.Hour, hi/time.Hour),
	} {
		b, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("%s does not say %q: the rules hold an alert %v and units are sent every %v", file, want, lo, group)
		}
	}
}

// alertsLookBack finds an outage guard in a rule's expression: its own
// ALERTS series over a range, e.g. ALERTS{alertname="X", ...}[10m].
var alertsLookBack = regexp.MustCompile(`ALERTS\{[^}]*alertname="([^"]+)"[^}]*\}\[([^\]]+)\]`)

// forFloorProblems reads an alert rules file and returns how many rules
// carry an outage guard (the `or` branch that re-asserts an alert from its
// ALERTS series while kpimon is not exporting) and one problem for each
// guarded rule whose `for` is shorter than the guard's look-back: an alert
// resolved less than the look-back before an outage would come back.
func forFloorProblems(t *testing.T, rules []byte) (guarded int, problems []string) {
	t.Helper()
	var doc struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
				For   string `yaml:"for"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(rules, &doc); err != nil {
		t.Fatalf("read the rules: %v", err)
	}
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			for _, m := range alertsLookBack.FindAllStringSubmatch(r.Expr, -1) {
				if m[1] != r.Alert {
					problems = append(problems, fmt.Sprintf("rule %s re-asserts another alert's series (%s)", r.Alert, m[1]))
					continue
				}
				guarded++
				back, err := model.ParseDuration(m[2])
				if err != nil {
					t.Fatalf("rule %s: look-back %q: %v", r.Alert, m[2], err)
				}
				var hold model.Duration
				if r.For != "" {
					if hold, err = model.ParseDuration(r.For); err != nil {
						t.Fatalf("rule %s: for %q: %v", r.Alert, r.For, err)
					}
				}
				if hold < back {
					problems = append(problems, fmt.Sprintf("rule %s: for %v is shorter than its outage guard's look-back %v: an alert resolved within %v before an outage would come back (raise for, or lower the look-back with it)", r.Alert, hold, back, back))
				}
			}
		}
	}
	return guarded, problems
}

func TestAlertmanagerConfig(t *testing.T) {
	amtool := testkit.LookPath(t, "prometheus-alertmanager (amtool)", "amtool")
	run(t, testkit.RepoRoot(t), amtool, "check-config", "alertmanager/alertmanager.yml")
}

// TestAlertmanagerRoutes checks that every lead unit of the embedded
// catalog has a receiver of its own, and where other alerts go.
func TestAlertmanagerRoutes(t *testing.T) {
	amtool := testkit.LookPath(t, "prometheus-alertmanager (amtool)", "amtool")
	config := filepath.Join(testkit.RepoRoot(t), "alertmanager", "alertmanager.yml")
	cat, err := catalog.Default()
	if err != nil {
		t.Fatalf("load the embedded catalog: %v", err)
	}
	var units []string
	for _, ind := range cat.Indicators {
		for _, u := range ind.LeadUnits {
			if !slices.Contains(units, u) {
				units = append(units, u)
			}
		}
	}
	if len(units) == 0 {
		t.Fatal("the embedded catalog names no lead unit")
	}

	type route struct {
		name   string
		labels []string
		want   string
	}
	var tests []route
	// Routes do not look at the indicator alert's name, only at lead_unit:
	// one alert per unit, and the report alert for one unit.
	for _, u := range units {
		tests = append(tests, route{"lagging of " + u, []string{"alertname=KpiIndicatorLagging", "severity=warning", "lead_unit=" + u}, u})
	}
	tests = append(tests, route{"report overdue of " + units[0], []string{"alertname=KpiReportOverdue", "severity=warning", "lead_unit=" + units[0]}, units[0]})
	tests = append(tests,
		route{"unit without a receiver goes to the operator", []string{"alertname=KpiIndicatorLagging", "lead_unit=区未知局"}, "kpimon-operator"},
		route{"kpimon down", []string{"alertname=KpimonDown", "instance=kpimon:9464"}, "kpimon-operator"},
		route{"kpimon absent", []string{"alertname=KpimonAbsent"}, "kpimon-operator"},
		route{"metrics failing", []string{"alertname=KpimonMetricsFailing", "instance=kpimon:9464"}, "kpimon-operator"},
		route{"a failing pull", []string{"alertname=KpiSourceFailing", "source=pull:tjj", "severity=warning"}, "kpimon-operator"},
		route{"a file stuck in the inbox", []string{"alertname=KpiInboxFileStuck", "source=inbox", "severity=warning"}, "kpimon-operator"},
		route{"store failing", []string{"alertname=KpiStoreFailing", "source=api"}, "kpimon-operator"},
		route{"a sign-in attack", []string{"alertname=KpiSignInAttack", "severity=warning", "instance=kpimon:9464"}, "kpimon-operator"},
		route{"undeliverable notifications", []string{"alertname=AlertmanagerNotificationsFailing", "integration=webhook"}, "kpimon-operator"},
		route{"a unit's receiver failing", []string{"alertname=KpiReceiverFailing", "receiver=" + units[0]}, "kpimon-operator"},
		route{"the relay down", []string{"alertname=KpimonRelayDown", "instance=notify-relay:9465"}, "kpimon-operator"},
		route{"missed of a unit", []string{"alertname=KpiDeadlineMissed", "severity=critical", "lead_unit=" + units[0]}, units[0]},
		route{"never reported of a unit (its own route, said once)", []string{"alertname=KpiNeverReported", "severity=warning", "lead_unit=" + units[0]}, units[0]},
		route{"never reported of a unit without a receiver", []string{"alertname=KpiNeverReported", "lead_unit=区未知局"}, "kpimon-operator"},
		route{"a recovery of a unit", []string{"alertname=KpiRecovered", "severity=info", "lead_unit=" + units[0]}, units[0]},
		route{"explanation overdue: the supervision office and the unit", []string{"alertname=KpiExplanationOverdue", "severity=warning", "unit=" + units[0], "lead_unit=" + units[0]}, "区委督查室," + units[0]},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(amtool, append([]string{"config", "routes", "test", "--config.file=" + config}, tt.labels...)...)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("amtool config routes test %v: %v", tt.labels, err)
			}
			if got := strings.TrimSpace(string(out)); got != tt.want {
				t.Errorf("receivers of %v = %q, want %q", tt.labels, got, tt.want)
			}
		})
	}
}
