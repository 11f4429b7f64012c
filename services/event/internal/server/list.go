package server

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event/internal/domain"
	"github.com/socialrx/socialrx/services/event/internal/store"
	"github.com/socialrx/socialrx/services/platform/aip/filtering"
	"github.com/socialrx/socialrx/services/platform/aip/pagination"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/calendar"
	"github.com/socialrx/socialrx/services/platform/geo"
	"github.com/socialrx/socialrx/services/platform/language"
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
	var all []*eventv1.Event
	s.ledger.Read(func(st *domain.State) {
		for _, ev := range st.Events {
			if f.Match(eventRecord(ev)) {
				all = append(all, eventToProto(ev))
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
	if err := s.sync(ctx); err != nil {
		return nil, err
	}
	key := keyOf(req.GetParent(), "events")
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
	if err := s.sync(ctx); err != nil {
		return nil, err
	}
	key := keyOf(req.GetParent(), "events", "sessions")
	full := seesPersons(ctx)
	want := strings.TrimPrefix(req.GetState().String(), "REGISTRATION_STATE_")
	var all []*eventv1.Registration
	var err error
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
	return &eventv1.ListRegistrationsResponse{Registrations: items, NextPageToken: next, TotalSize: int32(len(all))}, nil
}

// listing is one candidate row of the public listing.
type listing struct {
	ev       *domain.Event
	ss       *domain.Session
	distance float64
	hasDist  bool
}

// search selects sessions for the public listing. withCancelled keeps cancelled sessions and
// events (for calendars, so subscribers learn of the cancellation); the listing itself shows
// only scheduled sessions of published events.
func (s *Server) search(st *domain.State, req *eventv1.SearchEventsRequest, now time.Time, withCancelled bool) []listing {
	after := now
	if req.GetStartAfter() != nil {
		after = req.GetStartAfter().AsTime()
	}
	var before time.Time
	if req.GetStartBefore() != nil {
		before = req.GetStartBefore().AsTime()
	}
	cats := map[string]bool{}
	for _, c := range req.GetCategories() {
		cats[strings.TrimPrefix(c.String(), "EVENT_CATEGORY_")] = true
	}
	words := strings.Fields(strings.ToLower(req.GetQuery()))
	var out []listing
	for _, ss := range st.Sessions {
		ev := st.Events[ss.EventID]
		if ev == nil {
			continue
		}
		visible := ev.State == domain.EventPublished && ss.State == domain.SessionScheduled
		if withCancelled {
			visible = ev.State == domain.EventPublished || ev.State == domain.EventCancelled || ev.State == domain.EventCompleted
		}
		if !visible || ss.Start.Before(after) || (!before.IsZero() && !ss.Start.Before(before)) {
			continue
		}
		if len(cats) > 0 && !cats[ev.Category] {
			continue
		}
		if h := req.GetHostOrganization(); h != "" && ev.HostOrganization != h {
			continue
		}
		if l := req.GetLanguage(); l != "" && !language.Offered(ev.Languages, l) {
			continue
		}
		if !containsAll(ev.Accessibility, req.GetAccessibilityFeatures()) {
			continue
		}
		if t := req.GetTag(); t != "" && !containsAll(ev.Tags, []string{t}) {
			continue
		}
		if req.GetHasSeats() && ss.SeatsLeft() == 0 {
			continue
		}
		if len(words) > 0 {
			text := strings.ToLower(ev.Title + "\n" + ev.Description)
			ok := true
			for _, w := range words {
				ok = ok && strings.Contains(text, w)
			}
			if !ok {
				continue
			}
		}
		row := listing{ev: ev, ss: ss}
		if n := req.GetNear(); n != nil {
			if ev.Venue == nil || (ev.Venue.Latitude == 0 && ev.Venue.Longitude == 0) {
				continue
			}
			row.distance = geo.Distance(n.GetLatitude(), n.GetLongitude(), ev.Venue.Latitude, ev.Venue.Longitude)
			row.hasDist = true
			if row.distance > n.GetRadiusMeters() {
				continue
			}
		}
		out = append(out, row)
	}
	byDistance := req.GetOrderBy() == eventv1.ListingOrder_LISTING_ORDER_DISTANCE
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if byDistance && a.distance != b.distance {
			return a.distance < b.distance
		}
		if !a.ss.Start.Equal(b.ss.Start) {
			return a.ss.Start.Before(b.ss.Start)
		}
		return a.ss.Key() < b.ss.Key()
	})
	return out
}

func (s *Server) SearchEvents(ctx context.Context, req *eventv1.SearchEventsRequest) (*eventv1.SearchEventsResponse, error) {
	if err := s.sync(ctx); err != nil {
		return nil, err
	}
	resp := &eventv1.SearchEventsResponse{}
	now := s.now()
	var err error
	s.ledger.Read(func(st *domain.State) {
		rows := s.search(st, req, now, false)
		resp.TotalSize = int32(len(rows))
		var page []listing
		if page, resp.NextPageToken, err = pagination.Offset(req, req.GetPageSize(), req.GetPageToken(), 0, rows); err != nil {
			return
		}
		for _, row := range page {
			l := &eventv1.EventListing{Event: eventToProto(row.ev), Session: sessionToProto(row.ss)}
			if row.hasDist {
				d := row.distance
				l.DistanceMeters = &d
			}
			resp.Results = append(resp.Results, l)
		}
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// calendarSessions turns listing rows into calendar entries.
func calendarSessions(rows []listing) []calendar.Session {
	out := make([]calendar.Session, 0, len(rows))
	for _, row := range rows {
		ev, ss := row.ev, row.ss
		cs := calendar.Session{
			UID:          sessionName(ss.Key()) + "@socialrx.org",
			Summary:      ev.Title,
			Description:  ev.Description,
			URL:          ev.OnlineURL,
			Start:        ss.Start,
			End:          ss.End,
			TimeZone:     ss.TimeZone,
			Cancelled:    ss.State == domain.SessionCancelled || ev.State == domain.EventCancelled,
			Categories:   []string{strings.ReplaceAll(strings.ToLower(ev.Category), "_", " ")},
			Sequence:     ss.ScheduleCount,
			LastModified: ss.UpdateTime,
		}
		if v := ev.Venue; v != nil {
			cs.Location = v.DisplayName
			if v.Latitude != 0 || v.Longitude != 0 {
				lat, lng := v.Latitude, v.Longitude
				cs.Latitude, cs.Longitude = &lat, &lng
			}
		}
		out = append(out, cs)
	}
	return out
}

func (s *Server) render(name string, rows []listing) (*httpbody.HttpBody, error) {
	var buf bytes.Buffer
	if err := calendar.Write(&buf, name, calendarSessions(rows), time.Now()); err != nil {
		s.logger.Error("render calendar", "error", err)
		return nil, apierror.Internal()
	}
	return &httpbody.HttpBody{ContentType: calendar.ContentType, Data: buf.Bytes()}, nil
}

func (s *Server) SearchEventsCalendar(ctx context.Context, req *eventv1.SearchEventsRequest) (*httpbody.HttpBody, error) {
	if err := s.sync(ctx); err != nil {
		return nil, err
	}
	var rows []listing
	s.ledger.Read(func(st *domain.State) { rows = s.search(st, req, s.now(), true) })
	return s.render("Human Connection events", rows)
}

func (s *Server) GetEventCalendar(ctx context.Context, req *eventv1.GetEventCalendarRequest) (*httpbody.HttpBody, error) {
	if err := s.sync(ctx); err != nil {
		return nil, err
	}
	key := keyOf(req.GetName(), "events")
	var rows []listing
	var title string
	var err error
	s.ledger.Read(func(st *domain.State) {
		var ev *domain.Event
		if ev, err = st.Event(key); err != nil {
			return
		}
		if ev.State != domain.EventPublished && ev.State != domain.EventCancelled && ev.State != domain.EventCompleted {
			// Unpublished events are not public: answer as if they did not exist.
			err = apierror.NotFound(req.GetName())
			return
		}
		title = ev.Title
		for _, sk := range ev.Sessions {
			rows = append(rows, listing{ev: ev, ss: st.Sessions[sk]})
		}
	})
	if err != nil {
		return nil, err
	}
	return s.render(title, rows)
}

// Change feed.

// token is a resume position: the outcome index within a ledger entry.
type token struct {
	seq   int64
	index int
}

func parseToken(s string) (token, error) {
	if s == "" {
		return token{}, nil
	}
	a, b, ok := strings.Cut(s, ".")
	seq, err1 := strconv.ParseInt(a, 10, 64)
	idx, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || seq < 0 || idx < 0 {
		return token{}, apierror.InvalidArgument(apierror.ReasonInvalidPageToken,
			apierror.FieldViolation{Field: "after", Description: "not a resume token"})
	}
	return token{seq: seq, index: idx}, nil
}

func (t token) String() string { return fmt.Sprintf("%d.%d", t.seq, t.index) }

// changesAfter reads up to limit changes after t from the ledger in the database, so it works for
// any position, whatever this replica has folded.
func (s *Server) changesAfter(ctx context.Context, t token, limit int) ([]*eventv1.Change, token, error) {
	var out []*eventv1.Change
	last := t
	from := t.seq
	if from > 0 {
		from-- // re-read the entry of the token: it may have outcomes after t.index
	}
	for len(out) < limit {
		entries, err := s.ledger.Feed().Read(ctx, from, 100)
		if err != nil {
			return nil, t, s.fail(ctx, err)
		}
		if len(entries) == 0 {
			break
		}
		for _, e := range entries {
			from = e.Seq
			p, err := store.Decode(e.Data)
			if err != nil {
				return nil, t, s.fail(ctx, err)
			}
			for i, o := range p.Outcomes {
				pos := token{seq: e.Seq, index: i + 1}
				if pos.seq < t.seq || (pos.seq == t.seq && pos.index <= t.index) {
					continue
				}
				if len(out) == limit {
					return out, last, nil
				}
				out = append(out, &eventv1.Change{
					Token:            pos.String(),
					Kind:             changeKind(o.Kind),
					Session:          sessionName(o.Session),
					Registration:     regNameOrEmpty(o.Registration),
					Referral:         o.Referral,
					State:            registrationState(o.State),
					WaitlistPosition: o.Position,
					Time:             timestamppb.New(e.Time),
					Reason:           o.Reason,
				})
				last = pos
			}
		}
		if len(entries) < 100 {
			break
		}
	}
	return out, last, nil
}

func regNameOrEmpty(key string) string {
	if key == "" {
		return ""
	}
	return registrationName(key)
}

func (s *Server) ListChanges(ctx context.Context, req *eventv1.ListChangesRequest) (*eventv1.ListChangesResponse, error) {
	t, err := parseToken(req.GetAfter())
	if err != nil {
		return nil, err
	}
	size, err := pagination.PageSize(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	changes, last, err := s.changesAfter(ctx, t, size)
	if err != nil {
		return nil, err
	}
	next := last.String()
	if last == (token{}) {
		next = req.GetAfter()
	}
	return &eventv1.ListChangesResponse{Changes: changes, NextAfter: next}, nil
}

func (s *Server) WatchChanges(req *eventv1.WatchChangesRequest, stream eventv1.EventService_WatchChangesServer) error {
	ctx := stream.Context()
	t, err := parseToken(req.GetAfter())
	if err != nil {
		return err
	}
	for {
		changes, last, err := s.changesAfter(ctx, t, 100)
		if err != nil {
			return err
		}
		for _, c := range changes {
			if err := stream.Send(c); err != nil {
				return err
			}
		}
		t = last
		if len(changes) == 100 {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(s.poll):
		}
	}
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
