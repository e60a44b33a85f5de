package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/supervision"
)

func addIngestCommand(c *cli) {
	cmd := c.command("ingest", "ingest CSV, XLSX or JSON files of actual figures once", `
Ingest files of actual figures once (CSV in UTF-8 or GBK, XLSX, JSON), each
as one submission: a file with any problem is rejected whole and nothing of
it is written. Prints a receipt per file, or every problem with sheet, row
and column. Needs the data dir, so the server must be stopped; while it
runs, upload through its API or web page instead.`,
		"kpimon ingest --storage.path /var/lib/kpimon 2021年报.xlsx 2022-Q1.csv")
	var o ingestOptions
	data := c.storageFlag(cmd)
	targets := c.targetsFlag(cmd, "Targets dir loaded when the store holds no catalog yet")
	cmd.Flag("sheet", "XLSX sheet to read (default: the first).").PlaceHolder("SHEET").StringVar(&o.sheet)
	cmd.Flag("as", "Name recorded as the submitter (default: $USER).").PlaceHolder("NAME").StringVar(&o.as)
	files := cmd.Arg("file", "Files to ingest.").Required().Strings()
	c.action(cmd, func(ctx context.Context) error {
		o.data, o.targets, o.files = *data, *targets, *files
		return ingestFiles(ctx, c.e, o)
	})
}

type ingestOptions struct {
	data, targets, sheet, as string
	files                    []string
}

func ingestFiles(ctx context.Context, e *env, o ingestOptions) error {
	actor := operatorActor(e)
	actor.All = true
	if o.as != "" {
		actor.Name = o.as
	}
	store, err := openStore(o.data, time.Second, nil)
	if kpi.ErrorCode(err) == kpi.EUNAVAILABLE {
		return fmt.Errorf("%w\nwhile the server runs, upload with its token instead:\n%s", err, uploadCommands(o.files, serverURL(e.getenv("KPIMON_LISTEN"))))
	}
	if err != nil {
		return err
	}
	defer store.Close()
	cat, err := store.Catalog(ctx)
	if err != nil {
		return err
	}
	if len(cat.Indicators) == 0 {
		if cat, err = loadCatalog(o.targets); err != nil {
			return fmt.Errorf("load catalog: %w", err)
		}
		if _, err := store.SyncCatalog(ctx, cat, kpi.Actor{Name: "catalog", Remote: catalogOrigin(o.targets)}); err != nil {
			return fmt.Errorf("load catalog into the store: %w", err)
		}
	}
	// A workbook's 情况说明 rows are filed as the server files them.
	ing, err := ingest.New(ingest.Options{Store: store, Explainer: supervision.New(supervision.Options{Store: store})})
	if err != nil {
		return err
	}
	rejected := 0
	for _, path := range o.files {
		body, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		res, err := ing.Ingest(ctx, kpi.Upload{Name: filepath.Base(path), Sheet: o.sheet, Body: body, Actor: actor, Source: "cli"})
		var ke *kpi.Error
		switch {
		case errors.As(err, &ke) && (ke.Code == kpi.EINVALID || ke.Code == kpi.EFORBIDDEN):
			rejected++
			fmt.Fprintf(e.stdout, "✗ %s: %s\n", path, ke.Message)
			for _, p := range ke.Problems {
				fmt.Fprintf(e.stdout, "    %s\n", strings.ReplaceAll(p.Text(), "\n", "\n    "))
			}
			if more := ke.MoreText(); more != "" {
				fmt.Fprintf(e.stdout, "    %s\n", more)
			}
		case err != nil:
			return err
		default:
			fmt.Fprintf(e.stdout, "✓ %s: 新增 added %d · 修订 revised %d · 未变 unchanged %d\n", path, res.Added, res.Revised, res.Unchanged)
			if t := res.ExplanationsText(); t != "" {
				fmt.Fprintf(e.stdout, "  %s\n", t)
			}
		}
	}
	if rejected > 0 {
		fmt.Fprintf(e.stdout, "%d of %d file(s) rejected; nothing of them was written. Fix the problems and run again.\n", rejected, len(o.files))
		return errExit{code: 1}
	}
	return nil
}

// uploadCommands is the curl command line that uploads each file to a
// running server: a multipart form field, so CSV, XLSX and JSON alike go up
// with their names (the server tells an XLSX by its content).
func uploadCommands(files []string, server string) string {
	var b strings.Builder
	for _, f := range files {
		fmt.Fprintf(&b, "  curl -H \"Authorization: Bearer $TOKEN\" -F %s %s/api/v1/uploads\n", shellQuote("file=@"+f), server)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '@' || r == '=' || r == '/' || r == '.' || r == '-' || r == '_' || r == ':' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f)
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
