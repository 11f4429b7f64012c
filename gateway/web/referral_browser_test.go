package web_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/socialrx/socialrx/deploy/demodata"
	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/gateway/gatewaytest"
	"github.com/socialrx/socialrx/gateway/web"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/event/eventtest"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// testPersonCookie names the demo person a browser acts as. It stands in for the real sign-in:
// testSessions, passed to the web app as its Sessions, is the one place the tests sign people
// in, with a token of the test issuer for that person.
const testPersonCookie = "socialrx_test_person"

type testSession struct{ acc demodata.Account }

func (s testSession) Token() string {
	return testenv.Bearer(auth.Identity{Subject: s.acc.Practitioner, Organization: s.acc.Organization, Roles: s.acc.Roles})
}

func (s testSession) Person() web.Person {
	return web.Person{Subject: s.acc.Practitioner, Name: s.acc.Name, Organization: s.acc.Organization, Roles: s.acc.Roles}
}

type testSessions map[string]demodata.Account

type nobody struct{}

func (nobody) Token() string      { return "" }
func (nobody) Person() web.Person { return web.Person{} }
func (t testSessions) Session(r *http.Request) web.Session {
	c, err := r.Cookie(testPersonCookie)
	if err != nil {
		return nobody{}
	}
	acc, ok := t[c.Value]
	if !ok {
		return nobody{}
	}
	return testSession{acc: acc}
}

// colleagueAlbion is a second link worker of Albion Heights, for two people accepting at once.
const colleagueAlbion = "practitioners/test-colleague-albion"

func newTestSessions() testSessions {
	t := testSessions{}
	for _, a := range demodata.Accounts() {
		t[a.Practitioner] = a
	}
	t[colleagueAlbion] = demodata.Account{Practitioner: colleagueAlbion, Name: "Sam Colleague", Organization: demodata.OrgAlbionCHC,
		Roles: []string{auth.RoleLinkWorker}}
	return t
}

// actAs makes the browser's requests to base those of the demo person subject.
func actAs(t *testing.T, ctx context.Context, base, subject string) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: testPersonCookie, Value: subject, URL: base}); err != nil {
		t.Fatal(err)
	}
}

// referralSite is the real directory, event and referral services on the embedded database
// with the demo data, behind the real gateway serving the web app.
type referralSite struct {
	base      string
	directory directoryv1.DirectoryServiceClient
	events    eventv1.EventServiceClient
	referrals referralv1.ReferralServiceClient
	ctx       context.Context
}

func startReferralSite(t *testing.T) *referralSite {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	db := testenv.DatabaseName(t)
	dir := directorytest.Start(t, directorytest.Options{Database: db})
	if _, err := demodata.Directory(asIdentity(ctx, auth.Identity{Subject: "services/web-test", Roles: []string{auth.RoleDirectoryAdmin}}), dir.Client); err != nil {
		t.Fatalf("load demo directory: %v", err)
	}
	ev := eventtest.Start(t, eventtest.Options{Database: db, DirectoryAddr: dir.Addr})
	if _, err := demodata.Events(ctx, ev.Client, time.Now(), asIdentity); err != nil {
		t.Fatalf("load demo events: %v", err)
	}
	ref := referraltest.Start(t, referraltest.Options{Database: db, DirectoryAddr: dir.Addr, EventAddr: ev.Addr})
	if _, err := demodata.Referrals(ctx, ref.Client, time.Now(), asIdentity); err != nil {
		t.Fatalf("load demo referrals: %v", err)
	}
	base := gatewaytest.Start(t, gateway.Config{
		DirectoryAddr: dir.Addr, EventAddr: ev.Addr, ReferralAddr: ref.Addr,
		Web:         web.Config{LinkKey: "test key for signing private links, 32+ bytes", TimeZone: "America/Toronto"},
		WebSessions: newTestSessions(),
	})
	return &referralSite{base: base, directory: dir.Client, events: ev.Client, referrals: ref.Client, ctx: ctx}
}

// hostEventSoon publishes an event at Albion Heights whose session starts in a few minutes, so
// that check-in is open, and returns its session.
func (s *referralSite) hostEventSoon(t *testing.T, title string) string {
	t.Helper()
	host := asIdentity(s.ctx, auth.Identity{Subject: "practitioners/test-host-albion", Organization: demodata.OrgAlbionCHC, Roles: []string{auth.RoleEventHost}})
	ev, err := s.events.CreateEvent(host, &eventv1.CreateEventRequest{Event: &eventv1.Event{
		Title: title, Description: "Tea, biscuits and stories from the neighbourhood.", Category: eventv1.EventCategory_EVENT_CATEGORY_STORYTELLING_CIRCLE,
		HostOrganization: demodata.OrgAlbionCHC, Venue: &eventv1.Venue{Place: &eventv1.Venue_Location{Location: demodata.LocAlbionHeights}},
		Languages: []string{"en"}, AccessibilityFeatures: []string{"step-free access", "seating available"}, Cost: &eventv1.Cost{Free: true},
	}})
	if err != nil {
		t.Fatalf("create event: %v", err)
	}
	start := time.Now().Add(10 * time.Minute).Truncate(time.Minute)
	ss, err := s.events.CreateSession(host, &eventv1.CreateSessionRequest{Parent: ev.GetName(), Session: &eventv1.Session{
		StartTime: timestamppb.New(start), EndTime: timestamppb.New(start.Add(90 * time.Minute)), TimeZone: "America/Toronto", Capacity: 12}})
	if err != nil {
		t.Fatalf("create session: %v", err)
	}
	if _, err := s.events.SubmitEvent(host, &eventv1.SubmitEventRequest{Name: ev.GetName()}); err != nil {
		t.Fatalf("submit event: %v", err)
	}
	mod := asIdentity(s.ctx, auth.Identity{Subject: demodata.ModeratorNetwork, Roles: []string{auth.RoleModerator}})
	if _, err := s.events.PublishEvent(mod, &eventv1.PublishEventRequest{Name: ev.GetName()}); err != nil {
		t.Fatalf("publish event: %v", err)
	}
	return ss.GetName()
}

// referralsOf counts the referrals the clinician's organisation holds, as the clinician sees them.
func (s *referralSite) referralsOf(t *testing.T, clinician, org string) int {
	t.Helper()
	ctx := asIdentity(s.ctx, auth.Identity{Subject: clinician, Organization: org, Roles: []string{auth.RoleClinician}})
	resp, err := s.referrals.ListReferrals(ctx, &referralv1.ListReferralsRequest{PageSize: 1000, Filter: fmt.Sprintf("referring_organization = %q", org)})
	if err != nil {
		t.Fatalf("list referrals: %v", err)
	}
	return len(resp.GetReferrals())
}

// waitText waits until the element sel's text contains want, without reloading the page.
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := eval[string](t, ctx, `(document.querySelector(`+jsString(sel)+`) || {}).textContent || ""`)
		if strings.Contains(got, want) {
			break
		}
		if time.Now().After(deadline) {
			body := eval[string](t, ctx, `document.body.innerText`)
			t.Fatalf("%s never said %q (it says %q); the page:\n%s", sel, want, got, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !eval[bool](t, ctx, `window.__stayed === true`) {
		t.Fatalf("the page reloaded while waiting for %s to say %q", sel, want)
	}
}

// markPage marks the page, so that waitText can tell it was updated in place, not reloaded.
func markPage(t *testing.T, ctx context.Context) {
	t.Helper()
	eval[bool](t, ctx, `(window.__stayed = true)`)
}

func clickLabel(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	do(t, ctx, chromedp.Click(chromedp.CSS(`label[for="`+id+`"]`)))
}

// tabTo presses Tab from the top of the page until the element id has the focus.
func tabTo(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	eval[bool](t, ctx, `(document.activeElement && document.activeElement.blur(), window.scrollTo(0, 0), true)`)
	for i := 0; i < 100; i++ {
		do(t, ctx, chromedp.KeyEvent("\t"))
		if eval[string](t, ctx, `document.activeElement ? document.activeElement.id : ""`) == id {
			return
		}
	}
	t.Fatalf("100 presses of Tab never reached #%s", id)
}

// pageStatus is the HTTP status of a GET of path from the page, as the browser gets it.
func pageStatus(t *testing.T, ctx context.Context, path string) int {
	t.Helper()
	code, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch(`+jsString(path)+`, {credentials: "same-origin"}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch %s: %v", path, err)
	}
	return code
}

// The whole loop in two browsers: a clinician sends a social prescription (a bad date of birth
// first comes back beside its field and stores nothing); the link worker of the receiving centre
// sees it arrive on the worklist without reloading, accepts it (a colleague accepting in another
// tab is told who took it), starts, records a baseline UCLA-3, books a matching event; the host
// checks the person in and the page shows the attendance live; the link worker sets a follow-up,
// records the follow-up questionnaire, sees the change and completes. The clinician's list
// follows each status as it happens. A link worker of another centre cannot see the referral.
func TestBrowserReferralLoop(t *testing.T) {
	s := startReferralSite(t)
	const eventTitle = "Storytelling over tea at Albion Heights"
	session := s.hostEventSoon(t, eventTitle)

	lw := newBrowser(t)
	viewport(t, lw, 1280, 900)
	actAs(t, lw, s.base, demodata.LinkWorkerAlbion)
	visit(t, lw, s.base+"/worklist")
	if got := text(t, lw, "h1"); got != "Worklist" {
		t.Fatalf("link worker's worklist heading: %q", got)
	}
	checkA11y(t, lw, "link worker: worklist")
	markPage(t, lw)

	cl := newBrowser(t)
	viewport(t, cl, 390, 844)
	actAs(t, cl, s.base, demodata.ClinicianAlbion)
	visit(t, cl, s.base+"/referrals/new")
	if got := text(t, cl, "h1"); got != "New social prescription" {
		t.Fatalf("new referral heading: %q", got)
	}
	checkA11y(t, cl, "clinician: new social prescription")

	// A date of birth in the future comes back beside its field; nothing is stored.
	before := s.referralsOf(t, demodata.ClinicianAlbion, demodata.OrgAlbionCHC)
	for id, v := range map[string]string{"p_given": "Marguerite", "p_family": "Okafor-Lindqvist", "p_dob": "2990-01-01",
		"what_matters": "Singing again, and company on Sunday afternoons.", "receiving": demodata.OrgAlbionCHC, "p_lang": "en",
		"p_phone": "416-555-0142"} {
		setField(t, cl, id, v)
	}
	clickLabel(t, cl, "needs-0")    // loneliness
	clickLabel(t, cl, "p_access-0") // step-free access
	follow(t, cl, `button[value="send"]`)
	if got := text(t, cl, "#p_dob-error"); got != "Enter a date of birth in the past, like 1950-03-31." {
		t.Fatalf("the message beside the date of birth: %q", got)
	}
	if got := eval[string](t, cl, `document.getElementById("what_matters").value`); !strings.HasPrefix(got, "Singing again") {
		t.Fatalf("the form kept what was typed: %q", got)
	}
	if after := s.referralsOf(t, demodata.ClinicianAlbion, demodata.OrgAlbionCHC); after != before {
		t.Fatalf("a refused form stored a referral: %d before, %d after", before, after)
	}
	checkA11y(t, cl, "clinician: new social prescription, with an error")
	screenshots(t, cl, "referral-new-error")

	// Consent is as the person gives it: no scope is ticked before the clinician ticks it.
	if ticked := eval[int](t, cl, `document.querySelectorAll('input[name="consent_scope"]:checked').length`); ticked != 0 {
		t.Fatalf("%d consent scopes ticked by default; want none", ticked)
	}
	clickLabel(t, cl, "consent_scope-0")
	clickLabel(t, cl, "consent_scope-1")

	// The look-up of earlier referrals posts the person's details: none in the URL.
	setField(t, cl, "p_dob", "1948-05-17")
	follow(t, cl, `button[value="lookup"]`)
	if got := text(t, cl, "#earlier"); got != "Your organisation has no earlier referral of this person." {
		t.Fatalf("look-up of earlier referrals: %q", got)
	}
	if u := eval[string](t, cl, `location.href`); strings.Contains(u, "Marguerite") || strings.Contains(u, "1948") || strings.Contains(u, "?") {
		t.Fatalf("the look-up put personal data in the URL: %s", u)
	}
	checkA11y(t, cl, "clinician: look-up of earlier referrals")
	follow(t, cl, `button[value="send"]`)
	id := strings.TrimPrefix(eval[string](t, cl, `location.pathname`), "/referrals/")
	if id == "" || strings.Contains(id, "/") || strings.Contains(id, "new") {
		t.Fatalf("after sending, the page is %q", eval[string](t, cl, `location.href`))
	}
	if got := text(t, cl, "#status"); got != "Requested" {
		t.Fatalf("status after sending: %q", got)
	}
	if got := eval[string](t, cl, `document.title`); strings.Contains(got, "Marguerite") || !strings.Contains(got, id[:8]) {
		t.Fatalf("page title %q: the referral's short reference, nothing personal", got)
	}
	if got, want := text(t, cl, "h1"), "Marguerite Okafor-Lindqvist, born May 17, 1948 · ref. "+id[:8]; got != want {
		t.Fatalf("the referral is headed %q; want %q", got, want)
	}
	checkA11y(t, cl, "clinician: referral page")
	screenshots(t, cl, "referral-clinician")

	// The link worker's worklist shows it without a reload.
	waitText(t, lw, `#requested [data-referral="`+id+`"]`, "Marguerite Okafor-Lindqvist")
	checkA11y(t, lw, "link worker: worklist with the new referral")
	screenshots(t, lw, "worklist")

	// The clinician watches "My referrals".
	follow(t, cl, `a[href="/referrals"]`)
	row := "#row-" + id + " .status"
	if got := text(t, cl, row); !strings.Contains(got, "Requested") {
		t.Fatalf("my referrals: %q", got)
	}
	checkA11y(t, cl, "clinician: my referrals")
	markPage(t, cl)

	// Two link workers open it; the first accepts, the second is told who took it.
	follow(t, lw, `#requested [data-referral="`+id+`"] a`)
	checkA11y(t, lw, "link worker: referral, requested")
	other := strings.Replace(s.base, "127.0.0.1", "localhost", 1)
	tab, closeTab := chromedp.NewContext(lw)
	defer closeTab()
	actAs(t, tab, other, colleagueAlbion)
	visit(t, tab, other+"/referrals/"+id)
	follow(t, lw, "#accept")
	if got := text(t, lw, "#status"); got != "Accepted" {
		t.Fatalf("status after accepting: %q", got)
	}
	waitText(t, cl, row, "Accepted")
	// Accepted, the page offers what the service allows: start, or hold before starting.
	if n := eval[int](t, lw, `document.querySelectorAll("#start, #hold, #accept").length`); n != 2 {
		t.Fatalf("an accepted referral offers %d of start and hold (and no accept), want 2", n)
	}
	follow(t, tab, "#accept")
	if got := text(t, tab, ".error-summary p"); got != "Already accepted by Harpreet Grewal." {
		t.Fatalf("the second to accept is told: %q", got)
	}
	checkA11y(t, tab, "link worker: referral accepted by someone else")
	closeTab()

	follow(t, lw, "#start")
	if got := text(t, lw, "#status"); got != "In progress" {
		t.Fatalf("status after starting: %q", got)
	}
	waitText(t, cl, row, "In progress")

	if got := text(t, lw, "#next-step a"); got != "Record the baseline questionnaire with the person." {
		t.Fatalf("next step once started: %q", got)
	}

	// On hold while waiting (the reason is needed, beside its field), then resumed.
	do(t, lw, chromedp.Click(chromedp.CSS("#pause summary")))
	follow(t, lw, "#hold")
	if got := text(t, lw, "#hold_reason-error"); got != "Say why the referral is on hold." {
		t.Fatalf("hold without a reason: %q", got)
	}
	setField(t, lw, "hold_reason", "She is away for a week.")
	follow(t, lw, "#hold")
	if got := text(t, lw, "#status"); got != "On hold" {
		t.Fatalf("status after holding: %q", got)
	}
	waitText(t, cl, row, "On hold")
	follow(t, lw, "#resume")
	if got := text(t, lw, "#status"); got != "In progress" {
		t.Fatalf("status after resuming: %q", got)
	}
	waitText(t, cl, row, "In progress")

	// A goal agreed with the person, and its progress; a contact note on the timeline.
	setField(t, lw, "goal", "Sing with others once a week.")
	follow(t, lw, "#goals form:last-of-type button")
	if got := text(t, lw, "#goals .goals li strong"); got != "Sing with others once a week." {
		t.Fatalf("goal: %q", got)
	}
	goalPercent := eval[string](t, lw, `document.querySelector("#goals .goals input[type=number]").id`)
	if got := text(t, lw, `label[for="`+goalPercent+`"]`); got != "Progress (%)" {
		t.Fatalf("label of the goal's progress: %q", got)
	}
	setField(t, lw, goalPercent, "101")
	follow(t, lw, "#goals .goals form button")
	if got := text(t, lw, "#"+goalPercent+"-error"); got != "Enter a number from 0 to 100." {
		t.Fatalf("progress over 100: %q", got)
	}
	setField(t, lw, goalPercent, "40")
	follow(t, lw, "#goals .goals form button")
	if got := eval[string](t, lw, `document.querySelector("#goals progress").value.toString()`); got != "40" {
		t.Fatalf("goal progress: %q", got)
	}
	setField(t, lw, "note", "Phoned; she would like a small group, close to home.")
	clickLabel(t, lw, "note_kind-contact")
	clickLabel(t, lw, "reached")
	follow(t, lw, "#timeline form button")
	if got := text(t, lw, "#timeline-latest li:last-child"); !strings.Contains(got, "Contact attempt") || !strings.Contains(got, "small group") {
		t.Fatalf("the timeline's last entry: %q", got)
	}

	// The baseline UCLA-3: an unanswered question comes back beside it and stores nothing.
	do(t, lw, chromedp.Click(chromedp.CSS("#q-UCLA3 summary")))
	clickLabel(t, lw, "UCLA3_1-3")
	clickLabel(t, lw, "UCLA3_3-2")
	follow(t, lw, "#q-UCLA3 button[type=submit]")
	if got := text(t, lw, "#UCLA3_2-error"); got != "Choose an answer." {
		t.Fatalf("an unanswered question: %q", got)
	}
	got, err := s.referrals.GetReferral(asIdentity(s.ctx, auth.Identity{Subject: demodata.LinkWorkerAlbion, Organization: demodata.OrgAlbionCHC,
		Roles: []string{auth.RoleLinkWorker}}), &referralv1.GetReferralRequest{Name: "referrals/" + id})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got.GetMeasures()); n != 0 {
		t.Fatalf("a refused questionnaire stored %d measures", n)
	}
	checkA11y(t, lw, "link worker: questionnaire with an unanswered question")
	clickLabel(t, lw, "UCLA3_2-3")
	follow(t, lw, "#q-UCLA3 button[type=submit]")
	if got := text(t, lw, "#measure-results tbody tr:last-child .total"); got != "8" {
		t.Fatalf("baseline UCLA-3 total: %q, want 8", got)
	}

	// The page leads to each of its sections.
	for _, target := range eval[[]string](t, lw, `[...document.querySelectorAll("nav.on-page a")].map(a => a.hash)`) {
		if eval[int](t, lw, `document.querySelectorAll("`+target+`").length`) != 1 {
			t.Fatalf("the page's contents link to %s, which is not one section of it", target)
		}
	}
	if got := eval[[]string](t, lw, `[...document.querySelectorAll("nav.on-page a")].map(a => a.textContent)`); !slices.Contains(got, "Matching events") || !slices.Contains(got, "Close the referral") {
		t.Fatalf("the page's contents for a link worker of a referral in progress: %q", got)
	}

	// Three matching sessions show; the rest are folded under one "Show N more", a click away.
	all := eval[int](t, lw, `document.querySelectorAll("#matches .match").length`)
	visibleMatches := `[...document.querySelectorAll("#matches .match")].filter(e => e.checkVisibility()).length`
	if all <= 3 {
		t.Fatalf("%d matching sessions: the demo should give this person more than the page shows unfolded", all)
	}
	if got := eval[int](t, lw, visibleMatches); got != 3 {
		t.Fatalf("%d of %d matching sessions show before the fold is opened; want 3", got, all)
	}
	want := fmt.Sprintf("Show %d more matching sessions", all-3)
	if all-3 == 1 {
		want = "Show 1 more matching session"
	}
	if got := text(t, lw, "#more-matches summary"); got != want {
		t.Fatalf("the fold says %q; want %q", got, want)
	}
	checkA11y(t, lw, "link worker: referral in progress, with matching events")
	screenshots(t, lw, "referral-link-worker")
	do(t, lw, chromedp.Click(chromedp.CSS("#more-matches summary")))
	checkA11y(t, lw, "link worker: every matching event")
	if got := eval[int](t, lw, visibleMatches); got != all {
		t.Fatalf("%d of %d matching sessions show after the fold is opened", got, all)
	}

	// Book the matching event: it is in the person's language, step-free, near the centre.
	cards := eval[[]string](t, lw, `[...document.querySelectorAll("#matches .match h3")].map(e => e.textContent)`)
	found := -1
	for i, c := range cards {
		if c == eventTitle {
			found = i
		}
	}
	if found < 0 {
		t.Fatalf("matching events %v lack %q", cards, eventTitle)
	}
	markBookButton := fmt.Sprintf(`(document.querySelectorAll("#matches .match button.book")[%d].setAttribute("data-book", ""), true)`, found)
	eval[bool](t, lw, markBookButton)
	follow(t, lw, "[data-book]")
	if got := text(t, lw, "#booking-list"); !strings.Contains(got, eventTitle) || !strings.Contains(got, "Place confirmed") {
		t.Fatalf("bookings after booking: %q", got)
	}
	waitText(t, cl, row, "Event booked")
	// The timeline names the event and when it is, not the session's resource name.
	if got := text(t, lw, "#timeline-list"); !strings.Contains(got, "Booked: "+eventTitle+" (") || strings.Contains(got, "events/") {
		t.Fatalf("the timeline after booking: %q", got)
	}

	// The host checks the person in; the referral page shows it without a reload, and the earlier
	// entries of the timeline, opened, stay open.
	do(t, lw, chromedp.Click(chromedp.CSS("#timeline-earlier summary")))
	markPage(t, lw)
	host := asIdentity(s.ctx, auth.Identity{Subject: "practitioners/test-host-albion", Organization: demodata.OrgAlbionCHC, Roles: []string{auth.RoleEventHost}})
	regs, err := s.events.ListRegistrations(host, &eventv1.ListRegistrationsRequest{Parent: session, PageSize: 100})
	if err != nil || len(regs.GetRegistrations()) != 1 {
		t.Fatalf("registrations of the session: %v (%v)", regs.GetRegistrations(), err)
	}
	if _, err := s.events.CheckInRegistration(host, &eventv1.CheckInRegistrationRequest{Name: regs.GetRegistrations()[0].GetName()}); err != nil {
		t.Fatalf("check in: %v", err)
	}
	waitText(t, lw, "#business-status", "Event attended")
	waitText(t, lw, "#timeline-latest", "Event attended")
	if !eval[bool](t, lw, `document.getElementById("timeline-earlier").open`) {
		t.Fatal("the live update closed the timeline's earlier entries, which the link worker had opened")
	}
	// The timeline says what the services recorded in words, with no machine names.
	timeline := text(t, lw, "#timeline-list")
	for _, want := range []string{
		"Goal · Harpreet Grewal\nNew goal: Sing with others once a week.",
		"Progress on “Sing with others once a week.”: 40%.",
		"Contact attempt · Harpreet Grewal\nReached. Phoned; she would like a small group, close to home.",
		"Loneliness (UCLA 3-item scale), Baseline, before activities: total 8.",
		"Event: Event attended · Event bookings\nCame to " + eventTitle + " (",
	} {
		if !strings.Contains(timeline, want) {
			t.Fatalf("the timeline lacks %q:\n%s", want, timeline)
		}
	}
	for _, machine := range []string{"services/", "goal 1", "UCLA3", "events/", "reached Phoned"} {
		if strings.Contains(timeline, machine) {
			t.Fatalf("the timeline says %q:\n%s", machine, timeline)
		}
	}
	waitText(t, cl, row, "Event attended")

	// Follow-up date, then the follow-up questionnaire and the change from the baseline.
	tomorrow := time.Now().AddDate(0, 0, 1).Format(time.DateOnly)
	setField(t, lw, "follow_up", tomorrow)
	follow(t, lw, "#follow-up button")
	if got := text(t, lw, "#follow-up-date"); !strings.HasPrefix(got, "Follow up on ") {
		t.Fatalf("follow-up date: %q", got)
	}
	do(t, lw, chromedp.Click(chromedp.CSS("#q-UCLA3 summary")))
	clickLabel(t, lw, "UCLA3_tp_f")
	clickLabel(t, lw, "UCLA3_1-1")
	clickLabel(t, lw, "UCLA3_2-2")
	clickLabel(t, lw, "UCLA3_3-1")
	follow(t, lw, "#q-UCLA3 button[type=submit]")
	if got := text(t, lw, "#measure-results tbody tr:last-child .total"); got != "4" {
		t.Fatalf("follow-up UCLA-3 total: %q, want 4", got)
	}
	if got := text(t, lw, "#measure-results tbody tr:last-child .change"); got != "-4" {
		t.Fatalf("change from baseline: %q, want -4", got)
	}
	setField(t, lw, "complete_note", "Joined the storytelling circle; goes weekly.")
	follow(t, lw, "#complete")
	if got := text(t, lw, "#status"); got != "Completed" {
		t.Fatalf("status after completing: %q", got)
	}
	checkA11y(t, lw, "link worker: referral completed")
	// In French, the services' own entries are in French too; what people typed stays as typed.
	acceptLanguage(t, lw, "fr-CA,fr;q=0.9")
	visit(t, lw, s.base+"/referrals/"+id)
	do(t, lw, chromedp.Click(chromedp.CSS("#timeline-earlier summary")))
	timeline = text(t, lw, "#timeline-list")
	for _, want := range []string{"Nouvel objectif : Sing with others once a week.", "Avancement de « Sing with others once a week. » : 40 %.",
		"Jointe. Phoned;", "Donné par la personne elle-même", "Solitude (échelle UCLA à 3 questions), Départ, avant les activités : total 8.", "Réservations d’activités", "Est venu·e à " + eventTitle,
		"Solitude (échelle UCLA à 3 questions), Suivi, après les activités : total 4. Écart avec le départ : -4."} {
		if !strings.Contains(timeline, want) {
			t.Fatalf("the French timeline lacks %q:\n%s", want, timeline)
		}
	}
	checkA11y(t, lw, "link worker: referral completed, in French")
	acceptLanguage(t, lw, "en")
	waitText(t, cl, row, "Completed")
	checkA11y(t, cl, "clinician: my referrals, completed")
	screenshots(t, cl, "referrals-mine")

	// A link worker of another centre: not on the worklist, not found at its address.
	rv := strings.Replace(s.base, "127.0.0.1", "localhost", 1)
	actAs(t, cl, rv, demodata.LinkWorkerRiverdale)
	visit(t, cl, rv+"/worklist")
	if n := eval[int](t, cl, `document.querySelectorAll('[data-referral="`+id+`"]').length`); n != 0 {
		t.Fatalf("another centre's link worker sees the referral on their worklist")
	}
	checkA11y(t, cl, "other link worker: worklist")
	if code := pageStatus(t, cl, "/referrals/"+id); code != http.StatusNotFound {
		t.Fatalf("another centre's link worker gets %d for the referral's page; want 404", code)
	}
	visit(t, cl, rv+"/referrals/"+id)
	if got := text(t, cl, "h1"); got != "Page not found" {
		t.Fatalf("another centre's link worker sees %q", got)
	}
	checkA11y(t, cl, "other link worker: referral not found")
}

// A directory administrator imports an HSDS file whose location has an impossible latitude: the
// page lists the rejected records first, each with the reason naming the field, and the
// organisations the directory holds.
func TestBrowserDirectoryImport(t *testing.T) {
	s := startReferralSite(t)
	ctx := newBrowser(t)
	viewport(t, ctx, 1280, 900)
	actAs(t, ctx, s.base, demodata.DirectoryAdminNetwork)
	visit(t, ctx, s.base+"/admin")
	if got := text(t, ctx, "h1"); got != "Directory administration" {
		t.Fatalf("admin heading: %q", got)
	}
	checkA11y(t, ctx, "directory admin")

	// A practitioner with a bad email comes back beside the field and is not stored; then added.
	setField(t, ctx, "pr_org", demodata.OrgCrownPointCHC)
	setField(t, ctx, "pr_given", "Wanjiru")
	setField(t, ctx, "pr_family", "Kamau")
	setField(t, ctx, "pr_email", "not an email")
	follow(t, ctx, "#add-practitioner")
	if got := text(t, ctx, "#pr_email-error"); got != "Enter an email address like name@example.org." {
		t.Fatalf("a bad email: %q", got)
	}
	if strings.Contains(text(t, ctx, "#orgs-h + p + .cards"), "Wanjiru") {
		t.Fatal("a refused practitioner was stored")
	}
	checkA11y(t, ctx, "directory admin: a practitioner refused")
	setField(t, ctx, "pr_email", "wanjiru.kamau@crownpoint.example")
	follow(t, ctx, "#add-practitioner")
	if got := text(t, ctx, "#orgs-h + p + .cards"); !strings.Contains(got, "Hodan Abdi, Wanjiru Kamau") {
		t.Fatalf("Crown Point's practitioners after adding: %q", got)
	}

	// Without a file, the message is beside the file field.
	follow(t, ctx, "#import")
	if got := text(t, ctx, "#hsds_file-error"); got != "Choose an HSDS JSON file to import." {
		t.Fatalf("import without a file: %q", got)
	}
	checkA11y(t, ctx, "directory admin: import without a file")

	file, err := filepath.Abs("../hsds/document/testdata/examples/organization_full.json")
	if err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.SetUploadFiles(chromedp.ID("hsds_file"), []string{file}))
	follow(t, ctx, "#import")
	// The example holds a location at latitude 100 and a service there; both are rejected.
	if counts := text(t, ctx, "#import-counts"); counts != "2 created, 0 already present, 2 rejected." {
		t.Fatalf("import counts: %q", counts)
	}
	first := text(t, ctx, "#import-report tbody tr:first-child")
	if !strings.HasPrefix(first, "Rejected") || !strings.Contains(text(t, ctx, "#import-report tbody tr:first-child .why"), "latitude") {
		t.Fatalf("the first row is the rejected one, with the field at fault: %q", first)
	}
	checkA11y(t, ctx, "directory admin: import report")
	screenshots(t, ctx, "admin-import")
}

// A clinician saves a draft and sends it from its page; the link worker declines it (an empty
// reason comes back beside the field); the clinician marks another draft entered in error. The
// referral page reads in French from Accept-Language.
func TestBrowserReferralDraftRejectAndError(t *testing.T) {
	s := startReferralSite(t)
	cl := newBrowser(t)
	viewport(t, cl, 1280, 900)
	actAs(t, cl, s.base, demodata.ClinicianAlbion)
	draft := func(given string) string {
		t.Helper()
		visit(t, cl, s.base+"/referrals/new")
		for id, v := range map[string]string{"p_given": given, "p_family": "Tremblay", "p_dob": "1961-11-02", "receiving": demodata.OrgAlbionCHC} {
			setField(t, cl, id, v)
		}
		clickLabel(t, cl, "needs-1")         // social isolation
		clickLabel(t, cl, "consent_scope-0") // the person agrees to share with the link worker
		follow(t, cl, `button[value="draft"]`)
		if got := text(t, cl, "#status"); got != "Draft" {
			t.Fatalf("status after saving a draft: %q", got)
		}
		return strings.TrimPrefix(eval[string](t, cl, `location.pathname`), "/referrals/")
	}
	id := draft("Lucien")
	checkA11y(t, cl, "clinician: draft referral")
	// By keyboard alone: Tab to the button that sends, and press Enter.
	tabTo(t, cl, "send")
	if _, err := chromedp.Run(cl, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.KeyEvent("\r"))); err != nil {
		t.Fatalf("send with Enter: %v", err)
	}
	if got := text(t, cl, "#status"); got != "Requested" {
		t.Fatalf("status after sending the draft: %q", got)
	}

	lw := newBrowser(t)
	viewport(t, lw, 390, 844)
	actAs(t, lw, s.base, demodata.LinkWorkerAlbion)
	acceptLanguage(t, lw, "fr-CA,fr;q=0.9")
	visit(t, lw, s.base+"/referrals/"+id)
	if got := text(t, lw, "h1"); got != "Lucien Tremblay, né·e le 2 novembre 1961 · réf. "+id[:8] {
		t.Fatalf("the referral page in French: %q", got)
	}
	follow(t, lw, "#reject")
	if got := text(t, lw, "#reject_reason-error"); got != "Dites pourquoi vous refusez." {
		t.Fatalf("an empty reason to decline: %q", got)
	}
	if got := text(t, lw, "#status"); got != "Demandée" {
		t.Fatalf("a refused decline changed the status: %q", got)
	}
	checkA11y(t, lw, "link worker (French): decline without a reason")
	screenshots(t, lw, "referral-decline-error-fr")
	setField(t, lw, "reject_reason", "Plus de place ce mois-ci.")
	follow(t, lw, "#reject")
	if got := text(t, lw, "#status"); got != "Refusée" {
		t.Fatalf("status after declining: %q", got)
	}
	checkA11y(t, lw, "link worker (French): declined referral")

	visit(t, cl, s.base+"/referrals")
	if got := text(t, cl, "#row-"+id+" .status"); got != "Rejected" {
		t.Fatalf("the clinician's list after the decline: %q", got)
	}
	other := draft("Odile")
	setField(t, cl, "error_reason", "Wrong person chosen.")
	follow(t, cl, `form[action$="/error"] button`)
	if got := text(t, cl, "#status"); got != "Entered in error" {
		t.Fatalf("status after marking %s entered in error: %q", other, got)
	}
	checkA11y(t, cl, "clinician: referral entered in error")
}
