package server

import (
	"context"
	"sort"
	"strings"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event/internal/domain"
	"github.com/socialrx/socialrx/services/platform/aip/filtering"
	"github.com/socialrx/socialrx/services/platform/aip/pagination"
	"github.com/socialrx/socialrx/services/platform/audit"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/language"
	"github.com/socialrx/socialrx/services/platform/policy"
	"github.com/socialrx/socialrx/services/platform/protoconv"
)

// eventFilter is the AIP-160 schema of ListEvents.
var eventFilter = filtering.Schema{
	"state":             {Kind: filtering.Enum, Values: []string{"DRAFT", "SUBMITTED", "PUBLISHED", "REJECTED", "CANCELLED", "COMPLETED"}},
	"category":          {Kind: filtering.String},
	"host_organization": {Kind: filtering.String},
	"tags":              {Kind: filtering.StringList},
	"title":             {Kind: filtering.String},
	"update_time":       {Kind: filtering.Timestamp},
	"create_time":       {Kind: filtering.Timestamp},
}

func eventRecord(ev *domain.Event) filtering.Record {
	return func(field string) (any, bool) {
		switch field {
		case "state":
			return ev.State, true
		case "category":
			return ev.Category, true
		case "host_organization":
			return ev.HostOrganization, true
		case "tags":
			return ev.Tags, true
		case "title":
			return ev.Title, true
		case "update_time":
			return ev.UpdateTime, true
		case "create_time":
			return ev.CreateTime, true
		}
		return nil, false
	}
}

func (s *Server) ListEvents(ctx context.Context, req *eventv1.ListEventsRequest) (*eventv1.ListEventsResponse, error) {
	f, err := filtering.Parse(req.GetFilter(), eventFilter)
	if err != nil {
		return nil, err
	}
	if err := s.sync(ctx); err != nil {
		return nil, err
	}
	if err := policy.CheckMethod(auth.FromContext(ctx), policy.EventRead); err != nil {
		return nil, err
	}
	caller := auth.FromContext(ctx)
	want := language.Wanted(ctx, req.GetLanguageCode())
	var all []*eventv1.Event
	s.ledger.Read(func(st *domain.State) {
		for _, ev := range st.Events {
			if f.Match(eventRecord(ev)) && policy.Can(caller, policy.EventRead, eventFacts(ev)) {
				p := eventToProto(ev)
				localizeEvent(p, want)
				all = append(all, p)
			}
		}
	})
	sort.Slice(all, func(i, j int) bool { return all[i].GetName() < all[j].GetName() })
	items, next, err := pagination.Offset(req, req.GetPageSize(), req.GetPageToken(), 0, all)
	if err != nil {
		return nil, err
	}
	return &eventv1.ListEventsResponse{Events: items, NextPageToken: next, TotalSize: int32(len(all))}, nil
}

func (s *Server) ListSessions(ctx context.Context, req *eventv1.ListSessionsRequest) (*eventv1.ListSessionsResponse, error) {
	key := keyOf(req.GetParent(), "events")
	if _, err := s.access(ctx, policy.EventRead, req.GetParent(), key); err != nil {
		return nil, err
	}
	var all []*eventv1.Session
	var err error
	s.ledger.Read(func(st *domain.State) {
		var ev *domain.Event
		if ev, err = st.Event(key); err != nil {
			return
		}
		for _, sk := range ev.Sessions {
			all = append(all, sessionToProto(st.Sessions[sk]))
		}
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].GetStartTime().AsTime().Before(all[j].GetStartTime().AsTime()) })
	items, next, err := pagination.Offset(req, req.GetPageSize(), req.GetPageToken(), 0, all)
	if err != nil {
		return nil, err
	}
	return &eventv1.ListSessionsResponse{Sessions: items, NextPageToken: next, TotalSize: int32(len(all))}, nil
}

// registrationOrder sorts a host's list: seated first, then the waitlist in order, then the rest.
func registrationOrder(r *domain.Registration) int {
	switch r.State {
	case domain.RegConfirmed, domain.RegAttended:
		return 0
	case domain.RegWaitlisted:
		return 1
	}
	return 2
}

func (s *Server) ListRegistrations(ctx context.Context, req *eventv1.ListRegistrationsRequest) (*eventv1.ListRegistrationsResponse, error) {
	key := keyOf(req.GetParent(), "events", "sessions")
	f, err := s.access(ctx, policy.RegistrationRead, req.GetParent(), eventKeyOf(key))
	if err != nil {
		return nil, err
	}
	full := seesContacts(ctx, f)
	want := protoconv.EnumName(req.GetState())
	var all []*eventv1.Registration
	s.ledger.Read(func(st *domain.State) {
		var ss *domain.Session
		if ss, err = st.Session(key); err != nil {
			return
		}
		regs := make([]*domain.Registration, 0, len(ss.All))
		for _, k := range ss.All {
			r := st.Registrations[k]
			if req.GetState() == eventv1.RegistrationState_REGISTRATION_STATE_UNSPECIFIED || r.State == want {
				regs = append(regs, r)
			}
		}
		sort.SliceStable(regs, func(i, j int) bool {
			oi, oj := registrationOrder(regs[i]), registrationOrder(regs[j])
			if oi != oj {
				return oi < oj
			}
			if oi == 1 {
				return st.WaitlistPosition(regs[i]) < st.WaitlistPosition(regs[j])
			}
			return false
		})
		for _, r := range regs {
			all = append(all, registrationToProto(st, r, full))
		}
	})
	if err != nil {
		return nil, err
	}
	items, next, err := pagination.Offset(req, req.GetPageSize(), req.GetPageToken(), 0, all)
	if err != nil {
		return nil, err
	}
	if full {
		if err := s.audit(ctx, audit.ActionList, nil, registrationNames(items)...); err != nil {
			return nil, err
		}
	}
	return &eventv1.ListRegistrationsResponse{Registrations: items, NextPageToken: next, TotalSize: int32(len(all))}, nil
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || strings.EqualFold(h, w)
		}
		if !found {
			return false
		}
	}
	return true
}

func registrationNames(regs []*eventv1.Registration) []string {
	out := make([]string, len(regs))
	for i, r := range regs {
		out[i] = r.GetName()
	}
	return out
}
