package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBackupCommand(t *testing.T) {
	data := t.TempDir()
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"kpimon"}, args...), func(string) string { return "" }, strings.NewReader(""), &out, io.Discard)
		return out.String(), err
	}
	if _, err := cli("token", "create", "--data", data, "--name", "tjj", "--all"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "copy.db")
	if _, err := cli("backup", "--data", data, "-o", out); err != nil {
		t.Fatalf("backup: %v", err)
	}
	// The copy is a data dir's store: the token is in it.
	restored := filepath.Dir(out)
	if err := os.Rename(out, filepath.Join(restored, "kpimon.db")); err != nil {
		t.Fatal(err)
	}
	list, err := cli("token", "list", "--data", restored)
	if err != nil || !strings.Contains(list, "tjj") {
		t.Errorf("token list on the restored copy = %q, %v; want tjj", list, err)
	}
	if _, err := cli("backup", "--data", t.TempDir(), "-o", out); err == nil {
		t.Error("backup of a data dir without a store succeeded")
	}
}
