package notify

import (
	"context"
	"errors"
	"net"
	"testing"
)

// names is a resolver over a fixed table.
type names map[string][]string

func (n names) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	var out []net.IPAddr
	for _, s := range n[host] {
		out = append(out, net.IPAddr{IP: net.ParseIP(s)})
	}
	if len(out) == 0 {
		return nil, errors.New("no such host")
	}
	return out, nil
}

func TestCheckURL(t *testing.T) {
	r := names{
		"hooks.example.org": {"93.184.216.34"},
		"internal.example":  {"10.1.2.3"},
		"mixed.example":     {"93.184.216.34", "192.168.1.1"},
		"localhost":         {"127.0.0.1"},
		"v6.example":        {"2606:2800:220:1::1"},
		"v6local.example":   {"fd00::1"},
		"mapped.example":    {"::ffff:10.0.0.1"},
	}
	tests := []struct {
		name, url string
		loopback  bool
		ok        bool
	}{
		{"https to a public name", "https://hooks.example.org/in", false, true},
		{"https to a public IPv6 name", "https://v6.example/in", false, true},
		{"plain http to a public name", "http://hooks.example.org/in", false, false},
		{"plain http to loopback without the flag", "http://127.0.0.1:8080/in", false, false},
		{"plain http to loopback with the flag", "http://127.0.0.1:8080/in", true, true},
		{"localhost with the flag", "http://localhost:8080/in", true, true},
		{"https to loopback without the flag", "https://127.0.0.1/in", false, false},
		{"plain http to a public name with the flag", "http://hooks.example.org/in", true, false},
		{"the metadata address", "http://169.254.169.254/", false, false},
		{"the metadata address with the flag", "http://169.254.169.254/", true, false},
		{"https to the metadata address", "https://169.254.169.254/latest", false, false},
		{"a name resolving to 10.x", "https://internal.example/in", false, false},
		{"a name with one private address", "https://mixed.example/in", false, false},
		{"a private IPv6 name", "https://v6local.example/in", false, false},
		{"an IPv4-mapped private address", "https://mapped.example/in", false, false},
		{"unspecified", "https://0.0.0.0/in", false, false},
		{"carrier-grade NAT", "https://100.64.0.1/in", false, false},
		{"file", "file:///etc/passwd", false, false},
		{"gopher", "gopher://hooks.example.org/", false, false},
		{"credentials", "https://user:pw@hooks.example.org/", false, false},
		{"a name that does not resolve", "https://nowhere.example/", false, false},
		{"no host", "https:///in", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Guard{Resolver: r, AllowInsecureLoopback: tc.loopback}.CheckURL(context.Background(), tc.url)
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrRefused) {
				t.Fatalf("error %v, want a refusal", err)
			}
		})
	}
}

// The dialer refuses an address the name resolves to at delivery, whatever it resolved to at
// creation, and connects to nothing.
func TestDialRefusesWhatANameResolvesToNow(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := lis.Accept(); err == nil {
			accepted <- struct{}{}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(lis.Addr().String())
	g := Guard{Resolver: names{"rebind.example": {"127.0.0.1"}}}
	_, err = g.dialContext(&net.Dialer{})(context.Background(), "tcp", net.JoinHostPort("rebind.example", port))
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("dial error %v, want a refusal", err)
	}
	// Control alone, as the dialer runs it on the connected address.
	if err := g.control("tcp4", "127.0.0.1:"+port, nil); !errors.Is(err, ErrRefused) {
		t.Fatalf("control error %v, want a refusal", err)
	}
	select {
	case <-accepted:
		t.Fatal("a connection reached the listener")
	default:
	}
}
