// Package server implements the event service's gRPC API over the ledger.
package server

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/emptypb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event/internal/domain"
	"github.com/socialrx/socialrx/services/event/internal/store"
	"github.com/socialrx/socialrx/services/platform/aip/fieldmask"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"

	"github.com/socialrx/socialrx/services/platform/validation"
)

// requestIDNamespace derives ids from AIP-155 request ids.
var requestIDNamespace = uuid.MustParse("8d3c4f0a-6a51-4c3e-b0f4-1e6f2b9a7c55")

// Server implements eventv1.EventServiceServer.
type Server struct {
	eventv1.UnimplementedEventServiceServer

	ledger    *store.Ledger
	directory directoryv1.DirectoryServiceClient
	validator *validation.Validator
	logger    *slog.Logger
	// DirectoryTimeout bounds each call to the directory.
	directoryTimeout time.Duration
	// poll is how often WatchChanges looks for new entries.
	poll time.Duration
	now  func() time.Time
}

var _ eventv1.EventServiceServer = (*Server)(nil)

// New returns the server.
func New(l *store.Ledger, dir directoryv1.DirectoryServiceClient, v *validation.Validator, now func() time.Time, logger *slog.Logger) *Server {
	return &Server{ledger: l, directory: dir, validator: v, logger: logger, now: now,
		directoryTimeout: 3 * time.Second, poll: 200 * time.Millisecond}
}

// newID returns the id for a create: derived from the request id when there is one.
func newID(scope, requestID string) string {
	if requestID == "" {
		return uuid.NewString()
	}
	return uuid.NewSHA1(requestIDNamespace, []byte(scope+"|"+requestID)).String()
}

// fail maps ledger and driver errors to API errors.
func (s *Server) fail(ctx context.Context, err error) error {
	return apierror.FromStore(ctx, s.logger, err, "event service")
}

func actor(ctx context.Context) string { return auth.FromContext(ctx).Subject }

// sync brings the state up to date with every replica's writes before a read.
func (s *Server) sync(ctx context.Context) error {
	if err := s.ledger.Sync(ctx); err != nil {
		return s.fail(ctx, err)
	}
	return nil
}

// decide records a decision and returns it.
func (s *Server) decide(ctx context.Context, f func(st *domain.State, now time.Time) (domain.Decision, error)) (domain.Decision, error) {
	d, err := s.ledger.Decide(ctx, actor(ctx), f)
	if err != nil {
		return d, s.fail(ctx, err)
	}
	return d, nil
}

func (s *Server) event(key string) (p *eventv1.Event, err error) {
	s.ledger.Read(func(st *domain.State) {
		var ev *domain.Event
		if ev, err = st.Event(key); err == nil {
			p = eventToProto(ev)
		}
	})
	return p, err
}

func (s *Server) session(key string) (p *eventv1.Session, err error) {
	s.ledger.Read(func(st *domain.State) {
		var ss *domain.Session
		if ss, err = st.Session(key); err == nil {
			p = sessionToProto(ss)
		}
	})
	return p, err
}

func (s *Server) registration(key string, full bool) (p *eventv1.Registration, err error) {
	s.ledger.Read(func(st *domain.State) {
		var r *domain.Registration
		if r, err = st.Registration(key); err == nil {
			p = registrationToProto(st, r, full)
		}
	})
	return p, err
}

// seesPersons reports whether the caller may see a registrant's full contact details: link
// workers, administrators and services do; hosts and the public see the given name and needs.
func seesPersons(ctx context.Context) bool {
	id := auth.FromContext(ctx)
	return id.HasRole(auth.RoleLinkWorker) || id.HasRole(auth.RoleAdmin) || id.HasRole(auth.RoleService)
}

func requireModerator(ctx context.Context, method string) error {
	id := auth.FromContext(ctx)
	if id.HasRole(auth.RoleModerator) || id.HasRole(auth.RoleAdmin) {
		return nil
	}
	return apierror.New(codes.PermissionDenied, apierror.ReasonPermissionDenied,
		method+" needs the moderator role", map[string]string{"role": auth.RoleModerator})
}

// Events.

func (s *Server) CreateEvent(ctx context.Context, req *eventv1.CreateEventRequest) (*eventv1.Event, error) {
	id := req.GetEventId()
	if id == "" {
		id = newID("event", req.GetRequestId())
	}
	ev := eventFromProto(id, req.GetEvent())
	ev.RequestID = req.GetRequestId()
	if err := s.resolveReferences(ctx, ev, "event"); err != nil {
		return nil, err
	}
	d, err := s.decide(ctx, func(st *domain.State, now time.Time) (domain.Decision, error) {
		return st.CreateEvent(ev, now)
	})
	if err != nil {
		return nil, err
	}
	return s.event(d.Result)
}

func (s *Server) GetEvent(ctx context.Context, req *eventv1.GetEventRequest) (*eventv1.Event, error) {
	if err := s.sync(ctx); err != nil {
		return nil, err
	}
	return s.event(keyOf(req.GetName(), "events"))
}

func (s *Server) UpdateEvent(ctx context.Context, req *eventv1.UpdateEventRequest) (*eventv1.Event, error) {
	in := req.GetEvent()
	if in == nil {
		return nil, apierror.Field("event", "is required")
	}
	key := keyOf(in.GetName(), "events")
	if key == "" {
		return nil, apierror.Field("event.name", "must be events/{event}")
	}
	if err := s.sync(ctx); err != nil {
		return nil, err
	}
	current, err := s.event(key)
	if err != nil {
		return nil, err
	}
	merged := current
	if err := fieldmask.Apply(merged, in, req.GetUpdateMask(), "name", "state", "state_reason", "create_time", "update_time", "etag"); err != nil {
		return nil, err
	}
	if v := merged.GetVenue(); v != nil && v.GetLocation() != "" {
		v.DisplayName, v.Latitude, v.Longitude = "", 0, 0 // resolved again below
	}
	if err := s.validator.Check(merged, "event"); err != nil {
		return nil, err
	}
	next := eventFromProto(key, merged)
	if err := s.resolveReferences(ctx, next, "event"); err != nil {
		return nil, err
	}
	d, err := s.decide(ctx, func(st *domain.State, now time.Time) (domain.Decision, error) {
		return st.UpdateEvent(next, in.GetEtag(), now)
	})
	if err != nil {
		return nil, err
	}
	return s.event(d.Result)
}

func (s *Server) DeleteEvent(ctx context.Context, req *eventv1.DeleteEventRequest) (*emptypb.Empty, error) {
	key := keyOf(req.GetName(), "events")
	_, err := s.decide(ctx, func(st *domain.State, _ time.Time) (domain.Decision, error) {
		return st.DeleteEvent(key, req.GetEtag())
	})
	if err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

func (s *Server) transition(ctx context.Context, name, method, reason, etag string) (*eventv1.Event, error) {
	key := keyOf(name, "events")
	d, err := s.decide(ctx, func(st *domain.State, now time.Time) (domain.Decision, error) {
		return st.TransitionEvent(key, method, reason, etag, now)
	})
	if err != nil {
		return nil, err
	}
	return s.event(d.Result)
}

func (s *Server) SubmitEvent(ctx context.Context, req *eventv1.SubmitEventRequest) (*eventv1.Event, error) {
	return s.transition(ctx, req.GetName(), "submit", "", req.GetEtag())
}

func (s *Server) PublishEvent(ctx context.Context, req *eventv1.PublishEventRequest) (*eventv1.Event, error) {
	if err := requireModerator(ctx, "PublishEvent"); err != nil {
		return nil, err
	}
	return s.transition(ctx, req.GetName(), "publish", "", req.GetEtag())
}

func (s *Server) RejectEvent(ctx context.Context, req *eventv1.RejectEventRequest) (*eventv1.Event, error) {
	if err := requireModerator(ctx, "RejectEvent"); err != nil {
		return nil, err
	}
	return s.transition(ctx, req.GetName(), "reject", req.GetReason(), req.GetEtag())
}

func (s *Server) CancelEvent(ctx context.Context, req *eventv1.CancelEventRequest) (*eventv1.Event, error) {
	return s.transition(ctx, req.GetName(), "cancel", req.GetReason(), req.GetEtag())
}

func (s *Server) CompleteEvent(ctx context.Context, req *eventv1.CompleteEventRequest) (*eventv1.Event, error) {
	return s.transition(ctx, req.GetName(), "complete", "", req.GetEtag())
}

// Sessions.

func (s *Server) CreateSession(ctx context.Context, req *eventv1.CreateSessionRequest) (*eventv1.Session, error) {
	eventKey := keyOf(req.GetParent(), "events")
	id := req.GetSessionId()
	if id == "" {
		id = newID("session|"+eventKey, req.GetRequestId())
	}
	ss := sessionFromProto(eventKey+"/"+id, req.GetSession())
	ss.RequestID = req.GetRequestId()
	d, err := s.decide(ctx, func(st *domain.State, now time.Time) (domain.Decision, error) {
		return st.CreateSession(ss, now)
	})
	if err != nil {
		return nil, err
	}
	return s.session(d.Result)
}

func (s *Server) GetSession(ctx context.Context, req *eventv1.GetSessionRequest) (*eventv1.Session, error) {
	if err := s.sync(ctx); err != nil {
		return nil, err
	}
	return s.session(keyOf(req.GetName(), "events", "sessions"))
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
	if err := s.sync(ctx); err != nil {
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
	d, err := s.decide(ctx, func(st *domain.State, _ time.Time) (domain.Decision, error) {
		return st.CancelSession(key, req.GetReason())
	})
	if err != nil {
		return nil, err
	}
	return s.session(d.Result)
}

// Registrations.

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

// resolveReferences checks the event's directory references and fills in its venue's name and
// coordinates from the directory location.
func (s *Server) resolveReferences(ctx context.Context, ev *domain.Event, field string) error {
	ctx, cancel := context.WithTimeout(ctx, s.directoryTimeout)
	defer cancel()
	if _, err := s.directory.GetOrganization(ctx, &directoryv1.GetOrganizationRequest{Name: ev.HostOrganization}); err != nil {
		return apierror.Lookup(err, field+".host_organization", ev.HostOrganization, "directory")
	}
	if p := ev.ContactPractitioner; p != "" {
		pr, err := s.directory.GetPractitioner(ctx, &directoryv1.GetPractitionerRequest{Name: p})
		if err != nil {
			return apierror.Lookup(err, field+".contact_practitioner", p, "directory")
		}
		if pr.GetOrganization() != ev.HostOrganization {
			return apierror.Field(field+".contact_practitioner", p+" does not work for "+ev.HostOrganization)
		}
	}
	if v := ev.Venue; v != nil && v.Location != "" {
		loc, err := s.directory.GetLocation(ctx, &directoryv1.GetLocationRequest{Name: v.Location})
		if err != nil {
			return apierror.Lookup(err, field+".venue.location", v.Location, "directory")
		}
		if v.DisplayName == "" {
			v.DisplayName = loc.GetDisplayName()
			if a := loc.GetAddress(); a != nil && a.GetAddress_1() != "" {
				v.DisplayName += ", " + a.GetAddress_1() + ", " + a.GetCity()
			}
		}
		v.Latitude, v.Longitude = loc.GetLatitude(), loc.GetLongitude()
	}
	return nil
}
