package server

import (
	"context"
	"strings"
	"time"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

func (s *Server) RecordConsent(ctx context.Context, req *referralv1.RecordConsentRequest) (*referralv1.Referral, error) {
	c := req.GetConsent()
	if field, why := domain.CheckConsent(c.GetScope(), c.GetGrantTime().AsTime(), time.Time{}, s.now(), consentSkew); field != "" {
		return nil, apierror.Field("consent."+field, why)
	}
	return s.change(ctx, req.GetName(), req.GetEtag(), func(r *store.Referral, now time.Time) error {
		born, _ := time.Parse(time.DateOnly, r.Subject.DateOfBirth)
		if field, why := domain.CheckConsent(c.GetScope(), c.GetGrantTime().AsTime(), born, s.now(), consentSkew); field != "" {
			return apierror.Field("consent."+field, why)
		}
		if domain.Terminal(r.Status) {
			return apierror.FailedPrecondition(ReasonReferralStatus, "referrals/"+r.ID+" is "+r.Status, map[string]string{"status": r.Status})
		}
		r.Consent = &store.Consent{GrantedBy: c.GetGrantedBy(), GrantTime: c.GetGrantTime().AsTime(), Scope: c.GetScope()}
		r.Add(store.Entry{Time: now, Actor: actor(ctx), Kind: "CONSENT", Note: "consent granted by " + c.GetGrantedBy() + " for " + strings.Join(c.GetScope(), ", ")})
		return nil
	})
}

// consentSkew is how far ahead of the service's clock a grant time may be: another system's clock.
const consentSkew = 5 * time.Minute

// WithdrawConsent records the withdrawal; the person's bookings go with it (see closing).
func (s *Server) WithdrawConsent(ctx context.Context, req *referralv1.WithdrawConsentRequest) (*referralv1.Referral, error) {
	return s.closing(ctx, req.GetName(), req.GetEtag(), func(r *store.Referral, now time.Time) error {
		if r.Consent == nil || r.Consent.Withdrawn {
			return apierror.FailedPrecondition(ReasonConsentMissing, "there is no consent to withdraw", nil)
		}
		t := now
		r.Consent.Withdrawn, r.Consent.WithdrawTime = true, &t
		r.Add(store.Entry{Time: now, Actor: actor(ctx), Kind: "CONSENT", Note: "consent withdrawn", Reason: req.GetReason()})
		if r.Status == domain.Requested {
			return move(r, "cancel", "consent withdrawn", actor(ctx), now)
		}
		return nil
	})
}
