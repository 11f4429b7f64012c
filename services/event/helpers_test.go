package event_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/event/eventtest"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// start is the fixed "now" of the tests: a Monday morning in Toronto.
var start = time.Date(2026, 10, 12, 13, 0, 0, 0, time.UTC)

// world is a directory with one host organisation and one location, and event service replicas.
type world struct {
	db     string
	dir    *directorytest.Instance
	clock  *testenv.Clock
	events []*eventtest.Instance
	org    string
	loc    string
	host   string
}

func newWorld(t *testing.T, replicas int) *world {
	t.Helper()
	w := &world{dir: directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)}), clock: testenv.NewClock(start)}
	ctx := as(ctxT(t), adminID)
	org, err := w.dir.Client.CreateOrganization(ctx, &directoryv1.CreateOrganizationRequest{OrganizationId: "riverdale-chc",
		Organization: &directoryv1.Organization{DisplayName: "Riverdale Community Health Centre", MemberCentre: true}})
	if err != nil {
		t.Fatal(err)
	}
	lat, lng := 43.6677, -79.3534
	loc, err := w.dir.Client.CreateLocation(ctx, &directoryv1.CreateLocationRequest{LocationId: "riverdale-gerrard",
		Location: &directoryv1.Location{Organization: org.GetName(), DisplayName: "Riverdale CHC",
			Address:  &directoryv1.Address{Address_1: "1015 Gerrard St E", City: "Toronto", Region: "ON"},
			Latitude: &lat, Longitude: &lng}})
	if err != nil {
		t.Fatal(err)
	}
	host, err := w.dir.Client.CreatePractitioner(ctx, &directoryv1.CreatePractitionerRequest{PractitionerId: "host-amara",
		Practitioner: &directoryv1.Practitioner{Organization: org.GetName(), GivenName: "Amara", FamilyName: "Osei",
			Role: directoryv1.PractitionerRole_PRACTITIONER_ROLE_EVENT_HOST}})
	if err != nil {
		t.Fatal(err)
	}
	w.org, w.loc, w.host = org.GetName(), loc.GetName(), host.GetName()
	db := testenv.DatabaseName(t)
	w.db = db
	for range replicas {
		w.events = append(w.events, eventtest.Start(t, eventtest.Options{Database: db, DirectoryAddr: w.dir.Addr, Now: w.clock.Now}))
	}
	return w
}

func (w *world) ev() eventv1.EventServiceClient { return w.events[0].Client }

// ctxT is the context of a test, acting as the host of the world's organisation: most tests
// are about what a host does. Other callers are made with as.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return as(ctx, hostID)
}

// The callers of the tests.
var (
	hostID      = auth.Identity{Subject: "practitioners/host-amara", Organization: hostOrg, Roles: []string{auth.RoleEventHost}}
	otherHostID = auth.Identity{Subject: "practitioners/host-zed", Organization: "organizations/elsewhere", Roles: []string{auth.RoleEventHost}}
	moderatorID = auth.Identity{Subject: "practitioners/mod", Roles: []string{auth.RoleModerator}}
	adminID     = auth.Identity{Subject: "practitioners/admin", Roles: []string{auth.RoleDirectoryAdmin}}
	serviceID   = auth.Identity{Subject: "services/referral", Roles: []string{auth.RoleService}}
)

const hostOrg = "organizations/riverdale-chc"

// as returns ctx acting as id with a token of the test issuer, replacing any identity ctx had;
// auth.Anonymous for the public. It is the one place the tests say how an identity travels.
func as(ctx context.Context, id auth.Identity) context.Context { return testenv.WithIdentity(ctx, id) }

func moderator(ctx context.Context) context.Context { return as(ctx, moderatorID) }

func (w *world) newEvent(t *testing.T, id string) *eventv1.Event {
	t.Helper()
	ev, err := w.ev().CreateEvent(ctxT(t), &eventv1.CreateEventRequest{EventId: id, Event: &eventv1.Event{
		Title:               "Storytelling circle " + id,
		Description:         "Share stories over tea.",
		Category:            eventv1.EventCategory_EVENT_CATEGORY_STORYTELLING_CIRCLE,
		HostOrganization:    w.org,
		ContactPractitioner: w.host,
		Venue:               &eventv1.Venue{Place: &eventv1.Venue_Location{Location: w.loc}},
		Languages:           []string{"en", "fr"},
		Tags:                []string{"community-health-wellbeing-week"},
	}})
	if err != nil {
		t.Fatalf("create event %s: %v", id, err)
	}
	return ev
}

// session returns a session starting `in` from the test clock, lasting two hours.
func session(in time.Duration, capacity int32) *eventv1.Session {
	s := start.Add(in)
	return &eventv1.Session{StartTime: timestamppb.New(s), EndTime: timestamppb.New(s.Add(2 * time.Hour)),
		TimeZone: "America/Toronto", Capacity: capacity}
}

// published creates an event with one session of capacity, submitted and published.
func (w *world) published(t *testing.T, id string, capacity int32) (*eventv1.Event, *eventv1.Session) {
	t.Helper()
	ctx := ctxT(t)
	ev := w.newEvent(t, id)
	ss, err := w.ev().CreateSession(ctx, &eventv1.CreateSessionRequest{Parent: ev.GetName(), SessionId: "day-1", Session: session(24*time.Hour, capacity)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.ev().SubmitEvent(ctx, &eventv1.SubmitEventRequest{Name: ev.GetName()}); err != nil {
		t.Fatal(err)
	}
	ev, err = w.ev().PublishEvent(moderator(ctx), &eventv1.PublishEventRequest{Name: ev.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	return ev, ss
}

func person(i int) *eventv1.Registration {
	return &eventv1.Registration{Person: &eventv1.Person{GivenName: fmt.Sprintf("Person%d", i),
		Email: fmt.Sprintf("person%d@example.org", i)}}
}
