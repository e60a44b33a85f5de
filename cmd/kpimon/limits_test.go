package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// --limits.rows is the one row limit of a submission: raised above the
// default, it is raised for the JSON API too, which used to stop at
// kpi.DefaultMaxRows before the ingester ever saw the rows.
func TestRowLimitReachesTheAPI(t *testing.T) {
	data := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"kpimon", "token", "create", "--data", data, "--name", "tjj", "--all"}, func(string) string { return "" }, strings.NewReader(""), &out, io.Discard); err != nil {
		t.Fatalf("token create: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	token := lines[len(lines)-1]

	limit := kpi.DefaultMaxRows + 1
	url, _ := startServe(t, serveConfig{data: data, limits: serveLimits{rows: int64(limit)}})
	// One row more than the raised limit: empty rows, 3 bytes each, so the
	// body stays small; the refusal must name the raised limit.
	body := "[" + strings.Repeat("{},", limit) + "{}]"
	req, _ := http.NewRequest(http.MethodPost, url+"/api/v1/observations", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(answer), "行数超过上限 2000001") {
		t.Errorf("POST %d rows with --limits.rows %d = %s %s, want 400 naming the limit %d", limit+1, limit, resp.Status, answer, limit)
	}
}
