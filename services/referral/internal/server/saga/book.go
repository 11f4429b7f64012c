package saga

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// ErrCancelledMeanwhile: the registration was cancelled while the booking was being made, by
// someone else, though the referral may still book; booking again makes a new one.
var ErrCancelledMeanwhile = errors.New("the registration was cancelled while the booking was being made")

// EventError is the event service's answer to a booking's registration, when it made none.
type EventError struct {
	// Err is the event service's error.
	Err error
	// Refused is true when it will not register the booking (see refused): the pending booking
	// was dropped. Otherwise it did not answer: the booking stays pending, for a retry of the
	// request (which asks under the same request id) or the reconciler to complete.
	Refused bool
}

func (e *EventError) Error() string { return "register booking: " + e.Err.Error() }
func (e *EventError) Unwrap() error { return e.Err }

// Booking is the outcome of Book.
type Booking struct {
	// Referral is the referral as stored after; it holds or awaits a seat at the session.
	Referral *store.Referral
	// Changed is false when the referral already held or awaited a seat there.
	Changed bool
}

// Book books the person of referral id onto session, in the saga's three steps: it records a
// pending booking with its request id (before the event service hears of it, so that after a
// crash the reconciler finds the booking and completes it), asks the event service for the
// registration under that request id, and settles the answer, which cancels the registration
// again if the referral may no longer hold it. A retry carries on with the pending booking of
// the first attempt. Errors: *domain.NotBookable when the referral may not book (before or
// after the registration was made), *EventError when the event service made no registration,
// ErrCancelledMeanwhile, or the store's. The pending booking's write carries audit intent
// (see package audit), the change the request's audit record stands for.
func (s *Saga) Book(ctx context.Context, actor, id, session, intent string) (Booking, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	var pending store.Booking
	var start domain.Start
	r, err := s.st.Referrals.Update(ctx, actor, id, "", func(r *store.Referral) error {
		if err := domain.CanBook(r.Status, consented(r)); err != nil {
			return err
		}
		var here []store.Booking
		var states []string
		for _, b := range r.Bookings {
			if b.Session == session {
				here, states = append(here, b), append(states, b.State)
			}
		}
		switch start = domain.StartBooking(states); start.Kind {
		case domain.StartRetry:
			pending = here[start.Index]
			return docstore.ErrUnchanged
		case domain.StartBooked:
			return docstore.ErrUnchanged
		}
		pending = store.Booking{Session: session, State: domain.BookingPending,
			RequestID: RequestID(r.ID, session, start.Attempt), CreateTime: now, UpdateTime: now}
		r.Bookings = append(r.Bookings, pending)
		r.StatusChanged = false
		r.NoteIntent(intent)
		return nil
	})
	if err != nil {
		return Booking{}, err
	}
	if start.Kind == domain.StartBooked {
		return Booking{Referral: r}, nil
	}
	reg, err := s.register(ctx, r, pending)
	if err != nil {
		if !refused(err) {
			return Booking{}, &EventError{Err: err}
		}
		if derr := s.dropPending(ctx, actor, id, pending.RequestID); derr != nil {
			s.logger.Warn("drop refused booking", "referral", id, "error", derr)
		}
		return Booking{}, &EventError{Err: err, Refused: true}
	}
	obs := observed(reg)
	obs.Session = session
	after, _, err := s.Settle(ctx, actor, id, Key{Registration: reg.GetName(), RequestID: pending.RequestID, Session: session}, obs)
	if err != nil {
		if after == nil {
			return Booking{}, err
		}
		// Not held, and the registration could not be cancelled yet: the reconciler will.
		s.logger.Warn("undo booking", "referral", id, "error", err)
	}
	if slices.ContainsFunc(after.Bookings, func(b store.Booking) bool {
		return b.Registration == reg.GetName() && domain.Live(b.State)
	}) {
		return Booking{Referral: after, Changed: true}, nil
	}
	if err := domain.CanBook(after.Status, consented(after)); err != nil {
		return Booking{}, err
	}
	return Booking{}, ErrCancelledMeanwhile
}
