package event_test

import (
	"bytes"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

func TestPublicListingAndCalendar(t *testing.T) {
	w := newWorld(t, 1)
	c, ctx := w.ev(), ctxT(t)
	full, fullSession := w.published(t, "full-picnic", 1)
	open, openSession := w.published(t, "open-circle", 10)
	draft := w.newEvent(t, "draft-walk")
	if _, err := c.CreateSession(ctx, &eventv1.CreateSessionRequest{Parent: draft.GetName(), SessionId: "d1", Session: session(30*time.Hour, 10)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{Parent: fullSession.GetName(), Registration: person(1)}); err != nil {
		t.Fatal(err)
	}
	// An online event far from everything, a week later.
	online, err := c.CreateEvent(ctx, &eventv1.CreateEventRequest{EventId: "online-music", Event: &eventv1.Event{
		Title: "Music and dance online", Category: eventv1.EventCategory_EVENT_CATEGORY_MUSIC_AND_DANCE,
		HostOrganization: w.org, OnlineUrl: "https://meet.example.org/dance", Languages: []string{"fr-CA"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateSession(ctx, &eventv1.CreateSessionRequest{Parent: online.GetName(), SessionId: "s1", Session: session(7*24*time.Hour, 30)}); err != nil {
		t.Fatal(err)
	}
	c.SubmitEvent(ctx, &eventv1.SubmitEventRequest{Name: online.GetName()})
	if _, err := c.PublishEvent(moderator(ctx), &eventv1.PublishEventRequest{Name: online.GetName()}); err != nil {
		t.Fatal(err)
	}

	names := func(req *eventv1.SearchEventsRequest) []string {
		t.Helper()
		resp, err := c.SearchEvents(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range resp.GetResults() {
			out = append(out, r.GetEvent().GetName())
		}
		return out
	}
	toronto := &eventv1.GeoCircle{Latitude: 43.65, Longitude: -79.38, RadiusMeters: 10000}
	tests := []struct {
		name string
		req  *eventv1.SearchEventsRequest
		want []string
	}{
		{"published only, by start time", &eventv1.SearchEventsRequest{}, []string{full.GetName(), open.GetName(), online.GetName()}},
		{"has seats", &eventv1.SearchEventsRequest{HasSeats: true}, []string{open.GetName(), online.GetName()}},
		{"category", &eventv1.SearchEventsRequest{Categories: []eventv1.EventCategory{eventv1.EventCategory_EVENT_CATEGORY_MUSIC_AND_DANCE}}, []string{online.GetName()}},
		{"near excludes online", &eventv1.SearchEventsRequest{Near: toronto, OrderBy: eventv1.ListingOrder_LISTING_ORDER_DISTANCE}, []string{full.GetName(), open.GetName()}},
		{"date range", &eventv1.SearchEventsRequest{StartAfter: timestamppb.New(start.Add(48 * time.Hour))}, []string{online.GetName()}},
		{"language prefix", &eventv1.SearchEventsRequest{Language: "fr"}, []string{full.GetName(), open.GetName(), online.GetName()}},
		{"text", &eventv1.SearchEventsRequest{Query: "dance online"}, []string{online.GetName()}},
		{"tag", &eventv1.SearchEventsRequest{Tag: "community-health-wellbeing-week"}, []string{full.GetName(), open.GetName()}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := names(tc.req)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}

	// The calendar of one event, with a cancelled session, parsed as iCalendar.
	if _, err := c.CreateSession(ctx, &eventv1.CreateSessionRequest{Parent: open.GetName(), SessionId: "day-2", Session: session(48*time.Hour, 10)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CancelSession(ctx, &eventv1.CancelSessionRequest{Name: open.GetName() + "/sessions/day-2", Reason: "Holiday."}); err != nil {
		t.Fatal(err)
	}
	body, err := c.GetEventCalendar(ctx, &eventv1.GetEventCalendarRequest{Name: open.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if body.GetContentType() != "text/calendar; charset=utf-8" {
		t.Fatalf("content type %q", body.GetContentType())
	}
	cal, err := ical.NewDecoder(bytes.NewReader(body.GetData())).Decode()
	if err != nil {
		t.Fatalf("parse calendar: %v\n%s", err, body.GetData())
	}
	events := cal.Events()
	if len(events) != 2 {
		t.Fatalf("%d VEVENTs, want 2", len(events))
	}
	byUID := map[string]ical.Event{}
	for _, e := range events {
		uid, _ := e.Props.Text(ical.PropUID)
		byUID[uid] = e
	}
	day1 := byUID[openSession.GetName()+"@socialrx.org"]
	day2 := byUID[open.GetName()+"/sessions/day-2@socialrx.org"]
	if day1.Component == nil || day2.Component == nil {
		t.Fatalf("UIDs: %v", byUID)
	}
	loc, _ := time.LoadLocation("America/Toronto")
	startTime, err := day1.DateTimeStart(loc)
	if err != nil || !startTime.Equal(openSession.GetStartTime().AsTime()) {
		t.Fatalf("DTSTART = %v (%v), want %v", startTime, err, openSession.GetStartTime().AsTime())
	}
	if p := day1.Props.Get(ical.PropDateTimeStart); p.Params.Get(ical.ParamTimezoneID) != "America/Toronto" {
		t.Fatalf("DTSTART TZID = %q", p.Params.Get(ical.ParamTimezoneID))
	}
	if s, _ := day1.Props.Text(ical.PropSummary); s != open.GetTitle() {
		t.Fatalf("SUMMARY = %q", s)
	}
	if s, _ := day2.Props.Text(ical.PropStatus); s != "CANCELLED" {
		t.Fatalf("cancelled session STATUS = %q", s)
	}
	if s, _ := day1.Props.Text(ical.PropLocation); s == "" {
		t.Fatal("LOCATION missing")
	}

	// The listing feed parses too, and a draft's calendar is not public.
	feed, err := c.SearchEventsCalendar(ctx, &eventv1.SearchEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if cal, err := ical.NewDecoder(bytes.NewReader(feed.GetData())).Decode(); err != nil || len(cal.Events()) != 4 {
		t.Fatalf("listing feed: %v events, %v", len(cal.Events()), err)
	}
	_, err = c.GetEventCalendar(ctx, &eventv1.GetEventCalendarRequest{Name: draft.GetName()})
	testenv.WantCode(t, err, codes.NotFound, apierror.ReasonNotFound)
}
