package gateway_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/socialrx/socialrx/services/platform/auth"
)

// The callers of the REST matrix. "Own" is the clinic that refers, the centre that receives the
// referral and hosts the event; "X" is another organisation.
var restCallers = []struct {
	col string
	id  auth.Identity
}{
	{"anon", auth.Anonymous},
	{"clin", auth.Identity{Subject: "practitioners/dr-lee", Organization: "organizations/clinic", Roles: []string{auth.RoleClinician}}},
	{"clinX", auth.Identity{Subject: "practitioners/dr-x", Organization: "organizations/elsewhere", Roles: []string{auth.RoleClinician}}},
	{"lw", auth.Identity{Subject: "practitioners/lw", Organization: "organizations/chc", Roles: []string{auth.RoleLinkWorker}}},
	{"lwX", auth.Identity{Subject: "practitioners/lw-x", Organization: "organizations/elsewhere", Roles: []string{auth.RoleLinkWorker}}},
	{"host", auth.Identity{Subject: "practitioners/host", Organization: "organizations/chc", Roles: []string{auth.RoleEventHost}}},
	{"hostX", auth.Identity{Subject: "practitioners/host-x", Organization: "organizations/elsewhere", Roles: []string{auth.RoleEventHost}}},
	{"mod", moderatorID},
	{"admin", adminID},
	{"sys", auth.Identity{Subject: "clients/clinic-his", Organization: "organizations/clinic", Roles: []string{auth.RoleSystem}}},
	{"sysX", auth.Identity{Subject: "clients/x-his", Organization: "organizations/elsewhere", Roles: []string{auth.RoleSystem}}},
	{"priv", auth.Identity{Subject: "practitioners/po", Roles: []string{auth.RolePrivacyOfficer}}},
	{"svc", serviceID},
}

// One method per resource over REST through the real gateway, every caller, the exact HTTP
// status, written out by hand: the same answers as over gRPC (401 UNAUTHENTICATED, 403
// PERMISSION_DENIED, 404 NOT_FOUND), and a referral one may not see answers as a missing one.
//
//	columns: anon clin clinX lw lwX host hostX mod admin sys sysX priv svc
var restMatrix = []struct {
	resource, method, path, body, want string
}{
	{"organization", "POST", "/v1/organizations", `{"displayName": "New centre"}`, "401 403 403 403 403 403 403 403 200 403 403 403 403"},
	{"organization", "DELETE", "/v1/organizations/spare", "", "401 403 403 403 403 403 403 403 200 403 403 403 403"},
	{"service", "GET", "/v1/services:search?query=walk", "", "200 200 200 200 200 200 200 200 200 200 200 200 200"},
	{"referral", "GET", "/v1/referrals/r1", "", "401 200 404 200 404 403 403 403 403 200 404 403 403"},
	{"referral (missing)", "GET", "/v1/referrals/nothing", "", "401 404 404 404 404 403 403 403 403 404 404 403 403"},
	{"referral", "POST", "/v1/referrals/r1:addNote", `{"kind": "TIMELINE_KIND_NOTE", "note": "Called."}`, "401 200 404 200 404 403 403 403 403 200 404 403 403"},
	{"referral", "POST", "/v1/referrals:search", `{"person": {"givenName": "Margaret", "familyName": "Okafor", "dateOfBirth": "1948-03-14"}}`,
		"401 200 200 200 200 403 403 403 403 200 200 403 403"},
	{"audit record", "POST", "/v1/auditRecords:search", `{"referral": "referrals/r1"}`, "401 403 403 403 403 403 403 403 403 403 403 200 403"},
	{"event", "GET", "/v1/events/draft", "", "404 404 404 404 404 200 404 200 404 404 404 404 200"},
	{"event", "POST", "/v1/events/draft:submit", `{}`, "401 403 403 403 403 200 404 403 403 403 403 403 403"},
	{"event", "POST", "/v1/events/submitted:publish", `{}`, "401 403 403 403 403 403 403 200 403 403 403 403 403"},
	{"session", "GET", "/v1/events/draft/sessions/s1", "", "404 404 404 404 404 200 404 200 404 404 404 404 200"},
	{"registration", "GET", "/v1/events/tea/sessions/s1/registrations/{reg}", "", "401 403 403 403 403 200 404 403 403 403 403 403 200"},
	{"registration", "POST", "/v1/events/tea/sessions/s1/registrations", `{"person": {"givenName": "Eve"}, "referral": "referrals/r1"}`,
		"403 403 403 403 403 403 403 403 403 403 403 403 200"},
	{"change", "GET", "/v1/changes", "", "401 403 403 403 403 403 403 403 403 403 403 403 200"},
}

func TestRESTAuthorizationMatrix(t *testing.T) {
	s := start(t)
	admin, host := s.as(adminID), s.as(restCallers[5].id)
	clin := s.as(restCallers[1].id)
	must := func(r response, what string) response {
		t.Helper()
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", what, r.status, r.raw)
		}
		return r
	}
	for _, org := range []string{"clinic", "chc", "spare"} {
		must(admin.do(t, "POST", "/v1/organizations?organizationId="+org, `{"displayName": "`+org+`"}`), org)
	}
	must(admin.do(t, "POST", "/v1/practitioners?practitionerId=dr-lee", `{"organization": "organizations/clinic", "givenName": "Sam", "familyName": "Lee", "role": "PRACTITIONER_ROLE_CLINICIAN"}`), "clinician")
	must(admin.do(t, "POST", "/v1/practitioners?practitionerId=lw", `{"organization": "organizations/chc", "givenName": "Amara", "familyName": "Osei", "role": "PRACTITIONER_ROLE_LINK_WORKER"}`), "link worker")
	begin := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	session := `{"startTime": "` + begin.Format(time.RFC3339) + `", "endTime": "` + begin.Add(time.Hour).Format(time.RFC3339) +
		`", "timeZone": "America/Toronto", "capacity": 50}`
	event := func(id string) {
		must(host.do(t, "POST", "/v1/events?eventId="+id, `{"title": "Tea", "category": "EVENT_CATEGORY_STORYTELLING_CIRCLE",
			"hostOrganization": "organizations/chc", "onlineUrl": "https://meet.example.org/tea"}`), "event "+id)
		must(host.do(t, "POST", "/v1/events/"+id+"/sessions?sessionId=s1", session), "session "+id)
	}
	event("draft")
	event("submitted")
	must(host.do(t, "POST", "/v1/events/submitted:submit", `{}`), "submit")
	event("tea")
	must(host.do(t, "POST", "/v1/events/tea:submit", `{}`), "submit tea")
	must(s.as(moderatorID).do(t, "POST", "/v1/events/tea:publish", `{}`), "publish tea")
	reg := must(s.do(t, "POST", "/v1/events/tea/sessions/s1/registrations", `{"person": {"givenName": "Ada", "email": "ada@example.org"}}`), "register")
	regName := reg.body["name"].(string)
	grant := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	created := must(clin.do(t, "POST", "/v1/referrals?requestId=r1", `{"subject": {"givenName": "Margaret", "familyName": "Okafor", "dateOfBirth": "1948-03-14"},
		"consent": {"grantedBy": "subject", "grantTime": "`+grant+`", "scope": ["share-with-link-worker"]},
		"referringPractitioner": "practitioners/dr-lee", "referringOrganization": "organizations/clinic",
		"receivingOrganization": "organizations/chc", "needs": ["NEED_LONELINESS"]}`), "referral")
	// The matrix names the referral r1; its id is the service's.
	referral := created.body["name"].(string)
	must(clin.do(t, "POST", "/v1/"+referral+":submit", `{}`), "submit referral")

	cells := 0
	for _, row := range restMatrix {
		want := strings.Fields(row.want)
		if len(want) != len(restCallers) {
			t.Fatalf("%s %s: %d expectations for %d callers", row.method, row.path, len(want), len(restCallers))
		}
		path := strings.Replace(row.path, "/v1/events/tea/sessions/s1/registrations/{reg}", "/v1/"+regName, 1)
		path = strings.ReplaceAll(path, "referrals/r1", referral)
		body := strings.ReplaceAll(row.body, "referrals/r1", referral)
		for i, caller := range restCallers {
			r := s.as(caller.id).do(t, row.method, path, body)
			if got := fmt.Sprint(r.status); got != want[i] {
				t.Errorf("%s %s %s as %s: %s, want %s (%s)", row.resource, row.method, row.path, caller.col, got, want[i], r.raw)
			}
			if r.status == http.StatusOK {
				restore(t, s, row.path)
			}
			cells++
		}
	}
	fmt.Printf("REST authorization matrix: %d rows × %d callers = %d cells\n", len(restMatrix), len(restCallers), cells)
}

// restore recreates the organisation a successful DELETE of the matrix removed, so each caller
// meets the same state. (Submit and publish succeed for one caller each; the state they leave
// answers every later caller as before.)
func restore(t *testing.T, s *stack, path string) {
	t.Helper()
	if path != "/v1/organizations/spare" {
		return
	}
	if r := s.as(adminID).do(t, "POST", "/v1/organizations?organizationId=spare", `{"displayName": "spare"}`); r.status != http.StatusOK {
		t.Fatalf("restore %s: %d %s", path, r.status, r.raw)
	}
}
