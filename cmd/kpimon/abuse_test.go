package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Tests of the access half of "held under abuse", each on the real server
// over loopback. Clients get addresses of their own by dialing from
// 127.0.0.x; behind a trusted proxy, by X-Forwarded-For.

// clientFrom returns an HTTP client whose connections come from ip (any
// of 127.0.0.0/8 on Linux), keeping cookies, not following redirects.
func clientFrom(t *testing.T, ip string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 30 * time.Second}
	return &http.Client{
		Jar:           jar,
		Timeout:       60 * time.Second,
		Transport:     &http.Transport{DialContext: dialer.DialContext, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

var signinCSRF = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// webSignIn signs in on the web page with a user name and password and
// returns the status: 303 signed in, 401 refused, 429 throttled.
func webSignIn(t *testing.T, c *http.Client, base, user, password string) int {
	t.Helper()
	resp, err := c.Get(base + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := signinCSRF.FindSubmatch(page)
	if m == nil {
		t.Fatalf("GET /signin (%d): no CSRF field", resp.StatusCode)
	}
	resp, err = c.PostForm(base+"/signin", url.Values{"csrf_token": {string(m[1])}, "user": {user}, "password": {password}, "next": {"/submit"}})
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestServeStrangersCannotLockOutTheUser: before, 21 wrong passwords for
// one user name from one address made every sign-in of the real user, with
// the right password from another address, answer 429 for 15 minutes.
func TestServeStrangersCannotLockOutTheUser(t *testing.T) {
	data := t.TempDir()
	if out, err := runWithStdin(t, "the right passphrase\n", "user", "add", "--storage.path", data, "--name", "zhangsan", "--bureau"); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	base, stop := startServe(t, serveConfig{data: data})
	attacker := clientFrom(t, "127.0.0.2")
	statuses := map[int]int{}
	for range 21 {
		statuses[webSignIn(t, attacker, base, "zhangsan", "a wrong guess!")]++
	}
	if statuses[http.StatusTooManyRequests] == 0 {
		t.Errorf("21 guesses from one address: statuses %v, want the address throttled (429)", statuses)
	}
	for i := range 3 {
		user := clientFrom(t, "127.0.0.3") // a new browser each time
		if got := webSignIn(t, user, base, "zhangsan", "the right passphrase"); got != http.StatusSeeOther {
			t.Fatalf("sign-in %d of the real user from another address: %d, want 303 (signed in)", i+1, got)
		}
	}
	if err := stop(); err != nil {
		t.Errorf("serve: %v", err)
	}
}

// TestServeTrustedProxyClientsApart: before, behind the reverse proxy the
// README recommends every unit shared the proxy's address, so one client's
// 200 wrong tokens made every valid token get 429. Now X-Forwarded-For
// from a trusted proxy names the client (and from anyone else is
// ignored), guessers are throttled apart, and a valid token always passes.
func TestServeTrustedProxyClientsApart(t *testing.T) {
	data := t.TempDir()
	out, err := runWithStdin(t, "", "token", "create", "--storage.path", data, "--name", "tjj", "--all")
	if err != nil {
		t.Fatalf("token create: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	base, stop := startServe(t, serveConfig{data: data, trustedProxies: "127.0.0.1/32"})
	proxy, stranger := clientFrom(t, "127.0.0.1"), clientFrom(t, "127.0.0.2")
	post := func(c *http.Client, forwardedFor, secret string) int {
		t.Helper()
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, base+"/api/v1/observations", strings.NewReader(`[]`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+secret)
		if forwardedFor != "" {
			req.Header.Set("X-Forwarded-For", forwardedFor)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range 200 {
		got := post(proxy, "198.51.100.7", "kpm_guess")
		if want := http.StatusTooManyRequests; i >= 6 && got != want {
			t.Fatalf("guess %d of 198.51.100.7 through the proxy: %d, want %d", i+1, got, want)
		}
	}
	// Another client behind the same proxy is not slowed by the first;
	// a client's own forged entry further left does not count.
	if got := post(proxy, "198.51.100.8", "kpm_guess"); got != http.StatusUnauthorized {
		t.Errorf("first guess of 198.51.100.8 through the proxy: %d, want 401", got)
	}
	if got := post(proxy, "198.51.100.99, 198.51.100.7", "kpm_guess"); got != http.StatusTooManyRequests {
		t.Errorf("198.51.100.7 with a forged entry in front: %d, want 429 (still 198.51.100.7)", got)
	}
	// The valid token of the guessing client (the same office) passes.
	for _, xff := range []string{"198.51.100.7", "198.51.100.8"} {
		if got := post(proxy, xff, token); got == http.StatusTooManyRequests || got == http.StatusUnauthorized {
			t.Errorf("valid token from %s after its guesses: %d, want it accepted", xff, got)
		}
	}
	// From a peer that is not a trusted proxy the header is ignored: its
	// guesses count against its own address whatever it claims.
	for i := range 7 {
		post(stranger, fmt.Sprintf("203.0.113.%d", i), "kpm_guess")
	}
	if got := post(stranger, "203.0.113.200", "kpm_guess"); got != http.StatusTooManyRequests {
		t.Errorf("an untrusted peer's 8th guess under a new X-Forwarded-For: %d, want 429", got)
	}
	if err := stop(); err != nil {
		t.Errorf("serve: %v", err)
	}
}

// TestServeConcurrentScrapersAllServed: before, with more than four
// scrapes in flight the rest got 503 (45 % of scrapes with five
// Prometheus-like scrapers). Now they wait their turn: 25 scrapers at once,
// four times over, all get 200.
func TestServeConcurrentScrapersAllServed(t *testing.T) {
	base, stop := startServe(t, serveConfig{data: t.TempDir()})
	const scrapers = 25
	statuses := make(chan int, scrapers)
	for range 4 {
		start := make(chan struct{})
		for range scrapers {
			go func() {
				<-start
				resp, err := http.Get(base + "/metrics")
				if err != nil {
					statuses <- 0
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				statuses <- resp.StatusCode
			}()
		}
		close(start)
		for range scrapers {
			if got := <-statuses; got != http.StatusOK {
				t.Errorf("a concurrent scrape: status %d, want 200", got)
			}
		}
	}
	if err := stop(); err != nil {
		t.Errorf("serve: %v", err)
	}
}
