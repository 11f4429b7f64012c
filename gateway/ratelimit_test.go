package gateway

import (
	"net/http/httptest"
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

func TestCallerKey(t *testing.T) {
	tests := []struct {
		name, remote, authorization, forwarded string
		same                                   string // the name of a case with the same key, or ""
	}{
		{"address", "192.0.2.1:1234", "", "", ""},
		{"same address, other port", "192.0.2.1:5678", "", "", "address"},
		{"forwarded-for is not trusted", "192.0.2.1:9", "", "198.51.100.7", "address"},
		{"credential", "192.0.2.1:1234", "Bearer abc", "", ""},
		{"same credential elsewhere", "203.0.113.5:1", "Bearer abc", "", "credential"},
		{"other credential", "192.0.2.1:1234", "Bearer xyz", "", ""},
	}
	keys := map[string]string{}
	for _, tc := range tests {
		r := httptest.NewRequest("GET", "/v1/services", nil)
		r.RemoteAddr = tc.remote
		if tc.authorization != "" {
			r.Header.Set("Authorization", tc.authorization)
		}
		if tc.forwarded != "" {
			r.Header.Set("X-Forwarded-For", tc.forwarded)
		}
		key := callerKey(r)
		keys[tc.name] = key
		if tc.same != "" && key != keys[tc.same] {
			t.Errorf("%s: key %q differs from %s's %q", tc.name, key, tc.same, keys[tc.same])
		}
		if tc.same == "" {
			for name, other := range keys {
				if name != tc.name && other == key {
					t.Errorf("%s: same key as %s", tc.name, name)
				}
			}
		}
		if tc.authorization != "" && (len(key) > 40 || key == tc.authorization) {
			t.Errorf("%s: key %q holds the credential", tc.name, key)
		}
	}
}
