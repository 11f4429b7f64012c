package fhir

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"google.golang.org/protobuf/proto"

	c4 "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	d4 "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	bcrpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
	consentpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/consent_go_proto"
	goalpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/goal_go_proto"
	patientpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/patient_go_proto"
	srpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/service_request_go_proto"
	taskpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/task_go_proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
)

// maxEntries bounds a transaction: a referral is five resources.
const maxEntries = 20

// libraryPath finds the element the library's unmarshaller names in its error.
var (
	libraryPath   = regexp.MustCompile(`error at "([^"]*)"`)
	containedType = regexp.MustCompile(`(\.resource)\.[A-Za-z]+(\.|$)`)
	missingField  = regexp.MustCompile(`^error at "[^"]*": missing required field "([A-Za-z]+)"`)
)

// inbound is a referral sent in as a transaction Bundle, each resource with its entry index.
type inbound struct {
	patient  *patientpb.Patient
	request  *srpb.ServiceRequest
	task     *taskpb.Task
	consent  *consentpb.Consent
	goal     *goalpb.Goal
	index    map[string]int    // resource type -> entry index
	fullURLs map[string]string // resource type -> fullUrl
}

func (in *inbound) at(typ, element string) string {
	e := fmt.Sprintf("Bundle.entry[%d].resource", in.index[typ])
	if element != "" {
		e += "." + element
	}
	return e
}

// transaction serves POST [base] with a transaction Bundle of Patient, ServiceRequest, Task,
// Consent and an optional Goal: one referral, made with CreateReferral and, when the Task is
// requested, sent with SubmitReferral. Everything is checked before anything is stored; the
// ServiceRequest's identifier is the request id, so the same Bundle again returns the first
// referral.
func (h *Handler) transaction(w http.ResponseWriter, c *call) *problem {
	body, p := h.readBody(c.r)
	if p != nil {
		return p
	}
	var head struct {
		ResourceType string            `json:"resourceType"`
		Entry        []json.RawMessage `json:"entry"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return invalid("Bundle", "the body must be a Bundle resource: %s", printable(err.Error()))
	}
	if head.ResourceType != "Bundle" {
		return invalid("Bundle.resourceType", "POST to the base takes a transaction Bundle, not %q", printable(head.ResourceType))
	}
	if len(head.Entry) > maxEntries {
		return &problem{http.StatusBadRequest, c4.IssueTypeCode_TOO_COSTLY, "Bundle.entry", fmt.Sprintf(
			"a transaction holds one referral (at most %d entries), not %d", maxEntries, len(head.Entry))}
	}
	res, err := h.codec.decode(body)
	if err != nil {
		return libraryError(err, "Bundle")
	}
	bundle, ok := res.(*bcrpb.Bundle)
	if !ok {
		return invalid("Bundle.resourceType", "POST to the base takes a transaction Bundle")
	}
	if bundle.GetType().GetValue() != c4.BundleTypeCode_TRANSACTION {
		return unsupported("Bundle.type", "only transaction Bundles are taken")
	}
	in, p := readInbound(bundle)
	if p != nil {
		return p
	}
	for _, typ := range []string{"Patient", "ServiceRequest", "Task", "Consent", "Goal"} {
		if _, ok := in.index[typ]; ok && !scopeGrants(c.id, typ, permCreate) {
			return needScope(typ, permCreate)
		}
	}
	req, p := in.createRequest(c)
	if p != nil {
		return p
	}
	field := in.fieldOf
	r, err := h.referrals.CreateReferral(c.ctx, req)
	if err != nil {
		return fromRPC(err, "Bundle", false, field)
	}
	if in.task.GetStatus().GetValue() == c4.TaskStatusCode_REQUESTED && r.GetStatus() == referralv1.ReferralStatus_REFERRAL_STATUS_DRAFT {
		submitted, err := h.referrals.SubmitReferral(c.ctx, &referralv1.SubmitReferralRequest{Name: r.GetName()})
		if err != nil {
			// Another replica may have sent the same Bundle and submitted it first.
			again, gerr := h.referrals.GetReferral(c.ctx, &referralv1.GetReferralRequest{Name: r.GetName()})
			if gerr != nil || again.GetStatus() == referralv1.ReferralStatus_REFERRAL_STATUS_DRAFT {
				return fromRPC(err, in.at("Task", "status"), false, field)
			}
			submitted = again
		}
		r = submitted
	}
	return h.writeTransactionResponse(w, c, in, r)
}

// libraryError is the 400 of what the library's unmarshaller refused, naming its element as
// FHIRPath does: the library's "Bundle.entry[1].resource.ServiceRequest" (or ".serviceRequest"
// with 'missing required field "subject"') is Bundle.entry[1].resource.subject.
func libraryError(err error, fallback string) *problem {
	msg := err.Error()
	expr := fallback
	if m := libraryPath.FindStringSubmatch(msg); m != nil && m[1] != "" {
		expr = containedType.ReplaceAllString(m[1], "$1$2")
		if f := missingField.FindStringSubmatch(msg); f != nil && strings.HasPrefix(msg[strings.Index(msg, m[0]):], m[0]) {
			expr += "." + f[1]
		}
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return invalid(expr, "not valid FHIR R4: %s", printable(msg))
}

// readInbound sorts the entries of a transaction: one each of Patient, ServiceRequest, Task and
// Consent, at most one Goal, each a POST of its type.
func readInbound(b *bcrpb.Bundle) (*inbound, *problem) {
	in := &inbound{index: map[string]int{}, fullURLs: map[string]string{}}
	for i, e := range b.GetEntry() {
		res := unwrap(e.GetResource())
		if res == nil {
			return nil, invalid(fmt.Sprintf("Bundle.entry[%d].resource", i), "every entry of a transaction holds a resource")
		}
		typ := resourceType(res)
		if _, dup := in.index[typ]; dup {
			return nil, unsupported(fmt.Sprintf("Bundle.entry[%d].resource", i), "a transaction holds one referral: one %s", typ)
		}
		if e.GetRequest().GetMethod().GetValue() != c4.HTTPVerbCode_POST || e.GetRequest().GetUrl().GetValue() != typ {
			return nil, unsupported(fmt.Sprintf("Bundle.entry[%d].request", i), "each entry is a create: request.method POST, request.url %s", typ)
		}
		in.index[typ] = i
		in.fullURLs[typ] = e.GetFullUrl().GetValue()
		switch r := res.(type) {
		case *patientpb.Patient:
			in.patient = r
		case *srpb.ServiceRequest:
			in.request = r
		case *taskpb.Task:
			in.task = r
		case *consentpb.Consent:
			in.consent = r
		case *goalpb.Goal:
			in.goal = r
		default:
			return nil, unsupported(fmt.Sprintf("Bundle.entry[%d].resource", i), "a referral is sent as Patient, ServiceRequest, Task, Consent and Goal, not %s", typ)
		}
	}
	for _, typ := range []string{"Patient", "ServiceRequest", "Task", "Consent"} {
		if _, ok := in.index[typ]; !ok {
			return nil, invalid("Bundle.entry", "a referral needs a %s entry", typ)
		}
		if in.fullURLs[typ] == "" {
			return nil, invalid(in.at(typ, "")[:len(fmt.Sprintf("Bundle.entry[%d]", in.index[typ]))]+".fullUrl", "every entry needs a fullUrl the others can refer to")
		}
	}
	return in, nil
}

// refersTo reports whether r points at the entry of typ.
func (in *inbound) refersTo(r *d4.Reference, typ string) bool {
	s := refString(r)
	return s != "" && s == in.fullURLs[typ]
}

// createRequest maps the resources onto CreateReferral, checking each reference and code.
func (in *inbound) createRequest(c *call) (*referralv1.CreateReferralRequest, *problem) {
	if c.id.Organization == "" {
		return nil, forbidden("Bundle", "the access token names no organisation to refer for")
	}
	ref := &referralv1.Referral{ReferringOrganization: c.id.Organization, Subject: &referralv1.Subject{}}
	// Patient.
	pt := in.patient
	if len(pt.GetName()) == 0 || pt.GetName()[0].GetFamily().GetValue() == "" || len(pt.GetName()[0].GetGiven()) == 0 {
		return nil, invalid(in.at("Patient", "name[0]"), "the person's family and given name are required")
	}
	ref.Subject.FamilyName = pt.GetName()[0].GetFamily().GetValue()
	ref.Subject.GivenName = pt.GetName()[0].GetGiven()[0].GetValue()
	if pt.GetBirthDate() == nil {
		return nil, invalid(in.at("Patient", "birthDate"), "the person's birth date is required")
	}
	ref.Subject.DateOfBirth = timeOfDate(pt.GetBirthDate())
	for _, t := range pt.GetTelecom() {
		switch t.GetSystem().GetValue() {
		case c4.ContactPointSystemCode_EMAIL:
			ref.Subject.Email = t.GetValue().GetValue()
		case c4.ContactPointSystemCode_PHONE:
			ref.Subject.Phone = t.GetValue().GetValue()
		}
	}
	if a := pt.GetAddress(); len(a) > 0 {
		ref.Subject.PostalCode = a[0].GetPostalCode().GetValue()
	}
	if cm := pt.GetCommunication(); len(cm) > 0 && len(cm[0].GetLanguage().GetCoding()) > 0 {
		ref.Subject.PreferredLanguage = cm[0].GetLanguage().GetCoding()[0].GetCode().GetValue()
	}
	// ServiceRequest.
	sr := in.request
	ident := sr.GetIdentifier()
	if len(ident) == 0 || ident[0].GetSystem().GetValue() == "" || ident[0].GetValue().GetValue() == "" {
		return nil, invalid(in.at("ServiceRequest", "identifier"), "the ServiceRequest needs an identifier (system and value): it makes sending the same referral again safe")
	}
	if sr.GetSubject() == nil {
		return nil, invalid(in.at("ServiceRequest", "subject"), "the ServiceRequest needs a subject: the Patient entry")
	}
	if !in.refersTo(sr.GetSubject(), "Patient") {
		return nil, invalid(in.at("ServiceRequest", "subject"), "the subject must refer to the Patient entry's fullUrl")
	}
	requester := refString(sr.GetRequester())
	prac, ok := strings.CutPrefix(requester, "Practitioner/")
	if !ok || !idPattern.MatchString(prac) {
		return nil, invalid(in.at("ServiceRequest", "requester"), "the requester must be Practitioner/[id], a practitioner of the directory")
	}
	ref.ReferringPractitioner = "practitioners/" + prac
	if len(sr.GetPerformer()) != 1 {
		return nil, invalid(in.at("ServiceRequest", "performer"), "name one performer: Organization/[id] of the directory")
	}
	org, ok := strings.CutPrefix(refString(sr.GetPerformer()[0]), "Organization/")
	if !ok || !idPattern.MatchString(org) {
		return nil, invalid(in.at("ServiceRequest", "performer[0]"), "the performer must be Organization/[id], an organisation of the directory")
	}
	ref.ReceivingOrganization = "organizations/" + org
	for i, rc := range sr.GetReasonCode() {
		for j, cd := range rc.GetCoding() {
			if cd.GetSystem().GetValue() != systemNeed {
				return nil, invalid(in.at("ServiceRequest", fmt.Sprintf("reasonCode[%d].coding[%d].system", i, j)), "unknown code system %q: needs are codes of %s", printable(cd.GetSystem().GetValue()), systemNeed)
			}
			n, ok := needOf(cd.GetCode().GetValue())
			if !ok {
				return nil, invalid(in.at("ServiceRequest", fmt.Sprintf("reasonCode[%d].coding[%d].code", i, j)), "%q is not a code of %s", printable(cd.GetCode().GetValue()), systemNeed)
			}
			ref.Needs = append(ref.Needs, n)
		}
	}
	if len(ref.Needs) == 0 {
		return nil, invalid(in.at("ServiceRequest", "reasonCode"), "name at least one need as a reasonCode of %s", systemNeed)
	}
	if notes := sr.GetNote(); len(notes) > 0 {
		ref.NeedsText = notes[0].GetText().GetValue()
	}
	pri, ok := priorityOf(sr.GetPriority().GetValue())
	if !ok {
		return nil, invalid(in.at("ServiceRequest", "priority"), "stat is not a priority of a referral")
	}
	ref.Priority = pri
	// Task.
	t := in.task
	if !in.refersTo(t.GetFocus(), "ServiceRequest") {
		return nil, invalid(in.at("Task", "focus"), "the focus must refer to the ServiceRequest entry's fullUrl")
	}
	if !in.refersTo(t.GetForValue(), "Patient") {
		return nil, invalid(in.at("Task", "for"), "for must refer to the Patient entry's fullUrl")
	}
	if o := t.GetOwner(); o != nil && refString(o) != "Organization/"+org {
		return nil, invalid(in.at("Task", "owner"), "the owner must be the ServiceRequest's performer, Organization/%s", org)
	}
	if s := t.GetStatus().GetValue(); s != c4.TaskStatusCode_REQUESTED && s != c4.TaskStatusCode_DRAFT {
		return nil, businessRule(in.at("Task", "status"), "a referral is sent in as draft or requested, not %s", taskStatusCode(s))
	}
	// Consent.
	cs := in.consent
	if !in.refersTo(cs.GetPatient(), "Patient") {
		return nil, invalid(in.at("Consent", "patient"), "the patient must refer to the Patient entry's fullUrl")
	}
	if cs.GetStatus().GetValue() != c4.ConsentStateCode_ACTIVE {
		return nil, businessRule(in.at("Consent", "status"), "a referral is sent with an active consent")
	}
	if cs.GetDateTime() == nil {
		return nil, invalid(in.at("Consent", "dateTime"), "when the consent was given is required")
	}
	consent := &referralv1.Consent{GrantedBy: "subject", GrantTime: timestamppb.New(timeOf(cs.GetDateTime()))}
	if perf := cs.GetPerformer(); len(perf) > 0 && !in.refersTo(perf[0], "Patient") {
		if d := perf[0].GetDisplay().GetValue(); d != "" {
			consent.GrantedBy = d
		}
	}
	for i, a := range cs.GetProvision().GetAction() {
		for j, cd := range a.GetCoding() {
			if cd.GetSystem().GetValue() != systemSocialrxConsentScope {
				return nil, invalid(in.at("Consent", fmt.Sprintf("provision.action[%d].coding[%d].system", i, j)), "unknown code system %q: what a consent covers is a code of %s", printable(cd.GetSystem().GetValue()), systemSocialrxConsentScope)
			}
			consent.Scope = append(consent.Scope, cd.GetCode().GetValue())
		}
	}
	if len(consent.Scope) == 0 {
		return nil, invalid(in.at("Consent", "provision.action"), "say what the consent covers: provision.action codes of %s", systemSocialrxConsentScope)
	}
	ref.Consent = consent
	// Goal: what matters to the person, in their words.
	if g := in.goal; g != nil {
		if !in.refersTo(g.GetSubject(), "Patient") {
			return nil, invalid(in.at("Goal", "subject"), "the subject must refer to the Patient entry's fullUrl")
		}
		ref.WhatMatters = g.GetDescription().GetText().GetValue()
	}
	sum := sha256.Sum256([]byte(ident[0].GetSystem().GetValue() + "|" + ident[0].GetValue().GetValue()))
	return &referralv1.CreateReferralRequest{Referral: ref, RequestId: "fhir-sr-" + hex.EncodeToString(sum[:20])}, nil
}

// fieldOf names the element of the Bundle that a CreateReferral field came from.
func (in *inbound) fieldOf(f string) string {
	f = strings.TrimPrefix(f, "referral.")
	switch {
	case f == "subject.given_name":
		return in.at("Patient", "name[0].given[0]")
	case f == "subject.family_name":
		return in.at("Patient", "name[0].family")
	case f == "subject.date_of_birth":
		return in.at("Patient", "birthDate")
	case f == "subject.email" || f == "subject.phone":
		return in.at("Patient", "telecom")
	case f == "subject.postal_code":
		return in.at("Patient", "address[0].postalCode")
	case f == "subject.preferred_language":
		return in.at("Patient", "communication[0].language")
	case strings.HasPrefix(f, "subject"):
		return in.at("Patient", "")
	case f == "referring_practitioner":
		return in.at("ServiceRequest", "requester")
	case f == "referring_organization":
		return in.at("ServiceRequest", "requester")
	case f == "receiving_organization":
		return in.at("ServiceRequest", "performer[0]")
	case strings.HasPrefix(f, "needs_text"):
		return in.at("ServiceRequest", "note[0].text")
	case strings.HasPrefix(f, "needs"):
		return in.at("ServiceRequest", "reasonCode")
	case f == "what_matters":
		return in.at("Goal", "description.text")
	case strings.HasPrefix(f, "consent.grant_time"):
		return in.at("Consent", "dateTime")
	case strings.HasPrefix(f, "consent.scope"):
		return in.at("Consent", "provision.action")
	case strings.HasPrefix(f, "consent"):
		return in.at("Consent", "")
	case f == "request_id":
		return in.at("ServiceRequest", "identifier")
	}
	return ""
}

// timeOfDate is a FHIR date as YYYY-MM-DD.
func timeOfDate(d *d4.Date) string {
	return timeOfMicros(d.GetValueUs()).Format("2006-01-02")
}

// writeTransactionResponse answers a transaction with what it made, in the order it was sent:
// each entry's location, version and, unless Prefer asks for less, the resource.
func (h *Handler) writeTransactionResponse(w http.ResponseWriter, c *call, in *inbound, r *referralv1.Referral) *problem {
	out := &bcrpb.Bundle{Type: &bcrpb.Bundle_TypeCode{Value: c4.BundleTypeCode_TRANSACTION_RESPONSE}}
	views := map[string]proto.Message{"Patient": patientOf(r), "ServiceRequest": serviceRequestOf(r), "Task": taskOf(r)}
	if cs := consentOf(r); cs != nil {
		views["Consent"] = cs
	}
	order := make([]string, len(in.index))
	for typ, i := range in.index {
		order[i] = typ
	}
	for _, typ := range order {
		res, ok := views[typ]
		e := &bcrpb.Bundle_Entry{Response: &bcrpb.Bundle_Entry_Response{
			Status: str("201 Created"), Etag: str(`W/"` + r.GetEtag() + `"`), LastModified: instant(r.GetUpdateTime())}}
		if !ok {
			// The Goal tells what matters to the person: it is part of the ServiceRequest.
			e.Response.Location = uri("ServiceRequest/" + referralID(r) + "/_history/" + r.GetEtag())
		} else {
			e.FullUrl = uri(c.base + "/" + typ + "/" + referralID(r))
			e.Response.Location = uri(typ + "/" + referralID(r) + "/_history/" + r.GetEtag())
			if prefer(c.r) != "minimal" {
				e.Resource = wrap(res)
			}
		}
		out.Entry = append(out.Entry, e)
	}
	if prefer(c.r) == "OperationOutcome" {
		return h.write(w, c, http.StatusOK, nil, "", r.GetUpdateTime().AsTime())
	}
	b, err := h.codec.encode(out)
	if err != nil {
		return &problem{http.StatusInternalServerError, c4.IssueTypeCode_EXCEPTION, "", "encode: " + err.Error()}
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	return nil
}
