package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

func addBackupCommand(c *cli) {
	cmd := c.command("backup", "write a consistent copy of the store", `
Write a consistent copy of the store (every plan, figure, revision, token
hash and the audit log) to FILE. The copy opens like any kpimon.db: put it
in a data dir as kpimon.db to restore. While 'kpimon serve' holds the data
dir, take the backup from the server instead, with a token created --all:
  curl -H "Authorization: Bearer $TOKEN" -o kpimon.db http://127.0.0.1:9464/api/v1/backup`,
		"kpimon backup --storage.path /var/lib/kpimon -o /backup/kpimon-$(date +%F).db")
	data := c.storageFlag(cmd)
	out := cmd.Flag("output", "Output file.").Short('o').Required().PlaceHolder("FILE").String()
	c.action(cmd, func(ctx context.Context) error { return backup(ctx, c.e, *data, *out) })
}

func backup(ctx context.Context, e *env, data, out string) error {
	if !storeExists(data) {
		return fmt.Errorf("no store to back up at %s: check --storage.path (KPIMON_DATA)", storePath(data))
	}
	store, err := openStore(data, time.Second, nil)
	if kpi.ErrorCode(err) == kpi.EUNAVAILABLE {
		return fmt.Errorf("%w\nwhile the server runs, take a hot backup from it with an --all token:\n  curl -H \"Authorization: Bearer $TOKEN\" -o %s http://127.0.0.1:9464/api/v1/backup", err, out)
	}
	if err != nil {
		return err
	}
	defer store.Close()
	var n int64
	err = writeFile(out, 0o600, func(w io.Writer) (err error) {
		n, err = store.Backup(ctx, w)
		return err
	})
	if err != nil {
		return fmt.Errorf("backup to %s: %w", out, err)
	}
	fmt.Fprintf(e.stdout, "wrote %s (%d bytes)\n", out, n)
	return nil
}
