package web

import (
	"net/http"
	"slices"
	"sort"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
)

// matchRadiusMeters is how far from the link worker's member centre matching events may be.
const matchRadiusMeters = 25000

// matchRow is an upcoming session that fits the person, with one button to book it.
type matchRow struct {
	Session             string
	Title, Category     string
	Date, Time, Venue   string
	Distance            string
	SeatsLeft, Waiting  int32
	Languages, Features []string
}

func directoryGetService(name string) *directoryv1.GetServiceRequest {
	return &directoryv1.GetServiceRequest{Name: name}
}

func getSession(name string) *eventv1.GetSessionRequest {
	return &eventv1.GetSessionRequest{Name: name}
}

func getEvent(name string) *eventv1.GetEventRequest { return &eventv1.GetEventRequest{Name: name} }

// needCategories narrows the events for needs that only some kinds of event meet; loneliness
// and isolation are met by any gathering.
var needCategories = map[referralv1.Need][]eventv1.EventCategory{
	referralv1.Need_NEED_FOOD_INSECURITY: {eventv1.EventCategory_EVENT_CATEGORY_COMMUNITY_COOKING_CLASS,
		eventv1.EventCategory_EVENT_CATEGORY_COMMUNITY_GARDENING, eventv1.EventCategory_EVENT_CATEGORY_OUTDOOR_PICNIC},
}

// matchRequest is the search for sessions that fit ref's person: their language, their
// accessibility needs, their needs, near the link worker's member centre, in the next 60 days.
func matchRequest(ref *referralv1.Referral, near *centre, now time.Time) *eventv1.SearchEventsRequest {
	req := &eventv1.SearchEventsRequest{StartAfter: timestamppb.New(now), StartBefore: timestamppb.New(now.AddDate(0, 0, 60)), PageSize: 50}
	s := ref.GetSubject()
	req.Language = s.GetPreferredLanguage()
	for _, a := range s.GetAccessibilityNeeds() {
		// Free-text needs are for the link worker to read; the features events offer are the common ones.
		if slices.Contains(commonFeatures, a) {
			req.AccessibilityFeatures = append(req.AccessibilityFeatures, a)
		}
	}
	seen := map[eventv1.EventCategory]bool{}
	for _, n := range ref.GetNeeds() {
		if n == referralv1.Need_NEED_LONELINESS || n == referralv1.Need_NEED_SOCIAL_ISOLATION {
			req.Categories, seen = nil, nil
			break
		}
		for _, c := range needCategories[n] {
			if !seen[c] {
				seen[c] = true
				req.Categories = append(req.Categories, c)
			}
		}
	}
	if near != nil {
		req.Near = &eventv1.GeoCircle{Latitude: near.Latitude, Longitude: near.Longitude, RadiusMeters: matchRadiusMeters}
	}
	return req
}

// seatsFirst orders sessions with seats left before full ones, then the soonest first.
func seatsFirst(rs []*eventv1.EventListing) {
	sort.SliceStable(rs, func(i, j int) bool {
		fi, fj := rs[i].GetSession().GetSeatsLeft() > 0, rs[j].GetSession().GetSeatsLeft() > 0
		if fi != fj {
			return fi
		}
		return rs[i].GetSession().GetStartTime().AsTime().Before(rs[j].GetSession().GetStartTime().AsTime())
	})
}

func (h *Handler) matches(r *http.Request, l *localizer, ref *referralv1.Referral, facts *directoryFacts, person Person) ([]matchRow, error) {
	var near *centre
	if c, ok := facts.centre(person.Organization); ok {
		near = &c
	}
	resp, err := h.events.SearchEvents(h.callContext(r), matchRequest(ref, near, h.now()))
	if err != nil {
		return nil, err
	}
	booked := map[string]bool{}
	for _, b := range ref.GetBookings() {
		if b.GetState() != "CANCELLED" {
			booked[b.GetSession()] = true
		}
	}
	results := resp.GetResults()
	seatsFirst(results)
	var out []matchRow
	for _, res := range results {
		if booked[res.GetSession().GetName()] {
			continue
		}
		lr := h.row(l, res, facts)
		var features []string
		for _, f := range lr.Features {
			features = append(features, f.Text)
		}
		out = append(out, matchRow{Session: res.GetSession().GetName(), Title: lr.Title.Text, Category: lr.Category,
			Date: lr.Date, Time: lr.Time, Venue: lr.Venue, Distance: lr.Distance, SeatsLeft: lr.SeatsLeft, Waiting: lr.Waiting,
			Languages: lr.Languages, Features: features})
	}
	return out, nil
}
