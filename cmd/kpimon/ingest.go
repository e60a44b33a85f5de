package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
)

func cmdIngest(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "ingest", "ingest [flags] FILE…", `
Ingest files of actual figures once (CSV in UTF-8 or GBK, XLSX, JSON), each
as one submission: a file with any problem is rejected whole and nothing of
it is written. Prints a receipt per file, or every problem with sheet, row
and column. Needs the data dir, so the server must be stopped; while it
runs, upload through its API or web page instead.`,
		"kpimon ingest --data /var/lib/kpimon 2021年报.xlsx 2022-Q1.csv")
	data := fs.String("data", envOr(e, "KPIMON_DATA", "./data"), "data `dir` holding the store (KPIMON_DATA)")
	targets := fs.String("targets", envOr(e, "KPIMON_TARGETS", ""), "targets `dir` loaded when the store holds no catalog yet (KPIMON_TARGETS)")
	sheet := fs.String("sheet", "", "XLSX `sheet` to read (default: the first)")
	as := fs.String("as", "", "`name` recorded as the submitter (default: $USER)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	actor := operatorActor(e)
	actor.All = true
	if *as != "" {
		actor.Name = *as
	}
	store, err := openStore(*data, time.Second, nil)
	if kpi.ErrorCode(err) == kpi.EUNAVAILABLE {
		return fmt.Errorf("%w\nwhile the server runs, upload with its token instead:\n  curl -H \"Authorization: Bearer $TOKEN\" --data-binary @FILE -H 'Content-Type: text/csv' http://127.0.0.1:9464/api/v1/uploads", err)
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
		if cat, err = loadCatalog(*targets); err != nil {
			return fmt.Errorf("load catalog: %w", err)
		}
		if _, err := store.SyncCatalog(ctx, cat, kpi.Actor{Name: "catalog", Remote: catalogOrigin(*targets)}); err != nil {
			return fmt.Errorf("load catalog into the store: %w", err)
		}
	}
	ing, err := ingest.New(ingest.Options{Store: store})
	if err != nil {
		return err
	}
	rejected := 0
	for _, path := range fs.Args() {
		body, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		res, err := ing.Ingest(ctx, kpi.Upload{Name: filepath.Base(path), Sheet: *sheet, Body: body, Actor: actor, Source: "cli"})
		var ke *kpi.Error
		switch {
		case errors.As(err, &ke) && (ke.Code == kpi.EINVALID || ke.Code == kpi.EFORBIDDEN):
			rejected++
			fmt.Fprintf(e.stdout, "✗ %s: %s\n", path, ke.Message)
			for _, p := range ke.Problems {
				fmt.Fprintf(e.stdout, "    %s\n", p.String())
			}
			if more := ke.MoreText(); more != "" {
				fmt.Fprintf(e.stdout, "    %s\n", more)
			}
		case err != nil:
			return err
		default:
			fmt.Fprintf(e.stdout, "✓ %s: 新增 added %d · 修订 revised %d · 未变 unchanged %d\n", path, res.Added, res.Revised, res.Unchanged)
		}
	}
	if rejected > 0 {
		fmt.Fprintf(e.stdout, "%d of %d file(s) rejected; nothing of them was written. Fix the problems and run again.\n", rejected, fs.NArg())
		return errExit{code: 1}
	}
	return nil
}
