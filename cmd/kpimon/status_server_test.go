package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// A server named with --server is asked even when the local data dir is
// free (another machine's kpimon, or a data dir that is not the server's):
// status used to read the local store and ignore the flag.
func TestStatusAsksTheNamedServer(t *testing.T) {
	data := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"kpimon", "token", "create", "--data", data, "--name", "tjj", "--all"}, func(string) string { return "" }, strings.NewReader(""), &out, io.Discard); err != nil {
		t.Fatalf("token create: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	token := lines[len(lines)-1]
	url, _ := startServe(t, serveConfig{data: data, asOf: "2022-03-01"})
	testkit.WaitFor(t, context.Background(), nil, "kpimon ready", func() error { return testkit.GetOK(context.Background(), url+"/readyz") })
	body := `[{"indicator":"high_tech_enterprises","period":"2021","value":22}]`
	req, _ := http.NewRequest(http.MethodPost, url+"/api/v1/observations", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST observations = %s", resp.Status)
	}

	// Another data dir, free and empty: only the server knows the figure.
	local := t.TempDir()
	for _, args := range [][]string{{"--server", url}, {}} {
		var stdout, stderr bytes.Buffer
		env := map[string]string{}
		if len(args) == 0 {
			env["KPIMON_SERVER"] = url
		}
		err := run(context.Background(), append([]string{"kpimon", "status", "--data", local, "-o", "json"}, args...),
			func(k string) string { return env[k] }, strings.NewReader(""), &stdout, &stderr)
		if err != nil {
			t.Fatalf("status %v: %v\n%s", args, err, stderr.String())
		}
		var states []kpi.State
		if err := json.Unmarshal(stdout.Bytes(), &states); err != nil {
			t.Fatal(err)
		}
		var actual *float64
		for _, s := range states {
			if s.Indicator.ID == "high_tech_enterprises" {
				actual = s.Evaluation.Actual
			}
		}
		if actual == nil || *actual != 22 {
			t.Errorf("status %v (KPIMON_SERVER %q) with a free local data dir: high_tech_enterprises actual %v, want the server's 22", args, env["KPIMON_SERVER"], actual)
		}
	}
}
