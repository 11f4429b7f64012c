package audit

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/headers"
)

func TestRecordNamesTheCallerAndWhereFrom(t *testing.T) {
	l := &Log{now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }}
	tests := []struct {
		name string
		md   metadata.MD
		want string
	}{
		{"peer only", nil, "10.0.0.9"},
		{"gateway hop", metadata.Pairs(HeaderForwarded, "192.0.2.7"), "192.0.2.7"},
		{"forged first hop", metadata.Pairs(HeaderForwarded, "6.6.6.6, 192.0.2.7"), "192.0.2.7"},
		{"not an address", metadata.Pairs(HeaderForwarded, "nonsense"), "10.0.0.9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := peer.NewContext(context.Background(), &peer.Peer{Addr: &net.TCPAddr{IP: net.ParseIP("10.0.0.9"), Port: 5000}})
			md := tc.md.Copy()
			if md == nil {
				md = metadata.MD{}
			}
			md.Set(headers.RequestID, "req-1")
			ctx = metadata.NewIncomingContext(ctx, md)
			ctx = auth.NewContext(ctx, auth.Identity{Subject: "practitioners/a", Organization: "organizations/o",
				Roles: []string{auth.RoleClinician}})
			r := l.Record(ctx, ActionRead, "GetReferral", "referrals/r", nil)
			if r.ClientAddress != tc.want || r.RequestID != "req-1" || r.Actor != "practitioners/a" || r.Organization != "organizations/o" ||
				r.Role != "clinician" || r.Outcome != "OK" || r.Purpose != "care" || r.ID == "" || r.Time.IsZero() {
				t.Fatalf("record %+v, want client address %s", r, tc.want)
			}
		})
	}
}
