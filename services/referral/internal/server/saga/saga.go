// Package saga keeps a referral's bookings and the event service's registrations in agreement:
// a recorded live booking has a live registration and a live registration of a referral is
// recorded by it, also after a crash at any point.
//
// A booking is made in three steps, each safe to repeat: the referral records a PENDING booking
// with a request id derived from the referral, the session and the attempt; the event service is
// asked for a registration under that request id (so asking again returns the same one); and the
// outcome is recorded in a versioned write that checks again whether the referral may hold it,
// cancelling the registration if it may not. Book runs the three steps for a booking request;
// Settle is the last step for any observation of a registration: the booking's own answer, an
// event feed change, or what the reconciler finds by asking the event service. The rules are
// domain's: CanBook and StartBooking begin a booking, Reconcile decides what to do about an
// observation and Recording what recording it writes.
package saga

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// Saga settles bookings against the event service.
type Saga struct {
	st      *store.Store
	events  eventv1.EventServiceClient
	now     func() time.Time
	timeout time.Duration
	logger  *slog.Logger
	// Repairs counts what was settled outside a booking's own request.
	Repairs Repairs
}

// New returns a saga that calls the event service with timeout per call.
func New(st *store.Store, events eventv1.EventServiceClient, now func() time.Time, timeout time.Duration, logger *slog.Logger) *Saga {
	return &Saga{st: st, events: events, now: now, timeout: timeout, logger: logger}
}

// Repairs counts repairs by kind; the fields only grow.
type Repairs struct {
	// Completed: pending bookings recorded from the event service's answer.
	Completed atomic.Int64
	// Compensated: registrations cancelled because their referral may not hold them.
	Compensated atomic.Int64
	// Dropped: pending bookings removed because the event service has no registration for them.
	Dropped atomic.Int64
	// Adopted: registrations the referral did not record, recorded.
	Adopted atomic.Int64
	// Corrected: recorded bookings brought in line with their registration.
	Corrected atomic.Int64
}

// Step is one action Settle took, on a booking that was in state From ("" when unrecorded).
type Step struct {
	Action domain.Action
	From   string
}

// Count adds steps to the counters.
func (r *Repairs) Count(steps []Step) {
	for _, s := range steps {
		switch {
		case s.Action == domain.Cancel:
			r.Compensated.Add(1)
		case s.Action == domain.Drop:
			r.Dropped.Add(1)
		case s.Action == domain.Record && s.From == "":
			r.Adopted.Add(1)
		case s.Action == domain.Record && s.From == domain.BookingPending:
			r.Completed.Add(1)
		case s.Action == domain.Record:
			r.Corrected.Add(1)
		}
	}
}

// RequestID is the event service request id of the attempt-th booking (from 0) of the referral
// at session: the same for every retry of one booking, new for a booking made again after one
// was cancelled.
func RequestID(referral, session string, attempt int) string {
	key := referral + "|" + session
	if attempt > 0 {
		key = fmt.Sprintf("%s|%d", key, attempt)
	}
	return "referral-" + uuid.NewSHA1(requestIDNamespace, []byte(key)).String()
}

var requestIDNamespace = uuid.MustParse("c1a7e2d4-52b9-4f6e-8d0a-3b5f9e7c2a61")

// HoldOf is what the referral may do with bookings.
func HoldOf(r *store.Referral) domain.Hold { return domain.HoldOf(r.Status, consented(r)) }

// consented reports whether the person's consent is given and not withdrawn.
func consented(r *store.Referral) bool { return r.Consent != nil && !r.Consent.Withdrawn }

// Key finds the booking an observation is about: the one recording the registration, else the
// one with the request id, else the pending one at the session.
type Key struct {
	Registration string
	RequestID    string
	Session      string
}

func (k Key) find(r *store.Referral) int {
	if k.Registration != "" {
		if i := slices.IndexFunc(r.Bookings, func(b store.Booking) bool { return b.Registration == k.Registration }); i >= 0 {
			return i
		}
	}
	if k.RequestID != "" {
		if i := slices.IndexFunc(r.Bookings, func(b store.Booking) bool { return b.RequestID == k.RequestID }); i >= 0 {
			return i
		}
	}
	return slices.IndexFunc(r.Bookings, func(b store.Booking) bool {
		return b.State == domain.BookingPending && b.Session == k.Session && b.Registration == ""
	})
}

// Observation is what the event service says about a registration.
type Observation struct {
	// Registration is its name; State its state as a booking state, "" when there is none.
	Registration string
	Session      string
	State        string
	Position     int32
	// Token is the event change that reported it, applied at most once; empty otherwise.
	Token string
	// Kind, Note and Business make the timeline entry and business status of a change from
	// the event service; when empty they follow from the state.
	Kind, Note, Business string
}

func observed(reg *eventv1.Registration) Observation {
	return Observation{Registration: reg.GetName(), State: StateOf(reg.GetState()), Position: reg.GetWaitlistPosition()}
}

// StateOf is the booking state of a registration state.
func StateOf(s eventv1.RegistrationState) string {
	if s == eventv1.RegistrationState_REGISTRATION_STATE_UNSPECIFIED {
		return ""
	}
	return strings.TrimPrefix(s.String(), "REGISTRATION_STATE_")
}

// Settle brings the booking key finds in line with obs, under what the referral may hold at the
// time of the write: it records, drops, or cancels the registration and then records that. It
// returns the referral as stored after, and the steps taken.
func (s *Saga) Settle(ctx context.Context, actor, id string, key Key, obs Observation) (*store.Referral, []Step, error) {
	var steps []Step
	for range 3 {
		var act domain.Action
		var from string
		now := s.now().UTC().Truncate(time.Millisecond)
		r, err := s.st.Referrals.Update(ctx, actor, id, "", func(r *store.Referral) error {
			act, from = domain.Nothing, ""
			if obs.Token != "" && slices.Contains(r.Applied, obs.Token) {
				return docstore.ErrUnchanged
			}
			i := key.find(r)
			if i >= 0 {
				from = r.Bookings[i].State
			}
			act = domain.Reconcile(HoldOf(r), from, obs.State)
			before := r.BusinessStatus
			switch act {
			case domain.Record:
				record(r, i, obs, actor, now)
			case domain.Drop:
				r.Bookings = slices.Delete(r.Bookings, i, i+1)
			default:
				return docstore.ErrUnchanged
			}
			if obs.Token != "" {
				r.Applied = append(r.Applied, obs.Token)
			}
			r.StatusChanged = r.BusinessStatus != before
			return nil
		})
		if err != nil {
			return nil, steps, err
		}
		if act != domain.Nothing {
			steps = append(steps, Step{Action: act, From: from})
		}
		if act != domain.Cancel {
			return r, steps, nil
		}
		cancelled, err := s.CancelRegistration(ctx, obs.Registration, "the referral can no longer hold this booking")
		if err != nil {
			return r, steps, err
		}
		cancelled.Session, cancelled.Token = obs.Session, obs.Token
		cancelled.Kind, cancelled.Note = "BOOKING", fmt.Sprintf("booking at %s undone: the referral is %s", obs.Session, holdWord(r))
		obs = cancelled
	}
	return nil, steps, fmt.Errorf("settle booking of referrals/%s: the registration kept changing", id)
}

func holdWord(r *store.Referral) string {
	if !consented(r) {
		return "without consent"
	}
	return r.Status
}

// record sets booking i (or a new one, when i < 0) to the observed registration, as
// domain.Recording decides.
func record(r *store.Referral, i int, obs Observation, actor string, now time.Time) {
	from := ""
	if i < 0 {
		r.Bookings = append(r.Bookings, store.Booking{Session: obs.Session, CreateTime: now})
		i = len(r.Bookings) - 1
	} else {
		from = r.Bookings[i].State
	}
	b := &r.Bookings[i]
	if b.Registration == "" {
		b.Registration = obs.Registration
	}
	out := domain.Recording(r.Status, r.BusinessStatus, b.Session, from, domain.Seen{
		State: obs.State, Position: obs.Position, Kind: obs.Kind, Note: obs.Note, Business: obs.Business})
	b.State, b.UpdateTime = out.State, now
	r.BusinessStatus = out.BusinessStatus
	r.Add(store.Entry{Time: now, Actor: actor, Kind: out.Kind, BusinessStatus: r.BusinessStatus, Note: out.Note})
}

// dropPending removes the pending booking with requestID, after the event service refused to
// register it.
func (s *Saga) dropPending(ctx context.Context, actor, id, requestID string) error {
	_, err := s.st.Referrals.Update(ctx, actor, id, "", func(r *store.Referral) error {
		i := slices.IndexFunc(r.Bookings, func(b store.Booking) bool {
			return b.RequestID == requestID && b.State == domain.BookingPending
		})
		if i < 0 {
			return docstore.ErrUnchanged
		}
		r.Bookings = slices.Delete(r.Bookings, i, i+1)
		r.StatusChanged = false
		return nil
	})
	return err
}

func (s *Saga) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// register asks the event service for booking b's registration; asking again returns the same.
func (s *Saga) register(ctx context.Context, r *store.Referral, b store.Booking) (*eventv1.Registration, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	return s.events.CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{
		Parent:       b.Session,
		RequestId:    b.RequestID,
		Registration: registrationOf(r),
	})
}

// registrationOf is the person as the event service is told of them: their first name and
// needs only if they agreed to share them with event hosts (the event service shows hosts
// nothing else), otherwise domain.WithheldName and no needs. The contact details stay with
// the event service, which shows them to nobody but this service.
func registrationOf(r *store.Referral) *eventv1.Registration {
	var scopes []string
	withdrawn := true
	if c := r.Consent; c != nil {
		scopes, withdrawn = c.Scope, c.Withdrawn
	}
	reg := &eventv1.Registration{Person: &eventv1.Person{GivenName: domain.WithheldName}, Referral: "referrals/" + r.ID}
	if domain.Shares(scopes, withdrawn, domain.ScopeEventHosts) {
		reg.Person.GivenName, reg.Needs = r.Subject.GivenName, r.Subject.AccessibilityNeeds
	}
	if domain.Shares(scopes, withdrawn, domain.ScopeLinkWorker) {
		reg.Person.FamilyName, reg.Person.Email, reg.Person.Phone = r.Subject.FamilyName, r.Subject.Email, r.Subject.Phone
	}
	return reg
}

// refused reports whether the event service answered err because it will not make the
// registration (as opposed to not answering): then none was made.
func refused(err error) bool {
	switch status.Code(err) {
	case codes.InvalidArgument, codes.FailedPrecondition, codes.NotFound, codes.OutOfRange, codes.AlreadyExists:
		return true
	}
	return false
}

// CancelRegistration cancels a registration (cancelling one twice is harmless) and returns what
// it is after: CANCELLED, or missing, or a state that can no longer be cancelled.
func (s *Saga) CancelRegistration(ctx context.Context, name, reason string) (Observation, error) {
	cctx, cancel := s.call(ctx)
	reg, err := s.events.CancelRegistration(cctx, &eventv1.CancelRegistrationRequest{Name: name, Reason: reason})
	cancel()
	switch status.Code(err) {
	case codes.OK:
		return observed(reg), nil
	case codes.NotFound:
		return Observation{Registration: name}, nil
	case codes.FailedPrecondition: // attended or marked no-show
		return s.observe(ctx, name)
	}
	return Observation{}, fmt.Errorf("cancel registration %s: %w", name, err)
}

func (s *Saga) observe(ctx context.Context, name string) (Observation, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	reg, err := s.events.GetRegistration(ctx, &eventv1.GetRegistrationRequest{Name: name})
	if status.Code(err) == codes.NotFound {
		return Observation{Registration: name}, nil
	}
	if err != nil {
		return Observation{}, fmt.Errorf("get registration %s: %w", name, err)
	}
	return observed(reg), nil
}

// lookup finds, among the session's registrations, the one of pending booking b: the referral's
// registration there that no other booking records, live ones first. It asks without creating
// one, for a booking the referral may no longer make.
func (s *Saga) lookup(ctx context.Context, r *store.Referral, b store.Booking) (Observation, error) {
	recorded := map[string]bool{}
	for _, o := range r.Bookings {
		if o.Registration != "" {
			recorded[o.Registration] = true
		}
	}
	var found Observation
	token := ""
	for {
		cctx, cancel := s.call(ctx)
		resp, err := s.events.ListRegistrations(cctx, &eventv1.ListRegistrationsRequest{Parent: b.Session, PageSize: 1000, PageToken: token})
		cancel()
		if status.Code(err) == codes.NotFound {
			return Observation{}, nil
		}
		if err != nil {
			return Observation{}, fmt.Errorf("list registrations of %s: %w", b.Session, err)
		}
		for _, reg := range resp.GetRegistrations() {
			if reg.GetReferral() != "referrals/"+r.ID || recorded[reg.GetName()] {
				continue
			}
			if o := observed(reg); found.Registration == "" || (domain.Live(o.State) && !domain.Live(found.State)) {
				found = o
			}
		}
		if token = resp.GetNextPageToken(); token == "" {
			return found, nil
		}
	}
}

// Repair settles every booking of referral id that needs it (domain.NeedsRepair) and was last
// changed at least grace ago, asking the event service what became of each. It returns the
// referral as stored after (nil when nothing changed) and the steps taken.
func (s *Saga) Repair(ctx context.Context, actor, id string, grace time.Duration) (*store.Referral, []Step, error) {
	r, err := s.st.Referrals.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	var out *store.Referral
	var steps []Step
	var errs []error
	for _, b := range Due(r, s.now(), grace) {
		var obs Observation
		var err error
		switch {
		case b.Registration != "":
			obs, err = s.observe(ctx, b.Registration)
		case HoldOf(r) == domain.HoldNew:
			var reg *eventv1.Registration
			if reg, err = s.register(ctx, r, b); err == nil {
				obs = observed(reg)
			} else if refused(err) {
				obs, err = Observation{}, nil
			}
		default:
			obs, err = s.lookup(ctx, r, b)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		obs.Session = b.Session
		after, done, err := s.Settle(ctx, actor, id, Key{Registration: obs.Registration, RequestID: b.RequestID, Session: b.Session}, obs)
		steps = append(steps, done...)
		if err != nil {
			errs = append(errs, err)
		}
		if after != nil {
			out, r = after, after
		}
	}
	return out, steps, errors.Join(errs...)
}

// Due lists the bookings of r that need repair and were last changed at least grace before now.
func Due(r *store.Referral, now time.Time, grace time.Duration) []store.Booking {
	h := HoldOf(r)
	var out []store.Booking
	for _, b := range r.Bookings {
		changed := b.UpdateTime
		if h == domain.HoldNone && r.UpdateTime.After(changed) {
			changed = r.UpdateTime // when its seats had to go
		}
		if domain.NeedsRepair(h, b.State) && now.Sub(changed) >= grace {
			out = append(out, b)
		}
	}
	return out
}
