package demodata

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
)

// Demo referrals, one per status shown. Referral ids are the service's, so these are the keys
// the loader sends as request ids ("demo:referral:" + key); Referrals returns each one's name.
const (
	ReferralDraft      = "demo-draft-albion"
	ReferralRequested  = "demo-requested-riverdale"
	ReferralAccepted   = "demo-accepted-crown-point"
	ReferralBooked     = "demo-booked-art-afternoon"
	ReferralLastSeat   = "demo-cooking-last-seat"
	ReferralWaitlisted = "demo-cooking-waitlisted"
	ReferralCompleted  = "demo-completed-riverdale"
	// ReferralToday is booked on SessionSeedSwap, which is held on the day of loading: its host
	// checks the person in, and the link worker records the follow-up and completes it.
	ReferralToday = "demo-booked-seed-swap"
)

// demoReferral is a referral and the steps that bring it to its demo state: the first step
// (submit) is the referring clinician's, the others are the link worker's.
type demoReferral struct {
	key      string
	referral *referralv1.Referral
	steps    []func(ctx context.Context, c referralv1.ReferralServiceClient, name string) error
	worker   string
}

func person(given, family, dob, lang string, needs ...string) *referralv1.Subject {
	return &referralv1.Subject{GivenName: given, FamilyName: family, DateOfBirth: dob, PreferredLanguage: lang,
		Email: fmt.Sprintf("%s.%s@example.org", lowerASCII(given), lowerASCII(family)), AccessibilityNeeds: needs}
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func consent(now time.Time) *referralv1.Consent {
	return &referralv1.Consent{GrantedBy: "subject", GrantTime: timestamppb.New(now.Add(-time.Hour)),
		Scope: []string{"share-with-link-worker", "share-with-event-hosts"}}
}

func submit(ctx context.Context, c referralv1.ReferralServiceClient, name string) error {
	_, err := c.SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: name})
	return err
}

func accept(assignee string) func(context.Context, referralv1.ReferralServiceClient, string) error {
	return func(ctx context.Context, c referralv1.ReferralServiceClient, name string) error {
		_, err := c.AcceptReferral(ctx, &referralv1.AcceptReferralRequest{Name: name, Assignee: assignee})
		return err
	}
}

func start(ctx context.Context, c referralv1.ReferralServiceClient, name string) error {
	if _, err := c.StartReferral(ctx, &referralv1.StartReferralRequest{Name: name}); err != nil {
		return err
	}
	_, err := c.AddTimelineNote(ctx, &referralv1.AddTimelineNoteRequest{Name: name,
		Kind: referralv1.TimelineKind_TIMELINE_KIND_CONTACT_ATTEMPT, Note: "Phoned and talked about what matters.", Reached: true})
	return err
}

func measure(tp referralv1.Timepoint, items ...int32) func(context.Context, referralv1.ReferralServiceClient, string) error {
	return func(ctx context.Context, c referralv1.ReferralServiceClient, name string) error {
		_, err := c.RecordMeasure(ctx, &referralv1.RecordMeasureRequest{Name: name,
			Instrument: referralv1.Instrument_INSTRUMENT_UCLA3, Timepoint: tp, Items: items})
		return err
	}
}

func book(session string) func(context.Context, referralv1.ReferralServiceClient, string) error {
	return func(ctx context.Context, c referralv1.ReferralServiceClient, name string) error {
		_, err := c.BookEvent(ctx, &referralv1.BookEventRequest{Name: name, Session: session})
		return err
	}
}

func goal(text string) func(context.Context, referralv1.ReferralServiceClient, string) error {
	return func(ctx context.Context, c referralv1.ReferralServiceClient, name string) error {
		_, err := c.AddGoal(ctx, &referralv1.AddGoalRequest{Name: name, Description: text})
		return err
	}
}

func complete(ctx context.Context, c referralv1.ReferralServiceClient, name string) error {
	_, err := c.CompleteReferral(ctx, &referralv1.CompleteReferralRequest{Name: name, Note: "Joined the weekly walking group; feels less alone."})
	return err
}

func demoReferrals(now time.Time) []demoReferral {
	ref := func(subject *referralv1.Subject, clinician, org, matters string, withConsent bool, needs ...referralv1.Need) *referralv1.Referral {
		r := &referralv1.Referral{Subject: subject, ReferringPractitioner: clinician, ReferringOrganization: org,
			ReceivingOrganization: org, Needs: needs, WhatMatters: matters, Priority: referralv1.Priority_PRIORITY_ROUTINE}
		if withConsent {
			r.Consent = consent(now)
		}
		return r
	}
	lonely := []referralv1.Need{referralv1.Need_NEED_LONELINESS, referralv1.Need_NEED_SOCIAL_ISOLATION}
	base := referralv1.Timepoint_TIMEPOINT_BASELINE
	return []demoReferral{
		{ReferralDraft, ref(person("Baljit", "Sandhu", "1951-06-02", "pa"), ClinicianAlbion, OrgAlbionCHC,
			"Speaking Punjabi with people my age.", false, lonely...), nil, ""},
		{ReferralRequested, ref(person("Walter", "Nowak", "1944-11-20", "en", "hearing loop"), ClinicianRiverdale, OrgRiverdaleCHC,
			"Getting out of the apartment since my wife moved to long-term care.", true, lonely...),
			[]func(context.Context, referralv1.ReferralServiceClient, string) error{submit}, ""},
		{ReferralAccepted, ref(person("Grace", "Mensah", "1958-01-30", "en"), ClinicianCrownPoint, OrgCrownPointCHC,
			"Music; I sang in a choir for twenty years.", true, referralv1.Need_NEED_LOW_MOOD, referralv1.Need_NEED_LONELINESS),
			[]func(context.Context, referralv1.ReferralServiceClient, string) error{submit, accept(LinkWorkerCrownPoint)}, LinkWorkerCrownPoint},
		{ReferralBooked, ref(person("Li", "Chen", "1962-09-12", "zh", "seating available"), ClinicianRiverdale, OrgRiverdaleCHC,
			"Painting again, and company while I do it.", true, lonely...),
			[]func(context.Context, referralv1.ReferralServiceClient, string) error{submit, accept(LinkWorkerRiverdale), start,
				goal("Go to one art session a week."), measure(base, 3, 2, 3), book(SessionArtAfternoon)}, LinkWorkerRiverdale},
		{ReferralLastSeat, ref(person("Amina", "Yusuf", "1970-04-04", "so"), ClinicianAlbion, OrgAlbionCHC,
			"Cooking for others again.", true, referralv1.Need_NEED_FOOD_INSECURITY, referralv1.Need_NEED_SOCIAL_ISOLATION),
			[]func(context.Context, referralv1.ReferralServiceClient, string) error{submit, accept(LinkWorkerAlbion), start,
				measure(base, 2, 3, 2), book(SessionCookingClass)}, LinkWorkerAlbion},
		{ReferralWaitlisted, ref(person("Ravi", "Sharma", "1949-12-08", "en", "step-free access"), ClinicianAlbion, OrgAlbionCHC,
			"Learning to cook since my wife passed.", true, lonely...),
			[]func(context.Context, referralv1.ReferralServiceClient, string) error{submit, accept(LinkWorkerAlbion), start,
				book(SessionCookingClass)}, LinkWorkerAlbion},
		{ReferralToday, ref(person("Marguerite", "Okafor", "1956-03-14", "en", "seating available"), ClinicianRiverdale, OrgRiverdaleCHC,
			"Growing things again; I had a garden before I moved to the apartment.", true, lonely...),
			[]func(context.Context, referralv1.ReferralServiceClient, string) error{submit, accept(LinkWorkerRiverdale), start,
				goal("Meet the neighbours who garden."), measure(base, 3, 2, 2), book(SessionSeedSwap)}, LinkWorkerRiverdale},
		{ReferralCompleted, ref(person("Doris", "MacLeod", "1940-07-19", "en"), ClinicianRiverdale, OrgRiverdaleCHC,
			"Being outdoors with people.", true, lonely...),
			[]func(context.Context, referralv1.ReferralServiceClient, string) error{submit, accept(LinkWorkerRiverdale), start,
				measure(base, 3, 3, 3), measure(referralv1.Timepoint_TIMEPOINT_FOLLOW_UP, 2, 1, 2), complete}, LinkWorkerRiverdale},
	}
}

// Referrals loads demo referrals in several states through the referral API, after the
// directory and event demo data, each clinician and link worker acting for themselves, and
// returns each one's name by its key. Call it on a referral service with no referrals.
func Referrals(ctx context.Context, client referralv1.ReferralServiceClient, now time.Time, as As) (map[string]string, error) {
	names := map[string]string{}
	for _, d := range demoReferrals(now) {
		referrer := asClinician(ctx, as, d.referral.GetReferringPractitioner(), d.referral.GetReferringOrganization())
		worker := asLinkWorker(ctx, as, d.worker, d.referral.GetReceivingOrganization())
		r, err := client.CreateReferral(referrer, &referralv1.CreateReferralRequest{Referral: d.referral, RequestId: "demo:referral:" + d.key})
		if err != nil {
			return names, fmt.Errorf("create referral %q: %w", d.key, err)
		}
		for i, step := range d.steps {
			actor := worker
			if i == 0 {
				actor = referrer
			}
			if err := step(actor, client, r.GetName()); err != nil {
				return names, fmt.Errorf("referral %q step %d: %w", d.key, i+1, err)
			}
		}
		names[d.key] = r.GetName()
	}
	return names, nil
}

// ReferralsLoaded reports whether the demo referrals are there: whether the clinician of the
// first of them sees any referral.
func ReferralsLoaded(ctx context.Context, client referralv1.ReferralServiceClient, now time.Time, as As) (bool, error) {
	first := demoReferrals(now)[0]
	ctx = asClinician(ctx, as, first.referral.GetReferringPractitioner(), first.referral.GetReferringOrganization())
	resp, err := client.ListReferrals(ctx, &referralv1.ListReferralsRequest{PageSize: 1})
	if err != nil {
		return false, err
	}
	return len(resp.GetReferrals()) > 0, nil
}
