package httpapi

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ParseTrustedProxies reads --web.trusted-proxies: CIDRs or single
// addresses, separated by commas or spaces.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var prefixes []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if p, err := netip.ParsePrefix(f); err == nil {
			prefixes = append(prefixes, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: want a CIDR like 10.0.0.0/8 or an address like 10.0.0.2", f)
		}
		prefixes = append(prefixes, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return prefixes, nil
}

// trusted reports whether addr is one of the trusted proxies.
func trusted(proxies []netip.Prefix, addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range proxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// peerAddr is the address of the connection's other end.
func peerAddr(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	return a.Unmap(), err == nil
}

// clientAddress makes r.RemoteAddr the client's address when the request
// comes through a trusted proxy: the right-most X-Forwarded-For entry that
// is not itself a trusted proxy (entries further left were written by the
// client and may be forged). From any other peer the header is ignored:
// anyone can send it. Everything after this (throttling, the audit log,
// the request log) then sees each client apart, not the proxy's one
// address for all of them.
func clientAddress(proxies []netip.Prefix) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if len(proxies) == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			peer, ok := peerAddr(r)
			if !ok || !trusted(proxies, peer) {
				next.ServeHTTP(w, r)
				return
			}
			client := peer
			hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
			for i := len(hops) - 1; i >= 0; i-- {
				hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
				if err != nil {
					break // not an address: what lies left of it is not to be believed
				}
				client = hop.Unmap()
				if !trusted(proxies, client) {
					break
				}
			}
			r = r.WithContext(r.Context()) // a copy: the caller's request stays as it was
			r.RemoteAddr = netip.AddrPortFrom(client, 0).String()
			next.ServeHTTP(w, r)
		})
	}
}
