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
	url, token := serveWithToken(t, serveConfig{data: t.TempDir(), asOf: "2022-03-01"})
	testkit.WaitFor(t, context.Background(), nil, "kpimon ready", func() error { return testkit.GetOK(context.Background(), url+"/readyz") })
	if resp := postJSON(t, url+"/api/v1/observations", token, `[{"indicator":"high_tech_enterprises","period":"2021","value":22}]`); resp.StatusCode/100 != 2 {
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

// serveWithToken creates an --all token in c.data, as an operator would
// before starting the server, starts serve and returns its URL and the token.
func serveWithToken(t *testing.T, c serveConfig) (url, token string) {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"kpimon", "token", "create", "--data", c.data, "--name", "tjj", "--all"}, func(string) string { return "" }, strings.NewReader(""), &out, io.Discard); err != nil {
		t.Fatalf("token create: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	url, _ = startServe(t, c)
	return url, lines[len(lines)-1]
}

// postJSON POSTs the JSON body to u with the token and returns the answer,
// its body (at most 4 KiB) already read and closed, kept for the caller.
func postJSON(t *testing.T, u, token, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(answer))
	return resp
}
