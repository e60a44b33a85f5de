package httpapi

import (
	"log/slog"
	"net"
	"net/netip"
	"sync"
)

// ConnLimits bound the connections the server holds open, so that no
// flood of connections (slow or idle) can take the process to its file
// limit and shut everyone else out.
type ConnLimits struct {
	// Total is the most connections open at once; further clients wait in
	// the kernel's accept queue until one closes. 0: DefaultMaxConns of
	// the process' file limit.
	Total int
	// PerClient is the most one client address may hold; a connection
	// beyond it is closed at once. Trusted proxies (which carry many
	// clients) are bound by Total only. 0: DefaultMaxConnsPerClient.
	PerClient int
	// TrustedProxies are exempt from PerClient.
	TrustedProxies []netip.Prefix
}

// DefaultMaxConnsPerClient: a browser opens 6 connections to a host, an
// office behind one address a few dozen browsers.
const DefaultMaxConnsPerClient = 128

// DefaultMaxConns is the default cap on open connections for a process
// whose file limit is fileLimit: three quarters of it (the store, the
// inbox files and the logs need the rest), at most 8,192.
func DefaultMaxConns(fileLimit uint64) int {
	return int(max(64, min(fileLimit*3/4, 8192)))
}

// limitListener applies ConnLimits to a listener's connections.
type limitListener struct {
	net.Listener
	limits ConnLimits
	logger *slog.Logger
	slots  chan struct{}
	done   chan struct{}
	once   sync.Once

	mu       sync.Mutex
	clients  map[netip.Addr]int
	refusals int // per-client refusals so far, for sparse logging
}

func newLimitListener(l net.Listener, limits ConnLimits, logger *slog.Logger) *limitListener {
	return &limitListener{Listener: l, limits: limits, logger: logger,
		slots: make(chan struct{}, limits.Total), done: make(chan struct{}), clients: map[netip.Addr]int{}}
}

// Accept waits for a free slot, then returns the next connection whose
// client holds fewer than PerClient; the others are closed at once.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		select {
		case l.slots <- struct{}{}:
		case <-l.done:
			return nil, net.ErrClosed
		}
		c, err := l.Listener.Accept()
		if err != nil {
			<-l.slots
			return nil, err
		}
		addr := connAddr(c)
		if !l.admit(addr) {
			c.Close()
			<-l.slots
			continue
		}
		return &limitedConn{Conn: c, release: func() { l.leave(addr) }}, nil
	}
}

func (l *limitListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

func (l *limitListener) admit(addr netip.Addr) bool {
	if !addr.IsValid() || trusted(l.limits.TrustedProxies, addr) {
		return true
	}
	key := clientKey(addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.clients[key] >= l.limits.PerClient {
		l.refusals++
		if l.refusals&(l.refusals-1) == 0 { // the 1st, 2nd, 4th, 8th …: a flood logs a few lines
			l.logger.Warn("connection refused: the client holds too many already", "remote", addr.String(),
				"limit", l.limits.PerClient, "refused_so_far", l.refusals)
		}
		return false
	}
	l.clients[key]++
	return true
}

func (l *limitListener) leave(addr netip.Addr) {
	if addr.IsValid() && !trusted(l.limits.TrustedProxies, addr) {
		key := clientKey(addr)
		l.mu.Lock()
		if l.clients[key]--; l.clients[key] <= 0 {
			delete(l.clients, key)
		}
		l.mu.Unlock()
	}
	<-l.slots
}

func connAddr(c net.Conn) netip.Addr {
	if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// clientKey is what a connection from addr counts against: the address,
// or for IPv6 its /64 (one subscriber's network, whose addresses are free
// to pick from).
func clientKey(addr netip.Addr) netip.Addr {
	if addr.Is6() && !addr.IsLoopback() {
		return netip.PrefixFrom(addr, 64).Masked().Addr()
	}
	return addr
}

// limitedConn gives its slot back once, at the first Close.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
