package boltstore

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"

	"github.com/yanfeng/kpimon/internal/kpi"
)

func TestReopenKeepsEverything(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "nested", "data") // Open creates it
	clk := newClock()
	s, err := Open(filepath.Join(dir, "kpimon.db"), Options{Now: clk.now})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	mustSync(t, s, testCatalog())
	mustAdd(t, s, kpi.Submission{Actor: operator, Source: "cli", Observations: []kpi.Observation{
		{Plan: "yanfeng", Indicator: "high_tech_enterprises", Period: kpi.YearPeriod(2021), Value: 25, Note: "初报"},
	}})
	if err := s.CreateToken(ctx, kpi.Token{Name: "tjj", Hash: kpi.HashToken("secret"), All: true}, operator); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	wantCat, _ := s.Catalog(ctx)
	wantLatest, _ := s.Latest(ctx)
	wantAudit, _ := s.Audit(ctx, kpi.AuditFilter{})
	wantTokens, _ := s.Tokens(ctx)
	genBefore := s.Generation()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, PIDFile)); !os.IsNotExist(err) {
		t.Errorf("after Close, stat %s: err = %v, want not exist", PIDFile, err)
	}

	s = openAt(t, dir, Options{Now: clk.now})
	if got := s.Generation(); got < genBefore {
		t.Errorf("Generation after reopen = %d, want >= %d", got, genBefore)
	}
	gotCat, err := s.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gotLatest, _ := s.Latest(ctx)
	gotAudit, _ := s.Audit(ctx, kpi.AuditFilter{})
	gotTokens, _ := s.Tokens(ctx)
	for _, c := range []struct {
		name      string
		want, got any
	}{
		{"catalog", wantCat, gotCat},
		{"latest", wantLatest, gotLatest},
		{"audit", wantAudit, gotAudit},
		{"tokens", wantTokens, gotTokens},
	} {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s after reopen (-want +got):\n%s", c.name, diff)
		}
	}
	if len(gotLatest) != 1 || len(gotAudit) == 0 || len(gotTokens) != 1 || len(gotCat.Indicators) != 2 {
		t.Errorf("reopened store holds %d latest, %d audit, %d tokens, %d indicators; want 1, >0, 1, 2",
			len(gotLatest), len(gotAudit), len(gotTokens), len(gotCat.Indicators))
	}
}

func TestSecondOpenRefused(t *testing.T) {
	dir := t.TempDir()
	first := openAt(t, dir, Options{})
	pid, err := os.ReadFile(filepath.Join(dir, PIDFile))
	if err != nil {
		t.Fatalf("PID file: %v", err)
	}
	if got, want := strings.TrimSpace(string(pid)), strconv.Itoa(os.Getpid()); got != want {
		t.Errorf("PID file holds %q, want %q", got, want)
	}

	_, err = Open(filepath.Join(dir, "kpimon.db"), Options{Timeout: 100 * time.Millisecond})
	e := wantCode(t, err, kpi.EUNAVAILABLE)
	if !strings.Contains(e.Message, strconv.Itoa(os.Getpid())) {
		t.Errorf("message %q does not name PID %d", e.Message, os.Getpid())
	}
	// The refused Open must leave the holder's PID file alone.
	if _, err := os.Stat(filepath.Join(dir, PIDFile)); err != nil {
		t.Errorf("PID file after refused Open: %v", err)
	}

	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	second := openAt(t, dir, Options{Timeout: 100 * time.Millisecond})
	if _, err := second.Catalog(context.Background()); err != nil {
		t.Errorf("Catalog after the first store closed: %v", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kpimon.db")
	s := openAt(t, dir, Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	setSchema := func(v uint64) {
		t.Helper()
		db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		err = db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, v))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	setSchema(SchemaVersion + 1)

	_, err := Open(path, Options{Timeout: 100 * time.Millisecond})
	wantCode(t, err, kpi.EUNAVAILABLE)

	// The refused file is left as it was.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var got uint64
	db.View(func(tx *bolt.Tx) error {
		got = binary.BigEndian.Uint64(tx.Bucket(bucketMeta).Get(keySchema))
		return nil
	})
	db.Close()
	if want := uint64(SchemaVersion + 1); got != want {
		t.Errorf("schema after refused Open = %d, want %d", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, PIDFile)); !os.IsNotExist(err) {
		t.Errorf("PID file after refused Open: err = %v, want not exist", err)
	}

	setSchema(SchemaVersion)
	openAt(t, dir, Options{})
}

func TestGeneration(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, t.TempDir(), Options{})
	tests := []struct {
		name     string
		write    func() error
		wantCode string // of the write's error
		changes  bool
	}{
		{"sync new catalog", func() error { _, err := s.SyncCatalog(ctx, testCatalog(), operator); return err }, "", true},
		{"sync same catalog", func() error { _, err := s.SyncCatalog(ctx, testCatalog(), operator); return err }, "", false},
		{"add figure", func() error { _, err := s.AddObservations(ctx, oneFigure(25)); return err }, "", true},
		{"same figure", func() error { _, err := s.AddObservations(ctx, oneFigure(25)); return err }, "", false},
		{"revised figure", func() error { _, err := s.AddObservations(ctx, oneFigure(26)); return err }, "", true},
		{"refused figure", func() error {
			_, err := s.AddObservations(ctx, kpi.Submission{Observations: []kpi.Observation{{Plan: "x", Indicator: "y", Period: kpi.YearPeriod(2021)}}})
			return err
		}, kpi.EINVALID, false},
		// Bookkeeping commits, but changes nothing evaluated: no new
		// States, no /metrics rendering for an unauthenticated request.
		{"audit entry", func() error { return s.AppendAudit(ctx, kpi.AuditEntry{Action: "access.denied"}) }, "", false},
		{"create token", func() error {
			return s.CreateToken(ctx, kpi.Token{Name: "tjj", Hash: kpi.HashToken("kpm_gen")}, operator)
		}, "", false},
		{"revoke token", func() error { return s.RevokeToken(ctx, "tjj", operator) }, "", false},
		{"changed catalog", func() error {
			cat := testCatalog()
			cat.Indicators[0].Target++
			_, err := s.SyncCatalog(ctx, cat, operator)
			return err
		}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.Generation()
			changed := s.Changed()
			if err := tt.write(); kpi.ErrorCode(err) != tt.wantCode {
				t.Fatalf("write: error %v, want code %q", err, tt.wantCode)
			}
			after := s.Generation()
			if got := after > before; got != tt.changes {
				t.Errorf("Generation %d → %d: increased = %v, want %v", before, after, got, tt.changes)
			}
			notified := false
			select {
			case <-changed:
				notified = true
			default:
			}
			if notified != tt.changes {
				t.Errorf("Changed() closed = %v, want %v", notified, tt.changes)
			}
			if after < before {
				t.Errorf("Generation went back from %d to %d", before, after)
			}
		})
	}
}

func oneFigure(v float64) kpi.Submission {
	return kpi.Submission{Actor: operator, Source: "cli", Observations: []kpi.Observation{
		{Plan: "yanfeng", Indicator: "high_tech_enterprises", Period: kpi.YearPeriod(2021), Value: v},
	}}
}

func TestBackupOpens(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, t.TempDir(), Options{})
	mustSync(t, s, testCatalog())
	mustAdd(t, s, oneFigure(25))
	var buf bytes.Buffer
	n, err := s.Backup(ctx, &buf)
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if n != int64(buf.Len()) || n == 0 {
		t.Errorf("Backup returned %d bytes, wrote %d", n, buf.Len())
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kpimon.db"), buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	restored := openAt(t, dir, Options{})
	want, _ := s.Latest(ctx)
	got, err := restored.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" || len(got) == 0 {
		t.Errorf("Latest of the backup (-want +got):\n%s", diff)
	}
}

// TestSecondProcessRefused opens the store in a child process (this test
// binary, re-run as a helper) and checks that Open here names its PID.
func TestSecondProcessRefused(t *testing.T) {
	if dir := os.Getenv("KPIMON_BOLTSTORE_HELPER_DIR"); dir != "" {
		holdStore(dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSecondProcessRefused$")
	cmd.Env = append(os.Environ(), "KPIMON_BOLTSTORE_HELPER_DIR="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("helper said %q, %v; want ready", line, err)
	}

	_, err = Open(filepath.Join(dir, "kpimon.db"), Options{Timeout: 100 * time.Millisecond})
	e := wantCode(t, err, kpi.EUNAVAILABLE)
	if want := "PID " + strconv.Itoa(cmd.Process.Pid); !strings.Contains(e.Message, want) {
		t.Errorf("message %q does not name the holder (%s)", e.Message, want)
	}

	stdin.Close() // the helper closes its store and exits
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v", err)
	}
	openAt(t, dir, Options{Timeout: time.Second})
}

// holdStore opens the store in dir, says "ready" and holds it until stdin
// closes.
func holdStore(dir string) {
	s, err := Open(filepath.Join(dir, "kpimon.db"), Options{})
	if err != nil {
		fmt.Fprintln(os.Stdout, "open:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stdout, "ready")
	io.Copy(io.Discard, os.Stdin)
	if err := s.Close(); err != nil {
		os.Exit(1)
	}
	os.Exit(0)
}

func TestOpenRefusesForeignFile(t *testing.T) {
	tests := []struct {
		name    string
		content []byte
	}{
		{"text", []byte("not a database\n")},
		{"zeros", make([]byte, 64<<10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "kpimon.db"), tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(filepath.Join(dir, "kpimon.db"), Options{Timeout: 100 * time.Millisecond})
			if err == nil {
				s.Close()
			}
			wantCode(t, err, kpi.EUNAVAILABLE)
		})
	}
}
