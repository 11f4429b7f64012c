package fhir_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// sendReferral sends a referral in and returns its id.
func sendReferral(t *testing.T, c *client, identifier string) string {
	t.Helper()
	a := c.do(t, "POST", "/", referralBundle(identifier, nil)).must(t, http.StatusOK, "send "+identifier)
	return getS(a.body, "entry.2.resource.id")
}

// Another organisation's EMR sees none of it (404, as for what does not exist), a token without
// the scope is 403, no token is 401, and searches hold only what the caller may see.
func TestAccess(t *testing.T) {
	s := start(t, 1)
	emr := s.as(emrToken(t, ""))
	rid := sendReferral(t, emr, "rx-2001")
	// The clinic's clinician refers to the same centre over gRPC: the EMR must not see it.
	clin := testenv.As(context.Background(), t, referraltest.ClinicianID)
	other, err := s.referrals.Client.CreateReferral(clin, &referralv1.CreateReferralRequest{Referral: &referralv1.Referral{
		Subject:               &referralv1.Subject{GivenName: "Ada", FamilyName: "Lovelace", DateOfBirth: "1950-12-10"},
		ReferringPractitioner: referraltest.Clinician, ReferringOrganization: referraltest.Clinic, ReceivingOrganization: referraltest.CHC,
		Needs:   []referralv1.Need{referralv1.Need_NEED_SOCIAL_ISOLATION},
		Consent: &referralv1.Consent{GrantedBy: "subject", GrantTime: timestamppb.New(time.Now().Add(-time.Minute)), Scope: []string{"share-with-link-worker"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.referrals.Client.SubmitReferral(clin, &referralv1.SubmitReferralRequest{Name: other.GetName()}); err != nil {
		t.Fatal(err)
	}
	otherID := strings.TrimPrefix(other.GetName(), "referrals/")

	outsider := s.asID(t, otherEMRID)
	for _, path := range []string{"/Task/" + rid, "/ServiceRequest/" + rid, "/Patient/" + rid, "/Consent/" + rid, "/Task/" + rid + "/_history/x1"} {
		a := outsider.do(t, "GET", path, "")
		if code, _ := a.issue(); a.status != http.StatusNotFound || code != "not-found" {
			t.Errorf("another organisation's EMR reads %s: %d %s", path, a.status, a.raw)
		}
	}
	if a := emr.do(t, "GET", "/Task/"+otherID, ""); a.status != http.StatusNotFound {
		t.Errorf("the EMR reads the clinic's referral: %d %s", a.status, a.raw)
	}
	if a := emr.do(t, "GET", "/Task/no-such-referral", ""); a.status != http.StatusNotFound {
		t.Errorf("a referral that does not exist: %d %s", a.status, a.raw)
	}

	narrow := s.as(emrToken(t, "system/ServiceRequest.crs"))
	for _, path := range []string{"/Task/" + rid, "/Task?status=requested"} {
		a := narrow.do(t, "GET", path, "")
		if code, expr := a.issue(); a.status != http.StatusForbidden || code != "forbidden" || expr != "Task" {
			t.Errorf("%s without system/Task.rs: %d %s", path, a.status, a.raw)
		}
	}
	narrow.do(t, "GET", "/ServiceRequest/"+rid, "").must(t, http.StatusOK, "the ServiceRequest with system/ServiceRequest.crs")
	if a := narrow.do(t, "POST", "/", referralBundle("rx-2002", nil)); a.status != http.StatusForbidden {
		t.Errorf("a transaction without system/Patient.c: %d %s", a.status, a.raw)
	}
	if a := s.as("").do(t, "GET", "/Task/"+rid, ""); a.status != http.StatusUnauthorized || a.header.Get("WWW-Authenticate") == "" {
		t.Errorf("no token: %d %s", a.status, a.raw)
	}
	if a := s.as("not-a-token").do(t, "GET", "/Task/"+rid, ""); a.status != http.StatusUnauthorized {
		t.Errorf("a bad token: %d %s", a.status, a.raw)
	}

	ids := func(c *client, path string) []string {
		t.Helper()
		a := c.do(t, "GET", path, "").must(t, http.StatusOK, path)
		var out []string
		entries, _ := get(a.body, "entry").([]any)
		for _, e := range entries {
			out = append(out, getS(e, "resource.id"))
		}
		return out
	}
	if got := ids(emr, "/Task?owner=Organization/chc"); len(got) != 1 || got[0] != rid {
		t.Errorf("the EMR's search: %v, want only %s", got, rid)
	}
	if got := ids(outsider, "/Task"); len(got) != 0 {
		t.Errorf("another organisation's search: %v, want none", got)
	}
	performer := s.asID(t, performerID)
	if got := ids(performer, "/Task?owner=Organization/chc&status=requested"); len(got) != 2 {
		t.Errorf("the centre's search: %v, want both", got)
	}
	// Paging: one a page, the next link carries the service's page token.
	first := performer.do(t, "GET", "/Task?owner=Organization/chc&_count=1", "").must(t, http.StatusOK, "first page")
	var next string
	for _, l := range get(first.body, "link").([]any) {
		if getS(l, "relation") == "next" {
			next = getS(l, "url")
		}
	}
	if len(get(first.body, "entry").([]any)) != 1 || !strings.Contains(next, "_page_token=") || get(first.body, "total") != float64(2) {
		t.Fatalf("first page: %s", first.raw)
	}
	second := performer.do(t, "GET", strings.TrimPrefix(next, s.bases[0]+"/fhir/r4"), "").must(t, http.StatusOK, "next page")
	if a, b := getS(first.body, "entry.0.resource.id"), getS(second.body, "entry.0.resource.id"); a == b || b == "" {
		t.Fatalf("the pages hold %q and %q", a, b)
	}
	if got := ids(emr, "/Task?_lastUpdated=gt"+time.Now().Add(time.Hour).UTC().Format(time.RFC3339)); len(got) != 0 {
		t.Errorf("updated after an hour from now: %v", got)
	}
	if got := ids(emr, "/Task?_lastUpdated=gt"+time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)); len(got) != 1 {
		t.Errorf("updated in the last hour: %v", got)
	}
	withTask := emr.do(t, "GET", "/ServiceRequest?subject=Patient/"+rid+"&status=active&_revinclude=Task:focus", "").must(t, http.StatusOK, "ServiceRequest search")
	if getS(withTask.body, "entry.0.resource.resourceType") != "ServiceRequest" || getS(withTask.body, "entry.1.resource.resourceType") != "Task" {
		t.Errorf("ServiceRequest?subject with _revinclude: %s", withTask.raw)
	}
	if got := ids(emr, "/ServiceRequest?subject=Patient/"+rid+"&status=completed"); len(got) != 0 {
		t.Errorf("a completed ServiceRequest of an active referral: %v", got)
	}
	if got := ids(emr, "/Patient?family=Okafor&given=Margaret&birthdate=1948-03-14"); len(got) != 1 || got[0] != rid {
		t.Errorf("Patient search: %v", got)
	}
	if got := ids(outsider, "/Patient?family=Okafor&given=Margaret&birthdate=1948-03-14"); len(got) != 0 {
		t.Errorf("another organisation finds the person: %v", got)
	}
	bad := emr.do(t, "GET", "/Task?colour=red", "")
	if code, expr := bad.issue(); bad.status != http.StatusBadRequest || code != "not-supported" || expr != "colour" {
		t.Errorf("an unknown search parameter: %d %s", bad.status, bad.raw)
	}
}

// Bad input is an OperationOutcome naming the element, never a 5xx, and stores nothing.
func TestBadInput(t *testing.T) {
	s := start(t, 1)
	token := emrToken(t, "")
	emr := s.as(token)
	replace := func(typ, old, new string) func(map[string]string) {
		return func(m map[string]string) {
			if !strings.Contains(m[typ], old) {
				panic("no " + old + " in " + typ)
			}
			m[typ] = strings.Replace(m[typ], old, new, 1)
		}
	}
	var many strings.Builder
	many.WriteString(`{"resourceType": "Bundle", "type": "transaction", "entry": [`)
	for i := range 10000 {
		if i > 0 {
			many.WriteString(",")
		}
		many.WriteString(`{"resource": {"resourceType": "Basic"}}`)
	}
	many.WriteString("]}")
	for _, tc := range []struct {
		name, body string
		status     int
		code, expr string
	}{
		{"wrong resourceType", strings.Replace(referralBundle("rx-3001", nil), `"resourceType": "Bundle"`, `"resourceType": "Patient"`, 1),
			http.StatusBadRequest, "invalid", "Bundle.resourceType"},
		{"missing subject", referralBundle("rx-3002", replace("ServiceRequest", `"subject": {"reference": "urn:uuid:00000000-0000-4000-8000-000000000001"},`, "")),
			http.StatusBadRequest, "invalid", "Bundle.entry[1].resource.subject"},
		{"unknown code system", referralBundle("rx-3003", replace("ServiceRequest", "https://socialrx.org/fhir/CodeSystem/need", "http://example.org/needs")),
			http.StatusBadRequest, "invalid", "Bundle.entry[1].resource.reasonCode[0].coding[0].system"},
		{"a reference to an organisation that does not exist", referralBundle("rx-3004", func(m map[string]string) {
			replace("ServiceRequest", `"Organization/chc"`, `"Organization/nowhere"`)(m)
			replace("Task", `"Organization/chc"`, `"Organization/nowhere"`)(m)
		}),
			http.StatusBadRequest, "invalid", "Bundle.entry[1].resource.performer[0]"},
		{"a 1 MB string", referralBundle("rx-3005", replace("Patient", `"family": "Okafor"`, `"family": "`+strings.Repeat("a", 1_000_000)+`"`)),
			http.StatusBadRequest, "invalid", "Bundle.entry[0].resource.name[0].family"},
		{"malformed JSON", `{"resourceType": "Bundle", "type": "transaction", "entry": [`, http.StatusBadRequest, "invalid", ""},
		{"a Bundle of 10,000 entries", many.String(), http.StatusBadRequest, "too-costly", "Bundle.entry"},
		{"the second entry is invalid", referralBundle("rx-3006", replace("ServiceRequest", `"status": "active"`, `"status": "sent"`)),
			http.StatusBadRequest, "invalid", "Bundle.entry[1].resource.status"},
		{"a Task sent in as completed", referralBundle("rx-3007", replace("Task", `"status": "requested"`, `"status": "completed"`)),
			http.StatusUnprocessableEntity, "business-rule", "Bundle.entry[2].resource.status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := emr.do(t, "POST", "/", tc.body)
			code, expr := a.issue()
			if a.status != tc.status || code != tc.code || expr != tc.expr {
				t.Fatalf("%d %s %q, want %d %s %q: %.500s", a.status, code, expr, tc.status, tc.code, tc.expr, a.raw)
			}
		})
	}
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
	list, err := s.referrals.Client.ListReferrals(ctx, &referralv1.ListReferralsRequest{})
	if err != nil || list.GetTotalSize() != 0 {
		t.Fatalf("bad Bundles stored %d referrals (%v)", list.GetTotalSize(), err)
	}
	// Over the edge's body limit: 413, as an OperationOutcome.
	huge := emr.do(t, "POST", "/", `{"resourceType": "Bundle", "x": "`+strings.Repeat("a", 2<<20)+`"}`)
	if code, _ := huge.issue(); huge.status != http.StatusRequestEntityTooLarge || code != "too-costly" {
		t.Fatalf("a body over the limit: %d %.300s", huge.status, huge.raw)
	}
	// A Task update that the lifecycle refuses names the element.
	rid := sendReferral(t, emr, "rx-3100")
	noReason := s.asID(t, performerID).do(t, "PATCH", "/Task/"+rid, `[{"op": "replace", "path": "/status", "value": "rejected"}]`,
		"Content-Type", "application/json-patch+json")
	if code, expr := noReason.issue(); noReason.status != http.StatusUnprocessableEntity || code != "business-rule" || expr != "Task.statusReason" {
		t.Fatalf("reject without a reason: %d %s", noReason.status, noReason.raw)
	}
	focus := s.asID(t, performerID).do(t, "PATCH", "/Task/"+rid, `[{"op": "replace", "path": "/focus/reference", "value": "ServiceRequest/other"}]`,
		"Content-Type", "application/json-patch+json")
	if code, expr := focus.issue(); focus.status != http.StatusUnprocessableEntity || code != "business-rule" || expr != "Task.focus" {
		t.Fatalf("change the focus: %d %s", focus.status, focus.raw)
	}
}

// Two gateway replicas taking the same Bundle at once make one referral.
func TestBundlesRacingOnTwoGateways(t *testing.T) {
	s := start(t, 2)
	token := emrToken(t, "")
	emr := s.as(token)
	const n = 6
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			a := emr.on(i%2).do(t, "POST", "/", referralBundle("rx-race", nil))
			if a.status != http.StatusOK {
				t.Errorf("replica %d: %d %s", i%2, a.status, a.raw)
				return
			}
			ids[i] = getS(a.body, "entry.2.resource.id")
		})
	}
	wg.Wait()
	for i := range ids {
		if ids[i] == "" || ids[i] != ids[0] {
			t.Fatalf("the racing Bundles answered %v", ids)
		}
	}
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
	list, err := s.referrals.Client.ListReferrals(ctx, &referralv1.ListReferralsRequest{})
	if err != nil || list.GetTotalSize() != 1 || list.GetReferrals()[0].GetStatus() != referralv1.ReferralStatus_REFERRAL_STATUS_REQUESTED {
		t.Fatalf("the race made %d referrals (%v)", list.GetTotalSize(), err)
	}
}
