package event_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event/internal/domain"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

func TestBadInput(t *testing.T) {
	w := newWorld(t, 1)
	c, ctx := w.ev(), ctxT(t)
	ev, ss := w.published(t, "garden", 5)
	okEvent := func() *eventv1.Event {
		return &eventv1.Event{Title: "Garden day", Category: eventv1.EventCategory_EVENT_CATEGORY_COMMUNITY_GARDENING,
			HostOrganization: w.org, Venue: &eventv1.Venue{Place: &eventv1.Venue_Location{Location: w.loc}}}
	}
	createSession := func(s *eventv1.Session) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := c.CreateSession(ctx, &eventv1.CreateSessionRequest{Parent: ev.GetName(), Session: s})
			return err
		}
	}
	createEvent := func(mut func(*eventv1.Event)) func(context.Context) error {
		return func(ctx context.Context) error {
			e := okEvent()
			mut(e)
			_, err := c.CreateEvent(ctx, &eventv1.CreateEventRequest{Event: e})
			return err
		}
	}
	invalid := []struct {
		name  string
		call  func(context.Context) error
		field string
	}{
		{"end before start", createSession(func() *eventv1.Session {
			s := session(48*time.Hour, 10)
			s.EndTime = timestamppb.New(s.GetStartTime().AsTime().Add(-time.Hour))
			return s
		}()), "session"},
		{"capacity 0", createSession(session(48*time.Hour, 0)), "session.capacity"},
		{"absurd capacity", createSession(session(48*time.Hour, 1_000_000)), "session.capacity"},
		{"time zone not IANA", createSession(func() *eventv1.Session {
			s := session(48*time.Hour, 10)
			s.TimeZone = "Mars/Olympus_Mons"
			return s
		}()), "session.time_zone"},
		{"time zone Local", createSession(func() *eventv1.Session {
			s := session(48*time.Hour, 10)
			s.TimeZone = "Local"
			return s
		}()), "session.time_zone"},
		{"session in the past", createSession(session(-48*time.Hour, 10)), "session.start_time"},
		{"unknown host organisation", func(ctx context.Context) error {
			// A host of an organisation the directory does not know.
			e := okEvent()
			e.HostOrganization = "organizations/nowhere"
			_, err := c.CreateEvent(as(ctx, auth.Identity{Subject: "practitioners/x", Organization: e.HostOrganization,
				Roles: []string{auth.RoleEventHost}}), &eventv1.CreateEventRequest{Event: e})
			return err
		}, "event.host_organization"},
		{"unknown venue location", createEvent(func(e *eventv1.Event) {
			e.Venue = &eventv1.Venue{Place: &eventv1.Venue_Location{Location: "locations/nowhere"}}
		}), "event.venue.location"},
		{"unknown contact practitioner", createEvent(func(e *eventv1.Event) { e.ContactPractitioner = "practitioners/nobody" }), "event.contact_practitioner"},
		{"no category", createEvent(func(e *eventv1.Event) { e.Category = 0 }), "event.category"},
		{"empty title", createEvent(func(e *eventv1.Event) { e.Title = "" }), "event.title"},
		{"neither venue nor link", createEvent(func(e *eventv1.Event) { e.Venue = nil }), "event"},
		{"latitude 91", createEvent(func(e *eventv1.Event) {
			e.Venue = &eventv1.Venue{Place: &eventv1.Venue_Address{Address: &eventv1.PlaceAddress{Address_1: "1 Main St", City: "Toronto", Latitude: 91}}}
		}), "event.venue.address.latitude"},
		{"bad change token", func(ctx context.Context) error {
			_, err := c.ListChanges(as(ctx, serviceID), &eventv1.ListChangesRequest{After: "yesterday"})
			return err
		}, "after"},
		{"registration without a person", func(ctx context.Context) error {
			_, err := c.CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{Parent: ss.GetName(), Registration: &eventv1.Registration{}})
			return err
		}, "registration.person"},
		{"distance order without near", func(ctx context.Context) error {
			_, err := c.SearchEvents(ctx, &eventv1.SearchEventsRequest{OrderBy: eventv1.ListingOrder_LISTING_ORDER_DISTANCE})
			return err
		}, ""},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			testenv.WantField(t, tc.call(ctx), tc.field)
		})
	}

	// States that refuse: registering for a cancelled session, checking in a cancelled registration.
	r, err := c.CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{Parent: ss.GetName(), Registration: person(1)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CancelRegistration(ctx, &eventv1.CancelRegistrationRequest{Name: r.GetName()}); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(23 * time.Hour)
	_, err = c.CheckInRegistration(ctx, &eventv1.CheckInRegistrationRequest{Name: r.GetName()})
	testenv.WantCode(t, err, codes.FailedPrecondition, domain.ReasonRegistrationState)
	if !strings.Contains(err.Error(), "CANCELLED") {
		t.Fatalf("error does not name the state: %v", err)
	}
	if _, err := c.CancelSession(ctx, &eventv1.CancelSessionRequest{Name: ss.GetName(), Reason: "Rain."}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{Parent: ss.GetName(), Registration: person(2)})
	testenv.WantCode(t, err, codes.FailedPrecondition, domain.ReasonSessionCancelled)
	_, err = c.GetRegistration(ctx, &eventv1.GetRegistrationRequest{Name: ss.GetName() + "/registrations/nope"})
	testenv.WantCode(t, err, codes.NotFound, apierror.ReasonNotFound)

	// Nothing was stored by the refused calls.
	list, err := c.ListEvents(ctx, &eventv1.ListEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if list.GetTotalSize() != 1 {
		t.Fatalf("%d events stored, want 1", list.GetTotalSize())
	}
	sessions, err := c.ListSessions(ctx, &eventv1.ListSessionsRequest{Parent: ev.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if sessions.GetTotalSize() != 1 {
		t.Fatalf("%d sessions stored, want 1", sessions.GetTotalSize())
	}
}
