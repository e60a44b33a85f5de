// Command kpibench measures kpimon at the scale of a city or province that
// runs it for all its districts: it generates plans and figures, then times
// loading the catalog, ingesting observations from CSV and XLSX through the
// real pipeline, evaluating every indicator, a full /metrics scrape and a
// restart, and compares scrape and ingest with Prometheus Pushgateway fed
// the same series. It prints a Markdown table (BENCHMARKS.md holds one).
//
//	go run ./cmd/kpibench -sizes 1000,10000,100000,180000 -ingest 1000000
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
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
	sizes       []int  // indicators per scrape-size step
	periods     int    // reported periods per indicator
	ingestRows  int    // observations ingested from CSV
	xlsxRows    int    // observations ingested from XLSX
	pushgateway string // path of the pushgateway binary; "" skips the comparison
	dir         string // work dir; default a temp dir removed afterwards
	scrapes     int    // warm scrapes averaged per size
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kpibench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sizes := fs.String("sizes", "1000,10000,100000,180000", "comma-separated indicator counts to scrape")
	var c config
	fs.IntVar(&c.periods, "periods", 10, "reported periods per indicator")
	fs.IntVar(&c.ingestRows, "ingest", 1000000, "observations to ingest from one CSV file (0 skips)")
	fs.IntVar(&c.xlsxRows, "xlsx", 1000000, "observations to ingest from one XLSX file (0 skips)")
	fs.StringVar(&c.pushgateway, "pushgateway", "prometheus-pushgateway", "pushgateway binary (\"\" skips the comparison)")
	fs.StringVar(&c.dir, "dir", "", "work dir (default: a temp dir, removed afterwards)")
	fs.IntVar(&c.scrapes, "scrapes", 3, "warm scrapes per size (the median is reported)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 60 {
			return fmt.Errorf("-sizes: %q is not a count of at least 60 indicators", s)
		}
		c.sizes = append(c.sizes, n)
	}
	if c.dir == "" {
		d, err := os.MkdirTemp("", "kpibench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		c.dir = d
	}
	b := &bench{cfg: c, out: stdout, log: stderr}
	return b.all(ctx)
}
