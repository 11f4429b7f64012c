package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/socialrx/socialrx/deploy/demodata"
	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/gateway/gatewaytest"
	"github.com/socialrx/socialrx/gateway/web"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/event/eventtest"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/auth/devidp"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// TestMain gives the test issuer the demo people, who sign in at its sign-in page as the
// development client, redirected to any loopback gateway's /callback.
func TestMain(m *testing.M) {
	var users []devidp.User
	for _, a := range demodata.Accounts() {
		users = append(users, devidp.User{Subject: a.Practitioner, Name: a.Name, Title: a.Title,
			Organization: a.Organization, Roles: a.Roles})
	}
	testenv.MainWithIssuer(m, testenv.IssuerOptions{Users: users, RedirectURIs: []string{"http://127.0.0.1/callback"}})
}

// site is the real directory and event services on the embedded database, with the demo data,
// behind the real gateway that serves the web app.
type site struct {
	base   string
	events eventv1.EventServiceClient
	// admin is a context whose calls see everything, for checking what the pages stored.
	admin context.Context
	// ctx is the test's context, for calls as someone else (asIdentity).
	ctx context.Context
}

func startSite(t *testing.T) *site { return startSiteWith(t, web.Config{}) }

// asIdentity is how the test calls the services as someone: the one place it says so.
func asIdentity(ctx context.Context, id auth.Identity) context.Context {
	return testenv.WithIdentity(ctx, id)
}

// startSiteWith starts the site with cfg's web settings over the test defaults.
func startSiteWith(t *testing.T, cfg web.Config) *site {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	if _, err := demodata.Directory(asIdentity(ctx, auth.Identity{Subject: "services/web-test", Roles: []string{auth.RoleDirectoryAdmin}}), dir.Client); err != nil {
		t.Fatalf("load demo directory: %v", err)
	}
	ev := eventtest.Start(t, eventtest.Options{Database: testenv.DatabaseName(t), DirectoryAddr: dir.Addr})
	if _, err := demodata.Events(ctx, ev.Client, time.Now(), asIdentity); err != nil {
		t.Fatalf("load demo events: %v", err)
	}
	base := gatewaytest.Start(t, gateway.Config{
		DirectoryAddr: dir.Addr, EventAddr: ev.Addr,
		ReferralAddr: "127.0.0.1:9", // not called by the web app
		// Sessions in the gateway's database, as under `make run`.
		MongoURI: testenv.MongoURI(t), Database: testenv.DatabaseName(t),
		Web: web.Config{LinkKey: "test key for signing private links, 32+ bytes", TimeZone: "America/Toronto",
			OIDCClientID: devidp.DevClientID, Access: testenv.OIDC(t), SessionMaxAge: cfg.SessionMaxAge, Now: cfg.Now,
			SessionKey: sessionKey},
	})
	admin := asIdentity(ctx, auth.Identity{Subject: "services/referral", Roles: []string{auth.RoleService}})
	return &site{base: base, events: ev.Client, admin: admin, ctx: ctx}
}

func (s *site) registrations(t *testing.T, session string) []*eventv1.Registration {
	t.Helper()
	resp, err := s.events.ListRegistrations(s.admin, &eventv1.ListRegistrationsRequest{Parent: session, PageSize: 1000})
	if err != nil {
		t.Fatalf("list registrations of %s: %v", session, err)
	}
	return resp.GetRegistrations()
}

func (s *site) registrationOf(t *testing.T, session, givenName string) *eventv1.Registration {
	t.Helper()
	for _, r := range s.registrations(t, session) {
		if r.GetPerson().GetGivenName() == givenName {
			return r
		}
	}
	t.Fatalf("no registration of %s in %s", givenName, session)
	return nil
}

// register fills the registration form of the page that is open and sends it.
func register(t *testing.T, ctx context.Context, given, email, phone string) {
	t.Helper()
	setField(t, ctx, "given_name", "")
	do(t, ctx, chromedp.SendKeys(chromedp.ID("given_name"), given))
	setField(t, ctx, "email", email)
	setField(t, ctx, "phone", phone)
	follow(t, ctx, `form.register button[type="submit"]`)
}

// A person finds an event near a member centre in French, registers, the next person is
// waitlisted because the session is full, the first cancels through the private link, and the
// person waiting gets the seat. A form with a bad value comes back with the message beside the
// field and stores nothing. Every page passes axe-core.
func TestBrowserRegistrationFlowInFrench(t *testing.T) {
	s := startSite(t)
	ctx := newBrowser(t)
	viewport(t, ctx, 390, 844)
	acceptLanguage(t, ctx, "fr-CA,fr;q=0.9,en;q=0.5")

	// The listing, in French from Accept-Language.
	visit(t, ctx, s.base+"/")
	if got := text(t, ctx, "h1"); got != "Activités Connexion humaine à venir" {
		t.Fatalf("listing heading in French: %q", got)
	}
	checkA11y(t, ctx, "listing")

	// Near a member centre: Albion Heights, within 10 km, nearest first.
	do(t, ctx,
		chromedp.SetValue(chromedp.ID("centre"), demodata.OrgAlbionCHC),
		chromedp.SetValue(chromedp.ID("radius"), "10"),
	)
	follow(t, ctx, `form.filters button[type="submit"]`)
	first := text(t, ctx, ".cards .card:first-child h3")
	if first != "Cuisine communautaire : soupes de toutes les cuisines" {
		t.Fatalf("nearest event to Albion Heights: %q", first)
	}
	if where := text(t, ctx, ".cards .card:first-child .where"); !strings.Contains(where, "à 0,0 km") {
		t.Fatalf("distance in French number format: %q", where)
	}
	if seats := text(t, ctx, ".cards .card:first-child .seats"); seats != "1 place restante" {
		t.Fatalf("seats of the cooking class: %q", seats)
	}
	checkA11y(t, ctx, "listing near a member centre")
	screenshots(t, ctx, "listing")

	// The subscription link is an iCalendar feed of the same search.
	feed := fetchText(t, ctx, eval[string](t, ctx, `document.querySelector(".subscribe a").href`))
	if !strings.HasPrefix(feed, "BEGIN:VCALENDAR") || strings.Count(feed, "BEGIN:VEVENT") != 1 ||
		!strings.Contains(feed, "SUMMARY;LANGUAGE=fr:Cuisine communautaire") {
		t.Fatalf("the feed of the search near Albion Heights: %s", feed)
	}

	// The event page, then its session's registration form.
	follow(t, ctx, ".cards .card:first-child h3 a")
	if got := text(t, ctx, "h1"); got != first {
		t.Fatalf("event page heading: %q", got)
	}
	checkA11y(t, ctx, "event")
	screenshots(t, ctx, "event")
	if cal := fetchText(t, ctx, eval[string](t, ctx, `document.querySelector('a[href$="calendar.ics"]').href`)); !strings.Contains(cal, "BEGIN:VEVENT") {
		t.Fatalf("the event's calendar: %s", cal)
	}
	follow(t, ctx, ".sessions a.button")
	registerURL := eval[string](t, ctx, `location.href`)
	checkA11y(t, ctx, "register")

	// A bad phone number: the form comes back with the message beside the phone field, in
	// French, keeps what was typed, and nothing is stored.
	before := len(s.registrations(t, demodata.SessionCookingClass))
	register(t, ctx, "Chen", "", "call me maybe!")
	if got := text(t, ctx, "#phone-error"); got != "Indiquez un numéro de téléphone avec des chiffres, des espaces, +, - ou des parenthèses." {
		t.Fatalf("message beside the phone field: %q", got)
	}
	if inv := eval[string](t, ctx, `document.getElementById("phone").getAttribute("aria-invalid")`); inv != "true" {
		t.Fatalf("phone field aria-invalid = %q", inv)
	}
	if v := eval[string](t, ctx, `document.getElementById("given_name").value`); v != "Chen" {
		t.Fatalf("given name kept: %q", v)
	}
	if after := len(s.registrations(t, demodata.SessionCookingClass)); after != before {
		t.Fatalf("a rejected form stored a registration: %d before, %d after", before, after)
	}
	if loc := eval[string](t, ctx, `location.href`); strings.Contains(loc, "Chen") || strings.Contains(loc, "call") {
		t.Fatalf("personal data in the URL: %s", loc)
	}
	checkA11y(t, ctx, "register with an error")
	screenshots(t, ctx, "register-error")

	// No email and no phone: the form asks for one, and stores nothing.
	register(t, ctx, "Chen", "", "")
	if got := text(t, ctx, "#email-error"); !strings.HasPrefix(got, "Donnez une adresse courriel ou un numéro") {
		t.Fatalf("contact message: %q", got)
	}
	if after := len(s.registrations(t, demodata.SessionCookingClass)); after != before {
		t.Fatalf("a form without contact stored a registration: %d before, %d after", before, after)
	}

	// Amara takes the last seat.
	visit(t, ctx, registerURL)
	register(t, ctx, "Amara", "amara@example.org", "")
	if got := text(t, ctx, "#state"); got != "Confirmée" {
		t.Fatalf("Amara's state: %q", got)
	}
	amaraLink := eval[string](t, ctx, `document.getElementById("private-link").href`)
	if strings.Contains(amaraLink, "amara") || strings.Contains(amaraLink, "registrations/") {
		t.Fatalf("the private link shows the person or the registration id: %s", amaraLink)
	}
	checkA11y(t, ctx, "confirmation")
	screenshots(t, ctx, "confirmation")
	ics := fetchText(t, ctx, eval[string](t, ctx, `document.querySelector('a[href*="calendar.ics"]').href`))
	if !strings.Contains(ics, "BEGIN:VEVENT") || !strings.Contains(ics, "SUMMARY;LANGUAGE=fr:Cuisine communautaire") {
		t.Fatalf("registration .ics: %s", ics)
	}

	// Bo finds the session full and goes on the waitlist, first in line.
	visit(t, ctx, registerURL)
	if got := text(t, ctx, ".seats"); !strings.HasPrefix(got, "Complet") {
		t.Fatalf("the register page of a full session says %q", got)
	}
	register(t, ctx, "Bo", "", "416-555-0199")
	if got := text(t, ctx, "#state"); got != "Sur la liste d’attente" {
		t.Fatalf("Bo's state: %q", got)
	}
	if got := text(t, ctx, ".outcome"); !strings.Contains(got, "en position 1") {
		t.Fatalf("Bo's position: %q", got)
	}
	boLink := eval[string](t, ctx, `document.getElementById("private-link").href`)
	checkA11y(t, ctx, "confirmation waitlisted")
	screenshots(t, ctx, "waitlisted")

	// Links whose token was changed are refused: another registration under Amara's signature,
	// Amara's with a later expiry, or saying she is confirmed when she is not.
	boName := s.registrationOf(t, demodata.SessionCookingClass, "Bo").GetName()
	for _, forged := range []string{
		forge(t, amaraLink, func(l map[string]any) { l["r"] = boName }),
		forge(t, amaraLink, func(l map[string]any) { l["e"] = l["e"].(float64) * 10 }),
		forge(t, boLink, func(l map[string]any) { l["s"], l["p"] = "CONFIRMED", 0 }),
	} {
		visit(t, ctx, s.base+"/registration?t="+url.QueryEscape(forged))
		if got := text(t, ctx, "main p"); !strings.HasPrefix(got, "Ce lien n’est pas valide") {
			t.Fatalf("forged link %s: %q", forged, got)
		}
	}
	checkA11y(t, ctx, "invalid link")
	visit(t, ctx, s.base+"/events/no-such-event")
	if got := text(t, ctx, "h1"); got != "Page introuvable" {
		t.Fatalf("a missing event: %q", got)
	}
	checkA11y(t, ctx, "page not found")

	// Amara cancels through her private link; Bo gets her seat.
	visit(t, ctx, amaraLink)
	follow(t, ctx, "#cancel-link")
	checkA11y(t, ctx, "cancel")
	follow(t, ctx, `form button[type="submit"]`)
	if got := text(t, ctx, "#state"); got != "Annulée" {
		t.Fatalf("Amara's state after cancelling: %q", got)
	}
	if got := text(t, ctx, ".notice.ok"); !strings.HasPrefix(got, "Votre place est annulée.") {
		t.Fatalf("after cancelling, the page says %q", got)
	}
	if got := s.registrationOf(t, demodata.SessionCookingClass, "Amara").GetState(); got != eventv1.RegistrationState_REGISTRATION_STATE_CANCELLED {
		t.Fatalf("Amara in the event service: %v", got)
	}
	bo := s.registrationOf(t, demodata.SessionCookingClass, "Bo")
	if bo.GetState() != eventv1.RegistrationState_REGISTRATION_STATE_CONFIRMED || bo.GetWaitlistPosition() != 0 {
		t.Fatalf("Bo after Amara cancelled: %v, position %d; want CONFIRMED", bo.GetState(), bo.GetWaitlistPosition())
	}
	// Bo's private link shows his registration as it was made (the public cannot read a
	// registration), and says so.
	visit(t, ctx, boLink)
	if got := text(t, ctx, "#state"); got != "Sur la liste d’attente" {
		t.Fatalf("Bo's page: %q", got)
	}
	if got := text(t, ctx, ".as-of"); !strings.HasPrefix(got, "En date du ") {
		t.Fatalf("Bo's page says when its state was read: %q", got)
	}

	// The language switch turns the page to English and remembers it.
	follow(t, ctx, "a.switch")
	if got := text(t, ctx, "#state"); got != "Waitlisted" {
		t.Fatalf("Bo's page in English: %q", got)
	}
	visit(t, ctx, s.base+"/")
	if got := text(t, ctx, "h1"); got != "Upcoming Human Connection events" {
		t.Fatalf("listing after switching to English: %q", got)
	}
	checkA11y(t, ctx, "listing in English")
}

// setField sets the value of the form field with id.
func setField(t *testing.T, ctx context.Context, id, value string) {
	t.Helper()
	eval[bool](t, ctx, `(document.getElementById(`+jsString(id)+`).value = `+jsString(value)+`, true)`)
}

// forge changes what a private link's token says (an attacker can read its payload), keeping its
// signature.
func forge(t *testing.T, link string, change func(map[string]any)) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	body, sig, _ := strings.Cut(u.Query().Get("t"), ".")
	payload, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		t.Fatalf("token body: %v", err)
	}
	var l map[string]any
	if err := json.Unmarshal(payload, &l); err != nil {
		t.Fatalf("token payload %q: %v", payload, err)
	}
	change(l)
	forged, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(forged) + "." + sig
}

// fetchText downloads url in the page (same cookies and origin) and returns the body.
func fetchText(t *testing.T, ctx context.Context, u string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(`+jsString(u)+`).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch %s: %v", u, err)
	}
	return v
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// The directory: search by text, by kind, by language and near a member centre, and a
// programme's page with its contacts, schedule and location.
func TestBrowserDirectory(t *testing.T) {
	s := startSite(t)
	ctx := newBrowser(t)
	viewport(t, ctx, 390, 844)

	visit(t, ctx, s.base+"/directory?q=friendly")
	if got := text(t, ctx, "h1"); got != "Find a member centre or programme" {
		t.Fatalf("directory heading: %q", got)
	}
	if got := text(t, ctx, ".cards .card:first-child h3"); !strings.Contains(strings.ToLower(got), "friendly") {
		t.Fatalf("first programme for \"friendly\": %q", got)
	}
	checkA11y(t, ctx, "directory search")

	visit(t, ctx, s.base+"/directory?centre="+url.QueryEscape(demodata.OrgRiverdaleCHC)+"&radius=5")
	if got := text(t, ctx, ".cards .card:first-child .where"); !strings.HasSuffix(got, "km away") {
		t.Fatalf("distance of the nearest programme: %q", got)
	}
	screenshots(t, ctx, "directory")

	visit(t, ctx, s.base+"/directory?q=friendly")
	follow(t, ctx, ".cards .card:first-child h3 a")
	if got := text(t, ctx, "#contact-heading"); got != "Contact" {
		t.Fatalf("programme contact heading: %q", got)
	}
	checkA11y(t, ctx, "programme")
	screenshots(t, ctx, "programme")

	// A bad latitude typed into the form comes back beside the field; the range is the
	// directory's own field violation.
	visit(t, ctx, s.base+"/directory?lat=95&lon=-79.3&radius=10")
	if got := text(t, ctx, "#lat-error"); got != "Enter a latitude between -90 and 90, for example 43.67." {
		t.Fatalf("latitude message: %q", got)
	}
	checkA11y(t, ctx, "directory with an error")
}

// The listing's cold weight: every byte and request a first visit costs.
func TestBrowserListingWeight(t *testing.T) {
	s := startSite(t)
	ctx := newBrowser(t)
	viewport(t, ctx, 390, 844)
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
		t.Fatal(err)
	}
	// Count every request and its bytes while the page loads, until it has been idle a while.
	ectx, stop := context.WithCancel(ctx)
	sent := chromedp.Events(ectx, network.RequestWillBeSent)
	done := chromedp.Events(ectx, network.LoadingFinished)
	var mu sync.Mutex
	urls := map[network.RequestID]string{}
	var bytes float64
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for e, err := range sent {
			if err != nil {
				return
			}
			mu.Lock()
			urls[e.RequestID] = e.Request.URL
			mu.Unlock()
		}
	}()
	go func() {
		defer wg.Done()
		for e, err := range done {
			if err != nil {
				return
			}
			mu.Lock()
			bytes += e.EncodedDataLength
			mu.Unlock()
		}
	}()
	visit(t, ctx, s.base+"/")
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`new Promise(r => setTimeout(r, 1000))`, chromedp.EvalAwaitPromise))
	stop()
	wg.Wait()
	if len(urls) == 0 || bytes == 0 {
		t.Fatalf("no requests seen")
	}
	network := 0
	for _, u := range urls {
		if strings.HasPrefix(u, "data:") {
			continue // drawn by the browser itself (the date picker's icon), not fetched
		}
		network++
		t.Logf("request %s", strings.TrimPrefix(u, s.base))
		if !strings.HasPrefix(u, s.base) {
			t.Errorf("the listing loads %s from another origin", u)
		}
	}
	t.Logf("listing page, cold: %d requests, %.0f bytes on the wire", network, bytes)
	if network > 4 {
		t.Errorf("the listing needs %d requests; want the page, its stylesheet, its script and its icon", network)
	}
}
