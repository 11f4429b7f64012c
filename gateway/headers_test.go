package gateway

import "testing"

// Identity headers never reach the services from outside; the audit's purpose, the request id
// and the feed position a client has seen do, whatever their spelling.
func TestWhichHeadersReachTheServices(t *testing.T) {
	for _, tt := range []struct {
		header  string
		dropped bool
		forward string
	}{
		{"X-Socialrx-Subject", true, ""},
		{"Grpc-Metadata-X-Socialrx-Roles", true, ""},
		{"x-socialrx-organization", true, ""},
		{"X-Socialrx-Purpose", false, "x-socialrx-purpose"},
		{"X-Socialrx-Position", false, "x-socialrx-position"},
		{"X-Request-Id", false, "x-request-id"},
		// (grpc-gateway passes Authorization on as "authorization" itself, before the matcher.)
		{"Authorization", false, ""},
	} {
		if got := isIdentityHeader(tt.header); got != tt.dropped {
			t.Errorf("isIdentityHeader(%q) = %v, want %v", tt.header, got, tt.dropped)
		}
		if tt.dropped || tt.forward == "" {
			continue
		}
		key, ok := forwardHeader(tt.header)
		if !ok || key != tt.forward {
			t.Errorf("forwardHeader(%q) = %q, %v; want %q", tt.header, key, ok, tt.forward)
		}
	}
}
