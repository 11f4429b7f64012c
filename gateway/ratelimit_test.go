package gateway

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestCallerLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	l := newCallerLimiter(1, 2, 3) // 1 request/s, bursts of 2, 3 callers held
	l.now = func() time.Time { return now }
	steps := []struct {
		name      string
		advance   time.Duration
		key       string
		wantOK    bool
		wantRetry time.Duration
	}{
		{"first of the burst", 0, "a", true, 0},
		{"second of the burst", 0, "a", true, 0},
		{"over the burst", 0, "a", false, time.Second},
		{"refusals use no token", 0, "a", false, time.Second},
		{"another caller has its own bucket", 0, "b", true, 0},
		{"a token a second", time.Second, "a", true, 0},
		{"then refused again", 0, "a", false, time.Second},
		{"half a second on", 500 * time.Millisecond, "a", false, 500 * time.Millisecond},
		{"third caller", 0, "c", true, 0},
		{"fourth caller evicts the least recent (b)", 0, "d", true, 0},
		{"a is still held and limited", 0, "a", false, 500 * time.Millisecond},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		ok, retry := l.allow(s.key)
		if ok != s.wantOK || retry != s.wantRetry {
			t.Fatalf("%s: allow(%q) = %v, %v; want %v, %v", s.name, s.key, ok, retry, s.wantOK, s.wantRetry)
		}
	}
	if n := l.size(); n != 3 {
		t.Fatalf("holds %d callers, want at most 3", n)
	}
	for i := range 1000 {
		l.allow(string(rune('A' + i)))
	}
	if n := l.size(); n != 3 {
		t.Fatalf("after 1000 callers holds %d, want 3", n)
	}
}

func TestParseAuthorization(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		want    credential
	}{
		{"none", nil, credential{}},
		{"bearer", []string{"Bearer abc"}, credential{present: true, token: "abc"}},
		{"lower case", []string{"bearer abc"}, credential{present: true, token: "abc"}},
		{"upper case", []string{"BEARER abc"}, credential{present: true, token: "abc"}},
		{"two spaces", []string{"Bearer  abc"}, credential{present: true, token: "abc"}},
		{"a tab between", []string{"Bearer\tabc"}, credential{present: true, token: "abc"}},
		{"a trailing tab", []string{"Bearer abc\t"}, credential{present: true, token: "abc"}},
		{"another scheme", []string{"Basic abc"}, credential{present: true}},
		{"no token", []string{"Bearer "}, credential{present: true}},
		{"something after the token", []string{"Bearer abc def"}, credential{present: true}},
		{"two headers", []string{"Bearer abc", "Bearer abc"}, credential{present: true}},
	}
	for _, tc := range tests {
		h := http.Header{}
		for _, v := range tc.headers {
			h.Add("Authorization", v)
		}
		if got := parseAuthorization(h); got != tc.want {
			t.Errorf("%s: parseAuthorization(%q) = %+v, want %+v", tc.name, tc.headers, got, tc.want)
		}
	}
}

func TestClientAddress(t *testing.T) {
	proxies, err := parseProxies("10.0.0.0/8, 192.0.2.9")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, remote, forwarded string
		proxies                 []netip.Prefix
		want                    string
	}{
		{"peer", "198.51.100.7:1234", "", proxies, "198.51.100.7"},
		{"forwarded-for from an untrusted peer is not read", "198.51.100.7:1234", "203.0.113.1", proxies, "198.51.100.7"},
		{"no proxies configured", "10.1.2.3:1", "203.0.113.1", nil, "10.1.2.3"},
		{"a trusted proxy names the client", "10.1.2.3:1", "203.0.113.1", proxies, "203.0.113.1"},
		{"what the client wrote before is not read", "10.1.2.3:1", "203.0.113.66, 203.0.113.1", proxies, "203.0.113.1"},
		{"a chain of trusted proxies", "10.1.2.3:1", "203.0.113.1, 192.0.2.9, 10.9.9.9", proxies, "203.0.113.1"},
		{"garbage stops the walk at the last good hop", "10.1.2.3:1", "203.0.113.66, garbage, 10.9.9.9", proxies, "10.9.9.9"},
		{"a trusted proxy without the header", "10.1.2.3:1", "", proxies, "10.1.2.3"},
		{"IPv4 in IPv6", "[::ffff:198.51.100.7]:1", "", proxies, "198.51.100.7"},
	}
	for _, tc := range tests {
		r := httptest.NewRequest("GET", "/v1/services", nil)
		r.RemoteAddr = tc.remote
		if tc.forwarded != "" {
			r.Header.Set("X-Forwarded-For", tc.forwarded)
		}
		if got := clientAddress(r, tc.proxies); got != tc.want {
			t.Errorf("%s: clientAddress = %q, want %q", tc.name, got, tc.want)
		}
	}
	if _, err := parseProxies("10.0.0.0/8,not-an-address"); err == nil || !strings.Contains(err.Error(), "GATEWAY_TRUSTED_PROXIES") {
		t.Errorf("a malformed proxy list: err = %v, want one naming GATEWAY_TRUSTED_PROXIES", err)
	}
}
