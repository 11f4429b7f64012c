package gateway_test

import (
	"net/http"
	"net/url"
	"testing"

	"google.golang.org/protobuf/proto"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/aip/pagination"
	"github.com/socialrx/socialrx/services/platform/auth"
)

// A page token is checked whole on every list and search: one cut short or with its last
// characters changed is refused naming page_token, never read as the first page.
func TestEveryListRefusesADamagedPageToken(t *testing.T) {
	s := start(t)
	host := auth.Identity{Subject: "practitioners/host", Organization: "organizations/org1", Roles: []string{auth.RoleEventHost}}
	clinician := auth.Identity{Subject: "practitioners/dr-lee", Organization: "organizations/clinic", Roles: []string{auth.RoleClinician}}
	privacy := auth.Identity{Subject: "practitioners/po", Roles: []string{auth.RolePrivacyOfficer}}
	tests := []struct {
		name, method, path, body string
		as                       auth.Identity
		request                  proto.Message // the request the gateway makes of path and body
	}{
		{"organizations", "GET", "/v1/organizations", "", adminID, &directoryv1.ListOrganizationsRequest{}},
		{"services", "GET", "/v1/services", "", adminID, &directoryv1.ListServicesRequest{}},
		{"locations", "GET", "/v1/locations", "", adminID, &directoryv1.ListLocationsRequest{}},
		{"taxonomy terms", "GET", "/v1/taxonomyTerms", "", adminID, &directoryv1.ListTaxonomyTermsRequest{}},
		{"practitioners", "GET", "/v1/practitioners", "", adminID, &directoryv1.ListPractitionersRequest{}},
		{"services:search", "GET", "/v1/services:search", "", auth.Anonymous, &directoryv1.SearchServicesRequest{}},
		{"events", "GET", "/v1/events", "", host, &eventv1.ListEventsRequest{}},
		{"sessions", "GET", "/v1/events/tea/sessions", "", host, &eventv1.ListSessionsRequest{Parent: "events/tea"}},
		{"registrations", "GET", "/v1/events/tea/sessions/s1/registrations", "", host,
			&eventv1.ListRegistrationsRequest{Parent: "events/tea/sessions/s1"}},
		{"events:search", "GET", "/v1/events:search", "", auth.Anonymous, &eventv1.SearchEventsRequest{}},
		{"events:ical", "GET", "/v1/events:ical", "", auth.Anonymous, &eventv1.SearchEventsRequest{}},
		{"referrals", "GET", "/v1/referrals", "", clinician, &referralv1.ListReferralsRequest{}},
		{"referrals:search", "POST", "/v1/referrals:search", `"person": {"givenName": "Ada", "familyName": "Lovelace", "dateOfBirth": "1815-12-10"}`, clinician,
			&referralv1.SearchReferralsRequest{Person: &referralv1.PersonQuery{GivenName: "Ada", FamilyName: "Lovelace", DateOfBirth: "1815-12-10"}}},
		{"timeline", "GET", "/v1/referrals/r1/timeline", "", clinician, &referralv1.ListTimelineRequest{Name: "referrals/r1"}},
		{"auditRecords:search", "POST", "/v1/auditRecords:search", "", privacy, &referralv1.SearchAuditRecordsRequest{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := s.as(tc.as)
			valid := pagination.Encode(tc.request, pagination.Cursor{After: "organizations/riverdale-community-health-centre", Offset: 3})
			damaged := map[string]string{
				"cut in half":                 valid[:len(valid)/2/4*4],
				"last two characters changed": valid[:len(valid)-2] + swapped(valid[len(valid)-2:]),
				"garbage":                     "garbage!!",
			}
			for how, token := range damaged {
				r := c.send(t, tc.method, tc.path, tc.body, token)
				st, _, field := errorInfo(r)
				if r.status != http.StatusBadRequest || st != "INVALID_ARGUMENT" || !namesPageToken(r, field) {
					t.Errorf("%s token: %d %s, want 400 INVALID_ARGUMENT naming page_token", how, r.status, r.raw)
				}
			}
			if tc.name == "events:ical" {
				return // the calendar is not paged: any token is refused
			}
			if r := c.send(t, tc.method, tc.path, tc.body, valid); r.status == http.StatusBadRequest {
				t.Errorf("a valid token: %d %s", r.status, r.raw)
			}
		})
	}
}

// send makes a list request with a page token, in the query or, for a POST, in the body after
// the fields of body.
func (s *stack) send(t *testing.T, method, path, body, token string) response {
	t.Helper()
	if method == "POST" {
		if body != "" {
			body += ", "
		}
		return s.do(t, method, path, `{`+body+`"pageToken": "`+token+`"}`)
	}
	return s.do(t, method, path+"?pageToken="+url.QueryEscape(token), body)
}

func namesPageToken(r response, field string) bool {
	if field == "page_token" || field == "pageToken" {
		return true
	}
	for _, f := range violations(r) {
		if f == "page_token" || f == "pageToken" {
			return true
		}
	}
	return false
}

// swapped changes each character of s into another one of the token alphabet.
func swapped(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
	}
	return string(b)
}
