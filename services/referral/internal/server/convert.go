package server

import (
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/protoconv"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// SnomedReferral is SNOMED CT 871731000000106 "Referral to social prescribing service (procedure)".
const SnomedReferral = "871731000000106"

func statusOf(s string) referralv1.ReferralStatus {
	return protoconv.ParseEnum[referralv1.ReferralStatus](s)
}

func businessStatus(s string) referralv1.BusinessStatus {
	return protoconv.ParseEnum[referralv1.BusinessStatus](s)
}

func toProto(r *store.Referral) *referralv1.Referral {
	p := &referralv1.Referral{
		Name: "referrals/" + r.ID,
		Subject: &referralv1.Subject{
			GivenName: r.Subject.GivenName, FamilyName: r.Subject.FamilyName, DateOfBirth: r.Subject.DateOfBirth,
			Email: r.Subject.Email, Phone: r.Subject.Phone, PreferredLanguage: r.Subject.PreferredLanguage,
			AccessibilityNeeds: r.Subject.AccessibilityNeeds, PostalCode: r.Subject.PostalCode,
		},
		ReferringPractitioner: r.ReferringPractitioner,
		ReferringOrganization: r.ReferringOrganization,
		NeedsText:             r.NeedsText,
		WhatMatters:           r.WhatMatters,
		Priority:              protoconv.ParseEnum[referralv1.Priority](r.Priority),
		ReceivingOrganization: r.ReceivingOrganization,
		SuggestedService:      r.SuggestedService,
		SuggestedEvent:        r.SuggestedEvent,
		Code:                  SnomedReferral,
		Status:                statusOf(r.Status),
		BusinessStatus:        businessStatus(r.BusinessStatus),
		StatusReason:          r.StatusReason,
		Assignee:              r.Assignee,
		FollowUpTime:          protoconv.TimestampPtr(r.FollowUpTime),
		CreateTime:            protoconv.Timestamp(r.CreateTime),
		UpdateTime:            protoconv.Timestamp(r.UpdateTime),
		Etag:                  r.Etag(),
	}
	for _, n := range r.Needs {
		p.Needs = append(p.Needs, protoconv.ParseEnum[referralv1.Need](n))
	}
	if c := r.Consent; c != nil {
		p.Consent = &referralv1.Consent{GrantedBy: c.GrantedBy, GrantTime: protoconv.Timestamp(c.GrantTime), Scope: c.Scope,
			Withdrawn: c.Withdrawn, WithdrawTime: protoconv.TimestampPtr(c.WithdrawTime)}
	}
	for _, g := range r.Goals {
		pg := &referralv1.Goal{Id: g.ID, Description: g.Description, Percent: g.Percent, CreateTime: protoconv.Timestamp(g.CreateTime)}
		for _, u := range g.Progress {
			pg.Progress = append(pg.Progress, &referralv1.GoalProgress{Time: protoconv.Timestamp(u.Time), Percent: u.Percent, Note: u.Note})
		}
		p.Goals = append(p.Goals, pg)
	}
	for _, m := range r.Measures {
		p.Measures = append(p.Measures, &referralv1.Measure{
			Id: m.ID, Instrument: protoconv.ParseEnum[referralv1.Instrument](m.Instrument),
			Timepoint: protoconv.ParseEnum[referralv1.Timepoint](m.Timepoint),
			Items:     m.Items, Total: m.Total, ChangeFromBaseline: m.Change, RecordTime: protoconv.Timestamp(m.RecordTime), RecordedBy: m.RecordedBy,
		})
	}
	for _, b := range r.Bookings {
		p.Bookings = append(p.Bookings, &referralv1.Booking{Session: b.Session, Registration: b.Registration,
			State: b.State, CreateTime: protoconv.Timestamp(b.CreateTime), UpdateTime: protoconv.Timestamp(b.UpdateTime)})
	}
	return p
}

// setDetails copies the writable details of p onto r.
func setDetails(r *store.Referral, p *referralv1.Referral) {
	s := p.GetSubject()
	r.Subject = store.Subject{GivenName: s.GetGivenName(), FamilyName: s.GetFamilyName(), DateOfBirth: s.GetDateOfBirth(),
		Email: s.GetEmail(), Phone: s.GetPhone(), PreferredLanguage: s.GetPreferredLanguage(),
		AccessibilityNeeds: s.GetAccessibilityNeeds(), PostalCode: s.GetPostalCode()}
	r.Needs = nil
	for _, n := range p.GetNeeds() {
		r.Needs = append(r.Needs, protoconv.EnumName(n))
	}
	r.NeedsText = p.GetNeedsText()
	r.WhatMatters = p.GetWhatMatters()
	r.Priority = protoconv.EnumName(p.GetPriority())
	if r.Priority == "" {
		r.Priority = "ROUTINE"
	}
	r.SuggestedService = p.GetSuggestedService()
	r.SuggestedEvent = p.GetSuggestedEvent()
	r.FollowUpTime = nil
	if t := p.GetFollowUpTime(); t != nil {
		v := t.AsTime()
		r.FollowUpTime = &v
	}
}

func entryToProto(e store.Entry) *referralv1.TimelineEntry {
	return &referralv1.TimelineEntry{
		Sequence:       e.Sequence,
		Time:           protoconv.Timestamp(e.Time),
		Actor:          e.Actor,
		Kind:           protoconv.ParseEnum[referralv1.TimelineKind](e.Kind),
		FromStatus:     statusOrUnspecified(e.FromStatus),
		ToStatus:       statusOrUnspecified(e.ToStatus),
		BusinessStatus: businessStatus(e.BusinessStatus),
		Reason:         e.Reason,
		Note:           e.Note,
	}
}

func statusOrUnspecified(s string) referralv1.ReferralStatus {
	if s == "" {
		return referralv1.ReferralStatus_REFERRAL_STATUS_UNSPECIFIED
	}
	return statusOf(s)
}
