package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// One booking is one trace: the REST call at the gateway, the referral service's BookEvent and
// the event service's CreateRegistration it makes, each span the child of the one before.
func TestABookingIsOneTraceFromGatewayToEventService(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(noop.NewTracerProvider()) })

	s := start(t)
	admin := s.as(adminID)
	host := s.as(auth.Identity{Subject: "practitioners/host", Organization: "organizations/chc", Roles: []string{auth.RoleEventHost}})
	clinician := s.as(auth.Identity{Subject: "practitioners/dr-lee", Organization: "organizations/chc", Roles: []string{auth.RoleClinician}})
	linkWorker := s.as(auth.Identity{Subject: "practitioners/lw", Organization: "organizations/chc", Roles: []string{auth.RoleLinkWorker}})
	must := func(r response, what string) response {
		t.Helper()
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", what, r.status, r.raw)
		}
		return r
	}
	must(admin.do(t, "POST", "/v1/organizations?organizationId=chc", `{"displayName": "Riverdale CHC"}`), "organization")
	must(admin.do(t, "POST", "/v1/practitioners?practitionerId=dr-lee", `{"organization": "organizations/chc", "givenName": "Sam", "familyName": "Lee", "role": "PRACTITIONER_ROLE_CLINICIAN"}`), "clinician")
	must(admin.do(t, "POST", "/v1/practitioners?practitionerId=lw", `{"organization": "organizations/chc", "givenName": "Amara", "familyName": "Osei", "role": "PRACTITIONER_ROLE_LINK_WORKER"}`), "link worker")
	must(host.do(t, "POST", "/v1/events?eventId=art", `{"title": "Art afternoon", "category": "EVENT_CATEGORY_STORYTELLING_CIRCLE",
		"hostOrganization": "organizations/chc", "onlineUrl": "https://meet.example.org/art"}`), "event")
	begin := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	must(host.do(t, "POST", "/v1/events/art/sessions?sessionId=s1", `{"startTime": "`+begin.Format(time.RFC3339)+`", "endTime": "`+
		begin.Add(time.Hour).Format(time.RFC3339)+`", "timeZone": "America/Toronto", "capacity": 5}`), "session")
	must(host.do(t, "POST", "/v1/events/art:submit", `{}`), "submit event")
	must(s.as(moderatorID).do(t, "POST", "/v1/events/art:publish", `{}`), "publish")
	grant := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	created := must(clinician.do(t, "POST", "/v1/referrals?requestId=r1", `{"subject": {"givenName": "Margaret", "familyName": "Okafor", "dateOfBirth": "1948-03-14"},
		"consent": {"grantedBy": "subject", "grantTime": "`+grant+`", "scope": ["share-with-link-worker", "share-with-event-hosts"]},
		"referringPractitioner": "practitioners/dr-lee", "referringOrganization": "organizations/chc",
		"receivingOrganization": "organizations/chc", "needs": ["NEED_LONELINESS"]}`), "referral")
	r1 := "/v1/" + created.body["name"].(string)
	must(clinician.do(t, "POST", r1+":submit", `{}`), "submit referral")
	must(linkWorker.do(t, "POST", r1+":accept", `{"assignee": "practitioners/lw"}`), "accept")
	must(linkWorker.do(t, "POST", r1+":start", `{}`), "start")

	spans.Reset()
	booked := must(linkWorker.do(t, "POST", r1+":bookEvent", `{"session": "events/art/sessions/s1"}`), "book")
	if booked.body["businessStatus"] != "BUSINESS_STATUS_EVENT_BOOKED" {
		t.Fatalf("booked referral: %s", booked.raw)
	}

	// The gateway ends its span once the response is written: wait for it.
	rest := "POST " + r1 + ":bookEvent"
	const (
		book     = "socialrx.referral.v1.ReferralService/BookEvent"
		register = "socialrx.event.v1.EventService/CreateRegistration"
	)
	var got map[string][]tracetest.SpanStub
	testenv.Poll(5*time.Second, func() bool { // the checks below say what is missing
		got = map[string][]tracetest.SpanStub{}
		for _, sp := range spans.GetSpans() {
			got[sp.Name] = append(got[sp.Name], sp)
		}
		return len(got[rest]) > 0
	})
	one := func(name string, kind trace.SpanKind) tracetest.SpanStub {
		t.Helper()
		var found []tracetest.SpanStub
		for _, sp := range got[name] {
			if sp.SpanKind == kind {
				found = append(found, sp)
			}
		}
		if len(found) != 1 {
			t.Fatalf("%d %s spans named %q, want 1; spans: %v", len(found), kind, name, names(got))
		}
		return found[0]
	}
	root := one(rest, trace.SpanKindServer)
	gatewayCall := one(book, trace.SpanKindClient)
	bookServer := one(book, trace.SpanKindServer)
	referralCall := one(register, trace.SpanKindClient)
	registerServer := one(register, trace.SpanKindServer)

	if root.Parent.IsValid() {
		t.Errorf("the REST span has parent %s; the trace should start at the gateway", root.Parent.SpanID())
	}
	chain := []tracetest.SpanStub{root, gatewayCall, bookServer, referralCall, registerServer}
	for i, sp := range chain {
		if sp.SpanContext.TraceID() != root.SpanContext.TraceID() {
			t.Errorf("%s %s is in trace %s, want %s", sp.SpanKind, sp.Name, sp.SpanContext.TraceID(), root.SpanContext.TraceID())
		}
		if i > 0 && sp.Parent.SpanID() != chain[i-1].SpanContext.SpanID() {
			t.Errorf("%s %s has parent %s, want %s %s (%s)", sp.SpanKind, sp.Name, sp.Parent.SpanID(),
				chain[i-1].SpanKind, chain[i-1].Name, chain[i-1].SpanContext.SpanID())
		}
	}
}

func names(spans map[string][]tracetest.SpanStub) []string {
	var out []string
	for name, list := range spans {
		for _, sp := range list {
			out = append(out, sp.SpanKind.String()+" "+name)
		}
	}
	return out
}
