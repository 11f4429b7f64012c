package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/socialrx/socialrx/deploy/demodata"
	"github.com/socialrx/socialrx/gateway/web"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// French names of weekdays and months, as a French page writes dates.
var (
	frWeekdays = []string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	frMonths   = []string{"", "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
		"octobre", "novembre", "décembre"}
)

// Before its check-in opens, a session's check-in list says when it opens and offers the button
// disabled; a check-in sent all the same is refused with the same words, not as a fault on our
// side, in English and in French. The session of the day of loading is open for check-in, and
// its two people called Odile are told apart.
func TestBrowserCheckInBeforeTheWindow(t *testing.T) {
	s := startSite(t)
	ctx := newBrowser(t)
	viewport(t, ctx, 390, 844)

	reg, err := s.events.CreateRegistration(s.ctx, &eventv1.CreateRegistrationRequest{Parent: demodata.SessionHarvestPicnic,
		Registration: &eventv1.Registration{Person: &eventv1.Person{GivenName: "Yusra", Email: "yusra@example.org"}}})
	if err != nil {
		t.Fatal(err)
	}
	ss, err := s.events.GetSession(s.admin, &eventv1.GetSessionRequest{Name: demodata.SessionHarvestPicnic})
	if err != nil {
		t.Fatal(err)
	}
	zone, _ := time.LoadLocation("America/Toronto")
	opens := ss.GetStartTime().AsTime().Add(-2 * time.Hour).In(zone)
	wantEN := fmt.Sprintf("Check-in opens on %s at %s, two hours before the session.", opens.Format("Monday, January 2, 2006"), opens.Format("3:04 PM"))
	wantFR := fmt.Sprintf("L’accueil ouvre le %s %d %s %d à %s, deux heures avant la séance.",
		frWeekdays[opens.Weekday()], opens.Day(), frMonths[opens.Month()], opens.Year(), opens.Format("15 h 04"))
	row := "#r-" + reg.GetName()[strings.LastIndex(reg.GetName(), "/")+1:]

	signInAs(t, ctx, s.base, demodata.HostHamiltonFood, "/host/"+demodata.SessionHarvestPicnic)
	for _, c := range []struct{ lang, want, title string }{
		{"en", wantEN, "This cannot be done now"},
		{"fr-CA,fr;q=0.9", wantFR, "Impossible pour le moment"},
	} {
		acceptLanguage(t, ctx, c.lang)
		visit(t, ctx, s.base+"/host/"+demodata.SessionHarvestPicnic)
		if got := text(t, ctx, "#checkin-closed"); got != c.want {
			t.Fatalf("%s: the list says %q; want %q", c.lang, got, c.want)
		}
		if !eval[bool](t, ctx, `document.querySelector("`+row+` button.check-in").disabled`) {
			t.Fatalf("%s: check-in is offered before it opens", c.lang)
		}
		checkA11y(t, ctx, "host: check-in not open yet ("+c.lang+")")
		screenshots(t, ctx, "checkin-closed-"+c.lang[:2])
		// Sent all the same (a page left open from before): the service refuses, and the list says why.
		eval[bool](t, ctx, `(document.querySelector("`+row+` button.check-in").disabled = false, true)`)
		follow(t, ctx, row+" button.check-in")
		if got := text(t, ctx, ".error-summary h2"); got != c.title {
			t.Fatalf("%s: refused check-in headed %q; want %q", c.lang, got, c.title)
		}
		if got := text(t, ctx, ".error-summary p"); got != c.want {
			t.Fatalf("%s: refused check-in says %q; want %q", c.lang, got, c.want)
		}
		checkA11y(t, ctx, "host: check-in refused ("+c.lang+")")
		if st := s.registrationOf(t, demodata.SessionHarvestPicnic, "Yusra").GetState(); st != eventv1.RegistrationState_REGISTRATION_STATE_CONFIRMED {
			t.Fatalf("%s: after the refused check-in: %v", c.lang, st)
		}
	}
	signOut(t, ctx)

	// The session of the day of loading: check-in is open, and the two Odiles differ by number
	// and booking time.
	acceptLanguage(t, ctx, "en")
	signInAs(t, ctx, s.base, demodata.HostGoodNeighbours, "/host/"+demodata.SessionSeedSwap)
	if n := eval[int](t, ctx, `document.querySelectorAll("#checkin-closed").length`); n != 0 {
		t.Fatalf("check-in of the session held today is said to be closed: %s", text(t, ctx, "#checkin-closed"))
	}
	rows := eval[[]string](t, ctx, `[...document.querySelectorAll(".attendee")].map(e => e.querySelector(".name").textContent + " | " + e.querySelector(".meta").textContent)`)
	if len(rows) != 3 || !strings.HasPrefix(rows[0], "Odile | No. 1, booked ") || !strings.HasPrefix(rows[1], "Odile | No. 2, booked ") {
		t.Fatalf("check-in rows %q; want the two Odiles numbered in booking order", rows)
	}
	setField(t, ctx, "q", "odi")
	follow(t, ctx, `form[role="search"] button`)
	if n := eval[int](t, ctx, `document.querySelectorAll(".attendee").length`); n != 2 {
		t.Fatalf("search \"odi\" finds %d people; want 2", n)
	}
	checkA11y(t, ctx, "host: check-in open today, searched")
	screenshots(t, ctx, "checkin-today")
	odile := s.registrationOf(t, demodata.SessionSeedSwap, "Odile").GetName()
	sel := "#r-" + odile[strings.LastIndex(odile, "/")+1:]
	follow(t, ctx, sel+" button.check-in")
	if got := text(t, ctx, sel+" .badge"); got != "Attended" {
		t.Fatalf("Odile after check-in: %q", got)
	}
	if got := text(t, ctx, "#flash"); got != "Checked in: Odile" {
		t.Fatalf("the confirmation after the check-in: %q", got)
	}
	checkA11y(t, ctx, "host: checked in, with the confirmation")
	// Shown once: the next page has none.
	visit(t, ctx, s.base+"/host/"+demodata.SessionSeedSwap)
	if n := eval[int](t, ctx, `document.querySelectorAll("#flash").length`); n != 0 {
		t.Fatalf("the confirmation is shown again")
	}
}

// A refused event creation stores nothing: a start time that has passed is refused by the page
// before anything is sent, in the page's language; and when the event service refuses a session
// the page let through (the page's clock behind the service's), the draft just created is
// deleted again.
func TestBrowserRefusedEventCreationStoresNothing(t *testing.T) {
	clock := testenv.NewClock(time.Now())
	s := startSiteWith(t, web.Config{Now: clock.Now})
	ctx := newBrowser(t)
	viewport(t, ctx, 390, 844)
	signInAs(t, ctx, s.base, demodata.HostHamiltonFood, "/host/events/new")

	zone, _ := time.LoadLocation("America/Toronto")
	hostEvents := func() []string {
		t.Helper()
		resp, err := s.events.ListEvents(s.admin, &eventv1.ListEventsRequest{PageSize: 1000,
			Filter: fmt.Sprintf("host_organization = %q", demodata.OrgHamiltonFood)})
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, ev := range resp.GetEvents() {
			titles = append(titles, ev.GetTitle())
		}
		return titles
	}
	before := hostEvents()
	fillEvent := func(start time.Time) {
		t.Helper()
		start = start.In(zone)
		for id, v := range map[string]string{
			"title": "Soup and stories", "description": "Soup, bread and a story or two.", "category": "STORYTELLING_CIRCLE",
			"s1_date": start.Format(time.DateOnly), "s1_start": start.Format("15:04"), "s1_end": start.Add(time.Hour).Format("15:04"), "s1_capacity": "12",
		} {
			setField(t, ctx, id, v)
		}
		eval[bool](t, ctx, `(document.getElementById("location").selectedIndex = 0, true)`)
	}
	// Two days ago at noon: the page refuses it, in English and French.
	past := time.Now().In(zone).AddDate(0, 0, -2)
	past = time.Date(past.Year(), past.Month(), past.Day(), 12, 0, 0, 0, zone)
	for _, c := range []struct{ lang, want string }{
		{"en", "The start time has passed: choose a time in the future."},
		{"fr-CA,fr;q=0.9", "L’heure de début est passée : choisissez une heure à venir."},
	} {
		acceptLanguage(t, ctx, c.lang)
		visit(t, ctx, s.base+"/host/events/new")
		if !eval[bool](t, ctx, `document.querySelector("form.register").noValidate && document.getElementById("title").required`) {
			t.Fatalf("%s: the form should leave validation to the app and keep required", c.lang)
		}
		fillEvent(past)
		follow(t, ctx, `button[value="draft"]`)
		if got := text(t, ctx, "#s1_start-error"); got != c.want {
			t.Fatalf("%s: a start time two days ago: %q; want %q", c.lang, got, c.want)
		}
	}
	checkA11y(t, ctx, "host: start time passed (fr)")
	if after := hostEvents(); len(after) != len(before) {
		t.Fatalf("a refused form stored an event: %q before, %q after", before, after)
	}

	// The page's clock three hours behind: a session that started an hour ago looks ahead to
	// the page, and the event service refuses it after the event was created.
	acceptLanguage(t, ctx, "en")
	clock.Advance(-3 * time.Hour)
	visit(t, ctx, s.base+"/host/events/new")
	// The session lies within one day (the form has one date per session): after 23:00 it
	// would end past midnight, so it starts two hours ago instead, still inside the three.
	started := time.Now().In(zone).Add(-time.Hour).Truncate(time.Minute)
	if started.Hour() == 23 {
		started = started.Add(-time.Hour)
	}
	fillEvent(started)
	follow(t, ctx, `button[value="draft"]`)
	if got := text(t, ctx, "#s1_start-error"); got != "The start time has passed: choose a time in the future." {
		t.Fatalf("a session the event service refused: %q", got)
	}
	if after := hostEvents(); len(after) != len(before) {
		t.Fatalf("a refused session left an event behind: %q before, %q after", before, after)
	}
	// Sent again with a start that both clocks take, the event is stored once, with its session.
	clock.Advance(3 * time.Hour)
	ahead := time.Now().In(zone).AddDate(0, 0, 3)
	fillEvent(time.Date(ahead.Year(), ahead.Month(), ahead.Day(), 12, 0, 0, 0, zone))
	do(t, ctx, chromedp.Click(chromedp.CSS(`label[for="languages-0"]`)))
	follow(t, ctx, `button[value="draft"]`)
	if got := text(t, ctx, "#event-state"); got != "Draft" {
		t.Fatalf("state after saving: %q", got)
	}
	if after := hostEvents(); len(after) != len(before)+1 {
		t.Fatalf("after saving: %q, before %q; want one more", after, before)
	}
}
