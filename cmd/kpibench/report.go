package main

import (
	"fmt"
	"runtime"
	"syscall"
	"time"
)

// report prints the measured tables in Markdown, as BENCHMARKS.md shows them.
func (b *bench) report(sizes []sizeResult, ingests []ingestResult, withPG bool) {
	w := b.out
	fmt.Fprintf(w, "Measured %s on %s/%s, %d CPUs, %s; %d periods per indicator.\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), b.cfg.periods)

	fmt.Fprintln(w, "### Scrape, evaluation, catalog load and restart by size")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Scrapes read the whole body as Prometheus does (gzip on the wire, decompressed by Go's HTTP client); *wire* is the same scrape reading the gzip bytes without decompressing them. The first scrape after a change renders the kpi families; warm scrapes are medians.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| indicators | observations | kpi series | load catalog | write figures | evaluate all | first scrape (renders) | scrape (warm) | µs/indicator | scrape (warm, wire) | text bytes | gzip bytes | bytes/series | restart | RSS MiB |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range sizes {
		fmt.Fprintf(w, "| %d | %d | %d | %s | %s | %s | %s | %s | %.2f | %s | %d | %d | %.0f | %s | %.0f |\n",
			r.indicators, r.observations, r.series, ms(r.load), ms(r.write), ms(r.evaluate), ms(r.scrapeCold), ms(r.scrape),
			float64(r.scrape.Microseconds())/float64(r.indicators), ms(r.scrapeWire), r.scrapeBytes, r.scrapeGzipBytes,
			perSeries(r.scrapeBytes, r.series), ms(r.restart), r.rssMiB)
	}
	fmt.Fprintln(w)
	if withPG {
		fmt.Fprintln(w, "### Side by side with Pushgateway (same kpi_* series)")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| indicators | kpi series | kpimon scrape | Pushgateway scrape | kpimon / Pushgateway | kpimon wire | Pushgateway wire | wire ratio | Pushgateway µs/series | Pushgateway push | Pushgateway text bytes | Pushgateway RSS MiB |")
		fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, r := range sizes {
			fmt.Fprintf(w, "| %d | %d | %s | %s | %.2f | %s | %s | %.2f | %.2f | %s | %d | %.0f |\n",
				r.indicators, r.series, ms(r.scrape), ms(r.pgScrape), ratio(r.scrape, r.pgScrape),
				ms(r.scrapeWire), ms(r.pgScrapeWire), ratio(r.scrapeWire, r.pgScrapeWire),
				float64(r.pgScrape.Microseconds())/float64(max(1, r.series)), ms(r.pgPush), r.pgBytes, r.pgRSSMiB)
		}
		fmt.Fprintln(w)
	}
	if len(ingests) > 0 {
		fmt.Fprintln(w, "### Ingest through the real pipeline (parse, validate, one bbolt transaction)")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| format | observations | file bytes | time | rows/s | allocated MiB | RSS after MiB | Pushgateway push, same series | kpimon / Pushgateway |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, r := range ingests {
			pg, rat := "—", "—"
			if r.pgPush > 0 {
				pg, rat = ms(r.pgPush), fmt.Sprintf("%.2f", ratio(r.dur, r.pgPush))
			}
			fmt.Fprintf(w, "| %s | %d | %d | %s | %.0f | %.0f | %.0f | %s | %s |\n",
				r.format, r.rows, r.fileBytes, ms(r.dur), float64(r.rows)/r.dur.Seconds(), r.allocMiB, r.rssMiB, pg, rat)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "Peak resident memory of the kpibench process (kpimon's store, states and renderings, plus the generated catalogs and files): %.0f MiB.\n", peakRSSMiB())
}

// peakRSSMiB returns this process's peak resident memory (children, such as
// Pushgateway, not counted).
func peakRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}

func ms(d time.Duration) string {
	if d >= 10*time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000)
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func perSeries(bytes, series int) float64 {
	if series == 0 {
		return 0
	}
	return float64(bytes) / float64(series)
}
