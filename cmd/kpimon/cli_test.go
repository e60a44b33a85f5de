package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// serveConfigFor parses a serve command line and environment and returns
// the configuration serve would run with.
func serveConfigFor(t *testing.T, environ map[string]string, args ...string) (serveConfig, error) {
	t.Helper()
	var out, errs bytes.Buffer
	e := &env{getenv: func(k string) string { return environ[k] }, stdin: strings.NewReader(""), stdout: &out, stderr: &errs}
	c := newCLI(e)
	commands(c)
	var got serveConfig
	c.serve = func(_ context.Context, _ *env, cfg serveConfig) error { got = cfg; return nil }
	err := c.parse(context.Background(), append([]string{"serve"}, args...))
	return got, err
}

// TestServeFlagsAndAliases: the Prometheus-style names, the names before
// them (both -x and --x) and the KPIMON_* variables give the same settings.
func TestServeFlagsAndAliases(t *testing.T) {
	type settings struct {
		Data, Targets, Listen, WebConfig, Sources, Inbox, Schedule, AsOf string
		SecureCookies                                                    bool
		LogLevel, LogFormat                                              string
	}
	of := func(c serveConfig) settings {
		return settings{c.data, c.targets, c.listen, c.webConfig, c.sources, c.inbox, c.inboxSchedule, c.asOf,
			c.secureCookies, c.log.Level.String(), c.log.Format.String()}
	}
	want := settings{"/d", "/t", "0.0.0.0:1", "/w.yml", "/s.yml", "/i", "@every 5m", "2021-06-30", true, "debug", "json"}
	tests := []struct {
		name    string
		environ map[string]string
		args    []string
	}{
		{"dotted names", nil, []string{"--storage.path", "/d", "--targets.path=/t", "--web.listen-address", "0.0.0.0:1",
			"--web.config.file", "/w.yml", "--pull.config.file", "/s.yml", "--inbox.path", "/i", "--inbox.schedule", "@every 5m",
			"--as-of", "2021-06-30", "--web.secure-cookies", "--log.level", "debug", "--log.format", "json"}},
		{"old names", nil, []string{"--data", "/d", "--targets", "/t", "--listen=0.0.0.0:1", "--web-config", "/w.yml",
			"--sources", "/s.yml", "--inbox", "/i", "--inbox-schedule", "@every 5m", "--as-of", "2021-06-30",
			"--secure-cookies", "--log-level", "debug", "--log.format", "json"}},
		{"old names with one dash", nil, []string{"-data", "/d", "-targets", "/t", "-listen", "0.0.0.0:1", "-web-config=/w.yml",
			"-sources", "/s.yml", "-inbox", "/i", "-inbox-schedule", "@every 5m", "-as-of", "2021-06-30",
			"-secure-cookies", "-log-level", "debug", "-log.format", "json"}},
		{"environment", map[string]string{
			"KPIMON_DATA": "/d", "KPIMON_TARGETS": "/t", "KPIMON_LISTEN": "0.0.0.0:1", "KPIMON_WEB_CONFIG": "/w.yml",
			"KPIMON_SOURCES": "/s.yml", "KPIMON_INBOX": "/i", "KPIMON_INBOX_SCHEDULE": "@every 5m", "KPIMON_AS_OF": "2021-06-30",
			// KPIMON_SECURE_COOKIES=1 was silently false with the flag package.
			"KPIMON_SECURE_COOKIES": "1", "KPIMON_LOG_LEVEL": "debug", "KPIMON_LOG_FORMAT": "json",
		}, nil},
		{"flags win over the environment", map[string]string{"KPIMON_DATA": "/elsewhere", "KPIMON_LISTEN": "127.0.0.1:2",
			"KPIMON_SECURE_COOKIES": "false", "KPIMON_LOG_LEVEL": "error"},
			[]string{"--data", "/d", "--targets", "/t", "--web.listen-address", "0.0.0.0:1", "--web-config", "/w.yml",
				"--sources", "/s.yml", "--inbox", "/i", "--inbox-schedule", "@every 5m", "--as-of", "2021-06-30",
				"--secure-cookies", "--log-level", "debug", "--log.format", "json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := serveConfigFor(t, tt.environ, tt.args...)
			if err != nil {
				t.Fatalf("parse %q: %v", tt.args, err)
			}
			if diff := cmp.Diff(want, of(cfg)); diff != "" {
				t.Errorf("settings (-want +got):\n%s", diff)
			}
		})
	}

	defaults, err := serveConfigFor(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantDefaults := settings{Data: "./data", Listen: "127.0.0.1:9464", Schedule: "@every 1m", LogLevel: "info", LogFormat: "logfmt"}
	if diff := cmp.Diff(wantDefaults, of(defaults)); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	for _, v := range []string{"yes please", "2"} {
		if _, err := serveConfigFor(t, map[string]string{"KPIMON_SECURE_COOKIES": v}); err == nil {
			t.Errorf("KPIMON_SECURE_COOKIES=%q accepted; want an error rather than a silent false", v)
		}
	}
}

// TestHelpFlagAsValue: with the flag package, -h anywhere printed help,
// even as a flag's value.
func TestHelpFlagAsValue(t *testing.T) {
	data := t.TempDir()
	stdout, stderr, err := runKpimon(t, nil, "token", "create", "--data", data, "--name", "-h", "--all")
	if err != nil {
		t.Fatalf("token create --name -h: %v\n%s", err, stderr)
	}
	if strings.Contains(stdout, "Usage:") {
		t.Errorf("token create --name -h printed help:\n%s", stdout)
	}
	if tokens, _ := readTokens(t, data); len(tokens) != 1 || tokens[0].Name != "-h" {
		t.Errorf("tokens = %+v, want one named -h", tokens)
	}
	// -h as a flag is still help, exit 0.
	stdout, _, err = runKpimon(t, nil, "token", "create", "-h")
	if err != nil || !strings.Contains(stdout, "Usage: kpimon token create") {
		t.Errorf("token create -h = %v, want help on stdout:\n%s", err, stdout)
	}
}

func TestServerURL(t *testing.T) {
	tests := []struct{ listen, want string }{
		{"", "http://127.0.0.1:9464"},
		{"127.0.0.1:20464", "http://127.0.0.1:20464"},
		{"0.0.0.0:9464", "http://127.0.0.1:9464"},
		{":9464", "http://127.0.0.1:9464"},
		{"[::]:9464", "http://127.0.0.1:9464"},
		{"kpimon.example:80", "http://kpimon.example:80"},
	}
	for _, tt := range tests {
		if got := serverURL(tt.listen); got != tt.want {
			t.Errorf("serverURL(%q) = %q, want %q", tt.listen, got, tt.want)
		}
	}
}

// TestReadmeListsEveryServeFlag: the README's settings table names every
// serve flag with its variable and its alias (it once missed --log-level,
// --secure-cookies and --inbox-schedule).
func TestReadmeListsEveryServeFlag(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	// The table of the "Serve configuration" section, up to the next heading.
	_, section, ok := strings.Cut(string(readme), "### Serve configuration\n")
	if !ok {
		t.Fatal(`README has no "### Serve configuration" section`)
	}
	if i := strings.Index(section, "\n#"); i >= 0 {
		section = section[:i]
	}
	rows := map[string]string{} // flag → its table row
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "| `--") {
			name := strings.Trim(strings.Split(line, "|")[1], " `")
			rows[name] = line
		}
	}
	old := map[string]string{}
	for o, n := range aliases {
		old[n] = o
	}
	c := newCLI(&env{getenv: func(string) string { return "" }})
	commands(c)
	for _, cmd := range c.app.Model().Commands {
		if cmd.Name != "serve" {
			continue
		}
		for _, f := range cmd.Flags {
			if f.Hidden || f.Name == "help" {
				continue
			}
			row, ok := rows["--"+f.Name]
			if !ok {
				t.Errorf("README's settings table lacks --%s", f.Name)
				continue
			}
			if f.Envar != "" && !strings.Contains(row, "`"+f.Envar+"`") {
				t.Errorf("README's row for --%s lacks its variable %s: %s", f.Name, f.Envar, row)
			}
			if a := old[f.Name]; a != "" && !strings.Contains(row, "`--"+a+"`") {
				t.Errorf("README's row for --%s lacks its alias --%s: %s", f.Name, a, row)
			}
		}
	}
}
