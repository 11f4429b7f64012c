package demodata

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
)

// eventTestNows are the instants the event tests build the demo for: the real now, dates whose
// Human Connection Day falls just after a daylight-saving change, a late evening in Toronto that is
// already the next day in UTC, and a year end.
func eventTestNows() []time.Time {
	return []time.Time{
		time.Now(),
		time.Date(2026, 3, 1, 12, 0, 0, 0, demoZone),    // day on March 11, after DST starts on March 8
		time.Date(2026, 10, 25, 23, 30, 0, 0, demoZone), // day on November 4, after DST ends on November 1
		time.Date(2026, 12, 28, 9, 0, 0, 0, time.UTC),   // day in the next year
		time.Date(2027, 6, 30, 3, 59, 0, 0, time.UTC),   // still June 29 in Toronto
	}
}

// forEachNow runs f on the demo built for each of eventTestNows.
func forEachNow(t *testing.T, f func(t *testing.T, now time.Time, events []demoEvent)) {
	for _, now := range eventTestNows() {
		t.Run(now.Format(time.RFC3339), func(t *testing.T) { f(t, now, demoEvents(now)) })
	}
}

// demoEventCategories are the ten Human Connection kinds of the seed.
var demoEventCategories = []eventv1.EventCategory{
	eventv1.EventCategory_EVENT_CATEGORY_ART_ON_PRESCRIPTION,
	eventv1.EventCategory_EVENT_CATEGORY_COMMUNITY_COOKING_CLASS,
	eventv1.EventCategory_EVENT_CATEGORY_NATURE_ON_PRESCRIPTION,
	eventv1.EventCategory_EVENT_CATEGORY_STORYTELLING_CIRCLE,
	eventv1.EventCategory_EVENT_CATEGORY_MUSIC_AND_DANCE,
	eventv1.EventCategory_EVENT_CATEGORY_PHOTOGRAPHY_WALK,
	eventv1.EventCategory_EVENT_CATEGORY_COMMUNITY_GARDENING,
	eventv1.EventCategory_EVENT_CATEGORY_CULTURE_ON_PRESCRIPTION,
	eventv1.EventCategory_EVENT_CATEGORY_OUTDOOR_PICNIC,
	eventv1.EventCategory_EVENT_CATEGORY_COMMUNITY_SERVICE,
}

// Every request Events sends passes the API's validation, and leaves output fields unset.
func TestEventRequestsValidate(t *testing.T) {
	forEachNow(t, func(t *testing.T, _ time.Time, events []demoEvent) {
		validate := func(m proto.Message) {
			t.Helper()
			if err := protovalidate.Validate(m); err != nil {
				t.Errorf("%v: %v", m, err)
			}
		}
		for _, e := range events {
			validate(e.create)
			if ev := e.create.GetEvent(); ev.GetName() != "" || ev.GetState() != eventv1.EventState_EVENT_STATE_UNSPECIFIED {
				t.Errorf("%s: name and state must be left unset on create", e.name)
			}
			for _, s := range e.sessions {
				validate(s.create)
				if ss := s.create.GetSession(); ss.GetName() != "" || ss.GetState() != eventv1.SessionState_SESSION_STATE_UNSPECIFIED {
					t.Errorf("%s: name and state must be left unset on create", s.name)
				}
				for _, r := range s.registrations {
					validate(r)
					if reg := r.GetRegistration(); reg.GetName() != "" || reg.GetState() != eventv1.RegistrationState_REGISTRATION_STATE_UNSPECIFIED {
						t.Errorf("%s: registration name and state must be left unset", s.name)
					}
				}
			}
		}
	})
}

// Names, ids and request ids agree with each other, are unique, and match the exported constants.
func TestEventNamesAndRequestIDs(t *testing.T) {
	events := demoEvents(time.Now())
	requestIDs := map[string]bool{}
	unique := func(id string) {
		t.Helper()
		if requestIDs[id] {
			t.Errorf("duplicate request_id %q", id)
		}
		requestIDs[id] = true
	}
	eventNames, sessionNames := map[string]bool{}, map[string]bool{}
	for _, e := range events {
		id := e.create.GetEventId()
		if e.name != "events/"+id {
			t.Errorf("%s: event_id %q does not match the name", e.name, id)
		}
		if want := "demo:event:" + id; e.create.GetRequestId() != want {
			t.Errorf("%s: request_id %q, want %q", e.name, e.create.GetRequestId(), want)
		}
		unique(e.create.GetRequestId())
		if eventNames[e.name] {
			t.Errorf("duplicate event %q", e.name)
		}
		eventNames[e.name] = true
		for _, s := range e.sessions {
			sid := s.create.GetSessionId()
			if s.create.GetParent() != e.name || s.name != e.name+"/sessions/"+sid {
				t.Errorf("%s: parent %q and session_id %q do not match the name", s.name, s.create.GetParent(), sid)
			}
			if want := "demo:session:" + id + ":" + sid; s.create.GetRequestId() != want {
				t.Errorf("%s: request_id %q, want %q", s.name, s.create.GetRequestId(), want)
			}
			unique(s.create.GetRequestId())
			if sessionNames[s.name] {
				t.Errorf("duplicate session %q", s.name)
			}
			sessionNames[s.name] = true
			for i, r := range s.registrations {
				if r.GetParent() != s.name {
					t.Errorf("%s: registration parent %q", s.name, r.GetParent())
				}
				if want := fmt.Sprintf("demo:registration:%s:%s:%d", id, sid, i+1); r.GetRequestId() != want {
					t.Errorf("%s: registration request_id %q, want %q", s.name, r.GetRequestId(), want)
				}
				unique(r.GetRequestId())
			}
		}
	}

	exportedEvents := []string{
		EventCookingClass, EventArtAfternoon, EventPhotographyWalk, EventStorytellingCircle, EventDanceParty,
		EventNatureWalk, EventGalleryOuting, EventHarvestPicnic, EventCareKitPacking, EventSeedSwap,
	}
	exportedSessions := []string{
		SessionCookingClass, SessionArtAfternoon, SessionPhotographyWalk, SessionPhotographyWalk2,
		SessionStorytellingCircle, SessionDanceParty, SessionNatureWalk, SessionGalleryOuting,
		SessionHarvestPicnic, SessionCareKitPacking, SessionSeedSwap,
	}
	for _, c := range []struct {
		kind     string
		exported []string
		loaded   map[string]bool
	}{{"event", exportedEvents, eventNames}, {"session", exportedSessions, sessionNames}} {
		for _, n := range c.exported {
			if !c.loaded[n] {
				t.Errorf("exported %s %q is not loaded", c.kind, n)
			}
		}
		if len(c.exported) != len(c.loaded) {
			t.Errorf("%d exported %s names for %d loaded", len(c.exported), c.kind, len(c.loaded))
		}
	}
}

// Every organization, location and practitioner an event names is in the demo directory, and the
// contact and venue belong to the host.
func TestEventReferencesExist(t *testing.T) {
	orgs := map[string]bool{}
	for _, o := range organizations {
		orgs[o.GetName()] = true
	}
	locs := map[string]*directoryv1.Location{}
	for _, l := range locations {
		locs[l.GetName()] = l
	}
	people := map[string]*directoryv1.Practitioner{}
	for _, p := range practitioners {
		people[p.GetName()] = p
	}
	for _, e := range demoEvents(time.Now()) {
		ev := e.create.GetEvent()
		host := ev.GetHostOrganization()
		if !orgs[host] {
			t.Errorf("%s: unknown host organization %q", e.name, host)
		}
		if p := people[ev.GetContactPractitioner()]; p == nil {
			t.Errorf("%s: unknown contact practitioner %q", e.name, ev.GetContactPractitioner())
		} else if p.GetOrganization() != host {
			t.Errorf("%s: contact %q works for %q, not the host %q", e.name, p.GetName(), p.GetOrganization(), host)
		}
		l := locs[ev.GetVenue().GetLocation()]
		switch {
		case l == nil:
			t.Errorf("%s: unknown venue location %q", e.name, ev.GetVenue().GetLocation())
		case l.GetOrganization() != host:
			t.Errorf("%s: venue %q belongs to %q, not the host %q", e.name, l.GetName(), l.GetOrganization(), host)
		case l.GetLocationType() != directoryv1.LocationType_LOCATION_TYPE_PHYSICAL:
			t.Errorf("%s: venue %q is not a physical place", e.name, l.GetName())
		}
		if ev.GetOnlineUrl() != "" {
			t.Errorf("%s: demo events happen in person", e.name)
		}
	}
}

// Sessions are 2–3 hours in the daytime, in the future, on the Human Connection Day (one event
// has a second session on another day), with a capacity of 8–40; the one held on the day of
// loading is checked apart, in TestSessionHeldOnLoadDay.
func TestEventSessionTimes(t *testing.T) {
	forEachNow(t, func(t *testing.T, now time.Time, events []demoEvent) {
		y, m, d := now.In(demoZone).Date()
		humanConnectionDay := time.Date(y, m, d+10, 0, 0, 0, 0, demoZone).Format(time.DateOnly)
		twoSessions := 0
		for _, e := range events {
			if n := len(e.sessions); n < 1 || n > 2 {
				t.Errorf("%s: %d sessions, want 1 or 2", e.name, n)
			}
			days := map[string]bool{}
			for i, s := range e.sessions {
				if s.name == SessionSeedSwap {
					continue
				}
				ss := s.create.GetSession()
				start, end := ss.GetStartTime().AsTime(), ss.GetEndTime().AsTime()
				if !start.After(now) {
					t.Errorf("%s: starts at %v, not after now %v", s.name, start, now)
				}
				if !end.After(start) {
					t.Errorf("%s: ends at %v, not after its start %v", s.name, end, start)
				}
				if l := end.Sub(start); l < 2*time.Hour || l > 3*time.Hour {
					t.Errorf("%s: lasts %v, want 2–3 hours", s.name, l)
				}
				if c := ss.GetCapacity(); c < 8 || c > 40 {
					t.Errorf("%s: capacity %d, want 8–40", s.name, c)
				}
				if ss.GetTimeZone() != demoTimeZone {
					t.Errorf("%s: time zone %q, want %q", s.name, ss.GetTimeZone(), demoTimeZone)
				}
				local, localEnd := start.In(demoZone), end.In(demoZone)
				if local.Hour() < 9 || localEnd.Hour() > 20 || local.YearDay() != localEnd.YearDay() {
					t.Errorf("%s: %v–%v local is not in the daytime", s.name, local, localEnd)
				}
				if local.Minute()%15 != 0 || local.Second() != 0 {
					t.Errorf("%s: starts at an odd local time %v", s.name, local)
				}
				day := local.Format(time.DateOnly)
				if i == 0 && day != humanConnectionDay {
					t.Errorf("%s: on %s, want the Human Connection Day %s", s.name, day, humanConnectionDay)
				}
				days[day] = true
			}
			if len(e.sessions) == 2 {
				twoSessions++
				if len(days) != 2 {
					t.Errorf("%s: both sessions on the same day", e.name)
				}
			}
		}
		if twoSessions != 1 {
			t.Errorf("%d events with two sessions, want 1", twoSessions)
		}
	})
}

// SessionSeedSwap starts 75 to 90 minutes after loading, on a quarter hour, so that a new
// referral can still be booked on it, and its check-in (open from two hours before a session's
// start) is open at once.
func TestSessionHeldOnLoadDay(t *testing.T) {
	nows := append(eventTestNows(), time.Date(2026, 5, 4, 13, 45, 0, 0, demoZone), time.Date(2026, 5, 4, 13, 45, 1, 0, demoZone))
	for _, now := range nows {
		var found *eventv1.Session
		for _, e := range demoEvents(now) {
			for _, s := range e.sessions {
				if s.name == SessionSeedSwap {
					found = s.create.GetSession()
					if e.draft {
						t.Errorf("%s: belongs to a draft event", s.name)
					}
				}
			}
		}
		if found == nil {
			t.Fatalf("%v: no session %s", now, SessionSeedSwap)
		}
		start, end := found.GetStartTime().AsTime(), found.GetEndTime().AsTime()
		if wait := start.Sub(now); wait < 75*time.Minute || wait > 90*time.Minute {
			t.Errorf("%v: starts %v later, want 75–90 minutes", now, wait)
		}
		if local := start.In(demoZone); local.Minute()%15 != 0 || local.Second() != 0 || local.Nanosecond() != 0 {
			t.Errorf("%v: starts at %v, not on a quarter hour", now, local)
		}
		if opens := start.Add(-2 * time.Hour); opens.After(now) {
			t.Errorf("%v: check-in opens at %v, after loading", now, opens)
		}
		if l := end.Sub(start); l != 2*time.Hour {
			t.Errorf("%v: lasts %v, want 2 hours", now, l)
		}
	}
	if got := soonStart(time.Date(2026, 5, 4, 13, 45, 0, 0, demoZone)); !got.Equal(time.Date(2026, 5, 4, 15, 0, 0, 0, demoZone)) {
		t.Errorf("loaded at 13:45: starts %v, want 15:00", got)
	}
}

// There are 7–10 events covering at least six of the ten kinds, also among the published ones.
func TestEventCategories(t *testing.T) {
	events := demoEvents(time.Now())
	if n := len(events); n < 7 || n > 10 {
		t.Errorf("%d events, want 7–10", n)
	}
	all, published := map[eventv1.EventCategory]bool{}, map[eventv1.EventCategory]bool{}
	for _, e := range events {
		c := e.create.GetEvent().GetCategory()
		all[c] = true
		if !e.draft {
			published[c] = true
		}
	}
	count := func(set map[eventv1.EventCategory]bool) int {
		n := 0
		for _, c := range demoEventCategories {
			if set[c] {
				n++
			}
		}
		return n
	}
	if n := count(all); n < 6 {
		t.Errorf("events cover %d of the ten kinds, want at least 6", n)
	}
	if n := count(published); n < 6 {
		t.Errorf("published events cover %d of the ten kinds, want at least 6", n)
	}
	if len(all) != count(all) {
		t.Errorf("categories %v include one outside the ten kinds", all)
	}
}

// Exactly one event stays in draft, with a session, so the listing has something to hide.
func TestEventDraftLeftUnpublished(t *testing.T) {
	var drafts []demoEvent
	for _, e := range demoEvents(time.Now()) {
		if e.draft {
			drafts = append(drafts, e)
		}
	}
	if len(drafts) != 1 {
		t.Fatalf("%d draft events, want 1", len(drafts))
	}
	d := drafts[0]
	if d.name != EventCareKitPacking {
		t.Errorf("draft event %q, want %q", d.name, EventCareKitPacking)
	}
	if len(d.sessions) == 0 {
		t.Errorf("draft event %q has no session to hide", d.name)
	}
	for _, s := range d.sessions {
		if len(s.registrations) != 0 {
			t.Errorf("draft session %q has registrations; people register only for published events", s.name)
		}
	}
}

var (
	familyInitial = regexp.MustCompile(`^[A-Z]\.$`)
	givenName     = regexp.MustCompile(`^[A-Z][a-z]+$`)
)

// One session on the Human Connection Day, the cooking class, has registrations: capacity − 1
// fictional people. (The session of the day of loading has a few, for its check-in list.)
func TestEventNearlyFullSession(t *testing.T) {
	var full []demoSession
	var fullEvent demoEvent
	for _, e := range demoEvents(time.Now()) {
		for _, s := range e.sessions {
			if len(s.registrations) > 0 && s.name != SessionSeedSwap {
				full = append(full, s)
				fullEvent = e
			}
		}
	}
	if len(full) != 1 {
		t.Fatalf("%d sessions with registrations, want 1", len(full))
	}
	s := full[0]
	if s.name != SessionCookingClass {
		t.Errorf("nearly full session %q, want %q", s.name, SessionCookingClass)
	}
	if c := fullEvent.create.GetEvent().GetCategory(); c != eventv1.EventCategory_EVENT_CATEGORY_COMMUNITY_COOKING_CLASS {
		t.Errorf("nearly full session belongs to a %v event", c)
	}
	if fullEvent.draft {
		t.Errorf("nearly full session %q belongs to a draft event", s.name)
	}
	capacity := int(s.create.GetSession().GetCapacity())
	if capacity != 10 || len(s.registrations) != capacity-1 {
		t.Errorf("%s: %d registrations for capacity %d, want capacity 10 and capacity − 1", s.name, len(s.registrations), capacity)
	}
	emails := map[string]bool{}
	for _, r := range s.registrations {
		p := r.GetRegistration().GetPerson()
		if !givenName.MatchString(p.GetGivenName()) || !familyInitial.MatchString(p.GetFamilyName()) {
			t.Errorf("person %q %q: want a given name and a family initial", p.GetGivenName(), p.GetFamilyName())
		}
		if !strings.HasSuffix(p.GetEmail(), "@example.org") {
			t.Errorf("person %q: email %q is not on example.org", p.GetGivenName(), p.GetEmail())
		}
		if emails[p.GetEmail()] {
			t.Errorf("duplicate email %q: the service would merge the registrations", p.GetEmail())
		}
		emails[p.GetEmail()] = true
		if p.GetPhone() != "" {
			t.Errorf("person %q: demo people have no phone", p.GetGivenName())
		}
		if r.GetRegistration().GetReferral() != "" {
			t.Errorf("person %q: demo registrations are not tied to referrals", p.GetGivenName())
		}
	}
}

// sentenceEnd matches the end of a sentence.
var sentenceEnd = regexp.MustCompile(`[.!?](\s|$)`)

// Every event carries the campaign tags, languages, accessibility features, a 2–3 sentence
// description and a cost; all are free but one, which costs a little.
func TestEventContent(t *testing.T) {
	paid := 0
	for _, e := range demoEvents(time.Now()) {
		ev := e.create.GetEvent()
		tags := strings.Join(ev.GetTags(), " ")
		if !strings.Contains(tags, TagWellbeingWeek) || !strings.Contains(tags, TagHumanConnectionDay) {
			t.Errorf("%s: tags %v lack the campaign tags", e.name, ev.GetTags())
		}
		if len(ev.GetLanguages()) == 0 || len(ev.GetAccessibilityFeatures()) == 0 {
			t.Errorf("%s: needs languages and accessibility features", e.name)
		}
		if n := len(sentenceEnd.FindAllString(ev.GetDescription(), -1)); n < 2 || n > 3 {
			t.Errorf("%s: description has %d sentences, want 2–3", e.name, n)
		}
		switch c := ev.GetCost(); {
		case c == nil:
			t.Errorf("%s: no cost", e.name)
		case c.GetFree():
			if c.GetAmountMinor() != 0 {
				t.Errorf("%s: free with an amount", e.name)
			}
		default:
			paid++
			if c.GetAmountMinor() <= 0 || c.GetAmountMinor() > 2000 || c.GetCurrency() != "CAD" {
				t.Errorf("%s: cost %v is not a small amount in CAD", e.name, c)
			}
		}
	}
	if paid != 1 {
		t.Errorf("%d paid events, want 1", paid)
	}
}

// The same now builds the same requests, and building does not share messages between calls.
func TestEventDemoDeterministic(t *testing.T) {
	now := time.Now()
	a, b := demoEvents(now), demoEvents(now)
	if len(a) != len(b) {
		t.Fatalf("%d events, then %d", len(a), len(b))
	}
	for i := range a {
		if !proto.Equal(a[i].create, b[i].create) {
			t.Errorf("%s differs between builds", a[i].name)
		}
		if a[i].create == b[i].create || a[i].create.GetEvent() == b[i].create.GetEvent() {
			t.Errorf("%s: builds share a message", a[i].name)
		}
	}
	a[0].create.GetEvent().Languages[0] = "xx"
	if demoEvents(now)[0].create.GetEvent().GetLanguages()[0] == "xx" {
		t.Error("changing a built request changed the demo data")
	}
}
