package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// lookPath returns the first of names found on PATH. Without any, the test
// skips, or fails when CI is set (CI installs them: see .ci/run).
func lookPath(t *testing.T, pkg string, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%v not found on PATH and CI is set: install the Debian package %s", names, pkg)
	}
	t.Skipf("%v not found on PATH: install the Debian package %s to run this test", names, pkg)
	return ""
}

// repoRoot returns the module root, where prometheus/ and alertmanager/ live.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// run runs a command in dir and fails the test with its output on error.
func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, out)
	}
	return string(out)
}
