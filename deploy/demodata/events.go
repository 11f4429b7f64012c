package demodata

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Ontario local times even where the system has no zoneinfo.

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
)

// Events of the demo Human Connection Day, one per host and kind of gathering.
const (
	EventCookingClass       = "events/albion-heights-cooking-class"
	EventArtAfternoon       = "events/riverdale-art-afternoon"
	EventPhotographyWalk    = "events/riverdale-photography-walk"
	EventStorytellingCircle = "events/rideau-vanier-storytelling-circle"
	EventDanceParty         = "events/crown-point-dance-party"
	EventNatureWalk         = "events/boulevard-lake-nature-walk"
	EventGalleryOuting      = "events/port-arthur-gallery-outing"
	EventHarvestPicnic      = "events/gage-park-harvest-picnic"
	// EventCareKitPacking stays in DRAFT: it never appears on the public listing.
	EventCareKitPacking = "events/good-neighbours-care-kits"
	// EventSeedSwap is held on the day the demo is loaded, so that its check-in is open at once.
	EventSeedSwap = "events/good-neighbours-seed-swap"
)

// Sessions of the demo events. SessionCookingClass is nearly full: one seat is left.
const (
	SessionCookingClass       = EventCookingClass + "/sessions/day-1"
	SessionArtAfternoon       = EventArtAfternoon + "/sessions/day-1"
	SessionPhotographyWalk    = EventPhotographyWalk + "/sessions/day-1"
	SessionPhotographyWalk2   = EventPhotographyWalk + "/sessions/day-2" // the day after
	SessionStorytellingCircle = EventStorytellingCircle + "/sessions/day-1"
	SessionDanceParty         = EventDanceParty + "/sessions/day-1"
	SessionNatureWalk         = EventNatureWalk + "/sessions/day-1"
	SessionGalleryOuting      = EventGalleryOuting + "/sessions/day-1"
	SessionHarvestPicnic      = EventHarvestPicnic + "/sessions/day-1"
	SessionCareKitPacking     = EventCareKitPacking + "/sessions/day-1"
	// SessionSeedSwap starts 75 to 90 minutes after the demo is loaded, on a quarter hour: the demo referral ReferralToday is booked on it and its host can check people in now.
	SessionSeedSwap = EventSeedSwap + "/sessions/today"
)

// Tags every demo event carries.
const (
	TagWellbeingWeek      = "community-health-wellbeing-week"
	TagHumanConnectionDay = "human-connection-day"
)

const (
	// demoTimeZone is where every demo session is held: all the centres, Thunder Bay included,
	// keep Eastern time.
	demoTimeZone = "America/Toronto"
	// humanConnectionDayAfter is how many days after "now" the Human Connection Day falls.
	humanConnectionDayAfter = 10
	// cookingClassCapacity is the capacity of SessionCookingClass, filled to one seat short.
	cookingClassCapacity = 10
	// soonAfterLoad is how long after loading SessionSeedSwap starts at the least (up to a
	// quarter hour more): long enough to book a new referral on it first, and its check-in, which
	// opens two hours before a session, is open from the start.
	soonAfterLoad = 75 * time.Minute
)

// demoZone is demoTimeZone as a location; time/tzdata makes loading it infallible.
var demoZone = mustLoadLocation(demoTimeZone)

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("demodata: time zone %q: %v", name, err))
	}
	return loc
}

// EventsSummary counts what exists after loading.
type EventsSummary struct{ Events, Sessions, Registrations int }

// Events loads a demo Human Connection day through the event API, relative to now: it creates
// events (fixed event_id, request_id "demo:event:<id>"), their sessions (fixed session_id,
// request_id "demo:session:<event>:<id>"), submits and publishes them, and registers demo people
// (request_id "demo:registration:<event>:<session>:<n>"), so that one session
// (SessionCookingClass) is nearly full. EventCareKitPacking is left in DRAFT.
//
// It is safe to call again: ALREADY_EXISTS on create counts as present, and a submit or publish
// that fails with FAILED_PRECONDITION because the event is already past that state is fine.
// Records that exist keep the times of the first load.
//
// Each event is created and submitted by its host, published by the demo moderator, and the
// demo people register themselves (ctx as it came, the public).
func Events(ctx context.Context, client eventv1.EventServiceClient, now time.Time, as As) (EventsSummary, error) {
	var s EventsSummary
	public := ctx
	for _, e := range demoEvents(now) {
		ctx := asHost(public, as, e.create.GetEvent().GetHostOrganization(), e.create.GetEvent().GetContactPractitioner())
		if err := present(client.CreateEvent(ctx, e.create)); err != nil {
			return s, fmt.Errorf("create event %q: %w", e.name, err)
		}
		s.Events++
		for _, ss := range e.sessions {
			if err := present(client.CreateSession(ctx, ss.create)); err != nil {
				return s, fmt.Errorf("create session %q: %w", ss.name, err)
			}
			s.Sessions++
		}
		if e.draft {
			continue
		}
		submit := func() error {
			_, err := client.SubmitEvent(ctx, &eventv1.SubmitEventRequest{Name: e.name})
			return err
		}
		if err := advance(ctx, client, e.name, submit, submittedOrLater...); err != nil {
			return s, fmt.Errorf("submit event %q: %w", e.name, err)
		}
		mod := asModerator(public, as)
		publish := func() error {
			_, err := client.PublishEvent(mod, &eventv1.PublishEventRequest{Name: e.name})
			return err
		}
		if err := advance(mod, client, e.name, publish, publishedOrLater...); err != nil {
			return s, fmt.Errorf("publish event %q: %w", e.name, err)
		}
		for _, ss := range e.sessions {
			for _, r := range ss.registrations {
				if err := present(client.CreateRegistration(public, r)); err != nil {
					return s, fmt.Errorf("create registration %q in session %q: %w", r.GetRequestId(), ss.name, err)
				}
				s.Registrations++
			}
		}
	}
	return s, nil
}

// States an event reaches by submitting and by publishing, and those that follow them.
var (
	submittedOrLater = []eventv1.EventState{
		eventv1.EventState_EVENT_STATE_SUBMITTED,
		eventv1.EventState_EVENT_STATE_PUBLISHED,
		eventv1.EventState_EVENT_STATE_COMPLETED,
		eventv1.EventState_EVENT_STATE_CANCELLED,
	}
	publishedOrLater = []eventv1.EventState{
		eventv1.EventState_EVENT_STATE_PUBLISHED,
		eventv1.EventState_EVENT_STATE_COMPLETED,
		eventv1.EventState_EVENT_STATE_CANCELLED,
	}
)

// advance runs a lifecycle transition of the event name. FAILED_PRECONDITION is success when the
// event turns out to be in one of the states done already; any other refusal (for example an
// event without sessions) is returned.
func advance(ctx context.Context, client eventv1.EventServiceClient, name string, transition func() error, done ...eventv1.EventState) error {
	err := transition()
	if status.Code(err) != codes.FailedPrecondition {
		return err
	}
	ev, gerr := client.GetEvent(ctx, &eventv1.GetEventRequest{Name: name})
	if gerr != nil {
		return fmt.Errorf("%w (and reading its state: %v)", err, gerr)
	}
	if slices.Contains(done, ev.GetState()) {
		return nil
	}
	return err
}

// demoEvent is one event with the requests that load it, in order.
type demoEvent struct {
	name     string // events/{event}
	create   *eventv1.CreateEventRequest
	sessions []demoSession
	draft    bool // left in DRAFT rather than submitted and published
}

// demoSession is one session of a demo event and the registrations made for it.
type demoSession struct {
	name          string // events/{event}/sessions/{session}
	create        *eventv1.CreateSessionRequest
	registrations []*eventv1.CreateRegistrationRequest
}

// eventSpec and sessionSpec describe the demo events compactly; demoEvents turns them into
// requests.
type eventSpec struct {
	name          string
	title         string
	description   string
	category      eventv1.EventCategory
	host          string // an Org* constant
	contact       string // a practitioner of host
	location      string // a Loc* constant of host
	languages     []string
	accessibility []string
	costCents     int64 // 0 means free
	draft         bool
	sessions      []sessionSpec
}

type sessionSpec struct {
	name     string
	soon     bool // starts soonAfterLoad after now; day, hour and minute are ignored
	day      int  // days after the Human Connection Day
	hour     int  // local start time in demoTimeZone
	minute   int
	length   time.Duration
	capacity int32
	people   []demoPerson // registered, in order
}

// demoPerson is a fictional participant: a given name and a family initial.
type demoPerson struct {
	given, initial string
	needs          []string
}

// cookingClassPeople fill SessionCookingClass to one seat short of cookingClassCapacity.
var cookingClassPeople = []demoPerson{
	{given: "Gurpreet", initial: "S"},
	{given: "Fadumo", initial: "A", needs: []string{"halal ingredients"}},
	{given: "Mateo", initial: "R"},
	{given: "Joyce", initial: "B", needs: []string{"seating available", "step-free access"}},
	{given: "Layla", initial: "H"},
	{given: "Sukhwinder", initial: "K", needs: []string{"vegetarian"}},
	{given: "Ibrahim", initial: "O"},
	{given: "Rosa", initial: "M"},
	{given: "Dwayne", initial: "T", needs: []string{"hearing loop"}},
}

// seedSwapPeople registered themselves for SessionSeedSwap; two share a given name, as people do.
var seedSwapPeople = []demoPerson{
	{given: "Odile", initial: "B", needs: []string{"seating available"}},
	{given: "Odile", initial: "T", needs: []string{"seating available"}},
	{given: "Kwame", initial: "A"},
}

// eventSpecs is the demo Human Connection Day, and one gathering on the day of loading.
func eventSpecs() []eventSpec {
	const (
		twoHours     = 2 * time.Hour
		twoAndAHalf  = 2*time.Hour + 30*time.Minute
		threeHours   = 3 * time.Hour
		stepFree     = "step-free access"
		seating      = "seating available"
		quietRoom    = "quiet room"
		washroom     = "accessible washroom"
		art          = eventv1.EventCategory_EVENT_CATEGORY_ART_ON_PRESCRIPTION
		cooking      = eventv1.EventCategory_EVENT_CATEGORY_COMMUNITY_COOKING_CLASS
		nature       = eventv1.EventCategory_EVENT_CATEGORY_NATURE_ON_PRESCRIPTION
		storytelling = eventv1.EventCategory_EVENT_CATEGORY_STORYTELLING_CIRCLE
		music        = eventv1.EventCategory_EVENT_CATEGORY_MUSIC_AND_DANCE
		photography  = eventv1.EventCategory_EVENT_CATEGORY_PHOTOGRAPHY_WALK
		culture      = eventv1.EventCategory_EVENT_CATEGORY_CULTURE_ON_PRESCRIPTION
		picnic       = eventv1.EventCategory_EVENT_CATEGORY_OUTDOOR_PICNIC
		service      = eventv1.EventCategory_EVENT_CATEGORY_COMMUNITY_SERVICE
	)
	return []eventSpec{
		{
			name:  EventCookingClass,
			title: "Community Cooking Class: Soups from Many Kitchens",
			description: "Cook a big pot of soup together in the centre's community kitchen, using recipes that neighbours " +
				"brought with them from Punjab, Somalia, Mexico and right here in Etobicoke. Everyone picks a task that " +
				"suits them, from chopping to stirring to setting the table, and then we sit down and share the meal. " +
				"No cooking experience is needed, and ingredients and aprons are provided.",
			category:      cooking,
			host:          OrgAlbionCHC,
			contact:       LinkWorkerAlbion,
			location:      LocAlbionHeights,
			languages:     []string{"en", "pa", "so", "es"},
			accessibility: []string{stepFree, seating, washroom, "adjustable-height counter"},
			sessions: []sessionSpec{{
				name: SessionCookingClass, hour: 11, length: twoAndAHalf,
				capacity: cookingClassCapacity, people: cookingClassPeople,
			}},
		},
		{
			name:  EventArtAfternoon,
			title: "Open Art Afternoon: A Mural for the Neighbourhood",
			description: "Spend a relaxed afternoon with collage and paint while small groups each add a panel to a " +
				"shared mural for the centre's lobby. A local artist shows a few simple techniques, and there is " +
				"plenty of time to talk over tea, with all materials supplied and no art background needed.",
			category:      art,
			host:          OrgRiverdaleCHC,
			contact:       LinkWorkerRiverdale,
			location:      LocRiverdaleGerrard,
			languages:     []string{"en", "zh", "yue"},
			accessibility: []string{stepFree, seating, washroom, "hearing loop"},
			sessions: []sessionSpec{{
				name: SessionArtAfternoon, hour: 13, minute: 30, length: twoAndAHalf, capacity: 12,
			}},
		},
		{
			name:  EventPhotographyWalk,
			title: "Photo Walk in Riverdale Park",
			description: "Bring a phone or any camera and stroll the paths of Riverdale Park East with a small group, " +
				"stopping to photograph whatever catches your eye. Afterwards we gather on the benches so each person " +
				"can share a favourite picture and the story behind it. The route stays on paved paths near the " +
				"entrance and the pace is gentle.",
			category:      photography,
			host:          OrgRiverdaleCHC,
			contact:       LinkWorkerRiverdale,
			location:      LocRiverdaleParkEast,
			languages:     []string{"en", "zh"},
			accessibility: []string{"paved route", "benches along the way", "gentle pace"},
			sessions: []sessionSpec{
				{name: SessionPhotographyWalk, hour: 10, length: twoHours, capacity: 15},
				{name: SessionPhotographyWalk2, day: 1, hour: 14, length: twoHours, capacity: 15},
			},
		},
		{
			name:  EventStorytellingCircle,
			title: "Cercle de récits / Storytelling Circle",
			description: "Bring a story about a place, a person or a moment that shaped you, or simply come to listen. " +
				"The circle runs in French and English with a volunteer to bridge the two, over coffee and pastries " +
				"from a Vanier bakery. Venez raconter ou écouter, tout le monde est le bienvenu.",
			category:      storytelling,
			host:          OrgRideauVanierCHC,
			contact:       LinkWorkerRideauVanier,
			location:      LocRideauVanierMontreal,
			languages:     []string{"fr", "en"},
			accessibility: []string{stepFree, seating, "automatic doors", "large-print materials"},
			sessions: []sessionSpec{{
				name: SessionStorytellingCircle, hour: 14, length: twoHours, capacity: 16,
			}},
		},
		{
			name:  EventDanceParty,
			title: "Human Connection Dance Party",
			description: "Dance to music from many decades and countries with the centre's music and movement leaders, " +
				"standing or seated, or try a hand drum in the rhythm corner. Tea and snacks keep the conversation " +
				"going between songs. A quiet room is open all afternoon for anyone who needs a break from the noise.",
			category:      music,
			host:          OrgCrownPointCHC,
			contact:       LinkWorkerCrownPoint,
			location:      LocCrownPointBarton,
			languages:     []string{"en", "ar", "pt"},
			accessibility: []string{stepFree, seating, quietRoom, washroom, "chair-based options"},
			sessions: []sessionSpec{{
				name: SessionDanceParty, hour: 15, length: twoAndAHalf, capacity: 40,
			}},
		},
		{
			name:  EventNatureWalk,
			title: "Boulevard Lake Nature Walk",
			description: "Take an unhurried walk around Boulevard Lake with a link worker and a community Elder who " +
				"shares teachings about the land and the water along the way. We stop often, and a shorter loop is " +
				"there for anyone who wants to turn back early. Hot drinks are waiting at the pavilion afterwards, so " +
				"dress for the weather.",
			category:      nature,
			host:          OrgPortArthurCHC,
			contact:       LinkWorkerPortArthur,
			location:      LocPortArthurBoulevard,
			languages:     []string{"en", "oj"},
			accessibility: []string{"flat gravel trail", "benches along the route", "shorter loop available"},
			sessions: []sessionSpec{{
				name: SessionNatureWalk, hour: 10, length: twoHours, capacity: 20,
			}},
		},
		{
			name:  EventGalleryOuting,
			title: "Culture Outing: An Afternoon at the Gallery",
			description: "Meet at the centre and travel together to a local gallery for a guided visit to work by " +
				"artists from across the northwest, including First Nations artists. Back at the centre we talk " +
				"about what stayed with us over tea. A five-dollar contribution covers admission, and your link " +
				"worker can waive it if cost is a barrier.",
			category:      culture,
			host:          OrgPortArthurCHC,
			contact:       LinkWorkerPortArthur,
			location:      LocPortArthurRedRiver,
			languages:     []string{"en", "fr"},
			accessibility: []string{stepFree, seating, washroom, "accessible transport on request"},
			costCents:     500,
			sessions: []sessionSpec{{
				name: SessionGalleryOuting, hour: 13, length: threeHours, capacity: 12,
			}},
		},
		{
			name:  EventHarvestPicnic,
			title: "Harvest Picnic in Gage Park",
			description: "Share a picnic lunch made with vegetables from the Gage Park community garden, cooked by " +
				"volunteers from the Hamilton Community Food Network. Bring a story or a favourite song if you like, " +
				"or just come for the food and the company. Blankets and chairs are provided, so dress for the weather " +
				"and join us.",
			category:      picnic,
			host:          OrgHamiltonFood,
			contact:       HostHamiltonFood,
			location:      LocGageParkGarden,
			languages:     []string{"en", "ar", "es"},
			accessibility: []string{seating, "paved path to the picnic area", "accessible washroom in the park"},
			sessions: []sessionSpec{{
				name: SessionHarvestPicnic, hour: 12, length: twoAndAHalf, capacity: 30,
			}},
		},
		{
			name:  EventCareKitPacking,
			title: "Care Kit Packing Bee",
			description: "Work alongside Good Neighbours volunteers to pack care kits and write cheerful cards for " +
				"older neighbours who live alone. Every task can be done seated, with a tea break halfway through to " +
				"get to know each other. The kits go out with the next round of friendly calls and rides.",
			category:      service,
			host:          OrgGoodNeighbours,
			contact:       HostGoodNeighbours,
			location:      LocGoodNeighboursPape,
			languages:     []string{"en", "el", "zh", "es"},
			accessibility: []string{seating, washroom, "elevator", "ramp at side entrance"},
			draft:         true,
			sessions: []sessionSpec{{
				name: SessionCareKitPacking, hour: 13, length: twoHours, capacity: 20,
			}},
		},
		{
			name:  EventSeedSwap,
			title: "Seed Swap and Balcony Gardening",
			description: "Bring seeds, cuttings or just curiosity, and leave with something to grow on a balcony or " +
				"windowsill. Good Neighbours volunteers show how to start seedlings in recycled pots while we trade " +
				"tips over tea.",
			category:      eventv1.EventCategory_EVENT_CATEGORY_COMMUNITY_GARDENING,
			host:          OrgGoodNeighbours,
			contact:       HostGoodNeighbours,
			location:      LocGoodNeighboursPape,
			languages:     []string{"en", "el", "zh"},
			accessibility: []string{stepFree, seating, washroom, "elevator"},
			sessions: []sessionSpec{{
				name: SessionSeedSwap, soon: true, length: twoHours, capacity: 16, people: seedSwapPeople,
			}},
		},
	}
}

// soonStart is when SessionSeedSwap starts for a demo loaded at now: soonAfterLoad later, rounded
// up to the quarter hour.
func soonStart(now time.Time) time.Time {
	t := now.In(demoZone).Add(soonAfterLoad)
	if r := t.Truncate(15 * time.Minute); !r.Equal(t) {
		t = r.Add(15 * time.Minute)
	}
	return t
}

// demoEvents builds the requests that load the demo, with the Human Connection Day
// humanConnectionDayAfter days after now's date in demoTimeZone and every session at its local
// time there.
func demoEvents(now time.Time) []demoEvent {
	year, month, day := now.In(demoZone).Date()
	day += humanConnectionDayAfter
	specs := eventSpecs()
	events := make([]demoEvent, 0, len(specs))
	for _, spec := range specs {
		eventID := strings.TrimPrefix(spec.name, "events/")
		ev := &eventv1.Event{
			Title:                 spec.title,
			Description:           spec.description,
			Category:              spec.category,
			HostOrganization:      spec.host,
			ContactPractitioner:   spec.contact,
			Venue:                 &eventv1.Venue{Place: &eventv1.Venue_Location{Location: spec.location}},
			Languages:             slices.Clone(spec.languages),
			AccessibilityFeatures: slices.Clone(spec.accessibility),
			Cost:                  &eventv1.Cost{Free: true},
			Tags:                  []string{TagWellbeingWeek, TagHumanConnectionDay},
			LanguageCode:          "en",
		}
		if fr := frenchEvents[spec.name]; fr != nil {
			ev.Translations = []*eventv1.EventText{{LanguageCode: "fr", Title: fr.GetTitle(), Description: fr.GetDescription()}}
		}
		if spec.costCents > 0 {
			ev.Cost = &eventv1.Cost{AmountMinor: spec.costCents, Currency: "CAD"}
		}
		de := demoEvent{
			name:  spec.name,
			draft: spec.draft,
			create: &eventv1.CreateEventRequest{
				Event:     ev,
				EventId:   eventID,
				RequestId: "demo:event:" + eventID,
			},
		}
		for _, ss := range spec.sessions {
			_, sessionID, _ := strings.Cut(ss.name, "/sessions/")
			start := time.Date(year, month, day+ss.day, ss.hour, ss.minute, 0, 0, demoZone)
			if ss.soon {
				start = soonStart(now)
			}
			ds := demoSession{
				name: ss.name,
				create: &eventv1.CreateSessionRequest{
					Parent: spec.name,
					Session: &eventv1.Session{
						StartTime: timestamppb.New(start),
						EndTime:   timestamppb.New(start.Add(ss.length)),
						TimeZone:  demoTimeZone,
						Capacity:  ss.capacity,
					},
					SessionId: sessionID,
					RequestId: "demo:session:" + eventID + ":" + sessionID,
				},
			}
			for i, p := range ss.people {
				ds.registrations = append(ds.registrations, &eventv1.CreateRegistrationRequest{
					Parent: ss.name,
					Registration: &eventv1.Registration{
						Person: &eventv1.Person{
							GivenName:  p.given,
							FamilyName: p.initial + ".",
							Email:      strings.ToLower(p.given+"."+p.initial) + "@example.org",
						},
						Needs: slices.Clone(p.needs),
					},
					RequestId: "demo:registration:" + eventID + ":" + sessionID + ":" + strconv.Itoa(i+1),
				})
			}
			de.sessions = append(de.sessions, ds)
		}
		events = append(events, de)
	}
	return events
}
