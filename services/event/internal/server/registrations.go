package server

import (
	"context"
	"strings"
	"time"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event/internal/domain"
	"github.com/socialrx/socialrx/services/platform/aip/requestid"
	"github.com/socialrx/socialrx/services/platform/audit"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/policy"
)

// identity is who a registrant is, so one person holds one active registration per session: the
// referral when there is one, else the email, else the phone number.
func identity(r *eventv1.Registration) string {
	if ref := r.GetReferral(); ref != "" {
		return "referral:" + ref
	}
	if e := strings.ToLower(strings.TrimSpace(r.GetPerson().GetEmail())); e != "" {
		return "email:" + e
	}
	var digits strings.Builder
	for _, c := range r.GetPerson().GetPhone() {
		if c >= '0' && c <= '9' {
			digits.WriteRune(c)
		}
	}
	if digits.Len() > 0 {
		return "phone:" + digits.String()
	}
	return ""
}

// CreateRegistration registers a person. What comes back depends on who asks: the referral
// service gets the stored registration in full; anyone else gets only what they sent, the
// registration's name and state and a cancel token, so that registering with someone else's
// email reveals nothing of theirs. A person registering again by another request is answered as a
// new registration would be; that answer's token cancels nothing, only the first one does.
func (s *Server) CreateRegistration(ctx context.Context, req *eventv1.CreateRegistrationRequest) (*eventv1.Registration, error) {
	sessionKey := keyOf(req.GetParent(), "events", "sessions")
	in := req.GetRegistration()
	caller := auth.FromContext(ctx)
	if in.GetReferral() != "" && !policy.Can(caller, policy.RegistrationForReferral, policy.Facts{}) {
		return nil, policy.FieldDenied("registration.referral")
	}
	f, err := s.access(ctx, policy.RegistrationCreate, req.GetParent(), eventKeyOf(sessionKey))
	if err != nil {
		return nil, err
	}
	token, hash := newToken()
	who := identity(in)
	// Scoped to the caller and to the person: the public is one caller registering many people.
	key := requestid.Key(caller, req.GetRequestId(), sessionKey, who)
	r := &domain.Registration{
		SessionKey: sessionKey,
		ID:         newID("registration", key),
		Person: domain.Person{GivenName: in.GetPerson().GetGivenName(), FamilyName: in.GetPerson().GetFamilyName(),
			Email: in.GetPerson().GetEmail(), Phone: in.GetPerson().GetPhone()},
		Needs:     in.GetNeeds(),
		Referral:  in.GetReferral(),
		Identity:  who,
		RequestID: key,
		TokenHash: hash,
	}
	d, err := s.decide(ctx, func(st *domain.State, now time.Time) (domain.Decision, error) {
		return st.Register(r, now)
	})
	s.countRegistration(d, err)
	if err != nil {
		return nil, err
	}
	if err := s.audit(ctx, audit.ActionCreate, nil, registrationName(d.Result)); err != nil {
		return nil, err
	}
	if seesContacts(ctx, f) {
		out, err := s.registration(d.Result, true)
		if err == nil && !d.Noop {
			out.CancelToken = token
		}
		return out, err
	}
	out := &eventv1.Registration{Person: in.GetPerson(), Needs: in.GetNeeds(), CancelToken: token}
	if d.Result != r.Key() {
		// The person already holds a registration made by another request: answer exactly as
		// a new registration would be answered now, so that the answer tells nobody whether
		// this person is registered. The new token cancels nothing; the first one still does.
		out.Name = registrationName(r.Key())
		out.State, out.WaitlistPosition = s.newcomerPlace(sessionKey)
		return out, nil
	}
	stored, err := s.registration(d.Result, false)
	if err != nil {
		return nil, err
	}
	out.Name, out.State, out.WaitlistPosition = stored.GetName(), stored.GetState(), stored.GetWaitlistPosition()
	return out, nil
}

// newcomerPlace is the place a new registration for the session would be given now.
func (s *Server) newcomerPlace(sessionKey string) (eventv1.RegistrationState, int32) {
	state, position := eventv1.RegistrationState_REGISTRATION_STATE_CONFIRMED, int32(0)
	s.ledger.Read(func(st *domain.State) {
		if ss, ok := st.Sessions[sessionKey]; ok && int32(len(ss.Seated)) >= ss.Capacity {
			state, position = eventv1.RegistrationState_REGISTRATION_STATE_WAITLISTED, int32(len(ss.Waitlist)+1)
		}
	})
	return state, position
}

func (s *Server) GetRegistration(ctx context.Context, req *eventv1.GetRegistrationRequest) (*eventv1.Registration, error) {
	key := keyOf(req.GetName(), "events", "sessions", "registrations")
	f, err := s.accessRegistration(ctx, policy.RegistrationRead, req.GetName(), key, "")
	if err != nil {
		return nil, err
	}
	return s.registrationFor(ctx, audit.ActionRead, key, f)
}

// registrationFor returns the registration with key as the caller may see it; a view with
// contact details is audited first.
func (s *Server) registrationFor(ctx context.Context, action, key string, f policy.Facts) (*eventv1.Registration, error) {
	full := seesContacts(ctx, f)
	if full || action != audit.ActionRead {
		if err := s.audit(ctx, action, nil, registrationName(key)); err != nil {
			return nil, err
		}
	}
	return s.registration(key, full)
}

func (s *Server) CancelRegistration(ctx context.Context, req *eventv1.CancelRegistrationRequest) (*eventv1.Registration, error) {
	key := keyOf(req.GetName(), "events", "sessions", "registrations")
	f, err := s.accessRegistration(ctx, policy.RegistrationCancel, req.GetName(), key, req.GetCancelToken())
	if err != nil {
		return nil, err
	}
	d, err := s.decide(ctx, func(st *domain.State, _ time.Time) (domain.Decision, error) {
		return st.CancelRegistration(key, req.GetReason())
	})
	if err != nil {
		return nil, err
	}
	return s.registrationFor(ctx, audit.ActionChange, d.Result, f)
}

func (s *Server) CheckInRegistration(ctx context.Context, req *eventv1.CheckInRegistrationRequest) (*eventv1.Registration, error) {
	key := keyOf(req.GetName(), "events", "sessions", "registrations")
	f, err := s.accessRegistration(ctx, policy.RegistrationAttend, req.GetName(), key, "")
	if err != nil {
		return nil, err
	}
	d, err := s.decide(ctx, func(st *domain.State, now time.Time) (domain.Decision, error) {
		return st.CheckIn(key, now)
	})
	if err != nil {
		return nil, err
	}
	return s.registrationFor(ctx, audit.ActionChange, d.Result, f)
}

func (s *Server) MarkNoShows(ctx context.Context, req *eventv1.MarkNoShowsRequest) (*eventv1.MarkNoShowsResponse, error) {
	key := keyOf(req.GetName(), "events", "sessions")
	f, err := s.access(ctx, policy.EventManage, req.GetName(), eventKeyOf(key))
	if err != nil {
		return nil, err
	}
	d, err := s.decide(ctx, func(st *domain.State, now time.Time) (domain.Decision, error) {
		return st.MarkNoShows(key, now)
	})
	if err != nil {
		return nil, err
	}
	resp := &eventv1.MarkNoShowsResponse{}
	if d.Payload == nil {
		return resp, nil
	}
	full := seesContacts(ctx, f)
	s.ledger.Read(func(st *domain.State) {
		for _, o := range d.Payload.Outcomes {
			if r, ok := st.Registrations[o.Registration]; ok {
				resp.Registrations = append(resp.Registrations, registrationToProto(st, r, full))
			}
		}
	})
	if err := s.audit(ctx, audit.ActionChange, nil, registrationNames(resp.Registrations)...); err != nil {
		return nil, err
	}
	return resp, nil
}
