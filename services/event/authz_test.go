package event_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// The callers of the matrix. "Own" is the organisation hosting the event.
var matrixCallers = []struct {
	col string
	id  auth.Identity
}{
	{"anon", auth.Anonymous},
	{"host", hostID},
	{"hostX", otherHostID},
	{"mod", moderatorID},
	{"admin", adminID},
	{"clin", auth.Identity{Subject: "practitioners/dr", Organization: hostOrg, Roles: []string{auth.RoleClinician}}},
	{"lw", auth.Identity{Subject: "practitioners/lw", Organization: hostOrg, Roles: []string{auth.RoleLinkWorker}}},
	{"sys", auth.Identity{Subject: "clients/his", Organization: hostOrg, Roles: []string{auth.RoleSystem}}},
	{"priv", auth.Identity{Subject: "practitioners/po", Organization: hostOrg, Roles: []string{auth.RolePrivacyOfficer}}},
	{"svc", serviceID},
}

// Every event RPC for every caller, written out by hand from the rules of the issue. OK: allowed
// and the fixture in the answer; OK0: allowed without the fixture in the answer; U, P, N:
// UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND; other codes by name. Fixtures: "draft" (an
// event with a session, not submitted), "submitted", "published" (a session in an hour, with
// one public registration).
//
//	columns: anon host hostX mod admin clin lw sys priv svc
var eventMatrix = []struct {
	rpc, fixture, want string
}{
	{"CreateEvent", "-", "U OK P P P P P P P P"},
	{"GetEvent", "draft", "N OK N OK N N N N N OK"},
	{"GetEvent", "published", "OK OK OK OK OK OK OK OK OK OK"},
	{"ListEvents", "draft", "OK0 OK OK0 OK OK0 OK0 OK0 OK0 OK0 OK"},
	{"ListEvents", "published", "OK OK OK OK OK OK OK OK OK OK"},
	{"UpdateEvent", "draft", "U OK N P P P P P P P"},
	{"UpdateEvent", "published", "U OK P P P P P P P P"},
	{"DeleteEvent", "draft", "U OK N P P P P P P P"},
	{"SubmitEvent", "draft", "U OK N P P P P P P P"},
	{"PublishEvent", "submitted", "U P P OK P P P P P P"},
	{"RejectEvent", "submitted", "U P P OK P P P P P P"},
	{"CancelEvent", "published", "U OK P P P P P P P P"},
	{"CompleteEvent", "published", "U OK P P P P P P P P"},
	{"CreateSession", "draft", "U OK N P P P P P P P"},
	{"GetSession", "draft", "N OK N OK N N N N N OK"},
	{"ListSessions", "draft", "N OK N OK N N N N N OK"},
	{"UpdateSession", "draft", "U OK N P P P P P P P"},
	{"CancelSession", "published", "U OK P P P P P P P P"},
	{"SearchEvents", "published", "OK OK OK OK OK OK OK OK OK OK"},
	{"SearchEvents", "draft", "OK0 OK0 OK0 OK0 OK0 OK0 OK0 OK0 OK0 OK0"},
	{"SearchEventsCalendar", "published", "OK OK OK OK OK OK OK OK OK OK"},
	{"GetEventCalendar", "published", "OK OK OK OK OK OK OK OK OK OK"},
	{"GetEventCalendar", "draft", "N N N N N N N N N N"},
	{"CreateRegistration", "published", "OK OK OK OK OK OK OK OK OK OK"},
	{"CreateRegistration", "draft", "N P N P N N N N N FailedPrecondition"},
	{"CreateRegistration(referral)", "published", "P P P P P P P P P OK"},
	{"GetRegistration", "published", "U OK N P P P P P P OK"},
	{"ListRegistrations", "published", "U OK N P P P P P P OK"},
	{"CancelRegistration", "published", "N OK N N N N N N N OK"},
	{"CancelRegistration(token)", "published", "OK OK OK OK OK OK OK OK OK OK"},
	{"CheckInRegistration", "published", "U OK N P P P P P P P"},
	{"MarkNoShows", "published", "U FailedPrecondition P P P P P P P P"},
	{"ListChanges", "published", "U P P P P P P P P OK"},
	{"WatchChanges", "published", "U P P P P P P P P OK"},
}

// eventFixture is an event of the world's organisation with one session, and for "published"
// one public registration with its cancel token.
type eventFixture struct {
	event, session, registration, token string
}

func (w *world) eventFixture(t *testing.T, kind string, n int) eventFixture {
	t.Helper()
	ctx := ctxT(t)
	id := fmt.Sprintf("m%d", n)
	ev := w.newEvent(t, id)
	ss, err := w.ev().CreateSession(ctx, &eventv1.CreateSessionRequest{Parent: ev.GetName(), SessionId: "s", Session: session(time.Hour, 20)})
	if err != nil {
		t.Fatal(err)
	}
	f := eventFixture{event: ev.GetName(), session: ss.GetName()}
	if kind == "draft" || kind == "-" {
		return f
	}
	if _, err := w.ev().SubmitEvent(ctx, &eventv1.SubmitEventRequest{Name: ev.GetName()}); err != nil {
		t.Fatal(err)
	}
	if kind == "submitted" {
		return f
	}
	if _, err := w.ev().PublishEvent(moderator(ctx), &eventv1.PublishEventRequest{Name: ev.GetName()}); err != nil {
		t.Fatal(err)
	}
	reg, err := w.ev().CreateRegistration(as(ctx, auth.Anonymous), &eventv1.CreateRegistrationRequest{Parent: ss.GetName(),
		Registration: &eventv1.Registration{Person: &eventv1.Person{GivenName: "Ada", Email: fmt.Sprintf("ada%d@example.org", n)}}})
	if err != nil {
		t.Fatal(err)
	}
	f.registration, f.token = reg.GetName(), reg.GetCancelToken()
	return f
}

// eventCall makes the RPC of a row on fixture f and reports whether f was in the answer.
func (w *world) eventCall(ctx context.Context, rpc string, f eventFixture, n int) (bool, error) {
	c := w.ev()
	rpc, variant, _ := strings.Cut(rpc, "(")
	switch rpc {
	case "CreateEvent":
		ev, err := c.CreateEvent(ctx, &eventv1.CreateEventRequest{Event: &eventv1.Event{Title: "Walk", HostOrganization: hostOrg,
			Category: eventv1.EventCategory_EVENT_CATEGORY_NATURE_ON_PRESCRIPTION, OnlineUrl: "https://meet.example.org/walk"}})
		return ev.GetName() != "", err
	case "GetEvent":
		ev, err := c.GetEvent(ctx, &eventv1.GetEventRequest{Name: f.event})
		return ev.GetName() == f.event, err
	case "ListEvents":
		list, err := c.ListEvents(ctx, &eventv1.ListEventsRequest{PageSize: 1000})
		for _, ev := range list.GetEvents() {
			if ev.GetName() == f.event {
				return true, err
			}
		}
		return false, err
	case "UpdateEvent":
		ev, err := c.UpdateEvent(ctx, &eventv1.UpdateEventRequest{Event: &eventv1.Event{Name: f.event, Description: "New."},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
		return ev.GetName() == f.event, err
	case "DeleteEvent":
		_, err := c.DeleteEvent(ctx, &eventv1.DeleteEventRequest{Name: f.event})
		return true, err
	case "SubmitEvent":
		ev, err := c.SubmitEvent(ctx, &eventv1.SubmitEventRequest{Name: f.event})
		return ev.GetName() == f.event, err
	case "PublishEvent":
		ev, err := c.PublishEvent(ctx, &eventv1.PublishEventRequest{Name: f.event})
		return ev.GetName() == f.event, err
	case "RejectEvent":
		ev, err := c.RejectEvent(ctx, &eventv1.RejectEventRequest{Name: f.event, Reason: "No venue."})
		return ev.GetName() == f.event, err
	case "CancelEvent":
		ev, err := c.CancelEvent(ctx, &eventv1.CancelEventRequest{Name: f.event, Reason: "Rain."})
		return ev.GetName() == f.event, err
	case "CompleteEvent":
		ev, err := c.CompleteEvent(ctx, &eventv1.CompleteEventRequest{Name: f.event})
		return ev.GetName() == f.event, err
	case "CreateSession":
		ss, err := c.CreateSession(ctx, &eventv1.CreateSessionRequest{Parent: f.event, Session: session(48*time.Hour, 5)})
		return ss.GetName() != "", err
	case "GetSession":
		ss, err := c.GetSession(ctx, &eventv1.GetSessionRequest{Name: f.session})
		return ss.GetName() == f.session, err
	case "ListSessions":
		list, err := c.ListSessions(ctx, &eventv1.ListSessionsRequest{Parent: f.event})
		return len(list.GetSessions()) > 0, err
	case "UpdateSession":
		ss, err := c.UpdateSession(ctx, &eventv1.UpdateSessionRequest{Session: &eventv1.Session{Name: f.session, Capacity: 30},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"capacity"}}})
		return ss.GetName() == f.session, err
	case "CancelSession":
		ss, err := c.CancelSession(ctx, &eventv1.CancelSessionRequest{Name: f.session, Reason: "Rain."})
		return ss.GetName() == f.session, err
	case "SearchEvents":
		resp, err := c.SearchEvents(ctx, &eventv1.SearchEventsRequest{PageSize: 1000})
		for _, r := range resp.GetResults() {
			if r.GetEvent().GetName() == f.event {
				return true, err
			}
		}
		return false, err
	case "SearchEventsCalendar":
		body, err := c.SearchEventsCalendar(ctx, &eventv1.SearchEventsRequest{})
		return strings.Contains(string(body.GetData()), "BEGIN:VEVENT"), err
	case "GetEventCalendar":
		body, err := c.GetEventCalendar(ctx, &eventv1.GetEventCalendarRequest{Name: f.event})
		return strings.Contains(string(body.GetData()), "BEGIN:VEVENT"), err
	case "CreateRegistration":
		in := &eventv1.Registration{Person: &eventv1.Person{GivenName: "Bo", Email: fmt.Sprintf("bo%d@example.org", n)}}
		if variant == "referral)" {
			in.Referral = fmt.Sprintf("referrals/r%d", n)
		}
		reg, err := c.CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{Parent: f.session, Registration: in})
		return reg.GetName() != "", err
	case "GetRegistration":
		reg, err := c.GetRegistration(ctx, &eventv1.GetRegistrationRequest{Name: f.registration})
		return reg.GetName() == f.registration, err
	case "ListRegistrations":
		list, err := c.ListRegistrations(ctx, &eventv1.ListRegistrationsRequest{Parent: f.session})
		return len(list.GetRegistrations()) > 0, err
	case "CancelRegistration":
		req := &eventv1.CancelRegistrationRequest{Name: f.registration}
		if variant == "token)" {
			req.CancelToken = f.token
		}
		reg, err := c.CancelRegistration(ctx, req)
		return reg.GetName() == f.registration, err
	case "CheckInRegistration":
		reg, err := c.CheckInRegistration(ctx, &eventv1.CheckInRegistrationRequest{Name: f.registration})
		return reg.GetName() == f.registration, err
	case "MarkNoShows":
		_, err := c.MarkNoShows(ctx, &eventv1.MarkNoShowsRequest{Name: f.session})
		return true, err
	case "ListChanges":
		resp, err := c.ListChanges(ctx, &eventv1.ListChangesRequest{PageSize: 1000})
		for _, ch := range resp.GetChanges() {
			if ch.GetRegistration() == f.registration {
				return true, err
			}
		}
		return false, err
	case "WatchChanges":
		// Every caller the matrix refuses is refused before the stream starts, so the deadline
		// only bounds the replay from the feed's start: generous, for a loaded machine (-race,
		// two cores, the other packages' tests beside it).
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		stream, err := c.WatchChanges(wctx, &eventv1.WatchChangesRequest{})
		if err != nil {
			return false, err
		}
		for {
			ch, err := stream.Recv()
			if err != nil {
				return false, err
			}
			if ch.GetRegistration() == f.registration {
				return true, nil
			}
		}
	}
	return false, errors.New("no such RPC in the matrix: " + rpc)
}

// Every event RPC × every role × own and other organisation answers exactly as the table says.
func TestAuthorizationMatrix(t *testing.T) {
	w := newWorld(t, 1)
	n, cells := 0, 0
	for _, row := range eventMatrix {
		want := strings.Fields(row.want)
		if len(want) != len(matrixCallers) {
			t.Fatalf("%s/%s: %d expectations for %d callers", row.rpc, row.fixture, len(want), len(matrixCallers))
		}
		t.Run(row.rpc+"/"+row.fixture, func(t *testing.T) {
			var shared *eventFixture
			for i, caller := range matrixCallers {
				n++
				f := shared
				if f == nil || want[i] == "OK" {
					made := w.eventFixture(t, row.fixture, n)
					f = &made
					if want[i] != "OK" {
						shared = f
					}
				}
				got := testenv.Outcome(w.eventCall(as(ctxT(t), caller.id), row.rpc, *f, n))
				if got != want[i] {
					t.Errorf("%s on a %s event as %s: %s, want %s", row.rpc, row.fixture, caller.col, got, want[i])
				}
				cells++
			}
		})
	}
	fmt.Printf("event authorization matrix: %d rows × %d callers = %d cells\n", len(eventMatrix), len(matrixCallers), cells)
}
