package gateway_test

import (
	"net/http"
	"testing"

	"github.com/socialrx/socialrx/services/platform/auth"
)

// REST readers ask for a language with languageCode or Accept-Language; the gateway passes
// Accept-Language to the services, which answer in that language where they have it.
func TestRESTAnswersInTheAskedLanguage(t *testing.T) {
	s := start(t)
	host := s.as(auth.Identity{Subject: "practitioners/host", Organization: "organizations/riverdale", Roles: []string{auth.RoleEventHost}})
	if r := s.as(adminID).do(t, "POST", "/v1/organizations?organizationId=riverdale", `{"displayName": "Riverdale CHC",
		"translations": [{"languageCode": "fr", "displayName": "CSC Riverdale"}]}`); r.status != http.StatusOK {
		t.Fatalf("organization: %d %s", r.status, r.raw)
	}
	if r := host.do(t, "POST", "/v1/events?eventId=tea", `{"title": "Tea and talk", "category": "EVENT_CATEGORY_STORYTELLING_CIRCLE",
		"hostOrganization": "organizations/riverdale", "onlineUrl": "https://meet.example.org/tea",
		"translations": [{"languageCode": "fr", "title": "Thé et causerie"}]}`); r.status != http.StatusOK {
		t.Fatalf("event: %d %s", r.status, r.raw)
	}
	for _, tc := range []struct {
		name, path, accept, field, want string
	}{
		{"event by default", "/v1/events/tea", "", "title", "Tea and talk"},
		{"event with languageCode", "/v1/events/tea?languageCode=fr", "", "title", "Thé et causerie"},
		{"event with Accept-Language", "/v1/events/tea", "fr-CA, en;q=0.5", "title", "Thé et causerie"},
		{"languageCode before Accept-Language", "/v1/events/tea?languageCode=en", "fr", "title", "Tea and talk"},
		{"organisation with Accept-Language", "/v1/organizations/riverdale", "fr", "displayName", "CSC Riverdale"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var headers []string
			if tc.accept != "" {
				headers = []string{"Accept-Language", tc.accept}
			}
			r := host.do(t, "GET", tc.path, "", headers...)
			if r.status != http.StatusOK || r.body[tc.field] != tc.want {
				t.Fatalf("GET %s: %d %s, want %s %q", tc.path, r.status, r.raw, tc.field, tc.want)
			}
		})
	}
}
