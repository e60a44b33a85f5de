package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteFileWholeOrNothing: a write that fails half-way leaves the file
// people open as it was, and no temporary file behind.
func TestWriteFileWholeOrNothing(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "进展情况通报.pdf")
	if err := os.WriteFile(out, []byte("the previous circular"), 0o644); err != nil {
		t.Fatal(err)
	}
	failed := errors.New("disk full half-way")
	err := writeFile(out, 0o644, func(w io.Writer) error {
		w.Write([]byte("half a circ"))
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("writeFile = %v, want the body's error", err)
	}
	if b, _ := os.ReadFile(out); string(b) != "the previous circular" {
		t.Errorf("%s holds %q after a failed write, want the previous file", out, b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%s holds %d entries after a failed write, want only the file", dir, len(ents))
	}
}

// TestOutputToDevicesAndLinks: -o naming a device (through a link, as
// /dev/stdout is) writes to it and leaves the link and the device in
// place; the report command used to rename a file over them (as root,
// -o /dev/stdout replaced /dev/stdout).
func TestOutputToDevicesAndLinks(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	figures := filepath.Join("..", "..", "internal", "report", "testdata", "figures-2019-2021.csv")
	if _, stderr, err := runKpimon(t, nil, "ingest", "--storage.path", data, figures); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr)
	}
	null := filepath.Join(dir, "null.html")
	if err := os.Symlink(os.DevNull, null); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "real.xlsx")
	if err := os.WriteFile(target, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "latest.xlsx")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"report", "--storage.path", data, "--as-of", "2021-06-30", "-o", null},
		{"template", "-o", null},
		{"report", "--storage.path", data, "--as-of", "2021-06-30", "-o", link},
	} {
		if _, stderr, err := runKpimon(t, nil, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
	}
	if st, err := os.Lstat(null); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("%s after writing through it: %v, %v; want the link to %s kept", null, st.Mode(), err, os.DevNull)
	}
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode()&os.ModeDevice == 0 {
		t.Errorf("%s is %v (%v) after writing to it, want a device", os.DevNull, st.Mode(), err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("%s after writing through it: %v, %v; want the link kept", link, st.Mode(), err)
	}
	if st, err := os.Stat(target); err != nil || st.Size() == 0 {
		t.Errorf("%s after a report through its link: %v, %v; want the circular in it", target, st.Size(), err)
	}
}
