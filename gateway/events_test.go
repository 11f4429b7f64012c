package gateway_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/socialrx/socialrx/services/platform/auth"
)

// The event flow over REST: a host creates an event and a session, a moderator publishes it, a
// person registers, and the public calendar is iCalendar.
func TestRESTEventFlow(t *testing.T) {
	s := start(t)
	host := s.as(auth.Identity{Subject: "practitioners/host", Organization: "organizations/riverdale", Roles: []string{auth.RoleEventHost}})
	must := func(r response, what string) response {
		t.Helper()
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", what, r.status, r.raw)
		}
		return r
	}
	must(s.as(adminID).do(t, "POST", "/v1/organizations?organizationId=riverdale", `{"displayName": "Riverdale CHC"}`), "organization")
	must(host.do(t, "POST", "/v1/events?eventId=tea", `{"title": "Tea and talk", "category": "EVENT_CATEGORY_STORYTELLING_CIRCLE",
		"hostOrganization": "organizations/riverdale", "onlineUrl": "https://meet.example.org/tea"}`), "event")
	begin := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	session := `{"startTime": "` + begin.Format(time.RFC3339) + `", "endTime": "` + begin.Add(time.Hour).Format(time.RFC3339) +
		`", "timeZone": "America/Toronto", "capacity": 1}`
	must(host.do(t, "POST", "/v1/events/tea/sessions?sessionId=s1", session), "session")
	must(host.do(t, "POST", "/v1/events/tea:submit", `{}`), "submit")

	denied := host.do(t, "POST", "/v1/events/tea:publish", `{}`)
	if st, _, _ := errorInfo(denied); denied.status != http.StatusForbidden || st != "PERMISSION_DENIED" {
		t.Fatalf("publish without the moderator role: %d %s", denied.status, denied.raw)
	}
	pub := must(s.as(moderatorID).do(t, "POST", "/v1/events/tea:publish", `{}`), "publish")
	if pub.body["state"] != "EVENT_STATE_PUBLISHED" {
		t.Fatalf("published state: %s", pub.raw)
	}
	illegal := host.do(t, "POST", "/v1/events/tea:submit", `{}`)
	if st, reason, _ := errorInfo(illegal); illegal.status != http.StatusBadRequest || st != "FAILED_PRECONDITION" || reason != "EVENT_STATE" {
		t.Fatalf("submit a published event: %d %s", illegal.status, illegal.raw)
	}

	first := must(s.do(t, "POST", "/v1/events/tea/sessions/s1/registrations?requestId=a",
		`{"person": {"givenName": "Amara", "email": "amara@example.org"}, "needs": ["step-free access"]}`), "register")
	second := must(s.do(t, "POST", "/v1/events/tea/sessions/s1/registrations",
		`{"person": {"givenName": "Bo", "email": "bo@example.org"}}`), "register")
	if first.body["state"] != "REGISTRATION_STATE_CONFIRMED" || second.body["state"] != "REGISTRATION_STATE_WAITLISTED" || second.body["waitlistPosition"] != float64(1) {
		t.Fatalf("registrations: %s / %s", first.raw, second.raw)
	}
	cal := must(s.do(t, "GET", "/v1/events/tea:ical", ""), "calendar")
	if !strings.HasPrefix(cal.contentType, "text/calendar") || !strings.Contains(string(cal.raw), "BEGIN:VEVENT") {
		t.Fatalf("calendar: %s %s", cal.contentType, cal.raw)
	}
	changes := must(s.as(serviceID).do(t, "GET", "/v1/changes?pageSize=10", ""), "changes")
	if list, _ := changes.body["changes"].([]any); len(list) != 2 {
		t.Fatalf("changes: %s", changes.raw)
	}

	bad := []struct{ name, path, body, field string }{
		{"end before start", "/v1/events/tea/sessions", `{"startTime": "` + begin.Format(time.RFC3339) + `", "endTime": "` +
			begin.Add(-time.Hour).Format(time.RFC3339) + `", "timeZone": "America/Toronto", "capacity": 5}`, "session"},
		{"time zone", "/v1/events/tea/sessions", `{"startTime": "` + begin.Format(time.RFC3339) + `", "endTime": "` +
			begin.Add(time.Hour).Format(time.RFC3339) + `", "timeZone": "Toronto", "capacity": 5}`, "session.time_zone"},
		{"unknown host", "/v1/events", `{"title": "x", "category": "EVENT_CATEGORY_OTHER", "hostOrganization": "organizations/nope", "onlineUrl": "https://x.example.org"}`, "event.host_organization"},
		{"malformed body", "/v1/events", `{"title": `, "event.title"},
	}
	nowhere := s.as(auth.Identity{Subject: "practitioners/x", Organization: "organizations/nope", Roles: []string{auth.RoleEventHost}})
	for _, tc := range bad {
		caller := host
		if tc.name == "unknown host" {
			caller = nowhere // a host of an organisation the directory does not know
		}
		r := caller.do(t, "POST", tc.path, tc.body)
		if st, _, field := errorInfo(r); r.status != http.StatusBadRequest || st != "INVALID_ARGUMENT" || field != tc.field {
			t.Fatalf("%s: %d %s", tc.name, r.status, r.raw)
		}
	}
}
