package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/socialrx/socialrx/services/platform/auth"
)

// The referral lifecycle over REST, with its errors: missing consent, illegal moves, bad items.
func TestRESTReferralFlow(t *testing.T) {
	s := start(t)
	admin := s.as(adminID)
	clin := s.as(auth.Identity{Subject: "practitioners/dr-lee", Organization: "organizations/clinic", Roles: []string{auth.RoleClinician}})
	lw := s.as(auth.Identity{Subject: "practitioners/lw", Organization: "organizations/chc", Roles: []string{auth.RoleLinkWorker}})
	must := func(r response, what string) response {
		t.Helper()
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", what, r.status, r.raw)
		}
		return r
	}
	must(admin.do(t, "POST", "/v1/organizations?organizationId=clinic", `{"displayName": "Family Health Team"}`), "clinic")
	must(admin.do(t, "POST", "/v1/organizations?organizationId=chc", `{"displayName": "Riverdale CHC"}`), "chc")
	must(admin.do(t, "POST", "/v1/practitioners?practitionerId=dr-lee", `{"organization": "organizations/clinic", "givenName": "Sam", "familyName": "Lee", "role": "PRACTITIONER_ROLE_CLINICIAN"}`), "clinician")
	must(admin.do(t, "POST", "/v1/practitioners?practitionerId=lw", `{"organization": "organizations/chc", "givenName": "Amara", "familyName": "Osei", "role": "PRACTITIONER_ROLE_LINK_WORKER"}`), "link worker")

	referral := `{"subject": {"givenName": "Margaret", "familyName": "Okafor", "dateOfBirth": "1948-03-14"},
		"referringPractitioner": "practitioners/dr-lee", "referringOrganization": "organizations/clinic",
		"receivingOrganization": "organizations/chc", "needs": ["NEED_LONELINESS"], "whatMatters": "Gardening."}`
	created := must(clin.do(t, "POST", "/v1/referrals?requestId=r1", referral), "create")
	r1 := "/v1/" + created.body["name"].(string)
	if created.body["status"] != "REFERRAL_STATUS_DRAFT" || created.body["code"] != "871731000000106" {
		t.Fatalf("created: %s", created.raw)
	}
	noConsent := clin.do(t, "POST", r1+":submit", `{}`)
	if st, reason, _ := errorInfo(noConsent); noConsent.status != http.StatusBadRequest || st != "FAILED_PRECONDITION" || reason != "CONSENT_REQUIRED" {
		t.Fatalf("submit without consent: %d %s", noConsent.status, noConsent.raw)
	}
	grant := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	must(clin.do(t, "POST", r1+":recordConsent", `{"consent": {"grantedBy": "subject", "grantTime": "`+grant+`", "scope": ["share-with-link-worker"]}}`), "consent")
	must(clin.do(t, "POST", r1+":submit", `{}`), "submit")
	illegal := lw.do(t, "POST", r1+":complete", `{}`)
	if st, reason, _ := errorInfo(illegal); illegal.status != http.StatusBadRequest || st != "FAILED_PRECONDITION" || reason != "REFERRAL_STATUS" {
		t.Fatalf("complete a requested referral: %d %s", illegal.status, illegal.raw)
	}
	accepted := must(lw.do(t, "POST", r1+":accept", `{"assignee": "practitioners/lw"}`), "accept")
	stale := lw.do(t, "POST", r1+":start", `{"etag": "`+created.body["etag"].(string)+`"}`)
	if st, _, _ := errorInfo(stale); stale.status != http.StatusConflict || st != "ABORTED" {
		t.Fatalf("start with a stale etag: %d %s", stale.status, stale.raw)
	}
	must(lw.do(t, "POST", r1+":start", `{"etag": "`+accepted.body["etag"].(string)+`"}`), "start")
	bad := lw.do(t, "POST", r1+":recordMeasure", `{"instrument": "INSTRUMENT_SWEMWBS", "timepoint": "TIMEPOINT_BASELINE", "items": [1, 2, 3, 4, 5, 6, 2]}`)
	if st, _, field := errorInfo(bad); bad.status != http.StatusBadRequest || st != "INVALID_ARGUMENT" || field != "items[5]" {
		t.Fatalf("measure out of range: %d %s", bad.status, bad.raw)
	}
	ok := must(lw.do(t, "POST", r1+":recordMeasure", `{"instrument": "INSTRUMENT_SWEMWBS", "timepoint": "TIMEPOINT_BASELINE", "items": [1, 2, 3, 4, 5, 4, 2]}`), "measure")
	if m := ok.body["measures"].([]any)[0].(map[string]any); m["total"] != float64(21) {
		t.Fatalf("SWEMWBS total: %v", m)
	}
	tl := must(clin.do(t, "GET", r1+"/timeline", ""), "timeline")
	if entries := tl.body["entries"].([]any); len(entries) != 6 {
		t.Fatalf("timeline: %s", tl.raw)
	}
	future := clin.do(t, "POST", "/v1/referrals", `{"subject": {"givenName": "A", "familyName": "B", "dateOfBirth": "2999-01-01"},
		"referringPractitioner": "practitioners/dr-lee", "referringOrganization": "organizations/clinic",
		"receivingOrganization": "organizations/chc", "needs": ["NEED_LONELINESS"]}`)
	if st, _, field := errorInfo(future); future.status != http.StatusBadRequest || st != "INVALID_ARGUMENT" || field != "referral.subject.date_of_birth" {
		t.Fatalf("date of birth in the future: %d %s", future.status, future.raw)
	}
	counts := must(clin.do(t, "GET", "/v1/referrals:count", ""), "count")
	if counts.body["counts"].(map[string]any)["IN_PROGRESS"] != float64(1) {
		t.Fatalf("counts: %s", counts.raw)
	}
}
