package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/yanfeng/kpimon/internal/testkit"
)

// TestSlowBodyFloodOthersServed: before, 19,990 connections sending a
// POST body a byte a second took kpimon to its open-file limit and every
// other request timed out for the whole attack (the read timeout was 2
// minutes, there was no cap on connections). Scaled down: a kpimon whose
// file limit is 256, 400 slow connections from twenty addresses. Now each
// address holds at most 8 (--limits.connections-per-client), the rest are
// closed at once, the held ones are cut when their body falls under the
// minimum rate, and another client is served throughout.
func TestSlowBodyFloodOthersServed(t *testing.T) {
	bin := testkit.Kpimon(t)
	data := t.TempDir()
	token := testkit.CreateToken(t, bin, data, "", "tjj")
	addr := testkit.FreeAddr(t)

	p := testkit.Start(t, "kpimon", bin, "serve", "--storage.path", data, "--web.listen-address", addr,
		"--limits.connections", "192", "--limits.connections-per-client", "8", "--log.level", "warn")
	base := "http://" + addr
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	testkit.WaitHTTP(t, ctx, p, base+"/readyz")
	// A Go program raises its soft file limit to the hard one as it
	// starts, so the limit is lowered (both) once it runs.
	limitOpenFiles(t, p.PID(), 256)

	// The flood: each connection declares 100,000 bytes and sends one a
	// second, half with a valid token (the body is read), half without
	// (refused unread). Each records when the server let go of it.
	const addrs, perAddr = 20, 20
	attackCtx, stopAttack := context.WithTimeout(ctx, 2*time.Minute)
	defer stopAttack()
	var wg sync.WaitGroup
	held := make(chan time.Duration, addrs*perAddr)
	dialed := make(chan struct{}, addrs*perAddr)
	for a := range addrs {
		for i := range perAddr {
			wg.Go(func() {
				bearer := ""
				if i%2 == 0 {
					bearer = "Authorization: Bearer " + token + "\r\n"
				}
				held <- slowPost(attackCtx, fmt.Sprintf("127.0.0.%d", 2+a), addr, bearer, dialed)
			})
		}
	}
	for range addrs * perAddr {
		select {
		case <-dialed:
		case <-ctx.Done():
			t.Fatal("the flood's connections were not all tried within the test's time")
		}
	}

	// Everyone else is served, several times during the flood.
	user := clientFrom(t, "127.0.0.99")
	var slowest time.Duration
	for i := range 5 {
		start := time.Now()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/observations",
			strings.NewReader(fmt.Sprintf(`[{"indicator": "high_tech_enterprises", "period": "2021", "value": %d}]`, 20+i)))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := user.Do(req)
		if err != nil {
			t.Fatalf("request %d during the flood: %v", i+1, err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("request %d during the flood: %s", i+1, resp.Status)
		}
		slowest = max(slowest, time.Since(start))
		time.Sleep(time.Second)
	}
	// A bound far above the 1 s, so that a loaded machine does not
	// fail it; before, these requests did not get through at all.
	if slowest > 20*time.Second {
		t.Errorf("slowest request during the flood took %s, want it served promptly", slowest)
	}
	t.Logf("slowest of 5 requests during a flood of %d slow connections: %s", addrs*perAddr, slowest)

	// The flood's connections are let go of: refused at once, or cut at
	// the minimum rate (10 s of grace), not held for the 2-minute read timeout.
	wg.Wait()
	close(held)
	var longest time.Duration
	for d := range held {
		longest = max(longest, d)
	}
	if longest >= 2*time.Minute {
		t.Errorf("a slow connection was held until the attacker gave up (%s)", longest)
	}
	t.Logf("the longest a slow connection was held: %s", longest)
}

// slowPost sends a POST whose body comes one byte a second from the
// address ip, and returns how long the server kept the connection.
func slowPost(ctx context.Context, ip, addr, header string, dialed chan<- struct{}) time.Duration {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	start := time.Now()
	c, err := d.DialContext(ctx, "tcp", addr)
	dialed <- struct{}{}
	if err != nil {
		return 0
	}
	defer c.Close()
	go func() { <-ctx.Done(); c.Close() }()
	if _, err := fmt.Fprintf(c, "POST /api/v1/observations HTTP/1.1\r\nHost: kpimon\r\nContent-Type: application/json\r\n%sContent-Length: 100000\r\n\r\n", header); err != nil {
		return time.Since(start)
	}
	closed := make(chan struct{})
	go func() {
		// The server answers (408, 401) and closes, or just closes.
		bufio.NewReader(c).ReadString(0) //nolint:errcheck // any end will do
		close(closed)
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-closed:
			return time.Since(start)
		case <-ctx.Done():
			return time.Since(start)
		case <-tick.C:
			if _, err := c.Write([]byte(" ")); err != nil {
				return time.Since(start)
			}
		}
	}
}

// limitOpenFiles sets the open-file limit (soft and hard) of process pid.
func limitOpenFiles(t *testing.T, pid int, n uint64) {
	t.Helper()
	lim := syscall.Rlimit{Cur: n, Max: n}
	if _, _, errno := syscall.RawSyscall6(syscall.SYS_PRLIMIT64, uintptr(pid), uintptr(syscall.RLIMIT_NOFILE),
		uintptr(unsafe.Pointer(&lim)), 0, 0, 0); errno != 0 {
		t.Fatalf("prlimit(%d, NOFILE, %d): %v", pid, n, errno)
	}
}
