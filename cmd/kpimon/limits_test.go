package main

import (
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
	limit := kpi.DefaultMaxRows + 1
	url, token := serveWithToken(t, serveConfig{data: t.TempDir(), limits: serveLimits{rows: int64(limit)}})
	// One row more than the raised limit: empty rows, 3 bytes each, so the
	// body stays small; the refusal must name the raised limit.
	resp := postJSON(t, url+"/api/v1/observations", token, "["+strings.Repeat("{},", limit)+"{}]")
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(answer), "行数超过上限 2000001") {
		t.Errorf("POST %d rows with --limits.rows %d = %s %s, want 400 naming the limit %d", limit+1, limit, resp.Status, answer, limit)
	}
}
