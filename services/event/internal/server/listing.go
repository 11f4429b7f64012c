package server

import (
	"context"
	"sort"
	"strings"
	"time"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event/internal/domain"
	"github.com/socialrx/socialrx/services/platform/aip/pagination"
	"github.com/socialrx/socialrx/services/platform/geo"
	"github.com/socialrx/socialrx/services/platform/language"
	"github.com/socialrx/socialrx/services/platform/protoconv"
)

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
		cats[protoconv.EnumName(c)] = true
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
