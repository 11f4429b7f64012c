package gateway_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/metrics"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// The limits of these tests refill one token in a thousand seconds, so what passes is the burst.
const slowRefill = 0.001

// startLimited starts the stack whose gateway verifies tokens of the test issuer for its limits.
func startLimited(t *testing.T, cfg gateway.Config) (*stack, *metrics.Registry) {
	t.Helper()
	reg := metrics.New()
	cfg.Registry = reg
	cfg.Web.Access = testenv.OIDC(t)
	return startWith(t, cfg), reg
}

// send makes n requests and counts those the limiter let through.
func send(t *testing.T, s *stack, n int, headers func(i int) []string) (passed int) {
	t.Helper()
	for i := range n {
		if r := s.do(t, "GET", "/v1/organizations", "", headers(i)...); r.status != http.StatusTooManyRequests {
			passed++
		}
	}
	return passed
}

// refused reads socialrx_gateway_rate_limited_requests_total for a bucket kind.
func refused(t *testing.T, reg *metrics.Registry, bucket string) int {
	t.Helper()
	families, err := reg.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != metrics.Namespace+"_gateway_rate_limited_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "bucket" && l.GetValue() == bucket {
					return int(m.GetCounter().GetValue())
				}
			}
		}
	}
	return 0
}

func TestRandomBearerValuesShareTheirAddressesFailedAuthBucket(t *testing.T) {
	const addressBurst, failedBurst, n = 40, 10, 1500
	s, reg := startLimited(t, gateway.Config{RateLimit: slowRefill, RateBurst: 5,
		AddressRateLimit: slowRefill, AddressRateBurst: addressBurst,
		FailedAuthRateLimit: slowRefill, FailedAuthRateBurst: failedBurst})
	got := send(t, s, n, func(int) []string { return []string{"Authorization", "Bearer " + uuid.NewString()} })
	if got != failedBurst {
		t.Errorf("%d random bearer values: %d passed, want the failed-authentication burst, %d", n, got, failedBurst)
	}
	if c := refused(t, reg, "failed_auth"); c != n-failedBurst {
		t.Errorf("failed_auth refusals counted: %d, want %d", c, n-failedBurst)
	}
	// The failures took from the address's bucket too; what is left of it serves the public.
	anonymous := send(t, s, addressBurst, func(int) []string { return nil })
	if want := addressBurst - failedBurst; anonymous != want {
		t.Errorf("anonymous requests after the failures: %d passed, want %d", anonymous, want)
	}
	if c := refused(t, reg, "address"); c != failedBurst {
		t.Errorf("address refusals counted: %d, want %d", c, failedBurst)
	}
	// A verified caller at the same address has its own bucket.
	tok := testenv.Bearer(auth.Identity{Subject: "practitioners/dr-lee", Roles: []string{auth.RoleClinician}})
	if got := send(t, s, 6, func(int) []string { return []string{"Authorization", "Bearer " + tok} }); got != 5 {
		t.Errorf("a verified caller at an exhausted address: %d of 6 passed, want its burst, 5", got)
	}
	if c := refused(t, reg, "subject"); c != 1 {
		t.Errorf("subject refusals counted: %d, want 1", c)
	}
}

func TestOneTokenWrittenFiveWaysIsOneCaller(t *testing.T) {
	const burst = 10
	s, _ := startLimited(t, gateway.Config{RateLimit: slowRefill, RateBurst: burst})
	tok := testenv.Bearer(auth.Identity{Subject: "practitioners/dr-lee", Roles: []string{auth.RoleClinician}})
	spellings := []string{"Bearer " + tok, "bearer " + tok, "BEARER " + tok, "Bearer  " + tok, "Bearer\t" + tok + "\t"}
	passed, ok := 0, 0
	for i := range 4 * len(spellings) {
		r := s.do(t, "GET", "/v1/organizations", "", "Authorization", spellings[i%len(spellings)])
		if r.status != http.StatusTooManyRequests {
			passed++
		}
		if r.status == http.StatusOK {
			ok++
		}
	}
	if passed != burst || ok != burst {
		t.Errorf("%d requests in five spellings of one token: %d passed (%d answered 200), want the burst, %d, all 200",
			4*len(spellings), passed, ok, burst)
	}
	// Another subject is another caller.
	other := testenv.Bearer(auth.Identity{Subject: "practitioners/lw", Roles: []string{auth.RoleLinkWorker}})
	if got := send(t, s, 1, func(int) []string { return []string{"Authorization", "bearer " + other} }); got != 1 {
		t.Errorf("another subject was limited with the first")
	}
}

func TestForwardedForCountsOnlyFromTrustedProxies(t *testing.T) {
	const burst = 5
	forged := func(i int) []string {
		return []string{"X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i%250)}
	}
	t.Run("untrusted peer", func(t *testing.T) {
		s, _ := startLimited(t, gateway.Config{RateLimit: 1000, AddressRateLimit: slowRefill, AddressRateBurst: burst})
		if got := send(t, s, 4*burst, forged); got != burst {
			t.Errorf("%d anonymous requests each forging another X-Forwarded-For: %d passed, want the burst, %d", 4*burst, got, burst)
		}
	})
	t.Run("trusted proxy", func(t *testing.T) {
		s, _ := startLimited(t, gateway.Config{RateLimit: 1000, AddressRateLimit: slowRefill, AddressRateBurst: burst, TrustedProxies: "127.0.0.0/8, ::1"})
		if got := send(t, s, 4*burst, forged); got != 4*burst {
			t.Errorf("%d requests from %d clients behind a trusted proxy: %d passed, want all", 4*burst, 4*burst, got)
		}
		// The proxy appends the address it saw; what the client wrote before it is not read.
		behind := func(i int) []string {
			return []string{"X-Forwarded-For", fmt.Sprintf("198.51.100.%d, 192.0.2.1", i%250)}
		}
		if got := send(t, s, 4*burst, behind); got != burst {
			t.Errorf("one client behind the proxy forging hops before it: %d passed, want the burst, %d", got, burst)
		}
	})
}
