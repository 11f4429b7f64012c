package fhir_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// sdohccTaskProfile is the one profile the facade claims.
const sdohccTaskProfile = "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-TaskForReferralManagement"

// checkSDOHCCTask checks a Task against the constraints of SDOHCC TaskForReferralManagement
// (SDOH Clinical Care STU 2, hl7.org/fhir/us/sdoh-clinicalcare/STU2/StructureDefinition-SDOHCC-
// TaskForReferralManagement.html), written out from the guide: status 1..1; statusReason.text
// 1..1 when there is a statusReason; intent fixed to "order"; code 1..1; focus (the
// ServiceRequest), for (the Patient) and requester are required. The facade's own mapping adds
// that owner is the receiving Organization.
func checkSDOHCCTask(t *testing.T, task map[string]any) {
	t.Helper()
	var profiles []string
	for _, p := range get(task, "meta.profile").([]any) {
		profiles = append(profiles, p.(string))
	}
	switch {
	case len(profiles) != 1 || profiles[0] != sdohccTaskProfile:
		t.Errorf("meta.profile %v", profiles)
	case getS(task, "status") == "":
		t.Errorf("no status")
	case task["statusReason"] != nil && getS(task, "statusReason.text") == "":
		t.Errorf("statusReason without text: %v", task["statusReason"])
	case getS(task, "intent") != "order":
		t.Errorf("intent %q, fixed to order", getS(task, "intent"))
	case getS(task, "code.coding.0.system") != "http://hl7.org/fhir/CodeSystem/task-code" || getS(task, "code.coding.0.code") != "fulfill":
		t.Errorf("code %v", task["code"])
	case !strings.HasPrefix(getS(task, "focus.reference"), "ServiceRequest/"):
		t.Errorf("focus %v", task["focus"])
	case !strings.HasPrefix(getS(task, "for.reference"), "Patient/"):
		t.Errorf("for %v", task["for"])
	case getS(task, "requester.reference") == "":
		t.Errorf("requester %v", task["requester"])
	case !strings.HasPrefix(getS(task, "owner.reference"), "Organization/"):
		t.Errorf("owner %v", task["owner"])
	}
}

// Tasks in the statuses that carry a reason meet the profile they claim.
func TestTaskMeetsTheSDOHCCProfile(t *testing.T) {
	s := start(t, 1)
	emr := s.as(emrToken(t, ""))
	performer := s.asID(t, performerID)
	requested := sendReferral(t, emr, "rx-4001")
	checkSDOHCCTask(t, emr.do(t, "GET", "/Task/"+requested, "").must(t, http.StatusOK, "requested").body)
	rejected := sendReferral(t, emr, "rx-4002")
	r := performer.do(t, "PATCH", "/Task/"+rejected, `[{"op": "replace", "path": "/status", "value": "rejected"},
		{"op": "add", "path": "/statusReason", "value": {"text": "No capacity until spring."}}]`,
		"Content-Type", "application/json-patch+json").must(t, http.StatusOK, "reject")
	if getS(r.body, "status") != "rejected" || getS(r.body, "statusReason.text") != "No capacity until spring." {
		t.Fatalf("rejected: %s", r.raw)
	}
	checkSDOHCCTask(t, emr.do(t, "GET", "/Task/"+rejected, "").must(t, http.StatusOK, "rejected").body)
	// The performer's system accepts by naming the link worker as the owner; the Task's owner
	// stays the organisation, the referral's assignee is the link worker.
	accepted := sendReferral(t, emr, "rx-4004")
	performer.do(t, "PATCH", "/Task/"+accepted, `[{"op": "replace", "path": "/status", "value": "accepted"},
		{"op": "replace", "path": "/owner/reference", "value": "Practitioner/lw-amara"}]`,
		"Content-Type", "application/json-patch+json").must(t, http.StatusOK, "accept")
	got, err := s.referrals.Client.GetReferral(testenv.As(context.Background(), t, performerID), &referralv1.GetReferralRequest{Name: "referrals/" + accepted})
	if err != nil || got.GetAssignee() != referraltest.LinkWorker || got.GetStatus() != referralv1.ReferralStatus_REFERRAL_STATUS_ACCEPTED {
		t.Fatalf("accepted over FHIR: %v %v", got, err)
	}
	acceptedTask := emr.do(t, "GET", "/Task/"+accepted, "").must(t, http.StatusOK, "accepted").body
	checkSDOHCCTask(t, acceptedTask)
	if getS(acceptedTask, "status") != "accepted" {
		t.Fatalf("accepted Task: %v", acceptedTask)
	}
	cancelled := sendReferral(t, emr, "rx-4003")
	c := emr.do(t, "PATCH", "/Task/"+cancelled, `[{"op": "replace", "path": "/status", "value": "cancelled"},
		{"op": "add", "path": "/statusReason", "value": {"text": "The person moved away."}}]`,
		"Content-Type", "application/json-patch+json", "Prefer", "return=minimal")
	if c.status != http.StatusOK || len(c.raw) != 0 || c.header.Get("ETag") == "" {
		t.Fatalf("cancel with return=minimal: %d %q %q", c.status, c.raw, c.header.Get("ETag"))
	}
	checkSDOHCCTask(t, emr.do(t, "GET", "/Task/"+cancelled, "").must(t, http.StatusOK, "cancelled").body)
	oo := emr.do(t, "GET", "/Task/"+cancelled, "", "Prefer", "return=OperationOutcome").must(t, http.StatusOK, "return=OperationOutcome")
	if getS(oo.body, "resourceType") != "OperationOutcome" {
		t.Fatalf("return=OperationOutcome: %s", oo.raw)
	}
}
