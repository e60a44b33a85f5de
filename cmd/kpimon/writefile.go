package main

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// writeFile writes the file out whole or not at all: body writes into a
// temporary file in the same directory, which is synced to disk and then
// renamed to out. A kill or a failure half-way leaves out as it was (and
// at worst a hidden .kpimon-* file beside it), never a torn file under the
// name people open. A symbolic link is followed, so the file it names is
// replaced and the link stays; a device or pipe (-o /dev/stdout, a FIFO)
// is written to as it is, never replaced by a file.
func writeFile(out string, mode os.FileMode, body func(io.Writer) error) error {
	switch st, err := os.Stat(out); {
	case err == nil && !st.Mode().IsRegular() && !st.IsDir():
		f, err := os.OpenFile(out, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		if err := body(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	case err == nil:
		if out, err = filepath.EvalSymlinks(out); err != nil {
			return err
		}
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".kpimon-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := body(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}
