package httpapi

import (
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"time"
)

// TestLimitListener: a client past its cap is closed at once, a trusted
// proxy is bound by the total only, a closed connection frees its slot,
// and IPv6 clients count per /64.
func TestLimitListener(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	proxy := netip.MustParsePrefix("127.0.0.3/32")
	l := newLimitListener(inner, ConnLimits{Total: 4, PerClient: 2, TrustedProxies: []netip.Prefix{proxy}}, slog.New(slog.DiscardHandler))
	defer l.Close()
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	dial := func(ip string) net.Conn {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
		c, err := d.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	closedByServer := func(c net.Conn) bool {
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, err := c.Read(make([]byte, 1))
		return err != nil
	}
	waitAccepted := func(n int) []net.Conn {
		t.Helper()
		var got []net.Conn
		for range n {
			select {
			case c := <-accepted:
				got = append(got, c)
			case <-time.After(30 * time.Second):
				t.Fatalf("accepted %d connections, want %d", len(got), n)
			}
		}
		return got
	}

	dial("127.0.0.2")
	dial("127.0.0.2")
	waitAccepted(2)
	third := dial("127.0.0.2")
	if !closedByServer(third) {
		t.Error("a third connection of one client was not closed")
	}
	dial("127.0.0.3") // the proxy: over the per-client cap, within the total
	dial("127.0.0.3")
	held := waitAccepted(2)
	// The total (4) is reached: the next client waits in the queue until
	// a slot frees.
	dial("127.0.0.4")
	select {
	case <-accepted:
		t.Fatal("a fifth connection was accepted over the total of 4")
	case <-time.After(100 * time.Millisecond):
	}
	held[0].Close()
	waitAccepted(1)

	for _, tc := range []struct{ a, b string }{
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9"},
	} {
		if clientKey(netip.MustParseAddr(tc.a)) != clientKey(netip.MustParseAddr(tc.b)) {
			t.Errorf("%s and %s count apart, want one /64", tc.a, tc.b)
		}
	}
	if clientKey(netip.MustParseAddr("2001:db8:1:2::1")) == clientKey(netip.MustParseAddr("2001:db8:1:3::1")) {
		t.Error("two /64s count as one client")
	}
}
