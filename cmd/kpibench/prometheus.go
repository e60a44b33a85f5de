package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/yanfeng/kpimon/internal/testkit"
)

// prometheus is a Debian prometheus process on loopback scraping one
// kpimon, with the repository's alert rules loaded.
type prometheus struct {
	*child
	url string
}

// startPrometheus writes a configuration scraping target (host:port) every
// interval (timeout the same), evaluating the rule files of rulesGlob, and
// starts Prometheus on it with its storage in dir.
func startPrometheus(ctx context.Context, bin, dir, target, rulesGlob string, interval time.Duration, ports *ports) (*prometheus, error) {
	addr, err := ports.addr()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	config := fmt.Sprintf(`global:
  scrape_interval: %[1]s
  scrape_timeout: %[1]s
  evaluation_interval: %[1]s
rule_files:
  - %[2]q
scrape_configs:
  - job_name: kpimon
    static_configs:
      - targets: [%[3]q]
`, interval, rulesGlob, target)
	configPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "--config.file="+configPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = logf, logf
	c, err := startChild(cmd)
	if err != nil {
		return nil, fmt.Errorf("start prometheus: %w", err)
	}
	p := &prometheus{child: c, url: "http://" + addr}
	if err := c.waitReady(ctx, p.url+"/-/ready", 2*time.Minute); err != nil {
		p.stop()
		return nil, fmt.Errorf("prometheus (log %s): %w", logf.Name(), err)
	}
	return p, nil
}

func (p *prometheus) stop() { p.child.stop(0) }

// query evaluates an instant PromQL query (testkit.Prom) and returns the
// values of its result.
func (p *prometheus) query(ctx context.Context, q string) ([]float64, error) {
	api, err := testkit.NewProm(p.url)
	if err != nil {
		return nil, err
	}
	samples, err := api.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(samples))
	for i, s := range samples {
		out[i] = s.Value
	}
	return out, nil
}

// one returns the single value of q, or NaN-free 0 and false if none.
func (p *prometheus) one(ctx context.Context, q string) (float64, bool, error) {
	v, err := p.query(ctx, q)
	if err != nil || len(v) == 0 {
		return 0, false, err
	}
	return v[0], true, nil
}

// self returns the sum of the samples of Prometheus' own metric name on its
// /metrics (prometheus_tsdb_head_series, prometheus_rule_group_last_duration_seconds).
func (p *prometheus) self(ctx context.Context, name string) (float64, error) {
	resp, err := get(ctx, p.url+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sum, found := 0.0, false
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		if rest == "" || (rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			continue
		}
		sum += v
		found = true
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	if !found {
		return 0, fmt.Errorf("prometheus /metrics has no %s", name)
	}
	return sum, nil
}
