// Package domain is the event service's model: events, their sessions and registrations, folded
// from the ledger. Every change is decided against the state at one ledger position and
// recorded, with its outcome, as the entry at the next position; Apply replays entries, so every
// replica that reads the ledger holds the same state. Decisions live in decide.go.
package domain

import (
	"time"
)

// Ledger entry operations.
const (
	OpEventCreate        = "event.create"
	OpEventUpdate        = "event.update"
	OpEventTransition    = "event.transition"
	OpEventDelete        = "event.delete"
	OpSessionCreate      = "session.create"
	OpSessionUpdate      = "session.update"
	OpSessionCancel      = "session.cancel"
	OpSessionNoShows     = "session.noshows"
	OpRegistrationCreate = "registration.create"
	OpRegistrationCancel = "registration.cancel"
	OpRegistrationCheck  = "registration.checkin"
)

// Event states (the API's enum names without prefix).
const (
	EventDraft     = "DRAFT"
	EventSubmitted = "SUBMITTED"
	EventPublished = "PUBLISHED"
	EventRejected  = "REJECTED"
	EventCancelled = "CANCELLED"
	EventCompleted = "COMPLETED"
)

// Session states.
const (
	SessionScheduled = "SCHEDULED"
	SessionCancelled = "CANCELLED"
)

// Registration states.
const (
	RegConfirmed  = "CONFIRMED"
	RegWaitlisted = "WAITLISTED"
	RegCancelled  = "CANCELLED"
	RegAttended   = "ATTENDED"
	RegNoShow     = "NO_SHOW"
)

// Outcome kinds: what happened to a registration (or a session), as the change feed reports it.
const (
	KindConfirmed          = "CONFIRMED"
	KindWaitlisted         = "WAITLISTED"
	KindPromoted           = "PROMOTED"
	KindCancelled          = "CANCELLED"
	KindAttended           = "ATTENDED"
	KindNoShow             = "NO_SHOW"
	KindSessionCancelled   = "SESSION_CANCELLED"
	KindSessionRescheduled = "SESSION_RESCHEDULED"
)

// Address is a venue address.
type Address struct {
	Address1   string  `bson:"address_1"`
	City       string  `bson:"city"`
	Region     string  `bson:"region,omitempty"`
	PostalCode string  `bson:"postal_code,omitempty"`
	Country    string  `bson:"country,omitempty"`
	Latitude   float64 `bson:"latitude"`
	Longitude  float64 `bson:"longitude"`
}

// Venue is where an event happens, resolved to coordinates.
type Venue struct {
	Location    string   `bson:"location,omitempty"`
	Address     *Address `bson:"address,omitempty"`
	DisplayName string   `bson:"display_name,omitempty"`
	Latitude    float64  `bson:"latitude"`
	Longitude   float64  `bson:"longitude"`
}

// Cost of attending.
type Cost struct {
	Free        bool   `bson:"free"`
	AmountMinor int64  `bson:"amount_minor,omitempty"`
	Currency    string `bson:"currency,omitempty"`
}

// Event is an event's descriptive fields and lifecycle state.
type Event struct {
	ID                  string   `bson:"id"`
	Title               string   `bson:"title"`
	Description         string   `bson:"description,omitempty"`
	Category            string   `bson:"category"`
	HostOrganization    string   `bson:"host_organization"`
	ContactPractitioner string   `bson:"contact_practitioner,omitempty"`
	Venue               *Venue   `bson:"venue,omitempty"`
	OnlineURL           string   `bson:"online_url,omitempty"`
	Languages           []string `bson:"languages,omitempty"`
	Accessibility       []string `bson:"accessibility,omitempty"`
	Cost                *Cost    `bson:"cost,omitempty"`
	Tags                []string `bson:"tags,omitempty"`
	// Language is that of Title and Description, BCP-47; empty is English.
	Language string `bson:"language,omitempty"`
	// Translations are the title and description in other languages.
	Translations []Text    `bson:"translations,omitempty"`
	State        string    `bson:"state"`
	StateReason  string    `bson:"state_reason,omitempty"`
	RequestID    string    `bson:"request_id,omitempty"`
	CreateTime   time.Time `bson:"create_time"`
	UpdateTime   time.Time `bson:"update_time"`
	// Version is the ledger position of the last change; the etag derives from it.
	Version int64 `bson:"version"`
	// Sessions are the keys of the event's sessions, in creation order (not stored in entries).
	Sessions []string `bson:"-"`
}

// Text is an event's title and description in one language.
type Text struct {
	Language    string `bson:"language"`
	Title       string `bson:"title"`
	Description string `bson:"description,omitempty"`
}

// Session is one dated occurrence of an event.
type Session struct {
	EventID       string     `bson:"event_id"`
	ID            string     `bson:"id"`
	Start         time.Time  `bson:"start"`
	End           time.Time  `bson:"end"`
	TimeZone      string     `bson:"time_zone"`
	Capacity      int32      `bson:"capacity"`
	RegOpen       *time.Time `bson:"registration_open,omitempty"`
	RegClose      *time.Time `bson:"registration_close,omitempty"`
	State         string     `bson:"state"`
	CancelReason  string     `bson:"cancel_reason,omitempty"`
	RequestID     string     `bson:"request_id,omitempty"`
	CreateTime    time.Time  `bson:"create_time"`
	UpdateTime    time.Time  `bson:"update_time"`
	Version       int64      `bson:"version"`
	ScheduleCount int        `bson:"schedule_count"` // bumps on reschedule (iCalendar SEQUENCE)

	// Seated holds confirmed and attended registrations; Waitlist the waiting ones in order.
	Seated   []string `bson:"-"`
	Waitlist []string `bson:"-"`
	All      []string `bson:"-"`
}

// Key is the session's key, "<event>/<session>".
func (s *Session) Key() string { return s.EventID + "/" + s.ID }

// SeatsLeft is how many more people can be confirmed.
func (s *Session) SeatsLeft() int32 {
	return max(0, s.Capacity-int32(len(s.Seated)))
}

// Person is who registered.
type Person struct {
	GivenName  string `bson:"given_name"`
	FamilyName string `bson:"family_name,omitempty"`
	Email      string `bson:"email,omitempty"`
	Phone      string `bson:"phone,omitempty"`
}

// Registration is a person's place at a session.
type Registration struct {
	SessionKey string   `bson:"session"`
	ID         string   `bson:"id"`
	Person     Person   `bson:"person"`
	Needs      []string `bson:"needs,omitempty"`
	Referral   string   `bson:"referral,omitempty"`
	Identity   string   `bson:"identity,omitempty"` // who the person is, for one active registration each
	RequestID  string   `bson:"request_id,omitempty"`
	// TokenHash is the SHA-256 of the private cancel token given to the registrant once.
	TokenHash   string     `bson:"token_hash,omitempty"`
	State       string     `bson:"state"`
	CreateTime  time.Time  `bson:"create_time"`
	UpdateTime  time.Time  `bson:"update_time"`
	CheckInTime *time.Time `bson:"check_in_time,omitempty"`
}

// Key is the registration's key, "<event>/<session>/<registration>".
func (r *Registration) Key() string { return r.SessionKey + "/" + r.ID }

// Active reports whether the registration still holds or waits for a place.
func (r *Registration) Active() bool {
	return r.State == RegConfirmed || r.State == RegWaitlisted || r.State == RegAttended
}

// Outcome is one decided change of a registration or session.
type Outcome struct {
	Kind         string `bson:"kind"`
	Session      string `bson:"session"`
	Registration string `bson:"registration,omitempty"` // key
	Referral     string `bson:"referral,omitempty"`
	State        string `bson:"state,omitempty"`
	Position     int32  `bson:"position,omitempty"`
	Reason       string `bson:"reason,omitempty"`
}

// Payload is the data of a ledger entry.
type Payload struct {
	Actor        string        `bson:"actor,omitempty"`
	Event        *Event        `bson:"event,omitempty"`
	Session      *Session      `bson:"session,omitempty"`
	Registration *Registration `bson:"registration,omitempty"`
	Target       string        `bson:"target,omitempty"` // key of the event, session or registration acted on
	EventState   string        `bson:"event_state,omitempty"`
	Reason       string        `bson:"reason,omitempty"`
	Outcomes     []Outcome     `bson:"outcomes,omitempty"`
}

// State is the fold of the ledger up to Pos.
type State struct {
	Pos           int64
	Events        map[string]*Event
	Sessions      map[string]*Session
	Registrations map[string]*Registration
	// active maps "<session key>|<identity>" to the active registration's key.
	active map[string]string
}

// New returns the empty state.
func New() *State {
	return &State{
		Events:        map[string]*Event{},
		Sessions:      map[string]*Session{},
		Registrations: map[string]*Registration{},
		active:        map[string]string{},
	}
}

// ActiveFor returns the active registration of identity at session, if any.
func (s *State) ActiveFor(sessionKey, identity string) (*Registration, bool) {
	if identity == "" {
		return nil, false
	}
	key, ok := s.active[sessionKey+"|"+identity]
	if !ok {
		return nil, false
	}
	return s.Registrations[key], true
}

// Apply folds the entry at position seq into the state. Entries carry their decided outcomes, so
// Apply never decides anything itself.
func (s *State) Apply(seq int64, op string, at time.Time, p *Payload) {
	s.Pos = seq
	switch op {
	case OpEventCreate, OpEventUpdate:
		ev := *p.Event
		ev.Version = seq
		if old, ok := s.Events[ev.ID]; ok {
			ev.Sessions = old.Sessions
		}
		s.Events[ev.ID] = &ev
	case OpEventTransition:
		if ev, ok := s.Events[p.Target]; ok {
			ev.State, ev.StateReason, ev.UpdateTime, ev.Version = p.EventState, p.Reason, at, seq
			if ev.State == EventCancelled {
				for _, k := range ev.Sessions {
					if ss := s.Sessions[k]; ss.State == SessionScheduled {
						ss.State, ss.CancelReason, ss.UpdateTime, ss.Version = SessionCancelled, p.Reason, at, seq
					}
				}
			}
		}
	case OpEventDelete:
		delete(s.Events, p.Target)
	case OpSessionCreate:
		ss := *p.Session
		ss.Version = seq
		s.Sessions[ss.Key()] = &ss
		if ev, ok := s.Events[ss.EventID]; ok {
			ev.Sessions = append(ev.Sessions, ss.Key())
		}
	case OpSessionUpdate:
		if cur, ok := s.Sessions[p.Session.Key()]; ok {
			next := *p.Session
			next.Version = seq
			next.Seated, next.Waitlist, next.All = cur.Seated, cur.Waitlist, cur.All
			s.Sessions[next.Key()] = &next
		}
	case OpSessionCancel:
		if ss, ok := s.Sessions[p.Target]; ok {
			ss.State, ss.CancelReason, ss.UpdateTime, ss.Version = SessionCancelled, p.Reason, at, seq
		}
	case OpRegistrationCreate:
		r := *p.Registration
		r.State = ""
		s.Registrations[r.Key()] = &r
		if ss, ok := s.Sessions[r.SessionKey]; ok {
			ss.All = append(ss.All, r.Key())
		}
	}
	for _, o := range p.Outcomes {
		s.applyOutcome(o, at)
	}
}

func (s *State) applyOutcome(o Outcome, at time.Time) {
	r, ok := s.Registrations[o.Registration]
	if !ok {
		return
	}
	ss := s.Sessions[r.SessionKey]
	before := r.State
	switch o.Kind {
	case KindConfirmed, KindPromoted:
		r.State = RegConfirmed
	case KindWaitlisted:
		r.State = RegWaitlisted
	case KindCancelled, KindSessionCancelled:
		r.State = RegCancelled
	case KindAttended:
		r.State = RegAttended
		t := at
		r.CheckInTime = &t
	case KindNoShow:
		r.State = RegNoShow
	case KindSessionRescheduled:
		return
	}
	r.UpdateTime = at
	if ss != nil {
		wasSeated := before == RegConfirmed || before == RegAttended
		isSeated := r.State == RegConfirmed || r.State == RegAttended
		if wasSeated && !isSeated {
			ss.Seated = remove(ss.Seated, r.Key())
		}
		if !wasSeated && isSeated {
			ss.Seated = append(ss.Seated, r.Key())
		}
		if before == RegWaitlisted && r.State != RegWaitlisted {
			ss.Waitlist = remove(ss.Waitlist, r.Key())
		}
		if before != RegWaitlisted && r.State == RegWaitlisted {
			ss.Waitlist = append(ss.Waitlist, r.Key())
		}
	}
	if r.Identity != "" {
		k := r.SessionKey + "|" + r.Identity
		if r.Active() {
			s.active[k] = r.Key()
		} else if s.active[k] == r.Key() {
			delete(s.active, k)
		}
	}
}

func remove(list []string, v string) []string {
	for i, x := range list {
		if x == v {
			return append(list[:i:i], list[i+1:]...)
		}
	}
	return list
}

// WaitlistPosition is a registration's place on its session's waitlist, from 1; 0 if not waiting.
func (s *State) WaitlistPosition(r *Registration) int32 {
	if r.State != RegWaitlisted {
		return 0
	}
	if ss, ok := s.Sessions[r.SessionKey]; ok {
		for i, k := range ss.Waitlist {
			if k == r.Key() {
				return int32(i + 1)
			}
		}
	}
	return 0
}
