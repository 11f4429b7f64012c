package fhir

import (
	"strings"

	c4 "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
)

// Code systems. Those of socialrx are its own, with canonical URLs under socialrx.org, and are
// listed in the CapabilityStatement; the others are where each code was found (see the README).
const (
	// SNOMED CT 871731000000106 "Referral to social prescribing service (procedure)", the code
	// the referral service gives each referral.
	systemSNOMED = "http://snomed.info/sct"
	// LOINC 106418-7 "Three-Item Loneliness scale [Three-Item Loneliness Scale]", the panel of
	// the UCLA 3-item scale (items 1-3, summed): loinc.org/106418-7, named as the panel of
	// loinc.org/66867-3.
	systemLOINC = "http://loinc.org"
	// FHIR R4 task-code: "fulfill", the code SDOHCC fixes for a referral's Task.
	systemTaskCode = "http://hl7.org/fhir/CodeSystem/task-code"
	// FHIR R4 observation-category: "survey".
	systemObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category"
	// FHIR R4 consentscope: "patient-privacy".
	systemConsentScope = "http://terminology.hl7.org/CodeSystem/consentscope"
	// FHIR R4 goal-achievement: in-progress, improving, worsening, no-change, achieved.
	systemGoalAchievement = "http://terminology.hl7.org/CodeSystem/goal-achievement"

	socialrxBase = "https://socialrx.org/fhir/"
	// Why a person is referred: the referral service's needs.
	systemNeed = socialrxBase + "CodeSystem/need"
	// Finer progress of a referral (after BSeR): contacted, event-booked, event-attended...
	systemBusinessStatus = socialrxBase + "CodeSystem/business-status"
	// What a person's consent covers: share-with-link-worker, share-with-event-hosts.
	systemSocialrxConsentScope = socialrxBase + "CodeSystem/consent-scope"
	// The outcome instruments and their items and totals where LOINC has no code.
	systemInstrument = socialrxBase + "CodeSystem/instrument"
	// When a measure was taken: baseline, follow-up.
	systemTimepoint = socialrxBase + "CodeSystem/timepoint"
	// The category of a Human Connection event.
	systemEventCategory = socialrxBase + "CodeSystem/event-category"
	// The kind of a Task output: attended-event.
	systemTaskOutput = socialrxBase + "CodeSystem/task-output"
	// The consent policy of socialrx, the Consent's policyRule.
	systemConsentPolicy = socialrxBase + "CodeSystem/consent-policy"
	// Identifiers of referrals: the referral's resource name.
	systemReferralID = socialrxBase + "sid/referral"
)

// socialrxCodeSystems lists socialrx's own code systems for the CapabilityStatement.
var socialrxCodeSystems = []string{systemNeed, systemBusinessStatus, systemSocialrxConsentScope, systemInstrument,
	systemTimepoint, systemEventCategory, systemTaskOutput, systemConsentPolicy, systemLocationType, systemTaxonomy}

// Codes from outside socialrx.
const (
	codeSocialPrescribing = "871731000000106"
	displaySocialRx       = "Referral to social prescribing service (procedure)"
	codeUCLA3Panel        = "106418-7"
	codeFulfill           = "fulfill"
)

// enumCode turns a proto enum value name into a code: NEED_SOCIAL_ISOLATION -> social-isolation.
func enumCode(name, prefix string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(name, prefix)), "_", "-")
}

// taskStatus maps the referral lifecycle one to one onto Task.status.
var taskStatus = map[referralv1.ReferralStatus]c4.TaskStatusCode_Value{
	referralv1.ReferralStatus_REFERRAL_STATUS_DRAFT:            c4.TaskStatusCode_DRAFT,
	referralv1.ReferralStatus_REFERRAL_STATUS_REQUESTED:        c4.TaskStatusCode_REQUESTED,
	referralv1.ReferralStatus_REFERRAL_STATUS_ACCEPTED:         c4.TaskStatusCode_ACCEPTED,
	referralv1.ReferralStatus_REFERRAL_STATUS_REJECTED:         c4.TaskStatusCode_REJECTED,
	referralv1.ReferralStatus_REFERRAL_STATUS_IN_PROGRESS:      c4.TaskStatusCode_IN_PROGRESS,
	referralv1.ReferralStatus_REFERRAL_STATUS_ON_HOLD:          c4.TaskStatusCode_ON_HOLD,
	referralv1.ReferralStatus_REFERRAL_STATUS_COMPLETED:        c4.TaskStatusCode_COMPLETED,
	referralv1.ReferralStatus_REFERRAL_STATUS_FAILED:           c4.TaskStatusCode_FAILED,
	referralv1.ReferralStatus_REFERRAL_STATUS_CANCELLED:        c4.TaskStatusCode_CANCELLED,
	referralv1.ReferralStatus_REFERRAL_STATUS_ENTERED_IN_ERROR: c4.TaskStatusCode_ENTERED_IN_ERROR,
}

// referralStatusOf is the referral status of a Task status; false for received and ready,
// which the lifecycle has not.
func referralStatusOf(s c4.TaskStatusCode_Value) (referralv1.ReferralStatus, bool) {
	for k, v := range taskStatus {
		if v == s {
			return k, true
		}
	}
	return 0, false
}

// taskStatusCode is the FHIR code of a Task status, e.g. "in-progress".
func taskStatusCode(s c4.TaskStatusCode_Value) string {
	return enumCode(s.String(), "")
}

// requestStatus is the ServiceRequest.status of a referral status.
func requestStatus(s referralv1.ReferralStatus) c4.RequestStatusCode_Value {
	switch s {
	case referralv1.ReferralStatus_REFERRAL_STATUS_DRAFT:
		return c4.RequestStatusCode_DRAFT
	case referralv1.ReferralStatus_REFERRAL_STATUS_ON_HOLD:
		return c4.RequestStatusCode_ON_HOLD
	case referralv1.ReferralStatus_REFERRAL_STATUS_COMPLETED:
		return c4.RequestStatusCode_COMPLETED
	case referralv1.ReferralStatus_REFERRAL_STATUS_REJECTED, referralv1.ReferralStatus_REFERRAL_STATUS_FAILED,
		referralv1.ReferralStatus_REFERRAL_STATUS_CANCELLED:
		return c4.RequestStatusCode_REVOKED
	case referralv1.ReferralStatus_REFERRAL_STATUS_ENTERED_IN_ERROR:
		return c4.RequestStatusCode_ENTERED_IN_ERROR
	}
	return c4.RequestStatusCode_ACTIVE
}

// referralStatusesOfRequest are the referral statuses a ServiceRequest status stands for.
func referralStatusesOfRequest(s c4.RequestStatusCode_Value) []referralv1.ReferralStatus {
	var out []referralv1.ReferralStatus
	for v := range referralv1.ReferralStatus_name {
		rs := referralv1.ReferralStatus(v)
		if rs != referralv1.ReferralStatus_REFERRAL_STATUS_UNSPECIFIED && requestStatus(rs) == s {
			out = append(out, rs)
		}
	}
	return out
}

func priority(p referralv1.Priority) c4.RequestPriorityCode_Value {
	switch p {
	case referralv1.Priority_PRIORITY_URGENT:
		return c4.RequestPriorityCode_URGENT
	case referralv1.Priority_PRIORITY_ASAP:
		return c4.RequestPriorityCode_ASAP
	}
	return c4.RequestPriorityCode_ROUTINE
}

func priorityOf(p c4.RequestPriorityCode_Value) (referralv1.Priority, bool) {
	switch p {
	case c4.RequestPriorityCode_INVALID_UNINITIALIZED, c4.RequestPriorityCode_ROUTINE:
		return referralv1.Priority_PRIORITY_ROUTINE, true
	case c4.RequestPriorityCode_URGENT:
		return referralv1.Priority_PRIORITY_URGENT, true
	case c4.RequestPriorityCode_ASAP:
		return referralv1.Priority_PRIORITY_ASAP, true
	}
	return 0, false
}

// needOf is the referral need of a code of systemNeed.
func needOf(c string) (referralv1.Need, bool) {
	for v, name := range referralv1.Need_name {
		if v != 0 && enumCode(name, "NEED_") == c {
			return referralv1.Need(v), true
		}
	}
	return 0, false
}
