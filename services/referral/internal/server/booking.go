package server

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/audit"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/server/saga"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

func eventError(err error) error {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled:
		return apierror.New(codes.Unavailable, apierror.ReasonUnavailable,
			"the event service did not answer; retry later (retrying is safe)", nil)
	}
	return err
}

// cannotBook says why r may not take a new booking, or nil.
func cannotBook(r *store.Referral) error {
	if r.Status != domain.InProgress {
		return apierror.FailedPrecondition(ReasonReferralStatus,
			fmt.Sprintf("referrals/%s is %s; events are booked while it is IN_PROGRESS", r.ID, r.Status), map[string]string{"status": r.Status})
	}
	if r.Consent == nil || r.Consent.Withdrawn {
		return apierror.FailedPrecondition(ReasonConsentMissing, "the person's consent is missing or withdrawn", map[string]string{"field": "consent"})
	}
	return nil
}

// BookEvent books the person onto a session as a saga (see package saga): it records a pending
// booking, registers it at the event service under the booking's request id (so a retry, or the
// reconciler after a crash, gets the same registration), then records the outcome only if the
// referral may still hold it; if it was cancelled, put on hold or lost consent meanwhile, the
// registration is cancelled again and the answer is FAILED_PRECONDITION.
func (s *Server) BookEvent(ctx context.Context, req *referralv1.BookEventRequest) (*referralv1.Referral, error) {
	id, session := idOf(req.GetName()), req.GetSession()
	now := s.now().UTC().Truncate(time.Millisecond)
	var pending store.Booking
	booked := false
	r, err := s.st.Referrals.Update(ctx, actor(ctx), id, "", func(r *store.Referral) error {
		if err := cannotBook(r); err != nil {
			return err
		}
		attempt := 0
		for _, b := range r.Bookings {
			if b.Session != session {
				continue
			}
			attempt++
			switch {
			case b.State == domain.BookingPending:
				pending = b // a retry: carry on with the same request id
				return docstore.ErrUnchanged
			case domain.Live(b.State):
				booked = true
				return docstore.ErrUnchanged
			}
		}
		pending = store.Booking{Session: session, State: domain.BookingPending,
			RequestID: saga.RequestID(r.ID, session, attempt), CreateTime: now, UpdateTime: now}
		r.Bookings = append(r.Bookings, pending)
		r.StatusChanged = false
		return nil
	})
	if err != nil {
		return nil, s.fail(ctx, err, req.GetName())
	}
	if booked {
		return toProto(r), nil
	}
	reg, err := s.saga.Register(ctx, r, pending)
	if err != nil {
		if !saga.Refused(err) {
			return nil, eventError(err) // the booking stays pending; a retry or the reconciler completes it
		}
		if _, derr := s.saga.DropPending(ctx, actor(ctx), id, pending.RequestID); derr != nil {
			s.logger.Warn("drop refused booking", "referral", id, "error", derr)
		}
		if status.Code(err) == codes.InvalidArgument {
			return nil, apierror.Field("session", status.Convert(err).Message())
		}
		return nil, err
	}
	obs := saga.Observation{Registration: reg.GetName(), Session: session, State: saga.StateOf(reg.GetState()), Position: reg.GetWaitlistPosition()}
	after, _, err := s.saga.Settle(ctx, actor(ctx), id, saga.Key{Registration: reg.GetName(), RequestID: pending.RequestID, Session: session}, obs)
	if err != nil {
		if after == nil {
			return nil, s.fail(ctx, err, req.GetName())
		}
		// Not held, and the registration could not be cancelled yet: the reconciler will.
		s.logger.Warn("undo booking", "referral", id, "error", err)
	}
	for _, b := range after.Bookings {
		if b.Registration == reg.GetName() && domain.Live(b.State) {
			if err := s.audit(ctx, audit.ActionChange, nil, req.GetName()); err != nil {
				return nil, err
			}
			return toProto(after), nil
		}
	}
	if err := cannotBook(after); err != nil {
		return nil, err
	}
	return nil, apierror.Aborted(apierror.ReasonConcurrentUpdate, req.GetName(),
		"the registration was cancelled while the booking was being made; book again")
}
