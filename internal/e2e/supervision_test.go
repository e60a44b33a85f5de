package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/boards"
	"github.com/yanfeng/kpimon/internal/boards/boardtest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// supervisionCatalog is a plan whose years follow the real clock (the
// supervision loop runs on it): baseline three years back, deadline four
// years on, the last year's figure reported. Reporting duty starts today,
// so no report is overdue during the test.
func supervisionCatalog(now time.Time) string {
	y := now.In(kpi.China).Year()
	return fmt.Sprintf(`id: sv-plan
title: 督办测试规划
region: 测试区
source: internal/e2e
start_year: %[1]d
end_year: %[2]d
reporting_from: %[3]s
defaults: {frequency: annual, due_days: 90, measure: level}
tasks:
  - task: 1
    title: 推动企业技术创新
    work_lines:
      - id: "1.1"
        text: 高新技术企业达到100家；科技型中小企业达到100家。
        lead_units: [区科工信局, 区发改局]
        indicators:
          - id: alpha
            name: 高新技术企业
            kind: at_least
            target: 100
            unit: 家
            deadline: %[2]d
            baseline: {period: "%[4]d", value: 10}
            source_text: 高新技术企业达到100家。
      - id: "1.2"
        text: 外贸企业达到100家。
        lead_units: [区商务局]
        indicators:
          - id: beta
            name: 外贸企业
            kind: at_least
            target: 100
            unit: 家
            deadline: %[2]d
            baseline: {period: "%[4]d", value: 10}
            source_text: 外贸企业达到100家。
`, y-2, y+4, now.In(kpi.China).Format(time.DateOnly), y-3)
}

type svItem struct {
	ID       uint64            `json:"id"`
	Ref      kpi.Ref           `json:"ref"`
	Unit     string            `json:"unit"`
	State    string            `json:"state"`
	OpenedAt time.Time         `json:"opened_at"`
	Deadline time.Time         `json:"deadline"`
	Comment  string            `json:"comment"`
	Events   []json.RawMessage `json:"events"`
}

// TestSupervisionLoop follows a red light through the supervision loop over
// the real API of the kpimon binary: a figure turning two indicators red
// opens an item per lead unit with a five-working-day deadline; a unit
// answers, the supervisor sends it back (a comment is required) and accepts
// the second answer; a unit token cannot answer another unit's item (403,
// audited); a figure leaving red closes the items. Then kpimon restarts as
// of a month later: nothing is lost, the unanswered item is 逾期未说明, and
// KpiExplanationOverdue reaches the supervision office's receiver through
// real Prometheus and Alertmanager with the shipped rules and routes.
func TestSupervisionLoop(t *testing.T) {
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip("starts kpimon, Prometheus and Alertmanager: not in -short mode (CI runs it)")
	}
	prometheusBin := testkit.LookPath(t, "prometheus", "prometheus")
	alertmanagerBin := testkit.LookPath(t, "prometheus-alertmanager", "prometheus-alertmanager", "alertmanager")
	pdftotext := testkit.LookPath(t, "poppler-utils", "pdftotext")
	root := testkit.RepoRoot(t)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	kpimonBin := testkit.Kpimon(t)
	start := time.Now()
	y := start.In(kpi.China).Year()
	last := fmt.Sprint(y - 1)

	targets := filepath.Join(dir, "targets")
	data := filepath.Join(dir, "data")
	writeFile(t, filepath.Join(targets, "sv.yaml"), supervisionCatalog(start))
	bureau := testkit.CreateToken(t, kpimonBin, data, targets, "tjj")
	kgx := createToken(t, kpimonBin, data, targets, "kgx", "--unit", "区科工信局")
	sw := createToken(t, kpimonBin, data, targets, "sw", "--unit", "区商务局")
	dcs := createToken(t, kpimonBin, data, targets, "dcs", "--role", "supervisor")

	addr := testkit.FreeAddr(t)
	kpimon := testkit.Start(t, "kpimon", kpimonBin, "serve", "--listen", addr, "--data", data, "--targets", targets)
	testkit.WaitHTTP(t, ctx, kpimon, "http://"+addr+"/readyz")
	api := &svClient{t: t, ctx: ctx, base: "http://" + addr}

	// 10 家 a year before, as at the baseline: no progress, 严重滞后 (red).
	submit(t, ctx, addr, bureau, []row{{"sv-plan", "alpha", last, "10"}, {"sv-plan", "beta", last, "10"}})
	var items []svItem
	waitFor(t, ctx, "an item per lead unit of both red indicators", func() (bool, string) {
		items = api.items(dcs, "")
		return len(items) == 3, fmt.Sprintf("%d items: %+v", len(items), items)
	})
	byUnit := map[string]svItem{}
	for _, it := range items {
		byUnit[it.Ref.ID+"/"+it.Unit] = it
		if it.State != "pending" {
			t.Errorf("new item %s/%s is %s, want pending", it.Ref.ID, it.Unit, it.State)
		}
		if want := (*kpi.Calendar)(nil).Deadline(it.OpenedAt, 5); !it.Deadline.Equal(want) {
			t.Errorf("item %s/%s deadline %v, want five working days after %v: %v", it.Ref.ID, it.Unit, it.Deadline, it.OpenedAt, want)
		}
		if it.OpenedAt.Before(start.Add(-time.Second)) {
			t.Errorf("item %s/%s opened at %v, before the test began", it.Ref.ID, it.Unit, it.OpenedAt)
		}
	}
	kgxItem, ok := byUnit["alpha/区科工信局"]
	if _, ok2 := byUnit["alpha/区发改局"]; !ok || !ok2 {
		t.Fatalf("items %v: want alpha for 区科工信局 and 区发改局", byUnit)
	}
	if _, ok := byUnit["beta/区商务局"]; !ok {
		t.Fatalf("items %v: want beta for 区商务局", byUnit)
	}
	// The indicator's alert text says who has not answered, and by when.
	alertText := func(indicator string, want ...string) {
		t.Helper()
		waitFor(t, ctx, "the alert text of "+indicator+" to say "+strings.Join(want, ", "), func() (bool, string) {
			for _, line := range strings.Split(get(t, ctx, api.base+"/metrics"), "\n") {
				if strings.HasPrefix(line, "kpi_status{") && strings.Contains(line, `indicator="`+indicator+`"`) && strings.Contains(line, "description=") {
					for _, w := range want {
						if !strings.Contains(line, w) {
							return false, line
						}
					}
					return true, ""
				}
			}
			return false, "no kpi_status with a description for " + indicator
		})
	}
	alertText("alpha", "督办：区科工信局 尚未提交情况说明（应于"+present.Date(kgxItem.Deadline)+"前）",
		"督办：区发改局 尚未提交情况说明（应于")

	// A unit sees its own items only.
	if own := api.items(kgx, ""); len(own) != 1 || own[0].Unit != "区科工信局" {
		t.Errorf("区科工信局's token lists %+v, want its one item", own)
	}

	// 区商务局 cannot answer for 区科工信局's indicator: 403, audited.
	explain := func(token, indicator, reason string) int {
		return api.post(token, "/api/v1/indicators/sv-plan/"+indicator+"/explanations",
			map[string]any{"reason": reason, "measures": "逐户走访，加快认定", "expected_by": fmt.Sprintf("%d-12-31", y)}, nil)
	}
	if status := explain(sw, "alpha", "越权说明"); status != http.StatusForbidden {
		t.Errorf("区商务局 explaining alpha = %d, want 403", status)
	}
	var audit struct {
		Entries []kpi.AuditEntry `json:"entries"`
	}
	api.get(bureau, "/api/v1/audit?object=sv-plan/alpha", &audit)
	if !slices.ContainsFunc(audit.Entries, func(e kpi.AuditEntry) bool { return e.Action == kpi.ActionAccessDenied && e.Actor == "sw" }) {
		t.Errorf("audit of sv-plan/alpha has no access.denied by sw: %+v", audit)
	}
	// Neither may a unit review, nor the supervisor submit figures.
	if status := api.post(kgx, fmt.Sprintf("/api/v1/supervision/%d/review", kgxItem.ID), map[string]string{"action": "review"}, nil); status != http.StatusForbidden {
		t.Errorf("a unit reviewing = %d, want 403", status)
	}
	if status := post(t, ctx, addr, dcs, []row{{"sv-plan", "alpha", last, "99"}}); status != http.StatusForbidden {
		t.Errorf("the supervisor submitting a figure = %d, want 403", status)
	}

	// Hostile input is refused whole, and nothing is stored.
	for name, body := range map[string]any{
		"control characters": map[string]any{"reason": "a\x1b[31m", "measures": "b", "expected_by": "2030-01-01"},
		"too long":           map[string]any{"reason": strings.Repeat("长", kpi.MaxExplanationReason+1), "measures": "b", "expected_by": "2030-01-01"},
		"not a date":         map[string]any{"reason": "a", "measures": "b", "expected_by": "明年"},
		"a day already past": map[string]any{"reason": "a", "measures": "b", "expected_by": fmt.Sprintf("%d-01-01", y-1)},
		"too large":          map[string]any{"reason": strings.Repeat("x", 70<<10), "measures": "b", "expected_by": "2030-01-01"},
	} {
		if status := api.post(kgx, "/api/v1/indicators/sv-plan/alpha/explanations", body, nil); status != http.StatusBadRequest && status != http.StatusRequestEntityTooLarge {
			t.Errorf("explanation with %s = %d, want 400 or 413", name, status)
		}
	}

	// The loop: answer, sent back, answer again, accepted.
	if status := explain(kgx, "alpha", "两家企业推迟申报"); status != http.StatusCreated {
		t.Fatalf("first explanation = %d, want 201", status)
	}
	alertText("alpha", "督办：区科工信局 已说明（第1版", "原因：两家企业推迟申报", "督办：区发改局 尚未提交情况说明")
	review := func(action, comment string) (int, svItem) {
		var it svItem
		status := api.post(dcs, fmt.Sprintf("/api/v1/supervision/%d/review", kgxItem.ID), map[string]string{"action": action, "comment": comment}, &it)
		return status, it
	}
	if status, _ := review("return", "  "); status != http.StatusBadRequest {
		t.Errorf("return without a comment = %d, want 400", status)
	}
	status, returned := review("return", "措施不具体，请写明时间表")
	if status != http.StatusOK || returned.State != "pending" || returned.Comment != "措施不具体，请写明时间表" {
		t.Fatalf("return = %d %+v, want pending with the comment", status, returned)
	}
	if !returned.Deadline.After(kgxItem.Deadline) && !returned.Deadline.Equal(kgxItem.Deadline) {
		t.Errorf("return's new deadline %v is before the first %v", returned.Deadline, kgxItem.Deadline)
	}
	if status := explain(kgx, "alpha", "两家企业推迟至下季度申报，已逐户辅导"); status != http.StatusCreated {
		t.Fatalf("second explanation = %d, want 201", status)
	}
	if status, it := review("review", ""); status != http.StatusOK || it.State != "reviewed" {
		t.Fatalf("review = %d %s, want 200 reviewed", status, it.State)
	}
	var ex struct {
		Explanations []kpi.Explanation `json:"explanations"`
	}
	api.get(kgx, "/api/v1/indicators/sv-plan/alpha/explanations", &ex)
	if len(ex.Explanations) != 2 || ex.Explanations[0].Revision != 1 || ex.Explanations[1].Reason != "两家企业推迟至下季度申报，已逐户辅导" {
		t.Errorf("explanations of alpha: %+v, want both revisions", ex.Explanations)
	}

	// The circular quotes the unit's latest explanation under its red
	// indicator and lists the items in 督办情况.
	pdf := filepath.Join(dir, "circular.pdf")
	writeFile(t, pdf, get(t, ctx, api.base+"/report?plan=sv-plan&format=pdf"))
	text, err := exec.Command(pdftotext, pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	flat := strings.Join(strings.Fields(string(text)), "")
	for _, want := range []string{"两家企业推迟至下季度申报，已逐户辅导", "督办情况", "已审阅", "待说明"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the circular's text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(flat, "两家企业推迟申报") {
		t.Errorf("the circular quotes the first explanation, not the latest:\n%s", text)
	}

	// alpha reaches its target: its items close, beta's stays.
	submit(t, ctx, addr, bureau, []row{{"sv-plan", "alpha", last, "100"}})
	waitFor(t, ctx, "alpha's items to close", func() (bool, string) {
		open := api.items(dcs, "?open=1")
		return len(open) == 1 && open[0].Ref.ID == "beta", fmt.Sprintf("open: %+v", open)
	})
	var closed struct {
		Items []svItem `json:"items"`
	}
	api.get(dcs, "/api/v1/indicators/sv-plan/alpha/explanations", &closed)
	for _, it := range closed.Items {
		if it.State != "closed" {
			t.Errorf("alpha's item for %s is %s, want closed", it.Unit, it.State)
		}
	}
	if len(closed.Items) != 2 || len(closed.Items[1].Events)+len(closed.Items[0].Events) != 2+6 {
		t.Errorf("alpha's items after closing: %+v, want two with their whole history", closed.Items)
	}
	kpimon.Kill()

	// A month later (--as-of): beta's item is past its deadline unanswered.
	hooks := newWebhooks()
	hookSrv := httptest.NewServer(hooks)
	defer hookSrv.Close()
	addr, promAddr, amAddr := testkit.FreeAddr(t), testkit.FreeAddr(t), testkit.FreeAddr(t)
	later := start.In(kpi.China).AddDate(0, 0, 30).Format(time.DateOnly)
	kpimon = testkit.Start(t, "kpimon-later", kpimonBin, "serve", "--listen", addr, "--data", data, "--targets", targets, "--as-of", later)
	api.base = "http://" + addr
	amConfig := filepath.Join(dir, "alertmanager.yml")
	writeYAML(t, amConfig, testAlertmanagerConfig(t, filepath.Join(root, "alertmanager", "alertmanager.yml"), hookSrv.URL))
	alertmanager := testkit.Start(t, "alertmanager", alertmanagerBin,
		"--config.file="+amConfig, "--storage.path="+filepath.Join(dir, "am-data"),
		"--web.listen-address="+amAddr, "--cluster.listen-address=")
	rules := filepath.Join(dir, "kpimon.rules.yml")
	writeYAML(t, rules, testRules(t, filepath.Join(root, "prometheus", "rules", "kpimon.rules.yml")))
	promConfig := filepath.Join(dir, "prometheus.yml")
	writeYAML(t, promConfig, testPrometheusConfig(t, filepath.Join(root, "prometheus", "prometheus.yml"), rules, addr, amAddr))
	prometheus := testkit.Start(t, "prometheus", prometheusBin,
		"--config.file="+promConfig, "--storage.tsdb.path="+filepath.Join(dir, "prom-data"), "--web.listen-address="+promAddr)
	testkit.WaitHTTP(t, ctx, kpimon, "http://"+addr+"/readyz")
	testkit.WaitHTTP(t, ctx, alertmanager, "http://"+amAddr+"/-/ready")
	testkit.WaitHTTP(t, ctx, prometheus, "http://"+promAddr+"/-/ready")

	// The restart lost nothing.
	after := api.items(dcs, "")
	if len(after) != 3 {
		t.Fatalf("after the restart: %d items, want 3: %+v", len(after), after)
	}
	for _, it := range after {
		want := map[string]string{"alpha": "closed", "beta": "overdue"}[it.Ref.ID]
		if it.State != want {
			t.Errorf("as of %s: %s/%s is %s, want %s", later, it.Ref.ID, it.Unit, it.State, want)
		}
	}
	api.get(kgx, "/api/v1/indicators/sv-plan/alpha/explanations", &ex)
	if len(ex.Explanations) != 2 {
		t.Errorf("after the restart: %d explanations of alpha, want 2", len(ex.Explanations))
	}

	a := waitAlert(t, ctx, hooks, "区委督查室", "KpiExplanationOverdue", "")
	if a.Labels["lead_unit"] != "区商务局" || !strings.Contains(a.Labels["summary"], "区商务局") {
		t.Errorf("KpiExplanationOverdue at the supervision office: labels %v, want 区商务局's", a.Labels)
	}
	if a.Annotations["items"] != "1" {
		t.Errorf("KpiExplanationOverdue items = %q, want 1", a.Annotations["items"])
	}
	waitAlert(t, ctx, hooks, "区商务局", "KpiExplanationOverdue", "")
	if res := promQuery(t, ctx, promAddr, `kpi_supervision_items{unit="区科工信局",state="closed"}`); len(res) != 1 || res[0]["value"].([]any)[1] != "1" {
		t.Errorf(`kpi_supervision_items{unit="区科工信局",state="closed"} = %v, want 1`, res)
	}
	// The boards' supervision panels read the same counts.
	boardValue := func(d boards.Dashboard, title, refID string, vars map[string]string, unit string) string {
		t.Helper()
		for _, q := range boardtest.Queries(d) {
			if q.Panel != title || q.RefID != refID {
				continue
			}
			for _, r := range promQuery(t, ctx, promAddr, boardtest.Interpolate(q.Expr, vars)) {
				if m, _ := r["metric"].(map[string]any); unit == "" || m["unit"] == unit {
					return r["value"].([]any)[1].(string)
				}
			}
		}
		t.Fatalf("board %s has no panel %q with a value for %q", d.UID, title, unit)
		return ""
	}
	if got := boardValue(boards.Unit(), "督办：逾期未说明", "A", map[string]string{"lead_unit": "区商务局", "plan": ".*", "region": ""}, ""); got != "1" {
		t.Errorf("unit board of 区商务局, 督办：逾期未说明 = %s, want 1", got)
	}
	if got := boardValue(boards.Unit(), "督办：已办结", "A", map[string]string{"lead_unit": "区发改局", "plan": ".*", "region": ""}, ""); got != "1" {
		t.Errorf("unit board of 区发改局, 督办：已办结 = %s, want 1", got)
	}
	overview := map[string]string{"lead_unit": ".*", "plan": ".*", "task": ".*", "status": ".*", "region": ""}
	for ref, want := range map[string]string{"A": "0", "B": "1"} { // 待说明, 逾期未说明
		if got := boardValue(boards.Overview(), "督办情况", ref, overview, "区商务局"); got != want {
			t.Errorf("overview 督办情况 %s of 区商务局 = %s, want %s", ref, got, want)
		}
	}

	// As of yesterday nothing had opened and nothing was explained.
	kpimon.Kill()
	addr = testkit.FreeAddr(t)
	before := start.In(kpi.China).AddDate(0, 0, -1).Format(time.DateOnly)
	earlier := testkit.Start(t, "kpimon-earlier", kpimonBin, "serve", "--listen", addr, "--data", data, "--targets", targets, "--as-of", before)
	testkit.WaitHTTP(t, ctx, earlier, "http://"+addr+"/readyz")
	api.base = "http://" + addr
	if items := api.items(dcs, ""); len(items) != 0 {
		t.Errorf("as of %s: %d items, want none", before, len(items))
	}
	api.get(kgx, "/api/v1/indicators/sv-plan/alpha/explanations", &ex)
	if len(ex.Explanations) != 0 {
		t.Errorf("as of %s: %d explanations, want none", before, len(ex.Explanations))
	}
}

// createToken runs kpimon token create with extra flags and returns the secret.
func createToken(t *testing.T, bin, data, targets, name string, flags ...string) string {
	t.Helper()
	out, err := exec.Command(bin, append([]string{"token", "create", "--data", data, "--targets", targets, "--name", name}, flags...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("kpimon token create %s %v: %v\n%s", name, flags, err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// svClient calls kpimon's supervision API.
type svClient struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func (c *svClient) do(method, token, path string, body, out any) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(c.ctx, method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		c.t.Logf("%s %s = %d: %s", method, path, resp.StatusCode, b)
	} else if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: decode: %v\n%s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

func (c *svClient) get(token, path string, out any) {
	c.t.Helper()
	if status := c.do(http.MethodGet, token, path, nil, out); status != http.StatusOK {
		c.t.Fatalf("GET %s = %d, want 200", path, status)
	}
}

func (c *svClient) post(token, path string, body, out any) int {
	c.t.Helper()
	return c.do(http.MethodPost, token, path, body, out)
}

func (c *svClient) items(token, query string) []svItem {
	c.t.Helper()
	var res struct {
		Items []svItem `json:"items"`
	}
	c.get(token, "/api/v1/supervision"+query, &res)
	return res.Items
}
