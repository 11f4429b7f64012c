package server

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/protoconv"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

func eventError(err error) error {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled:
		return apierror.New(codes.Unavailable, apierror.ReasonUnavailable,
			"the event service did not answer; nothing was changed, retry later", nil)
	}
	return err
}

// BookEvent registers the person at the event service with a request id derived from the
// referral and the session, so a retry after a timeout returns the first registration instead
// of making a second; then records the booking.
func (s *Server) BookEvent(ctx context.Context, req *referralv1.BookEventRequest) (*referralv1.Referral, error) {
	r, err := s.st.Referrals.Get(ctx, idOf(req.GetName()))
	if err != nil {
		return nil, s.fail(ctx, err, req.GetName())
	}
	if r.Status != domain.InProgress {
		return nil, apierror.FailedPrecondition(ReasonReferralStatus,
			fmt.Sprintf("referrals/%s is %s; events are booked while it is IN_PROGRESS", r.ID, r.Status), map[string]string{"status": r.Status})
	}
	if r.Consent == nil || r.Consent.Withdrawn {
		return nil, apierror.FailedPrecondition(ReasonConsentMissing, "the person's consent is missing or withdrawn", map[string]string{"field": "consent"})
	}
	requestID := "referral-" + uuid.NewSHA1(requestIDNamespace, []byte(r.ID+"|"+req.GetSession())).String()
	ectx, cancel := context.WithTimeout(ctx, s.timeout)
	reg, err := s.events.CreateRegistration(ectx, &eventv1.CreateRegistrationRequest{
		Parent:    req.GetSession(),
		RequestId: requestID,
		Registration: &eventv1.Registration{
			Person: &eventv1.Person{GivenName: r.Subject.GivenName, FamilyName: r.Subject.FamilyName,
				Email: r.Subject.Email, Phone: r.Subject.Phone},
			Needs:    r.Subject.AccessibilityNeeds,
			Referral: "referrals/" + r.ID,
		},
	})
	cancel()
	if err != nil {
		if status.Code(err) == codes.InvalidArgument {
			return nil, apierror.Field("session", status.Convert(err).Message())
		}
		return nil, eventError(err)
	}
	state := protoconv.EnumName(reg.GetState())
	return s.change(ctx, req.GetName(), "", func(r *store.Referral, now time.Time) error {
		for _, b := range r.Bookings {
			if b.Registration == reg.GetName() {
				return nil // already recorded by an earlier try
			}
		}
		r.Bookings = append(r.Bookings, store.Booking{Session: req.GetSession(), Registration: reg.GetName(), State: state, CreateTime: now, UpdateTime: now})
		r.BusinessStatus = "EVENT_BOOKED"
		note := "booked at " + req.GetSession()
		if state == "WAITLISTED" {
			r.BusinessStatus = "WAITLISTED"
			note = fmt.Sprintf("waitlisted at %s, position %d", req.GetSession(), reg.GetWaitlistPosition())
		}
		r.Add(store.Entry{Time: now, Actor: actor(ctx), Kind: "BOOKING", BusinessStatus: r.BusinessStatus, Note: note})
		return nil
	})
}
