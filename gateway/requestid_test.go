package gateway_test

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socialrx/socialrx/services/platform/auth"
)

// A request id is one caller's retry key (AIP-155): another caller sending the same one makes a
// new record and never receives the first caller's; and no create answers differently for a
// record the caller may not see than for one that does not exist.
func TestRequestIDsAreTheCallersOwn(t *testing.T) {
	s := start(t)
	admin := s.as(adminID)
	riverdale := s.as(auth.Identity{Subject: "practitioners/dr-lee", Organization: "organizations/clinic", Roles: []string{auth.RoleClinician}})
	albion := s.as(auth.Identity{Subject: "practitioners/dr-x", Organization: "organizations/elsewhere", Roles: []string{auth.RoleClinician}})
	hostA := s.as(auth.Identity{Subject: "practitioners/host", Organization: "organizations/chc", Roles: []string{auth.RoleEventHost}})
	hostB := s.as(auth.Identity{Subject: "practitioners/host-x", Organization: "organizations/elsewhere", Roles: []string{auth.RoleEventHost}})
	must := func(r response, what string) response {
		t.Helper()
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", what, r.status, r.raw)
		}
		return r
	}
	for _, org := range []string{"clinic", "chc", "elsewhere"} {
		must(admin.do(t, "POST", "/v1/organizations?organizationId="+org, `{"displayName": "`+org+`"}`), org)
	}
	must(admin.do(t, "POST", "/v1/practitioners?practitionerId=dr-lee", `{"organization": "organizations/clinic", "givenName": "Sam", "familyName": "Lee", "role": "PRACTITIONER_ROLE_CLINICIAN"}`), "clinician")
	must(admin.do(t, "POST", "/v1/practitioners?practitionerId=dr-x", `{"organization": "organizations/elsewhere", "givenName": "Ola", "familyName": "Xu", "role": "PRACTITIONER_ROLE_CLINICIAN"}`), "other clinician")

	referral := func(given, practitioner, org string) string {
		return `{"subject": {"givenName": "` + given + `", "familyName": "Okafor", "dateOfBirth": "1948-03-14", "email": "` + strings.ToLower(given) + `@example.org"},
			"referringPractitioner": "practitioners/` + practitioner + `", "referringOrganization": "organizations/` + org + `",
			"receivingOrganization": "organizations/chc", "needs": ["NEED_LONELINESS"]}`
	}
	first := must(riverdale.do(t, "POST", "/v1/referrals?requestId=shared-1", referral("Margaret", "dr-lee", "clinic")), "first referral")
	name := first.body["name"].(string)

	t.Run("the same caller's retry returns the first referral", func(t *testing.T) {
		again := must(riverdale.do(t, "POST", "/v1/referrals?requestId=shared-1", referral("Margaret", "dr-lee", "clinic")), "retry")
		if again.body["name"] != name || again.body["etag"] != first.body["etag"] {
			t.Fatalf("retry: %s, want %s unchanged", again.raw, name)
		}
	})
	t.Run("another organisation's caller with the same request id gets a new referral of their own", func(t *testing.T) {
		other := must(albion.do(t, "POST", "/v1/referrals?requestId=shared-1", referral("Zora", "dr-x", "elsewhere")), "other caller")
		if other.body["name"] == name {
			t.Fatalf("the other caller got %s, the first caller's referral", name)
		}
		if strings.Contains(string(other.raw), "Margaret") {
			t.Fatalf("the other caller's answer holds the first caller's patient: %s", other.raw)
		}
		if subj := other.body["subject"].(map[string]any); subj["givenName"] != "Zora" {
			t.Fatalf("the other caller's referral: %s", other.raw)
		}
		if got := albion.do(t, "GET", "/v1/"+name, ""); got.status != http.StatusNotFound {
			t.Fatalf("the other caller reads the first referral: %d %s", got.status, got.raw)
		}
	})
	t.Run("referral ids are the service's: a chosen one is refused naming referral_id, whether or not it exists", func(t *testing.T) {
		id := strings.TrimPrefix(name, "referrals/")
		existing := albion.do(t, "POST", "/v1/referrals?referralId="+id, referral("Zora", "dr-x", "elsewhere"))
		missing := albion.do(t, "POST", "/v1/referrals?referralId=nothing-here", referral("Zora", "dr-x", "elsewhere"))
		for what, r := range map[string]response{"an existing id": existing, "a missing id": missing} {
			if _, _, field := errorInfo(r); r.status != http.StatusBadRequest || field != "referral_id" {
				t.Errorf("%s: %d %s, want 400 naming referral_id", what, r.status, r.raw)
			}
		}
		if string(existing.raw) != string(missing.raw) {
			t.Errorf("an existing and a missing id answer differently:\n%s\n%s", existing.raw, missing.raw)
		}
	})

	t.Run("another host's request id makes a new draft, not theirs", func(t *testing.T) {
		draft := must(hostA.do(t, "POST", "/v1/events?requestId=ev-1", `{"title": "Private planning", "category": "EVENT_CATEGORY_STORYTELLING_CIRCLE",
			"hostOrganization": "organizations/chc", "onlineUrl": "https://meet.example.org/a"}`), "host A draft")
		mine := must(hostB.do(t, "POST", "/v1/events?requestId=ev-1", `{"title": "Our walk", "category": "EVENT_CATEGORY_NATURE_ON_PRESCRIPTION",
			"hostOrganization": "organizations/elsewhere", "onlineUrl": "https://meet.example.org/b"}`), "host B draft")
		if mine.body["name"] == draft.body["name"] || mine.body["title"] != "Our walk" {
			t.Fatalf("host B got %s; host A's draft is %s", mine.raw, draft.raw)
		}
		again := must(hostA.do(t, "POST", "/v1/events?requestId=ev-1", `{"title": "Private planning", "category": "EVENT_CATEGORY_STORYTELLING_CIRCLE",
			"hostOrganization": "organizations/chc", "onlineUrl": "https://meet.example.org/a"}`), "host A retry")
		if again.body["name"] != draft.body["name"] {
			t.Fatalf("host A's retry made %s, want %s", again.body["name"], draft.body["name"])
		}
	})

	t.Run("registering a person twice answers as a new registration would", func(t *testing.T) {
		begin := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
		must(hostA.do(t, "POST", "/v1/events?eventId=tea", `{"title": "Tea", "category": "EVENT_CATEGORY_STORYTELLING_CIRCLE",
			"hostOrganization": "organizations/chc", "onlineUrl": "https://meet.example.org/tea"}`), "event")
		must(hostA.do(t, "POST", "/v1/events/tea/sessions?sessionId=s1", `{"startTime": "`+begin.Format(time.RFC3339)+`", "endTime": "`+
			begin.Add(time.Hour).Format(time.RFC3339)+`", "timeZone": "America/Toronto", "capacity": 10}`), "session")
		must(hostA.do(t, "POST", "/v1/events/tea:submit", `{}`), "submit")
		must(s.as(moderatorID).do(t, "POST", "/v1/events/tea:publish", `{}`), "publish")
		public := s.as(auth.Anonymous)
		victim := must(public.do(t, "POST", "/v1/events/tea/sessions/s1/registrations?requestId=v1", `{"person": {"givenName": "Ada", "email": "ada@example.org"}}`), "victim")
		stranger := must(public.do(t, "POST", "/v1/events/tea/sessions/s1/registrations?requestId=p1", `{"person": {"givenName": "Bo", "email": "bo@example.org"}}`), "a new person")
		probe := must(public.do(t, "POST", "/v1/events/tea/sessions/s1/registrations?requestId=p2", `{"person": {"givenName": "Eve", "email": "ADA@example.org"}}`), "probe with the victim's email")
		for _, r := range []response{victim, stranger, probe} {
			if r.body["state"] != "REGISTRATION_STATE_CONFIRMED" || r.body["cancelToken"] == "" {
				t.Fatalf("registration answer: %s", r.raw)
			}
		}
		if probe.body["name"] == victim.body["name"] {
			t.Fatalf("the probe was told the victim's registration %s", victim.body["name"])
		}
		if keysOf(probe.body) != keysOf(stranger.body) || probe.body["person"].(map[string]any)["givenName"] != "Eve" {
			t.Fatalf("a repeat and a new registration answer in different shapes:\n%s\n%s", probe.raw, stranger.raw)
		}
		// The probe's token cancels nothing; the victim's registration stays theirs to cancel.
		bad := public.do(t, "POST", "/v1/"+victim.body["name"].(string)+":cancel", `{"cancelToken": "`+probe.body["cancelToken"].(string)+`"}`)
		if bad.status == http.StatusOK {
			t.Fatalf("the probe's token cancelled the victim's registration: %s", bad.raw)
		}
		must(public.do(t, "POST", "/v1/"+victim.body["name"].(string)+":cancel", `{"cancelToken": "`+victim.body["cancelToken"].(string)+`"}`), "the victim cancels")
	})
}

// keysOf lists a JSON object's keys in order, to compare the shape of two answers.
func keysOf(m map[string]any) string {
	keys := slices.Collect(maps.Keys(m))
	slices.Sort(keys)
	return strings.Join(keys, ",")
}
