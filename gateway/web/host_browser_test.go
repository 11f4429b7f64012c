package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/socialrx/socialrx/deploy/demodata"
	"github.com/socialrx/socialrx/gateway/web"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// signInAs opens back without a session, which leads to the OpenID provider's sign-in page, and
// signs in there as subject.
func signInAs(t *testing.T, ctx context.Context, base, subject, back string) {
	t.Helper()
	visit(t, ctx, base+back)
	atProvider(t, ctx, back, subject)
}

// atProvider signs in as subject at the provider's page, which the browser is on.
func atProvider(t *testing.T, ctx context.Context, from, subject string) {
	t.Helper()
	if got := text(t, ctx, "h1"); got != "Sign in as" {
		t.Fatalf("%s without a session leads to %q; want the provider's sign-in page", from, got)
	}
	if loc := eval[string](t, ctx, `location.href`); !strings.HasPrefix(loc, testenv.TestIssuer(t).Issuer()+"/login") {
		t.Fatalf("the sign-in page is %s; want the provider's", loc)
	}
	follow(t, ctx, `button[name="user"][value="`+subject+`"]`)
}

func signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	follow(t, ctx, ".signed-in button")
}

// A host signs in, registers an event with two sessions (a bad value first comes back beside its
// field and stores nothing), and submits it; a moderator sends back an empty rejection, then
// publishes it; it appears on the listing; people register; the host checks two of them in on a
// phone.
func TestBrowserHostAndModerator(t *testing.T) {
	s := startSite(t)
	ctx := newBrowser(t)
	viewport(t, ctx, 390, 844)

	signInAs(t, ctx, s.base, demodata.HostHamiltonFood, "/host")
	if got := text(t, ctx, "h1"); got != "My events" {
		t.Fatalf("host home: %q", got)
	}
	checkA11y(t, ctx, "host: my events")
	follow(t, ctx, `a[href="/host/events/new"]`)
	checkA11y(t, ctx, "host: register an event")

	zone, _ := time.LoadLocation("America/Toronto")
	// The first session starts soon, so that check-in (from two hours before) is open today,
	// and ends the same day: near midnight it starts at midnight instead.
	start := time.Now().In(zone).Add(15 * time.Minute).Truncate(time.Minute)
	if end := start.Add(time.Hour); end.Day() != start.Day() {
		start = time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, zone)
	}
	end := start.Add(time.Hour)
	tomorrow := start.AddDate(0, 0, 1)
	const title = "Tea and talk on James Street"
	fill := map[string]string{
		"title": title, "description": "An hour of conversation over tea.", "category": "STORYTELLING_CIRCLE",
		"location": "", "address": "10 James St N", "city": "Hamilton", "postal_code": "L8R 2J9",
		"latitude": "95", "longitude": "-79.87",
		"s1_date": start.Format(time.DateOnly), "s1_start": start.Format("15:04"), "s1_end": end.Format("15:04"), "s1_capacity": "10",
		"s2_date": tomorrow.Format(time.DateOnly), "s2_start": "14:00", "s2_end": "15:30", "s2_capacity": "20",
	}
	for id, v := range fill {
		setField(t, ctx, id, v)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`label[for="languages-0"]`)), chromedp.Click(chromedp.CSS(`label[for="a11y-0"]`)))
	countEvents := func() int {
		resp, err := s.events.ListEvents(s.admin, &eventv1.ListEventsRequest{PageSize: 1000,
			Filter: fmt.Sprintf("host_organization = %q", demodata.OrgHamiltonFood)})
		if err != nil {
			t.Fatal(err)
		}
		return len(resp.GetEvents())
	}
	before := countEvents()
	follow(t, ctx, `button[value="submit"]`)
	if got := text(t, ctx, "#latitude-error"); got != "Enter a latitude between -90 and 90, for example 43.67." {
		t.Fatalf("the event service's field violation beside the latitude: %q", got)
	}
	if got := eval[string](t, ctx, `document.getElementById("s2_start").value`); got != "14:00" {
		t.Fatalf("the form kept what was typed: second session starts %q", got)
	}
	if after := countEvents(); after != before {
		t.Fatalf("a refused form stored an event: %d before, %d after", before, after)
	}
	checkA11y(t, ctx, "host: register an event, with an error")
	screenshots(t, ctx, "host-event-error")

	// The host's own venue instead: saved and submitted.
	eval[bool](t, ctx, `(document.getElementById("location").selectedIndex = 0, true)`)
	follow(t, ctx, `button[value="submit"]`)
	if got := text(t, ctx, "#event-state"); got != "Waiting for review" {
		t.Fatalf("state after saving and submitting: %q", got)
	}
	eventID := strings.TrimPrefix(eval[string](t, ctx, `location.pathname`), "/host/events/")
	if n := len(eval[[]string](t, ctx, `[...document.querySelectorAll(".sessions .card")].map(e => e.textContent)`)); n != 2 {
		t.Fatalf("the event has %d sessions; want 2", n)
	}
	checkA11y(t, ctx, "host: event")

	// A third session that ends before it starts comes back beside its end, and is not added.
	third := tomorrow.AddDate(0, 0, 1)
	for id, v := range map[string]string{"s1_date": third.Format(time.DateOnly), "s1_start": "15:00", "s1_end": "14:00", "s1_capacity": "8"} {
		setField(t, ctx, id, v)
	}
	follow(t, ctx, "#add-session button")
	if got := text(t, ctx, "#s1_end-error"); got != "The session must end after it starts." {
		t.Fatalf("a session ending before it starts: %q", got)
	}
	if n := len(eval[[]string](t, ctx, `[...document.querySelectorAll(".sessions .card")].map(e => e.textContent)`)); n != 2 {
		t.Fatalf("a refused session was added: %d sessions", n)
	}
	checkA11y(t, ctx, "host: event, a session refused")
	setField(t, ctx, "s1_end", "16:00")
	follow(t, ctx, "#add-session button")
	if n := len(eval[[]string](t, ctx, `[...document.querySelectorAll(".sessions .card")].map(e => e.textContent)`)); n != 3 {
		t.Fatalf("after adding a session: %d sessions; want 3", n)
	}
	signOut(t, ctx)

	// The moderator: an empty reason comes back beside the field; then publish.
	// The moderator signs in from the "Sign in" link of the listing, and lands on the queue.
	visit(t, ctx, s.base+"/")
	follow(t, ctx, "a.sign-in")
	atProvider(t, ctx, "the Sign in link", demodata.ModeratorNetwork)
	if loc := eval[string](t, ctx, `location.pathname`); loc != "/moderate" {
		t.Fatalf("the moderator lands on %s", loc)
	}
	if got := text(t, ctx, ".signed-in span"); got != "Signed in as Grace Mensah" {
		t.Fatalf("the page names %q", got)
	}
	card := "#event-" + eventID
	if got := text(t, ctx, card+" h2"); got != title {
		t.Fatalf("the review queue shows %q", got)
	}
	checkA11y(t, ctx, "moderator: review queue")
	do(t, ctx, chromedp.Click(chromedp.CSS(card+" details summary")))
	follow(t, ctx, card+" details button")
	if got := text(t, ctx, "#reason-"+eventID+"-error"); got != "Say what the host should change." {
		t.Fatalf("empty rejection reason: %q", got)
	}
	if href := eval[string](t, ctx, `document.querySelector(".error-summary a").getAttribute("href")`); href != "#reason-"+eventID {
		t.Fatalf("the error summary links to %q", href)
	}
	checkA11y(t, ctx, "moderator: review queue, with an error")
	screenshots(t, ctx, "moderate")
	const note = "Please say which room the tea is in."
	setField(t, ctx, "reason-"+eventID, note)
	follow(t, ctx, card+" details button")
	if n := eval[int](t, ctx, `document.querySelectorAll("`+card+`").length`); n != 0 {
		t.Fatalf("the rejected event is still in the queue")
	}
	signOut(t, ctx)

	// The host sees the decision and its note, changes the event and submits it again. Someone
	// else changes it while the host edits: the save is refused, explained, and the form shows
	// the other version.
	signInAs(t, ctx, s.base, demodata.HostHamiltonFood, "/host/events/"+eventID)
	if got := text(t, ctx, "#event-state"); got != "Not accepted" {
		t.Fatalf("state after the rejection: %q", got)
	}
	if got := text(t, ctx, "#state-reason"); got != note {
		t.Fatalf("the moderator's note: %q", got)
	}
	checkA11y(t, ctx, "host: event sent back")
	screenshots(t, ctx, "host-event-rejected")
	follow(t, ctx, "#edit-event")
	checkA11y(t, ctx, "host: change the event")
	// A colleague of the host's organisation changes the event.
	colleague := asIdentity(s.ctx, auth.Identity{Subject: "practitioners/hamilton-colleague", Organization: demodata.OrgHamiltonFood,
		Roles: []string{auth.RoleEventHost}})
	changeDescription := func(to string) {
		t.Helper()
		ev, err := s.events.GetEvent(colleague, &eventv1.GetEventRequest{Name: "events/" + eventID})
		if err != nil {
			t.Fatal(err)
		}
		ev.Description = to
		if _, err := s.events.UpdateEvent(colleague, &eventv1.UpdateEventRequest{Event: ev,
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}}); err != nil {
			t.Fatalf("change the description: %v", err)
		}
	}
	changeDescription("An hour of conversation over tea, in the back room.")
	setField(t, ctx, "description", "An hour of conversation over tea in room 2.")
	follow(t, ctx, `form.register button[type="submit"]`)
	if got := text(t, ctx, ".error-summary p"); got != "Someone changed this at the same time. Here is the latest version; please try again." {
		t.Fatalf("saving a stale version: %q", got)
	}
	if got := eval[string](t, ctx, `document.getElementById("description").value`); got != "An hour of conversation over tea, in the back room." {
		t.Fatalf("the form shows %q; want the other version", got)
	}
	setField(t, ctx, "description", "An hour of conversation over tea in room 2.")
	follow(t, ctx, `form.register button[type="submit"]`)
	follow(t, ctx, "#submit-event")
	if got := text(t, ctx, "#event-state"); got != "Waiting for review" {
		t.Fatalf("state after submitting again: %q", got)
	}
	signOut(t, ctx)

	// The host changes the description while the moderator reads: publishing the version the
	// moderator saw is refused, explained, and the queue shows the new version.
	signInAs(t, ctx, s.base, demodata.ModeratorNetwork, "/moderate")
	const newer = "An hour of conversation over tea and biscuits, in room 2."
	changeDescription(newer)
	follow(t, ctx, card+" button.publish")
	if got := text(t, ctx, ".error-summary p"); got != "Someone changed this at the same time. Here is the latest version; please try again." {
		t.Fatalf("publishing a stale version: %q", got)
	}
	if got := text(t, ctx, card+" .description"); got != newer {
		t.Fatalf("the queue shows the description %q; want the new one", got)
	}
	follow(t, ctx, card+" button.publish")
	if ev, err := s.events.GetEvent(s.admin, &eventv1.GetEventRequest{Name: "events/" + eventID}); err != nil || ev.GetState() != eventv1.EventState_EVENT_STATE_PUBLISHED {
		t.Fatalf("after publishing: %v, %v", ev.GetState(), err)
	}
	signOut(t, ctx)

	// On the public listing.
	visit(t, ctx, s.base+"/?q=James+Street")
	if got := text(t, ctx, ".cards .card:first-child h3"); got != title {
		t.Fatalf("the listing shows %q", got)
	}

	// Two people register; the host checks both in on the phone.
	sessions, err := s.events.ListSessions(s.admin, &eventv1.ListSessionsRequest{Parent: "events/" + eventID})
	if err != nil || len(sessions.GetSessions()) != 3 {
		t.Fatalf("sessions: %v %v", sessions, err)
	}
	first := sessions.GetSessions()[0].GetName()
	for _, who := range []string{"Amara", "Bo", "Chen"} {
		if _, err := s.events.CreateRegistration(s.admin, &eventv1.CreateRegistrationRequest{Parent: first,
			Registration: &eventv1.Registration{Person: &eventv1.Person{GivenName: who, Email: strings.ToLower(who) + "@example.org"},
				Needs: []string{"step-free access"}}}); err != nil {
			t.Fatalf("register %s: %v", who, err)
		}
	}
	signInAs(t, ctx, s.base, demodata.HostHamiltonFood, "/host/events/"+eventID)
	follow(t, ctx, ".sessions .card:first-child a.button")
	if got := text(t, ctx, "h1"); got != "Check-in" {
		t.Fatalf("check-in heading: %q", got)
	}
	checkA11y(t, ctx, "host: check-in")
	for _, who := range []string{"Amara", "Bo"} {
		row := s.registrationOf(t, first, who).GetName()
		sel := "#r-" + row[strings.LastIndex(row, "/")+1:]
		follow(t, ctx, sel+" button.check-in")
		if got := text(t, ctx, sel+" .badge"); got != "Attended" {
			t.Fatalf("%s after check-in: %q", who, got)
		}
		if st := s.registrationOf(t, first, who).GetState(); st != eventv1.RegistrationState_REGISTRATION_STATE_ATTENDED {
			t.Fatalf("%s in the event service: %v", who, st)
		}
	}
	if st := s.registrationOf(t, first, "Chen").GetState(); st != eventv1.RegistrationState_REGISTRATION_STATE_CONFIRMED {
		t.Fatalf("Chen, not checked in: %v", st)
	}
	// Search by first name.
	setField(t, ctx, "q", "che")
	follow(t, ctx, `form[role="search"] button`)
	if names := eval[[]string](t, ctx, `[...document.querySelectorAll(".attendee .name")].map(e => e.textContent)`); len(names) != 1 || names[0] != "Chen" {
		t.Fatalf("search \"che\": %v", names)
	}
	if loc := eval[string](t, ctx, `location.href`); strings.Contains(loc, "che") {
		t.Fatalf("the name searched for is in the URL: %s", loc)
	}
	visit(t, ctx, s.base+"/host/events/"+eventID+"/sessions/"+first[strings.LastIndex(first, "/")+1:])
	checkA11y(t, ctx, "host: check-in after two")
	screenshots(t, ctx, "checkin")

	// Another organisation's host does not find the event, nor its check-in list.
	signOut(t, ctx)
	signInAs(t, ctx, s.base, demodata.HostGoodNeighbours, "/host/events/"+eventID)
	if got := text(t, ctx, "h1"); got != "Page not found" {
		t.Fatalf("another host's event: %q", got)
	}
	visit(t, ctx, s.base+"/host/"+first)
	if got := text(t, ctx, "h1"); got != "Page not found" {
		t.Fatalf("another host's check-in list: %q", got)
	}
}

// A host's session ends while they fill in the event form: sending it leads to the sign-in, and
// after signing in again the form comes back as they typed it, with nothing stored meanwhile;
// sent again, it is saved.
func TestBrowserSignInAgainKeepsTheForm(t *testing.T) {
	const maxAge = 10 * time.Minute
	clock := testenv.NewClock(time.Now())
	s := startSiteWith(t, web.Config{SessionMaxAge: maxAge, Now: clock.Now})
	ctx := newBrowser(t)
	viewport(t, ctx, 390, 844)

	// The provider's sign-in page is a page people see too.
	visit(t, ctx, s.base+"/host/events/new")
	checkA11y(t, ctx, "development provider: sign in as")
	atProvider(t, ctx, "/host/events/new", demodata.HostHamiltonFood)
	if got := text(t, ctx, "h1"); got != "Register your Human Connection event" {
		t.Fatalf("the event form: %q", got)
	}
	const title = "Walk and talk by the bay"
	day := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	for id, v := range map[string]string{
		"title": title, "description": "A gentle walk along the waterfront.", "category": "NATURE_ON_PRESCRIPTION",
		"s1_date": day, "s1_start": "10:00", "s1_end": "11:30", "s1_capacity": "12",
	} {
		setField(t, ctx, id, v)
	}
	eval[bool](t, ctx, `(document.getElementById("location").selectedIndex = 0, true)`)
	do(t, ctx, chromedp.Click(chromedp.CSS(`label[for="languages-1"]`)))
	countEvents := func() int {
		resp, err := s.events.ListEvents(s.admin, &eventv1.ListEventsRequest{PageSize: 1000,
			Filter: fmt.Sprintf("host_organization = %q", demodata.OrgHamiltonFood)})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range resp.GetEvents() {
			if ev.GetTitle() == title {
				n++
			}
		}
		return n
	}

	// The session ends while the host reads the form over.
	clock.Advance(maxAge + time.Second)
	follow(t, ctx, `button[value="draft"]`)
	atProvider(t, ctx, "a form sent after the session ended", demodata.HostHamiltonFood)
	if n := countEvents(); n != 0 {
		t.Fatalf("a form sent without a session stored %d events", n)
	}
	if got := eval[string](t, ctx, `location.pathname`); got != "/host/events/new" {
		t.Fatalf("after signing in again the host is on %s; want the form", got)
	}
	if got := text(t, ctx, "#resumed"); !strings.HasPrefix(got, "You were signed out before your form was sent.") {
		t.Fatalf("the notice above the form: %q", got)
	}
	for id, want := range map[string]string{"title": title, "category": "NATURE_ON_PRESCRIPTION", "s1_date": day, "s1_end": "11:30", "s1_capacity": "12"} {
		if got := eval[string](t, ctx, `document.getElementById(`+jsString(id)+`).value`); got != want {
			t.Errorf("%s came back as %q; want %q", id, got, want)
		}
	}
	if !eval[bool](t, ctx, `document.getElementById("languages-1").checked`) {
		t.Error("the language ticked came back unticked")
	}
	checkA11y(t, ctx, "host: form kept after signing in again")
	screenshots(t, ctx, "host-form-resumed")

	// The key that brought the form back works once.
	resume := eval[string](t, ctx, `location.search`)
	if !strings.HasPrefix(resume, "?resume=") {
		t.Fatalf("the page after the sign-in is %q", resume)
	}
	if again := fetchText(t, ctx, s.base+"/host/events/new"+resume); strings.Contains(again, title) || !strings.Contains(again, "Register your Human Connection event") {
		t.Fatalf("the stashed form came back a second time, or no form: %s", again)
	}
	follow(t, ctx, `button[value="draft"]`)
	if got := text(t, ctx, "#event-state"); got != "Draft" {
		t.Fatalf("state after saving the kept form: %q", got)
	}
	if n := countEvents(); n != 1 {
		t.Fatalf("%d events saved; want 1", n)
	}
}
