package server

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/protoenum"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// SnomedReferral is SNOMED CT 871731000000106 "Referral to social prescribing service (procedure)".
const SnomedReferral = "871731000000106"

func tsOf(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func tsPtr(t *time.Time) *timestamppb.Timestamp {
	if t == nil {
		return nil
	}
	return timestamppb.New(*t)
}

func statusOf(s string) referralv1.ReferralStatus {
	return protoenum.Parse[referralv1.ReferralStatus](s)
}

func businessStatus(s string) referralv1.BusinessStatus {
	return protoenum.Parse[referralv1.BusinessStatus](s)
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
		Priority:              protoenum.Parse[referralv1.Priority](r.Priority),
		ReceivingOrganization: r.ReceivingOrganization,
		SuggestedService:      r.SuggestedService,
		SuggestedEvent:        r.SuggestedEvent,
		Code:                  SnomedReferral,
		Status:                statusOf(r.Status),
		BusinessStatus:        businessStatus(r.BusinessStatus),
		StatusReason:          r.StatusReason,
		Assignee:              r.Assignee,
		FollowUpTime:          tsPtr(r.FollowUpTime),
		CreateTime:            tsOf(r.CreateTime),
		UpdateTime:            tsOf(r.UpdateTime),
		Etag:                  r.Etag(),
	}
	for _, n := range r.Needs {
		p.Needs = append(p.Needs, protoenum.Parse[referralv1.Need](n))
	}
	if c := r.Consent; c != nil {
		p.Consent = &referralv1.Consent{GrantedBy: c.GrantedBy, GrantTime: tsOf(c.GrantTime), Scope: c.Scope,
			Withdrawn: c.Withdrawn, WithdrawTime: tsPtr(c.WithdrawTime)}
	}
	for _, g := range r.Goals {
		pg := &referralv1.Goal{Id: g.ID, Description: g.Description, Percent: g.Percent, CreateTime: tsOf(g.CreateTime)}
		for _, u := range g.Progress {
			pg.Progress = append(pg.Progress, &referralv1.GoalProgress{Time: tsOf(u.Time), Percent: u.Percent, Note: u.Note})
		}
		p.Goals = append(p.Goals, pg)
	}
	for _, m := range r.Measures {
		p.Measures = append(p.Measures, &referralv1.Measure{
			Id: m.ID, Instrument: protoenum.Parse[referralv1.Instrument](m.Instrument),
			Timepoint: protoenum.Parse[referralv1.Timepoint](m.Timepoint),
			Items:     m.Items, Total: m.Total, ChangeFromBaseline: m.Change, RecordTime: tsOf(m.RecordTime), RecordedBy: m.RecordedBy,
		})
	}
	for _, b := range r.Bookings {
		p.Bookings = append(p.Bookings, &referralv1.Booking{Session: b.Session, Registration: b.Registration,
			State: b.State, CreateTime: tsOf(b.CreateTime), UpdateTime: tsOf(b.UpdateTime)})
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
		r.Needs = append(r.Needs, protoenum.Short(n))
	}
	r.NeedsText = p.GetNeedsText()
	r.WhatMatters = p.GetWhatMatters()
	r.Priority = protoenum.Short(p.GetPriority())
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
		Time:           tsOf(e.Time),
		Actor:          e.Actor,
		Kind:           protoenum.Parse[referralv1.TimelineKind](e.Kind),
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
