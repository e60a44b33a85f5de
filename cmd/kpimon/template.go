package main

import (
	"bufio"
	"context"
	"fmt"
	"os"

	"github.com/yanfeng/kpimon/internal/ingest"
)

func cmdTemplate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "template", "template [-o FILE] [--targets DIR]", `
Write the XLSX template submitters fill in: every indicator with its id,
Chinese name, unit, target, deadline and lead units, and empty 报告期 and
实际值 columns. Filled in, it is ingested as it is. Needs no store.`,
		"kpimon template -o 指标报送模板.xlsx")
	out := fs.String("o", "kpimon-template.xlsx", "output `file`, or - for stdout")
	targets := fs.String("targets", envOr(e, "KPIMON_TARGETS", ""), "targets `dir` instead of the embedded catalog (KPIMON_TARGETS)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	cat, err := loadCatalog(*targets)
	if err != nil {
		return fmt.Errorf("load catalog: %w", err)
	}
	if *out == "-" {
		w := bufio.NewWriter(e.stdout)
		if err := ingest.WriteTemplate(w, cat); err != nil {
			return err
		}
		return w.Flush()
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := ingest.WriteTemplate(f, cat); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %s: %d indicators\n", *out, len(cat.Indicators))
	return nil
}
