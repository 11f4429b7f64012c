package demodata

import (
	"context"
	"testing"
	"time"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/event/eventtest"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// as is the loaders' As in the tests: a token of the test issuer, replacing any identity ctx had.
func as(ctx context.Context, id auth.Identity) context.Context { return testenv.WithIdentity(ctx, id) }

var adminID = auth.Identity{Subject: "practitioners/admin", Roles: []string{auth.RoleDirectoryAdmin}}

// The demo Human Connection day loads into real directory and event services, twice without
// storing anything new, and the listing shows the published events with one nearly full session.
func TestEventsLoadIntoRealServers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	if _, err := Directory(as(ctx, adminID), dir.Client); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ev := eventtest.Start(t, eventtest.Options{Database: testenv.DatabaseName(t), DirectoryAddr: dir.Addr, Now: testenv.NewClock(now).Now})
	var first EventsSummary
	for round := range 2 {
		sum, err := Events(ctx, ev.Client, now, as)
		if err != nil {
			t.Fatalf("load %d: %v", round, err)
		}
		if round == 0 {
			first = sum
		} else if sum != first {
			t.Fatalf("second load %+v, first %+v", sum, first)
		}
	}
	list, err := ev.Client.ListEvents(asModerator(ctx, as), &eventv1.ListEventsRequest{})
	if err != nil || int(list.GetTotalSize()) != first.Events {
		t.Fatalf("%d events stored after two loads, want %d (%v)", list.GetTotalSize(), first.Events, err)
	}
	cooking, err := ev.Client.GetSession(ctx, &eventv1.GetSessionRequest{Name: SessionCookingClass})
	if err != nil || cooking.GetSeatsLeft() != 1 {
		t.Fatalf("cooking class: %v %v; want one seat left", cooking, err)
	}
	listing, err := ev.Client.SearchEvents(ctx, &eventv1.SearchEventsRequest{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range listing.GetResults() {
		if r.GetEvent().GetName() == EventCareKitPacking {
			t.Fatal("the draft event is on the public listing")
		}
	}
	if listing.GetTotalSize() != int32(first.Sessions-1) {
		t.Fatalf("listing shows %d sessions, want %d (all but the draft's)", listing.GetTotalSize(), first.Sessions-1)
	}
}

// The demo referrals load into real servers after the directory and events, in their states,
// with the nearly full cooking class giving one referral the last seat and the next the waitlist.
func TestReferralsLoadIntoRealServers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	if _, err := Directory(as(ctx, adminID), dir.Client); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ev := eventtest.Start(t, eventtest.Options{Database: testenv.DatabaseName(t), DirectoryAddr: dir.Addr, Now: testenv.NewClock(now).Now})
	if _, err := Events(ctx, ev.Client, now, as); err != nil {
		t.Fatal(err)
	}
	ref := referraltest.Start(t, referraltest.Options{Database: testenv.DatabaseName(t), DirectoryAddr: dir.Addr, EventAddr: ev.Addr})
	if loaded, err := ReferralsLoaded(ctx, ref.Client, now, as); err != nil || loaded {
		t.Fatalf("loaded before loading: %v %v", loaded, err)
	}
	names, err := Referrals(ctx, ref.Client, now, as)
	if err != nil || len(names) != 8 {
		t.Fatalf("loaded %d referrals: %v", len(names), err)
	}
	want := map[string]string{
		ReferralDraft: "DRAFT", ReferralRequested: "REQUESTED", ReferralAccepted: "ACCEPTED",
		ReferralBooked: "IN_PROGRESS", ReferralLastSeat: "IN_PROGRESS", ReferralWaitlisted: "IN_PROGRESS", ReferralCompleted: "COMPLETED",
		ReferralToday: "IN_PROGRESS",
	}
	if loaded, err := ReferralsLoaded(ctx, ref.Client, now, as); err != nil || !loaded {
		t.Fatalf("not loaded after loading: %v %v", loaded, err)
	}
	// Each referral is read by its referring clinician.
	referrer := map[string]context.Context{}
	for _, d := range demoReferrals(now) {
		referrer[d.key] = asClinician(ctx, as, d.referral.GetReferringPractitioner(), d.referral.GetReferringOrganization())
	}
	for key, st := range want {
		r, err := ref.Client.GetReferral(referrer[key], &referralv1.GetReferralRequest{Name: names[key]})
		if err != nil || r.GetStatus().String() != "REFERRAL_STATUS_"+st {
			t.Fatalf("%s (%s): %v %v, want %s", key, names[key], r.GetStatus(), err, st)
		}
	}
	last, err := ref.Client.GetReferral(referrer[ReferralLastSeat], &referralv1.GetReferralRequest{Name: names[ReferralLastSeat]})
	if err != nil {
		t.Fatal(err)
	}
	waiting, err := ref.Client.GetReferral(referrer[ReferralWaitlisted], &referralv1.GetReferralRequest{Name: names[ReferralWaitlisted]})
	if err != nil {
		t.Fatal(err)
	}
	if last.GetBusinessStatus() != referralv1.BusinessStatus_BUSINESS_STATUS_EVENT_BOOKED ||
		waiting.GetBusinessStatus() != referralv1.BusinessStatus_BUSINESS_STATUS_WAITLISTED {
		t.Fatalf("cooking class: %v and %v", last.GetBusinessStatus(), waiting.GetBusinessStatus())
	}

	// The loop closes on the day of loading: the host of the session held today can check in
	// the person of ReferralToday now (a host sees given names only).
	today, err := ref.Client.GetReferral(referrer[ReferralToday], &referralv1.GetReferralRequest{Name: names[ReferralToday]})
	if err != nil || today.GetBusinessStatus() != referralv1.BusinessStatus_BUSINESS_STATUS_EVENT_BOOKED {
		t.Fatalf("%s: %v %v, want booked", ReferralToday, today.GetBusinessStatus(), err)
	}
	host := asHost(ctx, as, OrgGoodNeighbours, HostGoodNeighbours)
	regs, err := ev.Client.ListRegistrations(host, &eventv1.ListRegistrationsRequest{Parent: SessionSeedSwap, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	var booked string
	for _, r := range regs.GetRegistrations() {
		if r.GetPerson().GetGivenName() == "Marguerite" {
			booked = r.GetName()
		}
	}
	if booked == "" || len(regs.GetRegistrations()) != 4 {
		t.Fatalf("%s: %d registrations, Marguerite's %q; want 4 with Marguerite's", SessionSeedSwap, len(regs.GetRegistrations()), booked)
	}
	in, err := ev.Client.CheckInRegistration(host, &eventv1.CheckInRegistrationRequest{Name: booked})
	if err != nil || in.GetState() != eventv1.RegistrationState_REGISTRATION_STATE_ATTENDED {
		t.Fatalf("check in %s now: %v %v", booked, in.GetState(), err)
	}
	attended := testenv.Poll(30*time.Second, func() bool {
		r, err := ref.Client.GetReferral(referrer[ReferralToday], &referralv1.GetReferralRequest{Name: names[ReferralToday]})
		return err == nil && r.GetBusinessStatus() == referralv1.BusinessStatus_BUSINESS_STATUS_EVENT_ATTENDED
	})
	if !attended {
		t.Fatalf("%s: not marked attended after the check-in", ReferralToday)
	}
}
