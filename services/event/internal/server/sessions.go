package server

import (
	"context"
	"time"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event/internal/domain"
	"github.com/socialrx/socialrx/services/platform/aip/fieldmask"
	"github.com/socialrx/socialrx/services/platform/aip/requestid"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/policy"
)

func (s *Server) CreateSession(ctx context.Context, req *eventv1.CreateSessionRequest) (*eventv1.Session, error) {
	eventKey := keyOf(req.GetParent(), "events")
	if _, err := s.access(ctx, policy.EventManage, req.GetParent(), eventKey); err != nil {
		return nil, err
	}
	key := requestid.Key(auth.FromContext(ctx), req.GetRequestId(), eventKey)
	id := req.GetSessionId()
	if id == "" {
		id = newID("session", key)
	}
	ss := sessionFromProto(eventKey+"/"+id, req.GetSession())
	ss.RequestID = key
	d, err := s.decide(ctx, func(st *domain.State, now time.Time) (domain.Decision, error) {
		return st.CreateSession(ss, now)
	})
	if err != nil {
		return nil, err
	}
	return s.session(d.Result)
}

func (s *Server) GetSession(ctx context.Context, req *eventv1.GetSessionRequest) (*eventv1.Session, error) {
	key := keyOf(req.GetName(), "events", "sessions")
	if _, err := s.access(ctx, policy.EventRead, req.GetName(), eventKeyOf(key)); err != nil {
		return nil, err
	}
	return s.session(key)
}

func (s *Server) UpdateSession(ctx context.Context, req *eventv1.UpdateSessionRequest) (*eventv1.Session, error) {
	in := req.GetSession()
	if in == nil {
		return nil, apierror.Field("session", "is required")
	}
	key := keyOf(in.GetName(), "events", "sessions")
	if key == "" {
		return nil, apierror.Field("session.name", "must be events/{event}/sessions/{session}")
	}
	if _, err := s.access(ctx, policy.EventManage, in.GetName(), eventKeyOf(key)); err != nil {
		return nil, err
	}
	current, err := s.session(key)
	if err != nil {
		return nil, err
	}
	if err := fieldmask.Apply(current, in, req.GetUpdateMask(), "name", "state", "cancellation_reason",
		"confirmed_count", "waitlist_count", "seats_left", "create_time", "update_time", "etag"); err != nil {
		return nil, err
	}
	if err := s.validator.Check(current, "session"); err != nil {
		return nil, err
	}
	next := sessionFromProto(key, current)
	d, err := s.decide(ctx, func(st *domain.State, now time.Time) (domain.Decision, error) {
		return st.UpdateSession(next, in.GetEtag(), now)
	})
	if err != nil {
		return nil, err
	}
	return s.session(d.Result)
}

func (s *Server) CancelSession(ctx context.Context, req *eventv1.CancelSessionRequest) (*eventv1.Session, error) {
	key := keyOf(req.GetName(), "events", "sessions")
	if _, err := s.access(ctx, policy.EventManage, req.GetName(), eventKeyOf(key)); err != nil {
		return nil, err
	}
	d, err := s.decide(ctx, func(st *domain.State, _ time.Time) (domain.Decision, error) {
		return st.CancelSession(key, req.GetReason())
	})
	if err != nil {
		return nil, err
	}
	return s.session(d.Result)
}
