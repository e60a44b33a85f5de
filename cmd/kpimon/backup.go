package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

func cmdBackup(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "backup", "backup [--data DIR] -o FILE", `
Write a consistent copy of the store (every plan, figure, revision, token
hash and the audit log) to FILE. The copy opens like any kpimon.db: put it
in a data dir as kpimon.db to restore. While 'kpimon serve' holds the data
dir, take the backup from the server instead, with a token created --all:
  curl -H "Authorization: Bearer $TOKEN" -o kpimon.db http://127.0.0.1:9464/api/v1/backup`,
		"kpimon backup --data /var/lib/kpimon -o /backup/kpimon-$(date +%F).db")
	data := fs.String("data", envOr(e, "KPIMON_DATA", "./data"), "data `dir` holding the store (KPIMON_DATA)")
	out := fs.String("o", "", "output `file` (required)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return errUsage
	}
	if !storeExists(*data) {
		return fmt.Errorf("no store to back up at %s: check --data", storePath(*data))
	}
	store, err := openStore(*data, time.Second, nil)
	if kpi.ErrorCode(err) == kpi.EUNAVAILABLE {
		return fmt.Errorf("%w\nwhile the server runs, take a hot backup from it with an --all token:\n  curl -H \"Authorization: Bearer $TOKEN\" -o %s http://127.0.0.1:9464/api/v1/backup", err, *out)
	}
	if err != nil {
		return err
	}
	defer store.Close()
	tmp := *out + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	n, err := store.Backup(ctx, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, *out)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", *out, err)
	}
	fmt.Fprintf(e.stdout, "wrote %s (%d bytes)\n", *out, n)
	return nil
}
