package server

import (
	"cmp"
	"context"
	"time"

	"google.golang.org/protobuf/types/known/emptypb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event/internal/domain"
	"github.com/socialrx/socialrx/services/platform/aip/fieldmask"
	"github.com/socialrx/socialrx/services/platform/aip/requestid"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/language"
	"github.com/socialrx/socialrx/services/platform/policy"
)

func (s *Server) CreateEvent(ctx context.Context, req *eventv1.CreateEventRequest) (*eventv1.Event, error) {
	key := requestid.Key(auth.FromContext(ctx), req.GetRequestId())
	id := req.GetEventId()
	if id == "" {
		id = newID("event", key)
	}
	if err := checkTranslations(req.GetEvent()); err != nil {
		return nil, err
	}
	ev := eventFromProto(id, req.GetEvent())
	ev.RequestID = key
	if err := policy.Check(auth.FromContext(ctx), policy.EventCreate, policy.Facts{HostOrganization: ev.HostOrganization}, ""); err != nil {
		return nil, err
	}
	if err := s.resolveReferences(ctx, ev, "event"); err != nil {
		return nil, err
	}
	d, err := s.decide(ctx, func(st *domain.State, now time.Time) (domain.Decision, error) {
		return st.CreateEvent(ev, now)
	})
	if err != nil {
		return nil, err
	}
	// A retry answers with the stored event only if the caller may read it, as a GET would; the
	// decision has just brought this replica up to date with the event.
	if _, err := s.accessKnown(auth.FromContext(ctx), policy.EventRead, "events/"+d.Result, d.Result); err != nil {
		return nil, err
	}
	return s.event(d.Result)
}

func (s *Server) GetEvent(ctx context.Context, req *eventv1.GetEventRequest) (*eventv1.Event, error) {
	key := keyOf(req.GetName(), "events")
	if _, err := s.access(ctx, policy.EventRead, req.GetName(), key); err != nil {
		return nil, err
	}
	p, err := s.event(key)
	if err != nil {
		return nil, err
	}
	localizeEvent(p, language.Wanted(ctx, req.GetLanguageCode()))
	return p, nil
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
	if _, err := s.access(ctx, policy.EventManage, in.GetName(), key); err != nil {
		return nil, err
	}
	current, err := s.event(key)
	if err != nil {
		return nil, err
	}
	// The fields given replace the text in their language, whichever the stored one is; the
	// stored one stays the event's own.
	merged := current
	own := cmp.Or(current.GetLanguageCode(), "en")
	localizeEvent(merged, []string{cmp.Or(in.GetLanguageCode(), "en")})
	if err := fieldmask.Apply(merged, in, req.GetUpdateMask(), "name", "state", "state_reason", "create_time", "update_time", "etag"); err != nil {
		return nil, err
	}
	localizeEvent(merged, []string{own})
	if v := merged.GetVenue(); v != nil && v.GetLocation() != "" {
		v.DisplayName, v.Latitude, v.Longitude = "", 0, 0 // resolved again below
	}
	if err := s.validator.Check(merged, "event"); err != nil {
		return nil, err
	}
	if err := checkTranslations(merged); err != nil {
		return nil, err
	}
	next := eventFromProto(key, merged)
	if next.HostOrganization != current.GetHostOrganization() {
		// Moving an event to another organisation is creating it there.
		if err := policy.Check(auth.FromContext(ctx), policy.EventCreate, policy.Facts{HostOrganization: next.HostOrganization}, ""); err != nil {
			return nil, err
		}
	}
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
	if _, err := s.access(ctx, policy.EventManage, req.GetName(), key); err != nil {
		return nil, err
	}
	_, err := s.decide(ctx, func(st *domain.State, _ time.Time) (domain.Decision, error) {
		return st.DeleteEvent(key, req.GetEtag())
	})
	if err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

func (s *Server) transition(ctx context.Context, a policy.Action, name, method, reason, etag string) (*eventv1.Event, error) {
	key := keyOf(name, "events")
	if _, err := s.access(ctx, a, name, key); err != nil {
		return nil, err
	}
	d, err := s.decide(ctx, func(st *domain.State, now time.Time) (domain.Decision, error) {
		return st.TransitionEvent(key, method, reason, etag, now)
	})
	if err != nil {
		return nil, err
	}
	return s.event(d.Result)
}

func (s *Server) SubmitEvent(ctx context.Context, req *eventv1.SubmitEventRequest) (*eventv1.Event, error) {
	return s.transition(ctx, policy.EventManage, req.GetName(), "submit", "", req.GetEtag())
}

func (s *Server) PublishEvent(ctx context.Context, req *eventv1.PublishEventRequest) (*eventv1.Event, error) {
	return s.transition(ctx, policy.EventModerate, req.GetName(), "publish", "", req.GetEtag())
}

func (s *Server) RejectEvent(ctx context.Context, req *eventv1.RejectEventRequest) (*eventv1.Event, error) {
	return s.transition(ctx, policy.EventModerate, req.GetName(), "reject", req.GetReason(), req.GetEtag())
}

func (s *Server) CancelEvent(ctx context.Context, req *eventv1.CancelEventRequest) (*eventv1.Event, error) {
	return s.transition(ctx, policy.EventManage, req.GetName(), "cancel", req.GetReason(), req.GetEtag())
}

func (s *Server) CompleteEvent(ctx context.Context, req *eventv1.CompleteEventRequest) (*eventv1.Event, error) {
	return s.transition(ctx, policy.EventManage, req.GetName(), "complete", "", req.GetEtag())
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
