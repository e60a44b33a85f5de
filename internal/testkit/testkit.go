// Package testkit starts the real programs kpimon's tests run against —
// kpimon itself, Prometheus, Alertmanager — on loopback ports, and waits
// for them without fixed sleeps. Only tests import it.
package testkit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// LookPath returns the first of names found on PATH. Without any the test
// skips, or fails when CI is set (CI installs them: see .ci/run).
func LookPath(t testing.TB, pkg string, names ...string) string {
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

// RepoRoot returns the module root, where prometheus/ and alertmanager/ live.
func RepoRoot(t testing.TB) string {
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

// Kpimon returns a kpimon binary built from this tree, once per test
// binary; KPIMON_TEST_BIN names one built already.
func Kpimon(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("KPIMON_TEST_BIN"); bin != "" {
		return bin
	}
	return kpimonBuild(t, &kpimonBin)
}

// KpimonKillpoints returns a kpimon binary built with -tags killpoints: the
// store stops for good at the write instant KPIMON_KILLPOINT names, for a
// test to kill it there (internal/boltstore/killpoint_killpoints.go).
func KpimonKillpoints(t testing.TB) string {
	t.Helper()
	return kpimonBuild(t, &kpimonKillpointsBin, "-tags", "killpoints")
}

type build struct {
	once sync.Once
	path string
	err  error
}

var kpimonBin, kpimonKillpointsBin build

func kpimonBuild(t testing.TB, b *build, flags ...string) string {
	t.Helper()
	goBin := LookPath(t, "golang-go", "go")
	root := RepoRoot(t)
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "kpimon-test-bin-")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, "kpimon")
		args := append(append([]string{"build"}, flags...), "-o", b.path, "./cmd/kpimon")
		cmd := exec.Command(goBin, args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// FreeAddr returns a loopback address whose port was free a moment ago
// (the programs take their port as a flag).
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// CreateToken runs 'kpimon token create' on a data dir and returns the
// secret it prints alone on its last line.
func CreateToken(t testing.TB, bin, data, targets, name string) string {
	t.Helper()
	args := []string{"token", "create", "--data", data, "--name", name, "--all"}
	if targets != "" {
		args = append(args, "--targets", targets)
	}
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("kpimon token create: %v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	secret := strings.TrimSpace(lines[len(lines)-1])
	if secret == "" {
		t.Fatalf("kpimon token create printed no secret:\n%s", out)
	}
	return secret
}

// Proc is a program a test started; it runs until the test ends.
type Proc struct {
	Name string
	cmd  *exec.Cmd
	out  LockedBuffer
	done chan struct{} // closed when the program has exited
	err  error         // its exit error, once done is closed
}

// Start runs bin until the test ends (interrupt, then kill after 10 s);
// its output is shown when the test fails.
func Start(t testing.TB, name, bin string, args ...string) *Proc {
	t.Helper()
	return StartEnv(t, name, bin, nil, args...)
}

// StartEnv is Start with env (KEY=value) added to the test's environment.
func StartEnv(t testing.TB, name, bin string, env []string, args ...string) *Proc {
	t.Helper()
	p := &Proc{Name: name, cmd: exec.Command(bin, args...), done: make(chan struct{})}
	if env != nil {
		p.cmd.Env = append(os.Environ(), env...)
	}
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s output (last 4 KiB):\n%s", name, tail(p.Output(), 4096))
		}
	})
	return p
}

// Pid is the program's process id (for /proc/<pid>/status).
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Output is everything the program wrote so far.
func (p *Proc) Output() string { return p.out.String() }

// Kill sends SIGKILL and waits for the program to go.
func (p *Proc) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// WaitTimeout bounds each wait.
const WaitTimeout = 90 * time.Second

// WaitFor polls check every 100 ms until it returns nil. It fails the test
// after WaitTimeout, when ctx ends, or when p (if not nil) exits.
func WaitFor(t testing.TB, ctx context.Context, p *Proc, what string, check func() error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, WaitTimeout)
	defer cancel()
	var exited <-chan struct{}
	if p != nil {
		exited = p.done
	}
	switch err := poll(ctx, exited, check); {
	case errors.Is(err, errExited):
		t.Fatalf("waiting for %s: %s exited: %v (%v)", what, p.Name, p.err, err)
	case err != nil:
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// WaitReady polls GET u every 100 ms until it answers 200. It gives up
// after limit, when ctx ends, or when exited (if not nil) is closed: the
// program that was to answer has ended. For programs that are not tests
// (cmd/kpibench); tests use WaitHTTP.
func WaitReady(ctx context.Context, u string, exited <-chan struct{}, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	if err := poll(ctx, exited, func() error { return GetOK(ctx, u) }); err != nil {
		return fmt.Errorf("waiting for %s to answer 200: %w", u, err)
	}
	return nil
}

var errExited = errors.New("the program exited")

// poll calls check every 100 ms until it returns nil, ctx ends or exited
// is closed; the error then carries check's last error.
func poll(ctx context.Context, exited <-chan struct{}, check func() error) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-exited:
			return fmt.Errorf("%w (last: %v)", errExited, err)
		case <-tick.C:
		}
	}
}

// GetOK returns nil when GET u answers 200.
func GetOK(ctx context.Context, u string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return nil
}

// WaitHTTP waits until GET u answers 200.
func WaitHTTP(t testing.TB, ctx context.Context, p *Proc, u string) {
	t.Helper()
	WaitFor(t, ctx, p, u+" to answer 200", func() error { return GetOK(ctx, u) })
}

// LockedBuffer is a bytes.Buffer a process or server and the test may
// write and read at once.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
