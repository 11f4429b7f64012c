package server

import (
	"context"
	"time"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event/internal/domain"
	"github.com/socialrx/socialrx/services/event/internal/readmodel"
	"github.com/socialrx/socialrx/services/platform/aip/pagination"
	"github.com/socialrx/socialrx/services/platform/apierror"
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
// only scheduled sessions of published events. The listing index finds the candidates; seats,
// which change with every registration, are checked here on the state.
func (s *Server) search(st *domain.State, req *eventv1.SearchEventsRequest, now time.Time, withCancelled bool) ([]listing, error) {
	q := readmodel.Query{
		After: now, Words: req.GetQuery(), Host: req.GetHostOrganization(), Language: req.GetLanguage(),
		Accessibility: req.GetAccessibilityFeatures(), Tag: req.GetTag(), WithCancelled: withCancelled,
		ByDistance: req.GetOrderBy() == eventv1.ListingOrder_LISTING_ORDER_DISTANCE,
	}
	if req.GetStartAfter() != nil {
		q.After = req.GetStartAfter().AsTime()
	}
	if req.GetStartBefore() != nil {
		q.Before = req.GetStartBefore().AsTime()
	}
	for _, c := range req.GetCategories() {
		q.Categories = append(q.Categories, protoconv.EnumName(c))
	}
	if n := req.GetNear(); n != nil {
		q.Near = &readmodel.Circle{Latitude: n.GetLatitude(), Longitude: n.GetLongitude(), RadiusMeters: n.GetRadiusMeters()}
	}
	hits, err := s.listing.Search(q)
	if err != nil {
		s.logger.Error("search listing", "error", err)
		return nil, apierror.Internal()
	}
	out := make([]listing, 0, len(hits))
	for _, h := range hits {
		ss := st.Sessions[h.Key]
		if ss == nil {
			continue
		}
		ev := st.Events[ss.EventID]
		if ev == nil || (req.GetHasSeats() && ss.SeatsLeft() == 0) {
			continue
		}
		row := listing{ev: ev, ss: ss}
		if q.Near != nil {
			if ev.Venue == nil {
				continue
			}
			row.distance, row.hasDist = q.Near.Distance(ev.Venue.Latitude, ev.Venue.Longitude), true
			if row.distance > q.Near.RadiusMeters {
				continue
			}
		}
		out = append(out, row)
	}
	return out, nil
}

func (s *Server) SearchEvents(ctx context.Context, req *eventv1.SearchEventsRequest) (*eventv1.SearchEventsResponse, error) {
	if err := s.sync(ctx); err != nil {
		return nil, err
	}
	resp := &eventv1.SearchEventsResponse{}
	now := s.now()
	want := language.Wanted(ctx, req.GetLanguageCode())
	var err error
	s.ledger.Read(func(st *domain.State) {
		var rows []listing
		if rows, err = s.search(st, req, now, false); err != nil {
			return
		}
		resp.TotalSize = int32(len(rows))
		var page []listing
		if page, resp.NextPageToken, err = pagination.Offset(req, req.GetPageSize(), req.GetPageToken(), 0, rows); err != nil {
			return
		}
		for _, row := range page {
			l := &eventv1.EventListing{Event: eventToProto(row.ev), Session: sessionToProto(row.ss)}
			localizeEvent(l.Event, want)
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
