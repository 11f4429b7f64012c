package server

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/audit"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/server/saga"
)

func eventError(err error) error {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled:
		return apierror.New(codes.Unavailable, apierror.ReasonUnavailable,
			"the event service did not answer; retry later (retrying is safe)", nil)
	}
	return err
}

// notBookable is the API error of a referral that may not take a new booking.
func notBookable(name string, e *domain.NotBookable) error {
	if e.NoConsent {
		return apierror.FailedPrecondition(ReasonConsentMissing, "the person's consent is missing or withdrawn", map[string]string{"field": "consent"})
	}
	return apierror.FailedPrecondition(ReasonReferralStatus,
		fmt.Sprintf("%s is %s; events are booked while it is IN_PROGRESS", name, e.Status), map[string]string{"status": e.Status})
}

// BookEvent books the person onto a session through saga.Book, which records a pending booking,
// registers it at the event service and records the outcome only if the referral may still
// hold it; if it was cancelled, put on hold or lost consent meanwhile, the registration is
// cancelled again and the answer is FAILED_PRECONDITION.
func (s *Server) BookEvent(ctx context.Context, req *referralv1.BookEventRequest) (*referralv1.Referral, error) {
	intent, err := s.intend(ctx, audit.ActionChange, req.GetName())
	if err != nil {
		return nil, err
	}
	b, err := s.saga.Book(ctx, actor(ctx), idOf(req.GetName()), req.GetSession(), intent.ID)
	if err != nil {
		err = s.bookingError(ctx, err, req.GetName())
		s.settle(ctx, intent, audit.OutcomeOf(err))
		return nil, err
	}
	if !b.Changed {
		// The seat was already held or awaited: nothing changed, the referral is read.
		s.settle(ctx, intent, audit.OutcomeNotApplied)
		if err := s.audit(ctx, audit.ActionRead, nil, req.GetName()); err != nil {
			return nil, err
		}
		return toProto(b.Referral), nil
	}
	s.settle(ctx, intent, "OK")
	return toProto(b.Referral), nil
}

// bookingError maps an error of saga.Book to the API's.
func (s *Server) bookingError(ctx context.Context, err error, name string) error {
	var refused *domain.NotBookable
	var event *saga.EventError
	switch {
	case errors.As(err, &refused):
		return notBookable(name, refused)
	case errors.As(err, &event) && !event.Refused:
		return eventError(event.Err) // the booking stays pending; a retry or the reconciler completes it
	case errors.As(err, &event) && status.Code(event.Err) == codes.InvalidArgument:
		return apierror.Field("session", status.Convert(event.Err).Message())
	case errors.As(err, &event):
		return event.Err
	case errors.Is(err, saga.ErrCancelledMeanwhile):
		return apierror.Aborted(apierror.ReasonConcurrentUpdate, name,
			"the registration was cancelled while the booking was being made; book again")
	}
	return s.fail(ctx, err, name)
}
