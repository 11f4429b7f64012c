package referral_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/referral"
)

// Two replicas race CancelReferral against BookEvent on one referral, 50 times, the cancel
// starting a little later each round so that it lands before, during and after the booking's
// steps. Every cancel succeeds; a booking either succeeds before it or is refused with
// FAILED_PRECONDITION; and no cancelled referral keeps an active registration at the event
// service or a live booking. The event feed consumer and the reconciler are kept idle until the
// end, so what is checked first is the booking's own re-check and the cancel's own release; a
// reconciler pass afterwards must then find nothing to repair.
func TestCancelRacesBook(t *testing.T) {
	const rounds = 50
	idle := time.Hour
	w := newWorldConfig(t, 2, rounds, func(c *referral.Config) {
		c.ConsumerPoll, c.ReconcileInterval, c.ReconcileGrace = idle, idle, 0
	})
	ctx := ctxT(t)
	refs := make([]*referralv1.Referral, rounds)
	for i := range refs {
		refs[i] = inProgress(t, w.referrals[i%2].Client, fmt.Sprintf("race%d", i))
	}
	booked, refused := 0, 0
	for round, r := range refs {
		var wg sync.WaitGroup
		var bookErr, cancelErr error
		start := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			_, bookErr = w.referrals[0].Client.BookEvent(lw(ctx), &referralv1.BookEventRequest{Name: r.GetName(), Session: w.session})
		}()
		go func() {
			defer wg.Done()
			<-start
			time.Sleep(time.Duration(round%25) * time.Millisecond) // the cancel lands at a different point of the booking each round
			_, cancelErr = w.referrals[1].Client.CancelReferral(ctx, &referralv1.CancelReferralRequest{Name: r.GetName(), Reason: "moved away"})
		}()
		close(start)
		wg.Wait()
		if cancelErr != nil {
			t.Fatalf("round %d: cancel: %v", round, cancelErr)
		}
		switch status.Code(bookErr) {
		case codes.OK:
			booked++
		case codes.FailedPrecondition:
			refused++
		default:
			t.Fatalf("round %d: book: %v", round, bookErr)
		}
	}
	t.Logf("%d bookings made before their cancel, %d refused", booked, refused)

	// At the event service: not one of these referrals holds a seat or a waitlist place.
	ours := map[string]bool{}
	for _, r := range refs {
		ours[r.GetName()] = true
	}
	// (A service sees which referral a registration belongs to.)
	svc := as(ctx, auth.Identity{Subject: "services/test", Roles: []string{auth.RoleService}})
	regs, err := w.events.Client.ListRegistrations(svc, &eventv1.ListRegistrationsRequest{Parent: w.session, PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, reg := range regs.GetRegistrations() {
		if !ours[reg.GetReferral()] {
			continue
		}
		seen++
		if st := reg.GetState(); st == eventv1.RegistrationState_REGISTRATION_STATE_CONFIRMED || st == eventv1.RegistrationState_REGISTRATION_STATE_WAITLISTED {
			t.Errorf("cancelled %s holds %s, %v", reg.GetReferral(), reg.GetName(), st)
		}
	}
	if seen < booked {
		t.Fatalf("the event service shows %d registrations of these referrals, fewer than the %d bookings made", seen, booked)
	}
	// At the referral service: every referral cancelled, with no booking pending or live.
	for _, r := range refs {
		got, err := w.referrals[0].Client.GetReferral(ctx, &referralv1.GetReferralRequest{Name: r.GetName()})
		if err != nil {
			t.Fatal(err)
		}
		if got.GetStatus() != referralv1.ReferralStatus_REFERRAL_STATUS_CANCELLED {
			t.Errorf("%s is %v", r.GetName(), got.GetStatus())
		}
		for _, b := range got.GetBookings() {
			if b.GetState() != "CANCELLED" {
				t.Errorf("cancelled %s keeps a %s booking (%s)", r.GetName(), b.GetState(), b.GetRegistration())
			}
		}
	}
	for i, in := range w.referrals {
		n, err := in.Service.Reconcile(ctx)
		if err != nil || n != 0 {
			t.Errorf("replica %d: a reconciler pass after the race made %d repairs (%v), want none", i, n, err)
		}
	}
}
