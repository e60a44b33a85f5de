package province

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/testkit"
)

// The helpers below start the province's real components: kpimon, a
// district Prometheus remote-writing with external labels, and
// VictoriaMetrics, and talk to their HTTP APIs.

// district is one district of the test province.
type district struct {
	region, level string
	targets       string // a targets dir; "" serves the embedded seed plan
	asOf          string
	rows          []map[string]string
	// regionPerPlan makes every plan a region of its own (the benchmark's
	// one Prometheus stands for a province of districts, one per plan):
	// the scrape copies the plan label into region.
	regionPerPlan bool

	kpimonAddr string
	kpimon     *testkit.Proc
	prom       *testkit.Proc
	promAddr   string
}

// vmOptions are the flags a test's VictoriaMetrics runs with.
type vmOptions struct {
	dataDir, addr string
}

// startVM starts VictoriaMetrics and waits until it answers. Query results
// include samples up to a second old (the default hides the last 30 s); a
// query may scan every series of a province (the default limit depends on
// memory) and run for minutes on a loaded machine.
func startVM(t testing.TB, ctx context.Context, bin string, o vmOptions) *testkit.Proc {
	t.Helper()
	p := testkit.Start(t, "victoria-metrics", bin,
		"-storageDataPath="+o.dataDir, "-httpListenAddr="+o.addr, "-retentionPeriod=100y",
		"-search.latencyOffset=1s", "-search.disableCache", "-loggerLevel=WARN",
		"-search.maxUniqueTimeseries=100000000", "-search.maxQueryDuration=10m")
	testkit.WaitHTTP(t, ctx, p, "http://"+o.addr+"/health")
	return p
}

// startKpimon starts the district's kpimon and submits its figures.
func startKpimon(t testing.TB, ctx context.Context, bin, dir string, d *district) {
	t.Helper()
	data := filepath.Join(dir, "data")
	secret := testkit.CreateToken(t, bin, data, d.targets, "province-test")
	d.kpimonAddr = testkit.FreeAddr(t)
	args := []string{"serve", "--listen", d.kpimonAddr, "--data", data, "--as-of", d.asOf, "--log-level", "warn"}
	if d.targets != "" {
		args = append(args, "--targets", d.targets)
	}
	d.kpimon = testkit.Start(t, "kpimon "+d.region, bin, args...)
	base := "http://" + d.kpimonAddr
	testkit.WaitHTTP(t, ctx, d.kpimon, base+"/readyz")
	if len(d.rows) == 0 {
		return
	}
	if status, body := postRows(ctx, base, secret, d.rows); status != http.StatusOK && status != http.StatusCreated {
		t.Fatalf("%s: POST figures: status %d:\n%s", d.region, status, body)
	}
}

// promConfig is a district Prometheus' configuration as docs/province.md
// and province/prometheus/*.yml have it: the district's external labels,
// one kpimon target, and remote_write of kpimon's series into the central
// store. Intervals are short for the test.
func promConfig(d *district, interval, vmAddr string) string {
	relabel := ""
	if d.regionPerPlan {
		relabel = `    metric_relabel_configs:
      - source_labels: [plan]
        regex: (.+)
        target_label: region
`
	}
	return fmt.Sprintf(`global:
  scrape_interval: %[1]s
  scrape_timeout: %[1]s
  evaluation_interval: %[1]s
  external_labels:
    region: %[2]q
    level: %[3]q
remote_write:
  - url: http://%[4]s/api/v1/write
    write_relabel_configs:
      - source_labels: [job]
        regex: kpimon
        action: keep
    queue_config:
      batch_send_deadline: 500ms
      min_backoff: 50ms
      max_backoff: 500ms
scrape_configs:
  - job_name: kpimon
    static_configs:
      - targets: [%[5]q]
%[6]s`, interval, d.region, d.level, vmAddr, d.kpimonAddr, relabel)
}

// startProm starts the district's Prometheus.
func startProm(t testing.TB, ctx context.Context, bin, dir string, d *district, interval, vmAddr string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(promConfig(d, interval, vmAddr)), 0o644); err != nil {
		t.Fatal(err)
	}
	d.promAddr = testkit.FreeAddr(t)
	d.prom = testkit.Start(t, "prometheus "+d.region, bin, "--config.file="+cfg,
		"--storage.tsdb.path="+filepath.Join(dir, "tsdb"), "--web.listen-address="+d.promAddr, "--log.level=warn")
	testkit.WaitHTTP(t, ctx, d.prom, "http://"+d.promAddr+"/-/ready")
}

func postRows(ctx context.Context, base, secret string, rows []map[string]string) (int, string) {
	body, err := json.Marshal(rows)
	if err != nil {
		return 0, err.Error()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/observations", bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, string(b)
}

// sample is one series of an instant query's answer.
type sample = testkit.Sample

// promAPI talks to the Prometheus HTTP API that Prometheus and
// VictoriaMetrics both serve, through testkit.Prom.
type promAPI struct{ base string }

func (c promAPI) prom() (testkit.Prom, error) { return testkit.NewProm(c.base) }

// get reads an endpoint client_golang does not know (VictoriaMetrics'
// /api/v1/series/count).
func (c promAPI) get(ctx context.Context, path string, params url.Values, out any) error {
	return testkit.PromGet(ctx, c.base, path, params, out)
}

// query evaluates expr at now; a scalar answer is one sample without labels.
func (c promAPI) query(ctx context.Context, expr string) ([]sample, error) {
	p, err := c.prom()
	if err != nil {
		return nil, err
	}
	return p.Query(ctx, expr)
}

// labelValues is what Grafana's label_values(selector, label) offers.
func (c promAPI) labelValues(ctx context.Context, selector, label string) ([]string, error) {
	p, err := c.prom()
	if err != nil {
		return nil, err
	}
	return p.LabelValues(ctx, selector, label, time.Now().Add(-time.Hour))
}

// exportedSample is one raw sample of VictoriaMetrics' /api/v1/export.
type exportedSample struct {
	series string
	ts     int64
	value  float64
}

// export returns every raw sample of the series matching selector with a
// timestamp in [start, end], as VictoriaMetrics stores them.
func (c promAPI) export(ctx context.Context, selector string, start, end time.Time) (map[exportedSample]bool, error) {
	params := url.Values{"match[]": {selector}, "start": {strconv.FormatInt(start.Unix(), 10)}, "end": {strconv.FormatInt(end.Unix(), 10)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/v1/export?"+params.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("export: %s: %s", resp.Status, b)
	}
	out := map[exportedSample]bool{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var line struct {
			Metric     map[string]string `json:"metric"`
			Values     []float64         `json:"values"`
			Timestamps []int64           `json:"timestamps"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return nil, fmt.Errorf("export line %.200q: %w", sc.Bytes(), err)
		}
		key := seriesKey(line.Metric)
		for i, ts := range line.Timestamps {
			out[exportedSample{series: key, ts: ts, value: line.Values[i]}] = true
		}
	}
	return out, sc.Err()
}

// seriesKey is a series' labels in one string, sorted by name.
func seriesKey(m map[string]string) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, k+"="+strconv.Quote(v))
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}
