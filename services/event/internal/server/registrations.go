package server

import (
	"context"
	"strings"
	"time"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event/internal/domain"
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

func (s *Server) CreateRegistration(ctx context.Context, req *eventv1.CreateRegistrationRequest) (*eventv1.Registration, error) {
	sessionKey := keyOf(req.GetParent(), "events", "sessions")
	in := req.GetRegistration()
	r := &domain.Registration{
		SessionKey: sessionKey,
		ID:         newID("registration|"+sessionKey, req.GetRequestId()),
		Person: domain.Person{GivenName: in.GetPerson().GetGivenName(), FamilyName: in.GetPerson().GetFamilyName(),
			Email: in.GetPerson().GetEmail(), Phone: in.GetPerson().GetPhone()},
		Needs:     in.GetNeeds(),
		Referral:  in.GetReferral(),
		Identity:  identity(in),
		RequestID: req.GetRequestId(),
	}
	d, err := s.decide(ctx, func(st *domain.State, now time.Time) (domain.Decision, error) {
		return st.Register(r, now)
	})
	s.countRegistration(d, err)
	if err != nil {
		return nil, err
	}
	return s.registration(d.Result, true)
}

func (s *Server) GetRegistration(ctx context.Context, req *eventv1.GetRegistrationRequest) (*eventv1.Registration, error) {
	if err := s.sync(ctx); err != nil {
		return nil, err
	}
	return s.registration(keyOf(req.GetName(), "events", "sessions", "registrations"), seesPersons(ctx))
}

func (s *Server) CancelRegistration(ctx context.Context, req *eventv1.CancelRegistrationRequest) (*eventv1.Registration, error) {
	key := keyOf(req.GetName(), "events", "sessions", "registrations")
	d, err := s.decide(ctx, func(st *domain.State, _ time.Time) (domain.Decision, error) {
		return st.CancelRegistration(key, req.GetReason())
	})
	if err != nil {
		return nil, err
	}
	return s.registration(d.Result, seesPersons(ctx))
}

func (s *Server) CheckInRegistration(ctx context.Context, req *eventv1.CheckInRegistrationRequest) (*eventv1.Registration, error) {
	key := keyOf(req.GetName(), "events", "sessions", "registrations")
	d, err := s.decide(ctx, func(st *domain.State, now time.Time) (domain.Decision, error) {
		return st.CheckIn(key, now)
	})
	if err != nil {
		return nil, err
	}
	return s.registration(d.Result, seesPersons(ctx))
}

func (s *Server) MarkNoShows(ctx context.Context, req *eventv1.MarkNoShowsRequest) (*eventv1.MarkNoShowsResponse, error) {
	key := keyOf(req.GetName(), "events", "sessions")
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
	full := seesPersons(ctx)
	s.ledger.Read(func(st *domain.State) {
		for _, o := range d.Payload.Outcomes {
			if r, ok := st.Registrations[o.Registration]; ok {
				resp.Registrations = append(resp.Registrations, registrationToProto(st, r, full))
			}
		}
	})
	return resp, nil
}
