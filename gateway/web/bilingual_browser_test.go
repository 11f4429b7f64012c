package web_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/socialrx/socialrx/deploy/demodata"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
)

// A host registers an event in English and French; the French listing shows it in French and an
// event that has no French in English, marked lang="en" for screen readers; the event pages
// follow, with the host organisation's French name; the edit form holds both texts.
func TestBrowserEventsInTwoLanguages(t *testing.T) {
	s := startSite(t)
	ctx := newBrowser(t)
	viewport(t, ctx, 390, 844)
	acceptLanguage(t, ctx, "en-CA,en;q=0.9")

	// The host's form asks for the English text and, optionally, the French.
	signInAs(t, ctx, s.base, demodata.HostHamiltonFood, "/host/events/new")
	if got := text(t, ctx, `label[for="title_fr"]`); got != "Title in French" {
		t.Fatalf("the French title's label: %q", got)
	}
	if lang := eval[string](t, ctx, `document.getElementById("description_fr").lang`); lang != "fr" {
		t.Fatalf("the French description is marked lang=%q", lang)
	}
	zone, _ := time.LoadLocation("America/Toronto")
	day := time.Now().In(zone).AddDate(0, 0, 3)
	const (
		title   = "Walk and talk in Gage Park"
		titleFr = "Marche et causerie au parc Gage"
	)
	fields := map[string]string{
		"title": title, "description": "A slow walk around the park, then tea.", "category": "NATURE_ON_PRESCRIPTION",
		"description_fr": "Une marche lente autour du parc, puis un thé.",
		"s1_date":        day.Format(time.DateOnly), "s1_start": "10:00", "s1_end": "11:30", "s1_capacity": "12",
	}
	for id, v := range fields {
		setField(t, ctx, id, v)
	}
	eval[bool](t, ctx, `(document.getElementById("location").selectedIndex = 0, true)`)
	// A French description without its title comes back beside the French title.
	follow(t, ctx, `button[value="submit"]`)
	if got := text(t, ctx, "#title_fr-error"); got != "Give the French title too (up to 200 characters), or leave the French description empty." {
		t.Fatalf("a French description without a French title: %q", got)
	}
	checkA11y(t, ctx, "host: register an event in two languages, with an error")
	screenshots(t, ctx, "host-event-french")
	setField(t, ctx, "title_fr", titleFr)
	follow(t, ctx, `button[value="submit"]`)
	if got := text(t, ctx, "#event-state"); got != "Waiting for review" {
		t.Fatalf("state after saving and submitting: %q", got)
	}
	eventID := strings.TrimPrefix(eval[string](t, ctx, `location.pathname`), "/host/events/")
	follow(t, ctx, "#edit-event")
	if got := eval[string](t, ctx, `document.getElementById("title_fr").value`); got != titleFr {
		t.Fatalf("the edit form's French title: %q", got)
	}
	if got := eval[string](t, ctx, `document.getElementById("title").value`); got != title {
		t.Fatalf("the edit form's English title: %q", got)
	}
	checkA11y(t, ctx, "host: change an event in two languages")
	signOut(t, ctx)

	moderator := asIdentity(s.ctx, auth.Identity{Subject: demodata.ModeratorNetwork, Roles: []string{auth.RoleModerator}})
	if _, err := s.events.PublishEvent(moderator, &eventv1.PublishEventRequest{Name: "events/" + eventID}); err != nil {
		t.Fatal(err)
	}
	// An event with no French text, published the same day.
	host := asIdentity(s.ctx, auth.Identity{Subject: demodata.HostHamiltonFood, Organization: demodata.OrgHamiltonFood, Roles: []string{auth.RoleEventHost}})
	const english = "Bread baking morning"
	only, err := s.events.CreateEvent(host, &eventv1.CreateEventRequest{EventId: "bread-baking", Event: &eventv1.Event{
		Title: english, Description: "Knead, shape and bake loaves to take home.", LanguageCode: "en",
		Category: eventv1.EventCategory_EVENT_CATEGORY_COMMUNITY_COOKING_CLASS, HostOrganization: demodata.OrgHamiltonFood,
		Venue: &eventv1.Venue{Place: &eventv1.Venue_Location{Location: demodata.LocHamiltonFoodJamesN}}}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(day.Year(), day.Month(), day.Day(), 13, 0, 0, 0, zone)
	if _, err := s.events.CreateSession(host, &eventv1.CreateSessionRequest{Parent: only.GetName(), Session: &eventv1.Session{
		StartTime: timestamppb.New(start), EndTime: timestamppb.New(start.Add(2 * time.Hour)), TimeZone: "America/Toronto", Capacity: 8}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.events.SubmitEvent(host, &eventv1.SubmitEventRequest{Name: only.GetName()}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.events.PublishEvent(moderator, &eventv1.PublishEventRequest{Name: only.GetName()}); err != nil {
		t.Fatal(err)
	}

	// The French listing: French where the event has it, English marked as English where not.
	acceptLanguage(t, ctx, "fr-CA,fr;q=0.9")
	visit(t, ctx, s.base+"/?cat=NATURE_ON_PRESCRIPTION&cat=COMMUNITY_COOKING_CLASS")
	type card struct{ Title, Lang string }
	cards := eval[[]card](t, ctx, `[...document.querySelectorAll(".cards .card h3 a")].map(a => ({Title: a.textContent.trim(),
		Lang: (a.querySelector("[lang]") || {lang: ""}).lang}))`)
	want := map[string]string{titleFr: "", english: "en",
		"Cuisine communautaire : soupes de toutes les cuisines": "", "Marche nature au lac Boulevard": ""}
	seen := map[string]bool{}
	for _, c := range cards {
		if lang, ok := want[c.Title]; ok {
			seen[c.Title] = true
			if c.Lang != lang {
				t.Errorf("listing card %q is marked lang=%q, want %q", c.Title, c.Lang, lang)
			}
		}
		if c.Title == title || c.Title == "Community Cooking Class: Soups from Many Kitchens" {
			t.Errorf("the French listing shows %q in English although the event has French", c.Title)
		}
	}
	for w := range want {
		if !seen[w] {
			t.Errorf("the French listing lacks %q; it shows %v", w, cards)
		}
	}
	// What has no French stays English, marked so: a host's own accessibility note.
	if got := eval[string](t, ctx, `[...document.querySelectorAll(".cards .card .meta [lang]")].map(e => e.lang + ":" + e.textContent).join("|")`); !strings.Contains(got, "en:adjustable-height counter") {
		t.Fatalf("the English accessibility notes on the French listing are marked %q", got)
	}
	if lang := eval[string](t, ctx, `document.documentElement.lang`); lang != "fr" {
		t.Fatalf("the listing page's language: %q", lang)
	}
	checkA11y(t, ctx, "listing in French, one event in English")
	screenshots(t, ctx, "listing-french")

	// The event page of the event without French: its title and description are marked English,
	// its host named in French.
	visit(t, ctx, s.base+"/events/bread-baking")
	if got, lang := text(t, ctx, "h1"), eval[string](t, ctx, `document.querySelector("h1 [lang]").lang`); got != english || lang != "en" {
		t.Fatalf("event page heading %q marked %q; want %q marked en", got, lang, english)
	}
	if lang := eval[string](t, ctx, `document.querySelector(".description").lang`); lang != "en" {
		t.Fatalf("the English description is marked lang=%q", lang)
	}
	if lang := eval[string](t, ctx, `document.querySelector(".facts dd span").lang`); lang != "en" {
		t.Fatalf("the venue's English name is marked lang=%q", lang)
	}
	if got := text(t, ctx, ".facts dd:nth-of-type(2)"); got != "Réseau alimentaire communautaire de Hamilton" {
		t.Fatalf("the host's name on the French event page: %q", got)
	}
	checkA11y(t, ctx, "event in English on a French page")
	screenshots(t, ctx, "event-fallback")

	// The host's event, in French, with nothing marked as another language.
	visit(t, ctx, s.base+"/events/"+eventID)
	if got := text(t, ctx, "h1"); got != titleFr {
		t.Fatalf("event page heading in French: %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("main h1 [lang], main .description[lang]").length`); n != 0 {
		t.Fatalf("%d of the French event's title and description are marked as another language", n)
	}
	if got := text(t, ctx, ".description"); got != "Une marche lente autour du parc, puis un thé." {
		t.Fatalf("the French description: %q", got)
	}
	checkA11y(t, ctx, "event in French")

	// Programmes and their organisations, in French, found by French words.
	visit(t, ctx, s.base+"/directory?q=appels+amicaux")
	if got := text(t, ctx, ".cards .card:first-child h3"); got != "Appels amicaux" {
		t.Fatalf("first programme for \"appels amicaux\": %q", got)
	}
	if got := text(t, ctx, ".cards .card:first-child .category"); !strings.Contains(got, "Réseau d’aînés Good Neighbours") {
		t.Fatalf("the programme's organisation in French: %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("main .cards [lang]").length`); n != 0 {
		t.Fatalf("%d parts of the French programme list are marked as another language", n)
	}
	checkA11y(t, ctx, "directory in French")
	follow(t, ctx, ".cards .card:first-child h3 a")
	if got := text(t, ctx, "h1"); got != "Appels amicaux" {
		t.Fatalf("programme page heading in French: %q", got)
	}
	if got := text(t, ctx, ".description"); !strings.HasPrefix(got, "Une ou un bénévole formé vous téléphone") {
		t.Fatalf("programme description in French: %q", got)
	}
	// What the programme has in English only is marked English: its schedule, for one.
	if got := eval[string](t, ctx, `[...document.querySelectorAll(".facts dd")].find(dd => dd.textContent.startsWith("Calls Monday")).lang`); got != "en" {
		t.Fatalf("the English schedule on the French programme page is marked lang=%q", got)
	}
	checkA11y(t, ctx, "programme in French")
	screenshots(t, ctx, "programme-french")
}
