// Command kpibench measures the whole kpimon stack at the scale of a city
// or province that runs it for all its districts. For each size it writes
// a generated catalog as a targets directory (plans of 60 indicators
// sharing ids, one per region), loads it and ten years of figures with
// `kpimon ingest`, starts the real `kpimon serve` on it, has a real
// Prometheus (Debian's binary, the repository's alert rules loaded) scrape
// it, writes one figure through the API and times until a scrape shows it,
// and compares with Pushgateway (no persistence file) fed the same series.
// It then times `kpimon ingest` of a large CSV and XLSX file against a
// province catalog. Memory is what the kernel reports (VmRSS, VmHWM, the
// peak RSS of exited processes); nothing is asked to give memory back.
// It prints Markdown tables (BENCHMARKS.md holds them). Run it from the
// repository root:
//
//	go run ./cmd/kpibench -sizes 10000,30000 -ingest 1000000 -xlsx 1000000
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kpibench:", err)
		os.Exit(1)
	}
}

type config struct {
	sizes       []int         // indicators of each whole-stack run
	periods     int           // reported periods per indicator
	ingestRows  int           // figures ingested from one CSV file
	xlsxRows    int           // figures ingested from one XLSX file
	ingestPlans int           // plans of the ingest catalog
	kpimon      string        // kpimon binary; "" builds ./cmd/kpimon
	prometheus  string        // prometheus binary; "" skips Prometheus
	rules       string        // glob of the rule files Prometheus loads
	interval    time.Duration // Prometheus scrape and evaluation interval
	promScrapes int           // successful Prometheus scrapes to wait for
	pushgateway string        // pushgateway binary; "" skips the comparison
	dir         string        // work dir; default a temp dir removed afterwards
	keep        bool          // keep the work dirs (targets, data, logs)
	scrapes     int           // scrapes per measurement (the median is reported)
	serveEnv    []string      // extra environment of kpimon serve
	ports       *ports        // where servers listen
	writes      int           // one-figure writes timed until visible
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kpibench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sizes := fs.String("sizes", "10000,30000", "comma-separated indicator counts of the whole-stack runs (add 180000 for a province: 3,000 plans of 60)")
	var c config
	fs.IntVar(&c.periods, "periods", 10, "reported annual periods per indicator")
	fs.IntVar(&c.ingestRows, "ingest", 1000000, "figures to ingest from one CSV file (0 skips)")
	fs.IntVar(&c.xlsxRows, "xlsx", 1000000, "figures to ingest from one XLSX file (0 skips)")
	fs.IntVar(&c.ingestPlans, "ingest-plans", 3000, "plans of 60 indicators (sharing ids) in the ingest catalog")
	fs.StringVar(&c.kpimon, "kpimon", "", "kpimon binary (default: go build ./cmd/kpimon into the work dir)")
	fs.StringVar(&c.prometheus, "prometheus", "prometheus", "prometheus binary (\"\" skips Prometheus)")
	fs.StringVar(&c.rules, "rules", "prometheus/rules/*.yml", "rule files Prometheus evaluates")
	fs.DurationVar(&c.interval, "interval", 15*time.Second, "Prometheus scrape and rule evaluation interval (scrape timeout the same)")
	fs.IntVar(&c.promScrapes, "prom-scrapes", 4, "successful Prometheus scrapes of kpimon to wait for before measuring")
	fs.StringVar(&c.pushgateway, "pushgateway", "prometheus-pushgateway", "pushgateway binary (\"\" skips the comparison)")
	fs.StringVar(&c.dir, "dir", "", "work dir (default: a temp dir, removed afterwards)")
	fs.BoolVar(&c.keep, "keep", false, "keep the generated targets, data and logs in the work dir")
	fs.IntVar(&c.scrapes, "scrapes", 3, "scrapes per measurement (the median is reported)")
	portRange := fs.String("ports", "", "loopback port range for kpimon serve, Prometheus and Pushgateway, e.g. 19400-19499 (default: any free port)")
	fs.IntVar(&c.writes, "writes", 25, "one-figure writes through the API, each timed until /metrics shows it (the median is reported)")
	serveEnv := fs.String("serve-env", "", "space-separated NAME=VALUE pairs for kpimon serve only, e.g. GOMEMLIMIT=900MiB")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for s := range strings.SplitSeq(*sizes, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < indicatorsPerRegion {
			return fmt.Errorf("-sizes: %q is not a count of at least %d indicators", s, indicatorsPerRegion)
		}
		c.sizes = append(c.sizes, n)
	}
	c.serveEnv = strings.Fields(*serveEnv)
	var err error
	if c.ports, err = parsePorts(*portRange); err != nil {
		return err
	}
	if c.writes < 1 {
		return fmt.Errorf("-writes: want at least 1, got %d", c.writes)
	}
	if c.ingestPlans < 1 {
		return fmt.Errorf("-ingest-plans: want at least 1, got %d", c.ingestPlans)
	}
	if c.dir == "" {
		d, err := os.MkdirTemp("", "kpibench-")
		if err != nil {
			return err
		}
		if !c.keep {
			defer os.RemoveAll(d)
		}
		c.dir = d
	}
	if abs, err := filepath.Abs(c.rules); err == nil {
		c.rules = abs
	}
	if c.kpimon == "" {
		c.kpimon = filepath.Join(c.dir, "kpimon")
		build := exec.CommandContext(ctx, "go", "build", "-o", c.kpimon, "./cmd/kpimon")
		build.Stdout, build.Stderr = stderr, stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build kpimon (run kpibench from the repository root, or give -kpimon): %w", err)
		}
	}
	this := time.Now().Year()
	b := &bench{cfg: c, out: stdout, log: stderr, y: years{first: this - c.periods, periods: c.periods}}
	return b.all(ctx)
}
