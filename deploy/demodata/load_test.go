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

// The demo Human Connection day loads into real directory and event services, twice without
// storing anything new, and the listing shows the published events with one nearly full session.
func TestEventsLoadIntoRealServers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	if _, err := Directory(ctx, dir.Client); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ev := eventtest.Start(t, eventtest.Options{Database: testenv.DatabaseName(t), DirectoryAddr: dir.Addr, Now: testenv.NewClock(now).Now})
	mod := testenv.As(ctx, t, auth.Identity{Subject: "services/demo", Roles: []string{auth.RoleModerator}})
	var first EventsSummary
	for round := range 2 {
		sum, err := Events(mod, ev.Client, now)
		if err != nil {
			t.Fatalf("load %d: %v", round, err)
		}
		if round == 0 {
			first = sum
		} else if sum != first {
			t.Fatalf("second load %+v, first %+v", sum, first)
		}
	}
	list, err := ev.Client.ListEvents(ctx, &eventv1.ListEventsRequest{})
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
	if _, err := Directory(ctx, dir.Client); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ev := eventtest.Start(t, eventtest.Options{Database: testenv.DatabaseName(t), DirectoryAddr: dir.Addr, Now: testenv.NewClock(now).Now})
	mod := testenv.As(ctx, t, auth.Identity{Subject: "services/demo", Roles: []string{auth.RoleModerator}})
	if _, err := Events(mod, ev.Client, now); err != nil {
		t.Fatal(err)
	}
	ref := referraltest.Start(t, referraltest.Options{Database: testenv.DatabaseName(t), DirectoryAddr: dir.Addr, EventAddr: ev.Addr})
	n, err := Referrals(ctx, ref.Client, now)
	if err != nil || n != len(demoReferrals(now)) {
		t.Fatalf("loaded %d referrals: %v", n, err)
	}
	want := map[string]string{
		ReferralDraft: "DRAFT", ReferralRequested: "REQUESTED", ReferralAccepted: "ACCEPTED",
		ReferralBooked: "IN_PROGRESS", ReferralLastSeat: "IN_PROGRESS", ReferralWaitlisted: "IN_PROGRESS", ReferralCompleted: "COMPLETED",
	}
	for name, st := range want {
		r, err := ref.Client.GetReferral(ctx, &referralv1.GetReferralRequest{Name: name})
		if err != nil || r.GetStatus().String() != "REFERRAL_STATUS_"+st {
			t.Fatalf("%s: %v %v, want %s", name, r.GetStatus(), err, st)
		}
	}
	last, _ := ref.Client.GetReferral(ctx, &referralv1.GetReferralRequest{Name: ReferralLastSeat})
	waiting, _ := ref.Client.GetReferral(ctx, &referralv1.GetReferralRequest{Name: ReferralWaitlisted})
	if last.GetBusinessStatus() != referralv1.BusinessStatus_BUSINESS_STATUS_EVENT_BOOKED ||
		waiting.GetBusinessStatus() != referralv1.BusinessStatus_BUSINESS_STATUS_WAITLISTED {
		t.Fatalf("cooking class: %v and %v", last.GetBusinessStatus(), waiting.GetBusinessStatus())
	}
}
