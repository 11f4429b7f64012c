package fhir_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// referralBundle is the transaction an EMR sends: the person, the ServiceRequest (whose
// identifier makes a retry safe), the SDOHCC Task, the consent and what matters as a Goal.
// edit changes the resources before they are put in the Bundle.
func referralBundle(identifier string, edit func(map[string]string)) string {
	res := map[string]string{
		"Patient": `{"resourceType": "Patient", "name": [{"family": "Okafor", "given": ["Margaret"]}], "birthDate": "1948-03-14",
			"telecom": [{"system": "email", "value": "margaret@example.org"}], "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "en"}]}}]}`,
		"ServiceRequest": `{"resourceType": "ServiceRequest", "status": "active", "intent": "order",
			"identifier": [{"system": "urn:oid:2.16.840.1.113883.3.9999", "value": "` + identifier + `"}],
			"code": {"coding": [{"system": "http://snomed.info/sct", "code": "871731000000106"}]},
			"subject": {"reference": "urn:uuid:00000000-0000-4000-8000-000000000001"},
			"requester": {"reference": "Practitioner/` + strings.TrimPrefix(emrClinician, "practitioners/") + `"},
			"performer": [{"reference": "Organization/` + strings.TrimPrefix(referraltest.CHC, "organizations/") + `"}],
			"reasonCode": [{"coding": [{"system": "https://socialrx.org/fhir/CodeSystem/need", "code": "loneliness"}]}],
			"note": [{"text": "Widowed last year; rarely leaves the house."}], "priority": "routine"}`,
		"Task": `{"resourceType": "Task", "status": "requested", "intent": "order",
			"code": {"coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "fulfill"}]},
			"focus": {"reference": "urn:uuid:00000000-0000-4000-8000-000000000002"},
			"for": {"reference": "urn:uuid:00000000-0000-4000-8000-000000000001"},
			"owner": {"reference": "Organization/` + strings.TrimPrefix(referraltest.CHC, "organizations/") + `"}}`,
		"Consent": `{"resourceType": "Consent", "status": "active",
			"scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
			"category": [{"text": "share details"}], "patient": {"reference": "urn:uuid:00000000-0000-4000-8000-000000000001"},
			"dateTime": "` + time.Now().Add(-time.Minute).UTC().Format(time.RFC3339) + `", "policyRule": {"text": "socialrx consent to share"},
			"provision": {"type": "permit", "action": [{"coding": [{"system": "https://socialrx.org/fhir/CodeSystem/consent-scope", "code": "share-with-link-worker"}]},
				{"coding": [{"system": "https://socialrx.org/fhir/CodeSystem/consent-scope", "code": "share-with-event-hosts"}]}]}}`,
		"Goal": `{"resourceType": "Goal", "lifecycleStatus": "proposed", "description": {"text": "Meet people again; I used to love gardening."},
			"subject": {"reference": "urn:uuid:00000000-0000-4000-8000-000000000001"}}`,
	}
	if edit != nil {
		edit(res)
	}
	var entries []string
	for i, typ := range []string{"Patient", "ServiceRequest", "Task", "Consent", "Goal"} {
		r, ok := res[typ]
		if !ok {
			continue
		}
		entries = append(entries, fmt.Sprintf(`{"fullUrl": "urn:uuid:00000000-0000-4000-8000-00000000000%d", "resource": %s, "request": {"method": "POST", "url": "%s"}}`,
			i+1, r, typ))
	}
	return `{"resourceType": "Bundle", "type": "transaction", "entry": [` + strings.Join(entries, ",") + `]}`
}
