// Package server implements the referral service's gRPC API.
package server

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/aip/names"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/audit"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/policy"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/referral/internal/readmodel"
	"github.com/socialrx/socialrx/services/referral/internal/server/saga"
	"github.com/socialrx/socialrx/services/referral/internal/store"

	"github.com/socialrx/socialrx/services/platform/validation"
)

// Reasons of the referral service's own errors.
const (
	ReasonReferralStatus = "REFERRAL_STATUS"
	ReasonConsentMissing = "CONSENT_REQUIRED"
)

var requestIDNamespace = uuid.MustParse("c1a7e2d4-52b9-4f6e-8d0a-3b5f9e7c2a61")

// Server implements referralv1.ReferralServiceServer.
type Server struct {
	referralv1.UnimplementedReferralServiceServer

	st        *store.Store
	ix        *readmodel.Index
	directory directoryv1.DirectoryServiceClient
	events    eventv1.EventServiceClient
	saga      *saga.Saga
	validator *validation.Validator
	logger    *slog.Logger
	now       func() time.Time
	poll      time.Duration
	timeout   time.Duration
}

var _ referralv1.ReferralServiceServer = (*Server)(nil)

// New returns the server; bookings are made and released through sg.
func New(st *store.Store, ix *readmodel.Index, dir directoryv1.DirectoryServiceClient, events eventv1.EventServiceClient,
	sg *saga.Saga, v *validation.Validator, now func() time.Time, logger *slog.Logger) *Server {
	return &Server{st: st, ix: ix, directory: dir, events: events, saga: sg, validator: v, logger: logger, now: now,
		poll: 200 * time.Millisecond, timeout: EventTimeout}
}

// EventTimeout bounds each call to another service.
const EventTimeout = 5 * time.Second

func actor(ctx context.Context) string { return auth.FromContext(ctx).Subject }

// fail maps store and driver errors to API errors.
func (s *Server) fail(ctx context.Context, err error, name string) error {
	return apierror.FromStore(ctx, s.logger, err, name)
}

// referralPattern is the resource name of a referral.
const referralPattern = "referrals/{referral}"

// idOf is the id of a referral's name, or "" (which finds nothing) when name is not one.
func idOf(name string) string {
	var id string
	if names.Parse(name, referralPattern, &id) != nil {
		return ""
	}
	return id
}

// auditAction is how an access under policy action a is recorded.
func auditAction(a policy.Action) string {
	switch a {
	case policy.ReferralRead:
		return audit.ActionRead
	case policy.ReferralList:
		return audit.ActionList
	case policy.ReferralCreate:
		return audit.ActionCreate
	case policy.AuditRead:
		return audit.ActionQuery
	}
	return audit.ActionChange
}

// audit appends one record per referral named to the referral database's audit trail, with
// the outcome of err. When it cannot, the request must fail with the error returned.
func (s *Server) audit(ctx context.Context, action string, err error, names ...string) error {
	method := methodOf(ctx)
	recs := make([]audit.Record, 0, len(names))
	for _, n := range names {
		recs = append(recs, s.st.Audit.Record(ctx, action, method, n, err))
	}
	return s.st.Audit.Append(ctx, recs...)
}

// change applies mutate to the referral under optimistic concurrency and returns it. The
// policy is checked again on the very version being changed, and the change is audited.
func (s *Server) change(ctx context.Context, name, etag string, mutate func(r *store.Referral, now time.Time) error) (*referralv1.Referral, error) {
	a, err := actionOf(ctx)
	if err != nil {
		return nil, err
	}
	id := auth.FromContext(ctx)
	now := s.now().UTC().Truncate(time.Millisecond)
	intent, err := s.intend(ctx, audit.ActionChange, name)
	if err != nil {
		return nil, err
	}
	r, err := s.st.Referrals.Update(ctx, actor(ctx), idOf(name), etag, func(r *store.Referral) error {
		if err := policy.Check(id, a, facts(r), name); err != nil {
			return err
		}
		before, beforeBusiness := r.Status, r.BusinessStatus
		if err := mutate(r, now); err != nil {
			return err
		}
		r.StatusChanged = r.Status != before || r.BusinessStatus != beforeBusiness
		r.NoteIntent(intent.ID)
		return nil
	})
	if err != nil {
		err = s.fail(ctx, err, name)
		s.settle(ctx, intent, audit.OutcomeOf(err))
		return nil, err
	}
	s.settle(ctx, intent, "OK")
	return toProto(r), nil
}

// intend writes the audit intent of a change of the referral name before the change is made
// (see package audit) and returns its id; when it cannot be written the request fails first.
func (s *Server) intend(ctx context.Context, action, name string) (audit.Record, error) {
	return s.st.Audit.Intend(ctx, s.st.Audit.Record(ctx, action, methodOf(ctx), name, nil))
}

// settle records the outcome of an intent. A failure is only logged: the change is decided,
// and the intent reconciler settles what a request could not (SettleIntents).
func (s *Server) settle(ctx context.Context, intent audit.Record, outcome string) {
	if err := s.st.Audit.Settle(context.WithoutCancel(ctx), intent, outcome); err != nil {
		s.logger.Warn("settle audit intent", "intent", intent.ID, "error", err)
	}
}

// SettleIntents settles the audit intents older than grace that no request settled, each
// after the referral it is about: OK when the referral holds the intent's change, else
// NOT_APPLIED. It returns how many it settled.
func (s *Server) SettleIntents(ctx context.Context, grace time.Duration) (int, error) {
	pending, err := s.st.Audit.Pending(ctx, s.now().Add(-grace))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, rec := range pending {
		outcome := audit.OutcomeNotApplied
		r, err := s.st.Referrals.Get(ctx, idOf(rec.Resource))
		switch {
		case err == nil && r.HasIntent(rec.ID):
			outcome = "OK"
		case err != nil && !errors.Is(err, docstore.ErrNotFound):
			return n, err
		}
		if err := s.st.Audit.Settle(ctx, rec, outcome); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
