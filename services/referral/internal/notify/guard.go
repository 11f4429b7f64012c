package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
)

// Resolver looks up a host's addresses; net.DefaultResolver is one, and tests give their own.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// ErrRefused is a target the guard does not let a request reach.
var ErrRefused = errors.New("refused")

// Guard decides which targets deliveries may reach: https to public addresses only, and plain
// http to loopback only when AllowInsecureLoopback is set (development).
type Guard struct {
	Resolver              Resolver
	AllowInsecureLoopback bool
}

// blocked are the ranges no delivery may reach besides the ones netip classifies: carrier-grade
// NAT, benchmarking, documentation-free reserved blocks and IPv4-mapped or NAT64 forms that
// could lead back inside.
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("fec0::/10"),
}

// addrAllowed reports why ip may not be reached, or nil.
func (g Guard) addrAllowed(ip netip.Addr) error {
	ip = ip.Unmap()
	switch {
	case ip.IsLoopback():
		if g.AllowInsecureLoopback {
			return nil
		}
		return fmt.Errorf("%w: %s is a loopback address", ErrRefused, ip)
	case ip.IsUnspecified():
		return fmt.Errorf("%w: %s is unspecified", ErrRefused, ip)
	case ip.IsPrivate():
		return fmt.Errorf("%w: %s is a private address", ErrRefused, ip)
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		// 169.254.169.254, the cloud metadata service, is link-local.
		return fmt.Errorf("%w: %s is a link-local (or metadata) address", ErrRefused, ip)
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return fmt.Errorf("%w: %s is a multicast address", ErrRefused, ip)
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return fmt.Errorf("%w: %s is a reserved address", ErrRefused, ip)
		}
	}
	return nil
}

// CheckURL checks a target at creation: its scheme, and every address its host resolves to.
func (g Guard) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: not a URL", ErrRefused)
	}
	if u.User != nil {
		return fmt.Errorf("%w: the URL carries credentials", ErrRefused)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("%w: the URL has no host", ErrRefused)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !g.AllowInsecureLoopback {
			return fmt.Errorf("%w: the URL must be https", ErrRefused)
		}
	default:
		return fmt.Errorf("%w: the URL must be https, not %q", ErrRefused, u.Scheme)
	}
	ips, err := g.resolve(ctx, host)
	if err != nil {
		return err
	}
	for _, ip := range ips {
		if err := g.addrAllowed(ip); err != nil {
			return err
		}
		if u.Scheme == "http" && !ip.Unmap().IsLoopback() {
			return fmt.Errorf("%w: plain http is for loopback only, %s is not", ErrRefused, ip)
		}
	}
	return nil
}

func (g Guard) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	r := g.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupIPAddr(ctx, host)
	if err != nil || len(addrs) == 0 {
		return nil, fmt.Errorf("%w: %s does not resolve", ErrRefused, host)
	}
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			return nil, fmt.Errorf("%w: %s resolves to a malformed address", ErrRefused, host)
		}
		out = append(out, ip)
	}
	return out, nil
}

// control is the dialer's check of the address actually connected to, after resolution, so a
// name that resolved to a public address at creation and to an internal one now (DNS
// rebinding) is refused.
func (g Guard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: dial %s", ErrRefused, address)
	}
	return g.addrAllowed(ap.Addr())
}

// dialContext resolves with the guard's resolver and dials the allowed addresses, each checked
// again by the dialer's Control on connect.
func (g Guard) dialContext(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d.Control = g.control
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		ips, err := g.resolve(ctx, host)
		if err != nil {
			return nil, err
		}
		var last error
		for _, ip := range ips {
			if err := g.addrAllowed(ip); err != nil {
				last = err
				continue
			}
			c, err := d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
			if err == nil {
				return c, nil
			}
			last = err
		}
		return nil, last
	}
}
