package fhir_test

import (
	"net/http"
	"testing"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/gateway/gatewaytest"
	"github.com/socialrx/socialrx/gateway/web"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// The edge's rate limit answers the facade's callers with an OperationOutcome too.
func TestRateLimitIsAnOperationOutcome(t *testing.T) {
	s := start(t, 0)
	s.bases = append(s.bases, gatewaytest.Start(t, gateway.Config{DirectoryAddr: s.dir.Addr, EventAddr: s.events.Addr,
		ReferralAddr: s.referrals.Addr, Web: web.Config{Access: testenv.OIDC(t)}, RateLimit: 0.001, RateBurst: 2}))
	emr := s.as(emrToken(t, ""))
	var last answer
	for range 3 {
		last = emr.do(t, "GET", "/Task?status=requested", "")
	}
	if code, _ := last.issue(); last.status != http.StatusTooManyRequests || code != "throttled" || last.header.Get("Retry-After") == "" {
		t.Fatalf("the third request at a burst of two: %d %s", last.status, last.raw)
	}
}
