package processtest

import (
	"testing"
	"time"

	"github.com/socialrx/socialrx/services/platform/testenv"
)

// Every binary serves /metrics on METRICS_ADDR: RPC counts and latency histograms per method and
// code, and the domain metrics of its part, with the values one booking gives them.
func TestEveryBinaryServesItsMetrics(t *testing.T) {
	s := startStack(t)
	r1 := seed(t, s.base)
	mustREST(t, "POST", s.base+"/v1/"+r1+":bookEvent", `{"session": "events/tea/sessions/s1"}`, as(linkWorkerID)...)

	type want struct {
		metric string
		labels []string
		value  float64 // -1: present, any value
	}
	cases := []struct {
		part  *service
		wants []want
	}{
		{s.directory, []want{
			{"grpc_server_handled_total", []string{`grpc_method="CreateOrganization"`, `grpc_code="OK"`}, 1},
			{"grpc_server_handling_seconds_count", []string{`grpc_method="CreateOrganization"`}, 1},
			{"socialrx_dependency_up", []string{`dependency="mongodb"`}, 1},
			{"socialrx_feed_lag", []string{`follower="directory_readmodel"`}, -1},
		}},
		{s.event, []want{
			{"grpc_server_handled_total", []string{`grpc_method="CreateRegistration"`, `grpc_code="OK"`}, 1},
			{"socialrx_registrations_total", []string{`outcome="confirmed"`}, 1},
			{"socialrx_registrations_total", []string{`outcome="waitlisted"`}, 0},
			{"socialrx_dependency_up", []string{`dependency="directory"`}, 1},
			{"socialrx_feed_lag", []string{`follower="event_ledger"`}, -1},
			{"grpc_client_handled_total", []string{`grpc_method="GetOrganization"`, `grpc_code="OK"`}, 1},
		}},
		{s.referral, []want{
			{"grpc_server_handled_total", []string{`grpc_method="BookEvent"`, `grpc_code="OK"`}, 1},
			{"socialrx_referrals", []string{`status="IN_PROGRESS"`}, 1},
			{"socialrx_referrals", []string{`status="DRAFT"`}, 0},
			{"socialrx_dependency_up", []string{`dependency="event"`}, 1},
			{"socialrx_feed_lag", []string{`follower="referral_readmodel"`}, -1},
			{"socialrx_feed_lag", []string{`follower="referral_event_consumer"`}, 0},
			{"grpc_client_handled_total", []string{`grpc_method="CreateRegistration"`, `grpc_code="OK"`}, 1},
		}},
		{s.gw, []want{
			{"socialrx_gateway_http_requests_total", []string{`route="/v1/"`, `method="POST"`, `code="200"`}, -1},
			{"socialrx_gateway_http_request_duration_seconds_count", []string{`route="/v1/"`}, -1},
			{"grpc_client_handled_total", []string{`grpc_method="BookEvent"`, `grpc_code="OK"`}, 1},
		}},
	}
	// The consumer and the lag samplers run in the background: give them a moment.
	deadline := time.Now().Add(15 * time.Second)
	for _, c := range cases {
		for _, w := range c.wants {
			var got float64
			var found bool
			if !testenv.Poll(time.Until(deadline), func() bool {
				got, found = scrape(t, c.part.metrics, w.metric, w.labels...)
				return found && (w.value < 0 || got == w.value)
			}) {
				t.Errorf("%s: %s%v = %v (present %v), want %v", c.part.label, w.metric, w.labels, got, found, w.value)
			}
		}
	}
}
