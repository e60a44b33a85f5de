package main

import (
	"fmt"
	"runtime"
	"strings"
	"time"
)

// report prints the measured tables in Markdown, as BENCHMARKS.md shows them.
func (b *bench) report(stacks []stackResult, ingests []ingestResult) {
	w := b.out
	fmt.Fprintf(w, "Measured %s on %s/%s, %d CPUs, %s; %d annual periods per indicator (%d–%d), plans of %d indicators.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(),
		b.cfg.periods, b.y.first, b.y.last(), indicatorsPerRegion)
	if len(stacks) > 0 {
		fmt.Fprintln(w, "### The whole stack: kpimon serve and Prometheus")
		fmt.Fprintln(w)
		if len(b.cfg.serveEnv) > 0 {
			fmt.Fprintf(w, "kpimon serve ran with `%s`. ", strings.Join(b.cfg.serveEnv, " "))
		}
		if b.cfg.prometheus != "" {
			fmt.Fprintf(w, "Prometheus scrapes kpimon every %v (timeout the same) with `%s` loaded; figures are read after %d successful scrapes. ", b.cfg.interval, "prometheus/rules", b.cfg.promScrapes)
		}
		fmt.Fprintf(w, "Memory is kernel-reported (VmRSS / VmHWM; kpimon's VmRSS also split into anonymous memory and mapped files, mostly the bbolt file): *idle* before the writes, then after %d one-figure writes. *Write → visible*: from the API's answer to a one-figure upload until a scrape shows the figure, median of the %d writes (fastest–slowest), with the load average at the writes; its floor is the same probe scrape when nothing changed; *rendering*: the background rendering that made a write visible, as kpimon logs it (median).\n", b.cfg.writes, b.cfg.writes)
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| indicators | kpi series | series/indicator | Prometheus head series | Prometheus VmRSS MiB (HWM) | Prometheus RSS/indicator KB | marginal KB/indicator | scrape_duration_seconds last (max) | rule evaluation s | kpimon VmRSS MiB idle | kpimon VmRSS MiB after the writes (HWM) | kpimon anon / file MiB | write → visible, median (range) | load average | probe floor | rendering (segments reused) | scrape right after the write (wire) |")
		fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		for i, r := range stacks {
			marginal := "—"
			if i > 0 && r.prom && stacks[i-1].prom && r.indicators > stacks[i-1].indicators {
				p := stacks[i-1]
				marginal = fmt.Sprintf("%.1f", (r.promMem.rss-p.promMem.rss)*1024/float64(r.indicators-p.indicators))
			}
			prom := "| — | — | — | " + marginal + " | — | —"
			if r.prom {
				prom = fmt.Sprintf("| %.0f | %.0f (%.0f) | %.1f | %s | %.2f (%.2f) | %.3f", r.headSeries, r.promMem.rss, r.promMem.hwm,
					r.promMem.rss*1024/float64(r.indicators), marginal, r.scrapeLast, r.scrapeMax, r.ruleEval)
			}
			fmt.Fprintf(w, "| %d | %d | %.1f %s | %.0f | %.0f (%.0f) | %.0f / %.0f | %s (%s–%s) | %.1f | %s | %s (%d of %d) | %s |\n",
				r.indicators, r.kpiSeries, float64(r.kpiSeries)/float64(r.indicators), prom,
				r.kpimonIdle.rss, r.kpimon.rss, r.kpimon.hwm, r.kpimon.anon, r.kpimon.file, ms(r.fresh), ms(r.freshMin), ms(r.freshMax), r.loadDuringWrites,
				ms(r.probeFloor), ms(r.renderTook), r.renderReused, r.renderSegments, ms(r.scrapeAfterWrite))
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| indicators | plans | figures | catalog load (kpimon ingest, first run), wall / CPU | figures ingest, wall / CPU | ingest peak RSS MiB | serve start → ready | scrape (kpibench, decompressed) | scrape (wire) | text bytes | gzip bytes | Pushgateway push | Pushgateway scrape | kpimon / Pushgateway | Pushgateway VmRSS MiB |")
		fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, r := range stacks {
			pg := "— | — | — | —"
			if r.pg {
				pg = fmt.Sprintf("%s | %s | %.2f | %.0f", ms(r.pgPush), ms(r.pgScrape), ratio(r.pgScrapeKpimonCompare, r.pgScrape), r.pgMem.rss)
			}
			fmt.Fprintf(w, "| %d | %d | %d | %s / %s | %s / %s | %.0f | %s | %s | %s | %d | %d | %s |\n",
				r.indicators, r.plans, r.figures, ms(r.catalogLoad), ms(r.catalogLoadCPU), ms(r.ingest), ms(r.ingestCPU), r.ingestPeakMiB, ms(r.serveStart),
				ms(r.scrape), ms(r.scrapeWire), r.textBytes, r.gzipBytes, pg)
		}
		fmt.Fprintln(w)
	}
	if len(ingests) > 0 {
		fmt.Fprintln(w, "### `kpimon ingest` of one large file (parse, validate, store in batches of one bbolt transaction each)")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "*CPU* is the process's user + system time: on a machine others share, the wall time also holds the time it waited for a core.")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "*Through the API*: the same file posted to `/api/v1/uploads` of a `kpimon serve` with default limits on a new data dir: its HTTP status, time, and the server's VmRSS before the upload, VmHWM at the answer and VmHWM once /metrics was rendered with the new figures.")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| format | rows | catalog | file bytes | wall time | CPU time | rows per CPU second | peak RSS MiB (kernel) | kpimon says | through the API: status, time, serve VmRSS before / VmHWM at the answer / after rendering, MiB |")
		fmt.Fprintln(w, "|---|---:|---|---:|---:|---:|---:|---:|---|---|")
		for _, r := range ingests {
			api := "—"
			if r.apiStatus != 0 {
				api = fmt.Sprintf("%d, %s, %.0f / %.0f / %.0f", r.apiStatus, ms(r.apiDur), r.apiIdleMiB, r.apiPeakMiB, r.apiAfterMiB)
			}
			fmt.Fprintf(w, "| %s | %d | %d plans × %d indicators, ids shared | %d | %s | %s | %.0f | %.0f | %s | %s |\n",
				r.format, r.rows, r.plans, indicatorsPerRegion, r.fileBytes, ms(r.dur), ms(r.cpu), float64(r.rows)/r.cpu.Seconds(), r.peakMiB, r.summary, api)
		}
		fmt.Fprintln(w)
	}
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
