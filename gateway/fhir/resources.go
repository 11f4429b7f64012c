package fhir

import (
	"fmt"
	"strings"

	c4 "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	d4 "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	consentpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/consent_go_proto"
	goalpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/goal_go_proto"
	obspb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/observation_go_proto"
	patientpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/patient_go_proto"
	procpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/procedure_go_proto"
	srpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/service_request_go_proto"
	taskpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/task_go_proto"
	vs4 "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/valuesets_go_proto"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
)

// profileTask is the SDOHCC profile the Task claims; TestTaskMeetsTheSDOHCCProfile checks the
// constraints of it that the facade can meet (see the README).
const profileTask = "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-TaskForReferralManagement"

// Every resource of a referral has the referral's id; those of which a referral has many
// (goals, measures, attended events) are "<referral>.<part>".
func referralID(r *referralv1.Referral) string { return strings.TrimPrefix(r.GetName(), "referrals/") }

// lastSegment is the id of a resource name: organizations/x -> x.
func lastSegment(name string) string { return name[strings.LastIndexByte(name, '/')+1:] }

// meta is the version of every resource of a referral: the referral's etag and update time.
func meta(r *referralv1.Referral, profiles ...string) *d4.Meta {
	m := &d4.Meta{VersionId: id(r.GetEtag()), LastUpdated: instant(r.GetUpdateTime())}
	for _, p := range profiles {
		m.Profile = append(m.Profile, &d4.Canonical{Value: p})
	}
	return m
}

// reasonWords are the statuses whose reason Task.statusReason tells.
var reasonWords = map[referralv1.ReferralStatus]bool{
	referralv1.ReferralStatus_REFERRAL_STATUS_REJECTED: true, referralv1.ReferralStatus_REFERRAL_STATUS_ON_HOLD: true,
	referralv1.ReferralStatus_REFERRAL_STATUS_FAILED: true, referralv1.ReferralStatus_REFERRAL_STATUS_CANCELLED: true,
	referralv1.ReferralStatus_REFERRAL_STATUS_ENTERED_IN_ERROR: true, referralv1.ReferralStatus_REFERRAL_STATUS_COMPLETED: true,
}

// taskOf is the SDOHCC Task for referral management of a referral.
func taskOf(r *referralv1.Referral) *taskpb.Task {
	rid := referralID(r)
	t := &taskpb.Task{
		Id:           id(rid),
		Meta:         meta(r, profileTask),
		Identifier:   []*d4.Identifier{{System: uri(systemReferralID), Value: str(r.GetName())}},
		Status:       &taskpb.Task_StatusCode{Value: taskStatus[r.GetStatus()]},
		Intent:       &taskpb.Task_IntentCode{Value: vs4.TaskIntentValueSet_ORDER},
		Priority:     &taskpb.Task_PriorityCode{Value: priority(r.GetPriority())},
		Code:         concept(systemTaskCode, codeFulfill, "Fulfill the focal request"),
		Focus:        ref("ServiceRequest", rid),
		ForValue:     ref("Patient", rid),
		AuthoredOn:   dateTime(r.GetCreateTime()),
		LastModified: dateTime(r.GetUpdateTime()),
		Owner:        ref("Organization", lastSegment(r.GetReceivingOrganization())),
	}
	if r.GetReferringPractitioner() != "" {
		t.Requester = ref("Practitioner", lastSegment(r.GetReferringPractitioner()))
	} else {
		t.Requester = ref("Organization", lastSegment(r.GetReferringOrganization()))
	}
	if why := r.GetStatusReason(); why != "" && reasonWords[r.GetStatus()] {
		t.StatusReason = &d4.CodeableConcept{Text: str(why)}
	}
	if bs := r.GetBusinessStatus(); bs != referralv1.BusinessStatus_BUSINESS_STATUS_UNSPECIFIED {
		c := enumCode(bs.String(), "BUSINESS_STATUS_")
		t.BusinessStatus = concept(systemBusinessStatus, c, strings.ReplaceAll(c, "-", " "))
	}
	for i, b := range r.GetBookings() {
		if b.GetState() != "ATTENDED" {
			continue
		}
		t.Output = append(t.Output, &taskpb.Task_Output{
			Type: concept(systemTaskOutput, "attended-event", "attended event"),
			Value: &taskpb.Task_Output_ValueX{Choice: &taskpb.Task_Output_ValueX_Reference{
				Reference: ref("Procedure", procedureID(rid, i))}},
		})
	}
	return t
}

func procedureID(rid string, booking int) string { return fmt.Sprintf("%s.b%d", rid, booking+1) }

// serviceRequestOf is the ServiceRequest of a referral: what is asked, for whom, of whom.
func serviceRequestOf(r *referralv1.Referral) *srpb.ServiceRequest {
	rid := referralID(r)
	sr := &srpb.ServiceRequest{
		Id:         id(rid),
		Meta:       meta(r),
		Identifier: []*d4.Identifier{{System: uri(systemReferralID), Value: str(r.GetName())}},
		Status:     &srpb.ServiceRequest_StatusCode{Value: requestStatus(r.GetStatus())},
		Intent:     &srpb.ServiceRequest_IntentCode{Value: c4.RequestIntentCode_ORDER},
		Category:   []*d4.CodeableConcept{concept(systemSNOMED, codeSocialPrescribing, displaySocialRx)},
		Priority:   &srpb.ServiceRequest_PriorityCode{Value: priority(r.GetPriority())},
		Code:       concept(systemSNOMED, codeSocialPrescribing, displaySocialRx),
		Subject:    ref("Patient", rid),
		AuthoredOn: dateTime(r.GetCreateTime()),
		Performer:  []*d4.Reference{ref("Organization", lastSegment(r.GetReceivingOrganization()))},
	}
	if r.GetReferringPractitioner() != "" {
		sr.Requester = ref("Practitioner", lastSegment(r.GetReferringPractitioner()))
	}
	for _, n := range r.GetNeeds() {
		c := enumCode(n.String(), "NEED_")
		sr.ReasonCode = append(sr.ReasonCode, concept(systemNeed, c, strings.ReplaceAll(c, "-", " ")))
	}
	if t := r.GetNeedsText(); t != "" {
		sr.Note = append(sr.Note, &d4.Annotation{Text: &d4.Markdown{Value: t}})
	}
	if r.GetConsent() != nil {
		sr.SupportingInfo = append(sr.SupportingInfo, ref("Consent", rid))
	}
	for _, g := range r.GetGoals() {
		sr.SupportingInfo = append(sr.SupportingInfo, ref("Goal", rid+"."+g.GetId()))
	}
	return sr
}

// patientOf is the person a referral is about, as far as the caller may see them: nothing but
// the id when the service withholds their details.
func patientOf(r *referralv1.Referral) *patientpb.Patient {
	p := &patientpb.Patient{Id: id(referralID(r)), Meta: meta(r)}
	s := r.GetSubject()
	if r.GetSubjectWithheld() || s == nil {
		return p
	}
	name := &d4.HumanName{}
	if s.GetFamilyName() != "" {
		name.Family = str(s.GetFamilyName())
	}
	if s.GetGivenName() != "" {
		name.Given = []*d4.String{str(s.GetGivenName())}
	}
	if name.Family != nil || name.Given != nil {
		p.Name = []*d4.HumanName{name}
	}
	if d := date(s.GetDateOfBirth()); d != nil {
		p.BirthDate = d
	}
	if e := s.GetEmail(); e != "" {
		p.Telecom = append(p.Telecom, &d4.ContactPoint{System: &d4.ContactPoint_SystemCode{Value: c4.ContactPointSystemCode_EMAIL}, Value: str(e)})
	}
	if ph := s.GetPhone(); ph != "" {
		p.Telecom = append(p.Telecom, &d4.ContactPoint{System: &d4.ContactPoint_SystemCode{Value: c4.ContactPointSystemCode_PHONE}, Value: str(ph)})
	}
	if pc := s.GetPostalCode(); pc != "" {
		p.Address = []*d4.Address{{PostalCode: str(pc)}}
	}
	if l := s.GetPreferredLanguage(); l != "" {
		p.Communication = []*patientpb.Patient_Communication{{
			Language:  &d4.CodeableConcept{Coding: []*d4.Coding{{System: uri("urn:ietf:bcp:47"), Code: code(l)}}},
			Preferred: &d4.Boolean{Value: true},
		}}
	}
	return p
}

// consentOf is the person's consent to share their details; nil when none was recorded.
func consentOf(r *referralv1.Referral) *consentpb.Consent {
	c := r.GetConsent()
	if c == nil {
		return nil
	}
	rid := referralID(r)
	state := c4.ConsentStateCode_ACTIVE
	if c.GetWithdrawn() {
		state = c4.ConsentStateCode_INACTIVE
	}
	out := &consentpb.Consent{
		Id:         id(rid),
		Meta:       meta(r),
		Status:     &consentpb.Consent_StatusCode{Value: state},
		Scope:      concept(systemConsentScope, "patient-privacy", "Privacy Consent"),
		Category:   []*d4.CodeableConcept{concept(systemConsentPolicy, "share-details", "share the person's details with those who help them")},
		Patient:    ref("Patient", rid),
		DateTime:   dateTime(c.GetGrantTime()),
		PolicyRule: concept(systemConsentPolicy, "share-details", "share the person's details with those who help them"),
		Provision:  &consentpb.Consent_Provision{Type: &consentpb.Consent_Provision_TypeCode{Value: c4.ConsentProvisionTypeCode_PERMIT}},
	}
	if by := c.GetGrantedBy(); by != "" && by != "subject" {
		out.Performer = []*d4.Reference{{Display: str(by)}}
	} else {
		out.Performer = []*d4.Reference{ref("Patient", rid)}
	}
	for _, s := range c.GetScope() {
		out.Provision.Action = append(out.Provision.Action, concept(systemSocialrxConsentScope, s, strings.ReplaceAll(s, "-", " ")))
	}
	return out
}

// goalOf is one goal co-designed with the person; its achievement follows its progress.
func goalOf(r *referralv1.Referral, g *referralv1.Goal) *goalpb.Goal {
	rid := referralID(r)
	lifecycle := c4.GoalLifecycleStatusCode_ACTIVE
	if g.GetPercent() >= 100 {
		lifecycle = c4.GoalLifecycleStatusCode_COMPLETED
	}
	out := &goalpb.Goal{
		Id:                id(rid + "." + g.GetId()),
		Meta:              meta(r),
		LifecycleStatus:   &goalpb.Goal_LifecycleStatusCode{Value: lifecycle},
		AchievementStatus: achievement(g),
		Description:       &d4.CodeableConcept{Text: str(g.GetDescription())},
		Subject:           ref("Patient", rid),
		Addresses:         []*d4.Reference{ref("ServiceRequest", rid)},
	}
	if t := g.GetCreateTime(); t != nil {
		d := dateTime(t)
		out.Start = &goalpb.Goal_StartX{Choice: &goalpb.Goal_StartX_Date{Date: &d4.Date{ValueUs: d.ValueUs, Timezone: "UTC", Precision: d4.Date_DAY}}}
	}
	for _, p := range g.GetProgress() {
		if p.GetNote() != "" {
			out.Note = append(out.Note, &d4.Annotation{Time: dateTime(p.GetTime()), Text: &d4.Markdown{Value: fmt.Sprintf("%d%%: %s", p.GetPercent(), p.GetNote())}})
		}
	}
	return out
}

// achievement reads a goal's progress: achieved at 100%, else how the last update moved it.
func achievement(g *referralv1.Goal) *d4.CodeableConcept {
	p := g.GetProgress()
	c := "in-progress"
	switch {
	case g.GetPercent() >= 100:
		c = "achieved"
	case len(p) >= 2 && p[len(p)-1].GetPercent() > p[len(p)-2].GetPercent():
		c = "improving"
	case len(p) >= 2 && p[len(p)-1].GetPercent() < p[len(p)-2].GetPercent():
		c = "worsening"
	case len(p) >= 2:
		c = "no-change"
	case len(p) == 1 && p[0].GetPercent() > 0:
		c = "improving"
	}
	return concept(systemGoalAchievement, c, strings.ReplaceAll(c, "-", " "))
}

// observationOf is one outcome measure: a component per item, and the total as the value where
// the instrument has one (ONS4's four items are not summed).
func observationOf(r *referralv1.Referral, m *referralv1.Measure) *obspb.Observation {
	rid := referralID(r)
	inst := enumCode(m.GetInstrument().String(), "INSTRUMENT_")
	tp := enumCode(m.GetTimepoint().String(), "TIMEPOINT_")
	obs := &obspb.Observation{
		Id:     id(rid + "." + m.GetId()),
		Meta:   meta(r),
		Status: &obspb.Observation_StatusCode{Value: c4.ObservationStatusCode_FINAL},
		Category: []*d4.CodeableConcept{concept(systemObservationCategory, "survey", "Survey"),
			concept(systemTimepoint, tp, tp)},
		Subject:   ref("Patient", rid),
		BasedOn:   []*d4.Reference{ref("ServiceRequest", rid)},
		Effective: &obspb.Observation_EffectiveX{Choice: &obspb.Observation_EffectiveX_DateTime{DateTime: dateTime(m.GetRecordTime())}},
	}
	switch m.GetInstrument() {
	case referralv1.Instrument_INSTRUMENT_UCLA3:
		obs.Code = &d4.CodeableConcept{Coding: []*d4.Coding{
			coding(systemLOINC, codeUCLA3Panel, "Three-Item Loneliness scale [Three-Item Loneliness Scale]"),
			coding(systemInstrument, inst, "UCLA 3-item loneliness scale")}, Text: str("UCLA 3-item loneliness scale")}
	default:
		obs.Code = concept(systemInstrument, inst, strings.ToUpper(inst))
	}
	for i, v := range m.GetItems() {
		obs.Component = append(obs.Component, &obspb.Observation_Component{
			Code:  concept(systemInstrument, fmt.Sprintf("%s-item-%d", inst, i+1), fmt.Sprintf("%s item %d", strings.ToUpper(inst), i+1)),
			Value: &obspb.Observation_Component_ValueX{Choice: &obspb.Observation_Component_ValueX_Integer{Integer: &d4.Integer{Value: v}}},
		})
	}
	if m.GetInstrument() != referralv1.Instrument_INSTRUMENT_ONS4 {
		obs.Component = append(obs.Component, &obspb.Observation_Component{
			Code:  concept(systemInstrument, inst+"-total", strings.ToUpper(inst)+" total"),
			Value: &obspb.Observation_Component_ValueX{Choice: &obspb.Observation_Component_ValueX_Integer{Integer: &d4.Integer{Value: m.GetTotal()}}},
		})
		obs.Value = &obspb.Observation_ValueX{Choice: &obspb.Observation_ValueX_Integer{Integer: &d4.Integer{Value: m.GetTotal()}}}
	}
	return obs
}

// attended is what a Procedure tells of a session the person attended; the event and session
// are nil when the event service did not let the caller read them.
type attended struct {
	booking *referralv1.Booking
	index   int
	event   *eventv1.Event
	session *eventv1.Session
}

// procedureOf is a session the person attended: when, where, and the kind of event.
func procedureOf(r *referralv1.Referral, a attended) *procpb.Procedure {
	rid := referralID(r)
	p := &procpb.Procedure{
		Id:      id(procedureID(rid, a.index)),
		Meta:    meta(r),
		Status:  &procpb.Procedure_StatusCode{Value: c4.EventStatusCode_COMPLETED},
		Subject: ref("Patient", rid),
		BasedOn: []*d4.Reference{ref("ServiceRequest", rid)},
		Code:    concept(systemEventCategory, "other", "Human Connection event"),
	}
	if e := a.event; e != nil {
		c := enumCode(e.GetCategory().String(), "EVENT_CATEGORY_")
		p.Code = concept(systemEventCategory, c, strings.ReplaceAll(c, "-", " "))
		p.Code.Text = str(e.GetTitle())
		if loc := e.GetVenue().GetLocation(); loc != "" {
			p.Location = ref("Location", lastSegment(loc))
		}
	}
	if s := a.session; s != nil {
		p.Performed = &procpb.Procedure_PerformedX{Choice: &procpb.Procedure_PerformedX_Period{Period: &d4.Period{
			Start: dateTime(s.GetStartTime()), End: dateTime(s.GetEndTime())}}}
	} else if t := a.booking.GetUpdateTime(); t != nil {
		p.Performed = &procpb.Procedure_PerformedX{Choice: &procpb.Procedure_PerformedX_DateTime{DateTime: dateTime(t)}}
	}
	return p
}

// attendedBookings are the bookings of r the person attended, with their index.
func attendedBookings(r *referralv1.Referral) []attended {
	var out []attended
	for i, b := range r.GetBookings() {
		if b.GetState() == "ATTENDED" {
			out = append(out, attended{booking: b, index: i})
		}
	}
	return out
}
