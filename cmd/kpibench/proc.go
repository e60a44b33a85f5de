package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/yanfeng/kpimon/internal/testkit"
)

// memory is what the kernel reports of a process: resident now (VmRSS, of
// which anonymous memory RssAnon and mapped files RssFile, such as the
// bbolt file) and at its peak (VmHWM), in MiB. Nothing is asked to give
// memory back first.
type memory struct{ rss, hwm, anon, file float64 }

// procMemory reads /proc/<pid>/status.
func procMemory(pid int) memory {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return memory{}
	}
	var m memory
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			m.rss = kb / 1024
		case "VmHWM:":
			m.hwm = kb / 1024
		case "RssAnon:":
			m.anon = kb / 1024
		case "RssFile:":
			m.file = kb / 1024
		}
	}
	return m
}

// peakMiB is the peak resident memory of a process that has exited: the
// kernel's maxrss, which is its VmHWM when it ended.
func peakMiB(ps *os.ProcessState) float64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return float64(ru.Maxrss) / 1024 // kilobytes on Linux
	}
	return 0
}

// ports hands out the loopback addresses kpibench's servers listen on:
// from -ports, the first free port from its start on (so a shared machine
// can give kpibench a range of its own), else any free port.
type ports struct {
	mu         sync.Mutex
	next, last int // 0: any free port
}

// parsePorts reads -ports: "" for any free port, or FIRST-LAST.
func parsePorts(spec string) (*ports, error) {
	if spec = strings.TrimSpace(spec); spec == "" {
		return &ports{}, nil
	}
	first, last, ok := strings.Cut(spec, "-")
	lo, err1 := strconv.Atoi(first)
	hi, err2 := strconv.Atoi(last)
	if !ok || err1 != nil || err2 != nil || lo < 1 || hi < lo || hi > 65535 {
		return nil, fmt.Errorf("-ports %q: want a range like 19400-19499", spec)
	}
	return &ports{next: lo, last: hi}, nil
}

// addr returns a free loopback address.
func (p *ports) addr() (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next == 0 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		defer ln.Close()
		return ln.Addr().String(), nil
	}
	for ; p.next <= p.last; p.next++ {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(p.next))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			continue // taken
		}
		ln.Close()
		p.next++
		return addr, nil
	}
	return "", fmt.Errorf("-ports: no free port left in the range")
}

// kpimonCmd runs the kpimon binary with a data dir and targets dir given
// through the environment (KPIMON_DATA, KPIMON_TARGETS), as an operator
// would, so flag renames do not matter.
type kpimonCmd struct {
	bin, data, targets string
	logDir             string
	serveEnv           []string // extra environment of serve
	ports              *ports
}

func (k kpimonCmd) command(ctx context.Context, extraEnv []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, k.bin, args...)
	cmd.Env = append(os.Environ(), append([]string{"KPIMON_DATA=" + k.data, "KPIMON_TARGETS=" + k.targets}, extraEnv...)...)
	return cmd
}

// runResult is what a one-shot kpimon command printed and cost.
type runResult struct {
	stdout  string
	wall    time.Duration
	cpu     time.Duration // user + system: what it costs on a machine others share
	peakMiB float64
}

// run runs a one-shot kpimon command.
func (k kpimonCmd) run(ctx context.Context, args ...string) (runResult, error) {
	cmd := k.command(ctx, nil, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := runResult{stdout: out.String(), wall: time.Since(start)}
	if err != nil {
		return r, fmt.Errorf("kpimon %s: %w\n%.2000s", strings.Join(args, " "), err, errb.String())
	}
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	r.peakMiB = peakMiB(cmd.ProcessState)
	return r, nil
}

// server is a running `kpimon serve`.
type server struct {
	*child
	url string
	log string
}

var (
	renderedLine = regexp.MustCompile(`exposition rendered.*\breused=(\d+).*\btook=(\S+)`)
	segmentsOf   = regexp.MustCompile(`\bsegments=(\d+)`)
)

// lastRendering reads from kpimon's debug log how long its last rendering
// took and how many of its segments it reused.
func (s *server) lastRendering() (took time.Duration, reused, segments int) {
	b, err := os.ReadFile(s.log)
	if err != nil {
		return 0, 0, 0
	}
	lines := strings.Split(string(b), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if m := renderedLine.FindStringSubmatch(lines[i]); m != nil {
			took, _ = time.ParseDuration(m[2])
			reused, _ = strconv.Atoi(m[1])
			if n := segmentsOf.FindStringSubmatch(lines[i]); n != nil {
				segments, _ = strconv.Atoi(n[1])
			}
			return took, reused, segments
		}
	}
	return 0, 0, 0
}

// renderings counts the renderings kpimon's debug log reports so far.
func (s *server) renderings() int {
	b, err := os.ReadFile(s.log)
	if err != nil {
		return 0
	}
	return bytes.Count(b, []byte("exposition rendered"))
}

// serve starts `kpimon serve` on a free port and waits until it is ready.
func (k kpimonCmd) serve(ctx context.Context) (*server, time.Duration, error) {
	addr, err := k.ports.addr()
	if err != nil {
		return nil, 0, err
	}
	logf, err := os.Create(filepath.Join(k.logDir, "kpimon.log"))
	if err != nil {
		return nil, 0, err
	}
	// Debug logs say how long each rendering took (lastRendering).
	cmd := k.command(ctx, append([]string{"KPIMON_LISTEN=" + addr, "KPIMON_LOG_LEVEL=debug"}, k.serveEnv...), "serve")
	cmd.Stdout, cmd.Stderr = logf, logf
	start := time.Now()
	c, err := startChild(cmd)
	if err != nil {
		return nil, 0, fmt.Errorf("start kpimon serve: %w", err)
	}
	s := &server{child: c, url: "http://" + addr, log: logf.Name()}
	if err := c.waitReady(ctx, s.url+"/readyz", 10*time.Minute); err != nil {
		s.stop()
		return nil, 0, fmt.Errorf("kpimon serve (log %s): %w", logf.Name(), err)
	}
	return s, time.Since(start), nil
}

func (s *server) stop() { s.child.stop(30 * time.Second) }

// child is a program kpibench started; exited is closed once it has
// ended, so waiting for it to answer gives up as soon as it dies.
type child struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

func startChild(cmd *exec.Cmd) (*child, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(c.exited) }()
	return c, nil
}

func (c *child) memory() memory { return procMemory(c.cmd.Process.Pid) }

// waitReady polls url until it answers 200 (testkit.WaitReady), giving up
// after limit or when the program exits.
func (c *child) waitReady(ctx context.Context, url string, limit time.Duration) error {
	return testkit.WaitReady(ctx, url, c.exited, limit)
}

// stop interrupts the program and kills it if it is still there after
// grace; with no grace it kills it at once.
func (c *child) stop(grace time.Duration) {
	if grace > 0 {
		c.cmd.Process.Signal(os.Interrupt)
		select {
		case <-c.exited:
			return
		case <-time.After(grace):
		}
	}
	c.cmd.Process.Kill()
	<-c.exited
}

// get GETs url with the given headers.
func get(ctx context.Context, url string, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return http.DefaultClient.Do(req)
}
