package main

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"github.com/yanfeng/kpimon/internal/ingest"
)

func addTemplateCommand(c *cli) {
	cmd := c.command("template", "write the XLSX template submitters fill in", `
Write the XLSX template submitters fill in: every indicator with its id,
Chinese name, unit, target, deadline and lead units, and empty 报告期 and
实际值 columns. Filled in, it is ingested as it is. Needs no store.`,
		"kpimon template -o 指标报送模板.xlsx")
	out := cmd.Flag("output", "Output file, or - for stdout.").Short('o').Default("kpimon-template.xlsx").PlaceHolder("FILE").String()
	targets := c.targetsFlag(cmd, "Targets dir instead of the embedded catalog")
	c.action(cmd, func(ctx context.Context) error { return writeTemplate(c.e, *out, *targets) })
}

func writeTemplate(e *env, out, targets string) error {
	cat, err := loadCatalog(targets)
	if err != nil {
		return fmt.Errorf("load catalog: %w", err)
	}
	if out == "-" {
		w := bufio.NewWriter(e.stdout)
		if err := ingest.WriteTemplate(w, cat); err != nil {
			return err
		}
		return w.Flush()
	}
	if err := writeFile(out, 0o644, func(w io.Writer) error { return ingest.WriteTemplate(w, cat) }); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %s: %d indicators\n", out, len(cat.Indicators))
	return nil
}
