package server

import (
	"context"
	"fmt"
	"strings"
	"time"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/server/saga"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

func (s *Server) transition(ctx context.Context, name, method, reason, etag string, extra func(r *store.Referral) error) (*referralv1.Referral, error) {
	return s.change(ctx, name, etag, func(r *store.Referral, now time.Time) error {
		if !domain.Allowed(method, r.Status) {
			return notAllowed(method, r)
		}
		if extra != nil {
			if err := extra(r); err != nil {
				return err
			}
		}
		return move(r, method, reason, actor(ctx), now)
	})
}

func (s *Server) SubmitReferral(ctx context.Context, req *referralv1.SubmitReferralRequest) (*referralv1.Referral, error) {
	return s.transition(ctx, req.GetName(), "submit", "", req.GetEtag(), func(r *store.Referral) error {
		if r.Consent == nil || r.Consent.Withdrawn {
			return apierror.FailedPrecondition(ReasonConsentMissing,
				"record the person's consent to share their details before submitting (consent is missing or withdrawn)",
				map[string]string{"field": "consent"})
		}
		return nil
	})
}

func (s *Server) AcceptReferral(ctx context.Context, req *referralv1.AcceptReferralRequest) (*referralv1.Referral, error) {
	dctx, cancel := context.WithTimeout(ctx, s.timeout)
	p, err := s.directory.GetPractitioner(dctx, &directoryv1.GetPractitionerRequest{Name: req.GetAssignee()})
	cancel()
	if err != nil {
		return nil, apierror.Lookup(err, "assignee", req.GetAssignee(), "directory")
	}
	if p.GetRole() != directoryv1.PractitionerRole_PRACTITIONER_ROLE_LINK_WORKER {
		return nil, apierror.Field("assignee", req.GetAssignee()+" is not a link worker")
	}
	return s.transition(ctx, req.GetName(), "accept", "", req.GetEtag(), func(r *store.Referral) error {
		if p.GetOrganization() != r.ReceivingOrganization {
			return apierror.Field("assignee", req.GetAssignee()+" does not work for the receiving organisation "+r.ReceivingOrganization)
		}
		r.Assignee = req.GetAssignee()
		return nil
	})
}

func (s *Server) RejectReferral(ctx context.Context, req *referralv1.RejectReferralRequest) (*referralv1.Referral, error) {
	return s.transition(ctx, req.GetName(), "reject", req.GetReason(), req.GetEtag(), nil)
}

func (s *Server) StartReferral(ctx context.Context, req *referralv1.StartReferralRequest) (*referralv1.Referral, error) {
	return s.transition(ctx, req.GetName(), "start", "", req.GetEtag(), nil)
}

func (s *Server) HoldReferral(ctx context.Context, req *referralv1.HoldReferralRequest) (*referralv1.Referral, error) {
	return s.transition(ctx, req.GetName(), "hold", req.GetReason(), req.GetEtag(), nil)
}

func (s *Server) ResumeReferral(ctx context.Context, req *referralv1.ResumeReferralRequest) (*referralv1.Referral, error) {
	return s.transition(ctx, req.GetName(), "resume", "", req.GetEtag(), nil)
}

func (s *Server) CompleteReferral(ctx context.Context, req *referralv1.CompleteReferralRequest) (*referralv1.Referral, error) {
	return s.transition(ctx, req.GetName(), "complete", req.GetNote(), req.GetEtag(), nil)
}

func (s *Server) FailReferral(ctx context.Context, req *referralv1.FailReferralRequest) (*referralv1.Referral, error) {
	return s.transition(ctx, req.GetName(), "fail", req.GetReason(), req.GetEtag(), nil)
}

func (s *Server) MarkReferralEnteredInError(ctx context.Context, req *referralv1.MarkReferralEnteredInErrorRequest) (*referralv1.Referral, error) {
	return s.closing(ctx, req.GetName(), req.GetEtag(), func(r *store.Referral, now time.Time) error {
		return move(r, "markEnteredInError", req.GetReason(), actor(ctx), now)
	})
}

// CancelReferral cancels the referral and every booking it holds (see closing).
func (s *Server) CancelReferral(ctx context.Context, req *referralv1.CancelReferralRequest) (*referralv1.Referral, error) {
	return s.closing(ctx, req.GetName(), req.GetEtag(), func(r *store.Referral, now time.Time) error {
		return move(r, "cancel", req.GetReason(), actor(ctx), now)
	})
}

// closing applies mutate; when after it the referral may hold no bookings (it is cancelled,
// entered in error, or its consent withdrawn), its seats go with it. The registrations it
// records are cancelled first, so that if the event service cannot be reached nothing changes
// and the caller retries; bookings that arrive between that read and the write, still pending
// or just recorded, are settled right after the write (their own booking request sees the
// referral can no longer hold them, and the reconciler finishes whatever a crash interrupts).
func (s *Server) closing(ctx context.Context, name, etag string, mutate func(r *store.Referral, now time.Time) error) (*referralv1.Referral, error) {
	r, err := s.st.Referrals.Get(ctx, idOf(name))
	if err != nil {
		return nil, s.fail(ctx, err, name)
	}
	if etag != "" && r.Etag() != etag {
		return nil, s.fail(ctx, docstore.ErrEtagMismatch, name)
	}
	// A dry run on the copy just read: refuse before touching the event service.
	if err := mutate(r, s.now().UTC()); err != nil {
		return nil, err
	}
	cancelled := map[string]saga.Observation{}
	if saga.HoldOf(r) == domain.HoldNone {
		for _, b := range r.Bookings {
			if !domain.Live(b.State) || b.Registration == "" {
				continue
			}
			obs, err := s.saga.CancelRegistration(ctx, b.Registration, "referral closed")
			if err != nil {
				return nil, eventError(err)
			}
			cancelled[b.Registration] = obs
		}
	}
	out, err := s.change(ctx, name, etag, func(r *store.Referral, now time.Time) error {
		if err := mutate(r, now); err != nil {
			return err
		}
		for i, b := range r.Bookings {
			if obs, ok := cancelled[b.Registration]; ok && domain.Live(b.State) {
				state := obs.State
				if state == "" {
					state = domain.BookingCancelled
				}
				r.Bookings[i].State, r.Bookings[i].UpdateTime = state, now
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	after, _, err := s.saga.Repair(ctx, actor(ctx), idOf(name), 0)
	if err != nil {
		s.logger.Warn("release bookings", "referral", idOf(name), "error", err)
	}
	if after != nil {
		return toProto(after), nil
	}
	return out, nil
}

func notAllowed(method string, r *store.Referral) error {
	t := domain.Transitions[method]
	return apierror.FailedPrecondition(ReasonReferralStatus,
		fmt.Sprintf("cannot %s referrals/%s: it is %s (allowed from %s)", method, r.ID, r.Status, strings.Join(t.From, ", ")),
		map[string]string{"status": r.Status, "method": method})
}

// move applies a lifecycle transition with its timeline entry.
func move(r *store.Referral, method, reason, who string, now time.Time) error {
	if !domain.Allowed(method, r.Status) {
		return notAllowed(method, r)
	}
	to := domain.Transitions[method].To
	r.Add(store.Entry{Time: now, Actor: who, Kind: "STATUS_CHANGE", FromStatus: r.Status, ToStatus: to,
		BusinessStatus: r.BusinessStatus, Reason: reason})
	r.Status, r.StatusReason = to, reason
	return nil
}
