package referral_test

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/grpc/codes"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/event/eventtest"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// inProgress creates a referral and takes it to IN_PROGRESS.
func inProgress(t *testing.T, c referralv1.ReferralServiceClient, given string) *referralv1.Referral {
	t.Helper()
	ctx := ctxT(t)
	d := referraltest.Draft(true)
	d.Subject.GivenName = given
	d.Subject.Email = given + "@example.org"
	r, err := c.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: d})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"submit", "accept", "start"} {
		if err := call(ctx, c, m, r.GetName()); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// With the event service down, BookEvent is UNAVAILABLE and the booking stays PENDING, with no
// registration and no business status. Once the event service is back the reconciler completes
// it without any retry, and retries then book nothing more: one registration in all.
func TestBookEventWhileEventServiceIsDown(t *testing.T) {
	w := newWorld(t, 1, 5)
	c, ctx := w.rc(), ctxT(t)
	r := inProgress(t, c, "ines")
	w.events.Stop()
	_, err := c.BookEvent(lw(ctx), &referralv1.BookEventRequest{Name: r.GetName(), Session: w.session})
	testenv.WantCode(t, err, codes.Unavailable, apierror.ReasonUnavailable)
	got, err := c.GetReferral(ctx, &referralv1.GetReferralRequest{Name: r.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if b := got.GetBookings(); len(b) != 1 || b[0].GetState() != "PENDING" || b[0].GetRegistration() != "" ||
		got.GetBusinessStatus() != referralv1.BusinessStatus_BUSINESS_STATUS_UNSPECIFIED {
		t.Fatalf("after an unanswered booking: %v, want one PENDING booking and no business status", got)
	}

	// The event service comes back on the same database, at the same address.
	w.events = eventtest.Start(t, eventtest.Options{Database: w.eventDB, DirectoryAddr: w.dir.Addr, Addr: w.events.Addr, Now: w.clock.Now})
	testenv.Eventually(t, 20*time.Second, "the reconciler to complete the booking", func() bool {
		got, err := c.GetReferral(ctx, &referralv1.GetReferralRequest{Name: r.GetName()})
		// The reconciler counts a repair just after writing it, so the count is awaited too.
		return err == nil && len(got.GetBookings()) == 1 && got.GetBookings()[0].GetState() == "CONFIRMED" &&
			got.GetBookings()[0].GetRegistration() != "" &&
			got.GetBusinessStatus() == referralv1.BusinessStatus_BUSINESS_STATUS_EVENT_BOOKED &&
			w.referrals[0].Service.Repairs().Completed > 0
	})
	if n := w.referrals[0].Service.Repairs().Completed; n != 1 {
		t.Fatalf("reconciler counted %d completed bookings, want 1", n)
	}
	for range 2 {
		booked, err := c.BookEvent(lw(ctx), &referralv1.BookEventRequest{Name: r.GetName(), Session: w.session})
		if err != nil {
			t.Fatal(err)
		}
		if len(booked.GetBookings()) != 1 {
			t.Fatalf("%d bookings", len(booked.GetBookings()))
		}
	}
	regs, err := w.events.Client.ListRegistrations(host(ctx), &eventv1.ListRegistrationsRequest{Parent: w.session})
	if err != nil || regs.GetTotalSize() != 1 {
		t.Fatalf("event service holds %d registrations, want exactly 1 (%v)", regs.GetTotalSize(), err)
	}
}

// Changes that happen at the event service while the referral service is down are applied, each
// exactly once, after it restarts — even when it re-reads the feed from the beginning.
func TestMissedChangesAppliedOnceAfterRestart(t *testing.T) {
	w := newWorld(t, 1, 1)
	c, ctx := w.rc(), ctxT(t)
	first := inProgress(t, c, "ana")
	second := inProgress(t, c, "bea")
	b1, err := c.BookEvent(lw(ctx), &referralv1.BookEventRequest{Name: first.GetName(), Session: w.session})
	if err != nil {
		t.Fatal(err)
	}
	b2, err := c.BookEvent(lw(ctx), &referralv1.BookEventRequest{Name: second.GetName(), Session: w.session})
	if err != nil {
		t.Fatal(err)
	}
	if b2.GetBusinessStatus() != referralv1.BusinessStatus_BUSINESS_STATUS_WAITLISTED {
		t.Fatalf("second booking: %v", b2.GetBusinessStatus())
	}

	w.referrals[0].Stop()
	// At the event: the first person cancels there, the second is promoted and then attends.
	if _, err := w.events.Client.CancelRegistration(host(ctx), &eventv1.CancelRegistrationRequest{Name: b1.GetBookings()[0].GetRegistration()}); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(23 * 3600e9)
	if _, err := w.events.Client.CheckInRegistration(host(ctx), &eventv1.CheckInRegistrationRequest{Name: b2.GetBookings()[0].GetRegistration()}); err != nil {
		t.Fatal(err)
	}

	restarted := referraltest.Start(t, referraltest.Options{Database: w.refDB, DirectoryAddr: w.dir.Addr, EventAddr: w.events.Addr})
	testenv.Eventually(t, 20*time.Second, "missed changes to be applied", func() bool {
		got, err := restarted.Client.GetReferral(ctx, &referralv1.GetReferralRequest{Name: second.GetName()})
		return err == nil && got.GetBusinessStatus() == referralv1.BusinessStatus_BUSINESS_STATUS_EVENT_ATTENDED
	})
	countUpdates := func(name string) int {
		tl, err := restarted.Client.ListTimeline(ctx, &referralv1.ListTimelineRequest{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range tl.GetEntries() {
			if e.GetKind() == referralv1.TimelineKind_TIMELINE_KIND_EVENT_UPDATE {
				n++
			}
		}
		return n
	}
	testenv.Eventually(t, 20*time.Second, "the first referral to learn of its cancellation", func() bool { return countUpdates(first.GetName()) == 1 })
	if n := countUpdates(second.GetName()); n != 2 { // promoted, attended
		t.Fatalf("second referral has %d event updates, want 2", n)
	}

	// Forget the saved position: the consumer re-reads every change and applies none twice.
	consumers := testenv.OpenDatabase(t, w.refDB).Collection("consumers")
	if _, err := consumers.DeleteMany(ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 20*time.Second, "the consumer to re-read the feed", func() bool {
		n, err := consumers.CountDocuments(ctx, bson.D{})
		return err == nil && n == 1
	})
	if a, b := countUpdates(first.GetName()), countUpdates(second.GetName()); a != 1 || b != 2 {
		t.Fatalf("after a replay: %d and %d event updates, want 1 and 2", a, b)
	}
	got, err := restarted.Client.GetReferral(ctx, &referralv1.GetReferralRequest{Name: second.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetBookings()[0].GetState() != "ATTENDED" {
		t.Fatalf("booking state %q", got.GetBookings()[0].GetState())
	}
}

// Cancelling a referral cancels its open registration at the event service, which gives the
// seat to the next person waiting; reads of referrals are audited.
func TestCancelReferralCancelsBookingsAndReadsAreAudited(t *testing.T) {
	w := newWorld(t, 1, 1)
	c, ctx := w.rc(), ctxT(t)
	first := inProgress(t, c, "eve")
	second := inProgress(t, c, "fay")
	b1, err := c.BookEvent(lw(ctx), &referralv1.BookEventRequest{Name: first.GetName(), Session: w.session})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.BookEvent(lw(ctx), &referralv1.BookEventRequest{Name: second.GetName(), Session: w.session}); err != nil {
		t.Fatal(err)
	}
	cancelled, err := c.CancelReferral(ctx, &referralv1.CancelReferralRequest{Name: first.GetName(), Reason: "moved away"})
	if err != nil {
		t.Fatal(err)
	}
	if cancelled.GetStatus() != referralv1.ReferralStatus_REFERRAL_STATUS_CANCELLED || cancelled.GetBookings()[0].GetState() != "CANCELLED" {
		t.Fatalf("cancelled referral: %v", cancelled)
	}
	reg, err := w.events.Client.GetRegistration(host(ctx), &eventv1.GetRegistrationRequest{Name: b1.GetBookings()[0].GetRegistration()})
	if err != nil || reg.GetState() != eventv1.RegistrationState_REGISTRATION_STATE_CANCELLED {
		t.Fatalf("registration at the event service: %v %v", reg.GetState(), err)
	}
	testenv.Eventually(t, 20*time.Second, "the waiting referral to be promoted", func() bool {
		got, err := c.GetReferral(ctx, &referralv1.GetReferralRequest{Name: second.GetName()})
		return err == nil && got.GetBusinessStatus() == referralv1.BusinessStatus_BUSINESS_STATUS_EVENT_BOOKED
	})

	n, err := testenv.OpenDatabase(t, w.refDB).Collection("audit").CountDocuments(ctx, bson.D{{Key: "action", Value: "read"}, {Key: "resource", Value: second.GetName()}})
	if err != nil || n == 0 {
		t.Fatalf("%d audit entries for reads of %s (%v)", n, second.GetName(), err)
	}
}
