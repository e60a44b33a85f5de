package testkit

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// VictoriaMetricsModule is the version .ci/run installs with go install;
// docs/province.md and docker-compose.province.yml use the same release.
const VictoriaMetricsModule = "github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics@v1.151.0"

// VictoriaMetrics returns the single-node victoria-metrics binary: on PATH,
// or in $(go env GOPATH)/bin, where 'go install' (and .ci/run) puts it.
// Without it the test skips, or fails when CI is set.
func VictoriaMetrics(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("victoria-metrics"); err == nil {
		return p
	}
	for _, dir := range goBinDirs() {
		p := filepath.Join(dir, "victoria-metrics")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	msg := "victoria-metrics not found on PATH or in $(go env GOPATH)/bin: go install " + VictoriaMetricsModule
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI is set; .ci/run installs it)", msg)
	}
	t.Skip(msg)
	return ""
}

// goBinDirs are where go install puts binaries: GOBIN, else every GOPATH
// entry's bin ('go env GOPATH' when GOPATH is unset, then ~/go).
func goBinDirs() []string {
	if gobin := os.Getenv("GOBIN"); gobin != "" {
		return []string{gobin}
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = strings.TrimSpace(string(out))
		}
	}
	if gopath == "" {
		if home, err := os.UserHomeDir(); err == nil {
			gopath = filepath.Join(home, "go")
		}
	}
	var dirs []string
	for _, p := range filepath.SplitList(gopath) {
		dirs = append(dirs, filepath.Join(p, "bin"))
	}
	return dirs
}

// Stop interrupts the program and waits for it to exit (killing it after
// 30 s), as an operator's restart does. The test's cleanup then finds it
// gone.
func (p *Proc) Stop(t testing.TB) {
	t.Helper()
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Errorf("%s did not stop within 30 s of an interrupt; killed", p.Name)
	}
}

// PID is the program's process id, e.g. to read its memory from /proc.
func (p *Proc) PID() int { return p.cmd.Process.Pid }
