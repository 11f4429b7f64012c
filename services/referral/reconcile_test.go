package referral_test

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/internal/server"
)

// Registrations made at the event service for referrals that do not record them (as a booking
// request that died before recording its intent would leave them) are settled from the event
// change feed: the one of an IN_PROGRESS referral is recorded as its booking, the one of a
// cancelled referral is cancelled. Both count as repairs.
func TestUnrecordedRegistrationsAreSettled(t *testing.T) {
	w := newWorld(t, 1, 5)
	c, ctx := w.rc(), ctxT(t)
	open := inProgress(t, c, "gil")
	closed := inProgress(t, c, "hal")
	if _, err := c.CancelReferral(ctx, &referralv1.CancelReferralRequest{Name: closed.GetName(), Reason: "moved away"}); err != nil {
		t.Fatal(err)
	}
	svc := as(ctx, auth.Identity{Subject: "services/referral", Roles: []string{auth.RoleService}})
	register := func(r *referralv1.Referral, requestID string) *eventv1.Registration {
		t.Helper()
		reg, err := w.events.Client.CreateRegistration(svc, &eventv1.CreateRegistrationRequest{Parent: w.session, RequestId: requestID,
			Registration: &eventv1.Registration{Person: &eventv1.Person{GivenName: r.GetSubject().GetGivenName()}, Referral: r.GetName()}})
		if err != nil {
			t.Fatal(err)
		}
		return reg
	}
	adopted, orphan := register(open, "lost-1"), register(closed, "lost-2")

	testenv.Eventually(t, 20*time.Second, "the open referral to record the registration", func() bool {
		got, err := c.GetReferral(ctx, &referralv1.GetReferralRequest{Name: open.GetName()})
		return err == nil && len(got.GetBookings()) == 1 && got.GetBookings()[0].GetRegistration() == adopted.GetName() &&
			got.GetBookings()[0].GetState() == "CONFIRMED" && got.GetBusinessStatus() == referralv1.BusinessStatus_BUSINESS_STATUS_EVENT_BOOKED
	})
	testenv.Eventually(t, 20*time.Second, "the cancelled referral's registration to be cancelled", func() bool {
		reg, err := w.events.Client.GetRegistration(svc, &eventv1.GetRegistrationRequest{Name: orphan.GetName()})
		return err == nil && reg.GetState() == eventv1.RegistrationState_REGISTRATION_STATE_CANCELLED
	})
	got, err := c.GetReferral(ctx, &referralv1.GetReferralRequest{Name: closed.GetName()})
	if err != nil || len(got.GetBookings()) != 0 {
		t.Fatalf("the cancelled referral records %v (%v), want no booking", got.GetBookings(), err)
	}
	// Repairs are counted just after they are written, so the counts are awaited too.
	testenv.Eventually(t, 20*time.Second, "both repairs to be counted", func() bool {
		r := w.referrals[0].Service.Repairs()
		return r.Adopted > 0 && r.Compensated > 0
	})
	if r := w.referrals[0].Service.Repairs(); r.Adopted != 1 || r.Compensated != 1 {
		t.Fatalf("repairs %+v, want one adopted and one compensated", r)
	}
}

// Withdrawing consent cancels the person's registrations at the event service.
func TestWithdrawConsentReleasesBookings(t *testing.T) {
	w := newWorld(t, 1, 5)
	c, ctx := w.rc(), ctxT(t)
	r := inProgress(t, c, "ida")
	booked, err := c.BookEvent(lw(ctx), &referralv1.BookEventRequest{Name: r.GetName(), Session: w.session})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.WithdrawConsent(ctx, &referralv1.WithdrawConsentRequest{Name: r.GetName(), Reason: "changed their mind"})
	if err != nil {
		t.Fatal(err)
	}
	if b := got.GetBookings(); len(b) != 1 || b[0].GetState() != "CANCELLED" || !got.GetConsent().GetWithdrawn() {
		t.Fatalf("after withdrawing consent: %v", got)
	}
	svc := as(ctx, auth.Identity{Subject: "services/referral", Roles: []string{auth.RoleService}})
	reg, err := w.events.Client.GetRegistration(svc, &eventv1.GetRegistrationRequest{Name: booked.GetBookings()[0].GetRegistration()})
	if err != nil || reg.GetState() != eventv1.RegistrationState_REGISTRATION_STATE_CANCELLED {
		t.Fatalf("registration at the event service: %v (%v), want CANCELLED", reg.GetState(), err)
	}
	_, err = c.BookEvent(lw(ctx), &referralv1.BookEventRequest{Name: r.GetName(), Session: w.session})
	testenv.WantCode(t, err, codes.FailedPrecondition, server.ReasonConsentMissing)
}
