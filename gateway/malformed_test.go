package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/socialrx/socialrx/services/platform/auth"
)

// Every malformed input is refused with 400 naming the parameter or field that holds it.
func TestMalformedInputIsNamed(t *testing.T) {
	s := start(t)
	clinician := auth.Identity{Subject: "practitioners/dr-lee", Organization: "organizations/clinic", Roles: []string{auth.RoleClinician}}
	host := auth.Identity{Subject: "practitioners/host", Organization: "organizations/org1", Roles: []string{auth.RoleEventHost}}
	deep := strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000)
	deepObject := strings.Repeat(`{"a":`, 10_000) + "1" + strings.Repeat("}", 10_000)
	tests := []struct {
		name, method, path, body string
		as                       auth.Identity
		fields                   []string // any of them
	}{
		{"page size twice", "GET", "/v1/services?pageSize=1&pageSize=2", "", auth.Anonymous, []string{"pageSize", "page_size"}},
		{"page size twice, proto name", "GET", "/v1/organizations?page_size=1&page_size=2", "", auth.Anonymous, []string{"page_size"}},
		{"request id twice", "POST", "/v1/organizations?organizationId=x&requestId=a&requestId=b", `{"displayName": "X"}`, adminID,
			[]string{"requestId", "request_id"}},
		{"order twice", "GET", "/v1/events:search?orderBy=LISTING_ORDER_START_TIME&orderBy=LISTING_ORDER_DISTANCE", "", auth.Anonymous,
			[]string{"orderBy", "order_by"}},
		{"state twice", "GET", "/v1/events/tea/sessions/s1/registrations?state=REGISTRATION_STATE_CONFIRMED&state=REGISTRATION_STATE_CANCELLED",
			"", host, []string{"state"}},
		{"unknown enum value in a list", "GET", "/v1/events:search?categories=NOT_A_REAL_VALUE", "", auth.Anonymous, []string{"categories"}},
		{"unknown enum value", "GET", "/v1/events:search?orderBy=NOT_A_REAL_VALUE", "", auth.Anonymous, []string{"orderBy", "order_by"}},
		{"over-deep array in a field", "POST", "/v1/organizations?organizationId=x", `{"displayName": ` + deep + `}`, adminID,
			[]string{"organization.display_name"}},
		{"over-deep object in a field", "POST", "/v1/organizations?organizationId=x", `{"description": ` + deepObject + `}`, adminID,
			[]string{"organization.description"}},
		{"HSDS page size overflowing", "GET", "/hsds/services?per_page=99999999999", "", auth.Anonymous, []string{"per_page"}},
		{"HSDS page overflowing", "GET", "/hsds/services?page=99999999999999999999", "", auth.Anonymous, []string{"page"}},
		{"page size overflowing", "GET", "/v1/services?pageSize=99999999999", "", auth.Anonymous, []string{"pageSize", "page_size"}},
	}
	for _, bad := range []string{"é", strings.Repeat("a", 10_000), "*", "a b"} {
		p := url.PathEscape(bad)
		tests = append(tests,
			struct {
				name, method, path, body string
				as                       auth.Identity
				fields                   []string
			}{"PATCH referral " + printableName(bad), "PATCH", "/v1/referrals/" + p + "?updateMask=what_matters", `{"whatMatters": "x"}`, clinician,
				[]string{"name", "referral.name"}},
			struct {
				name, method, path, body string
				as                       auth.Identity
				fields                   []string
			}{"GET referral " + printableName(bad), "GET", "/v1/referrals/" + p, "", clinician, []string{"name"}},
			struct {
				name, method, path, body string
				as                       auth.Identity
				fields                   []string
			}{"submit referral " + printableName(bad), "POST", "/v1/referrals/" + p + ":submit", `{}`, clinician, []string{"name"}},
			struct {
				name, method, path, body string
				as                       auth.Identity
				fields                   []string
			}{"GET organization " + printableName(bad), "GET", "/v1/organizations/" + p, "", auth.Anonymous, []string{"name"}},
			struct {
				name, method, path, body string
				as                       auth.Identity
				fields                   []string
			}{"PATCH organization " + printableName(bad), "PATCH", "/v1/organizations/" + p + "?updateMask=description", `{"description": "x"}`, adminID,
				[]string{"name", "organization.name"}},
			struct {
				name, method, path, body string
				as                       auth.Identity
				fields                   []string
			}{"GET event " + printableName(bad), "GET", "/v1/events/" + p, "", auth.Anonymous, []string{"name"}},
			struct {
				name, method, path, body string
				as                       auth.Identity
				fields                   []string
			}{"sessions of event " + printableName(bad), "GET", "/v1/events/" + p + "/sessions", "", host, []string{"parent"}},
		)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.as(tc.as).do(t, tc.method, tc.path, tc.body)
			st, _, field := errorInfo(r)
			got := append([]string{field}, violations(r)...)
			named := false
			for _, f := range got {
				for _, w := range tc.fields {
					named = named || f == w
				}
			}
			if r.status != http.StatusBadRequest || st != "INVALID_ARGUMENT" || !named {
				raw := r.raw
				if len(raw) > 300 {
					raw = raw[:300]
				}
				t.Errorf("%d %s (fields %q), want 400 INVALID_ARGUMENT naming one of %q", r.status, raw, got, tc.fields)
			}
		})
	}
}

func printableName(s string) string {
	if len(s) > 10 {
		return "of 10,000 characters"
	}
	return "'" + s + "'"
}
