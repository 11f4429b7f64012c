package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/socialrx/socialrx/services/platform/aip/etag"
)

// Reasons of the errors decisions return.
const (
	ReasonEventState          = "EVENT_STATE"
	ReasonSessionCancelled    = "SESSION_CANCELLED"
	ReasonSessionStarted      = "SESSION_STARTED"
	ReasonSessionNotEnded     = "SESSION_NOT_ENDED"
	ReasonRegistrationNotOpen = "REGISTRATION_NOT_OPEN"
	ReasonRegistrationClosed  = "REGISTRATION_CLOSED"
	ReasonRegistrationState   = "REGISTRATION_STATE"
	ReasonCheckInWindow       = "CHECK_IN_WINDOW"
	ReasonCapacityBelowSeated = "CAPACITY_BELOW_CONFIRMED"
	ReasonNoSessions          = "NO_SESSIONS"
	// ReasonStartTimePassed is the reason of the INVALID_ARGUMENT for a new session whose start
	// time has passed, apart from malformed times, so that a client can say so.
	ReasonStartTimePassed = "START_TIME_PASSED"
)

// CheckInEarly is how long before its start a session's check-in opens; CheckInLate how long
// after its end it stays open.
const (
	CheckInEarly = 2 * time.Hour
	CheckInLate  = 24 * time.Hour
)

// Decision is a decided change: the entry to append, and the key of the resource it answers with.
type Decision struct {
	Op      string
	Payload *Payload
	// Noop means nothing is appended: the request is already satisfied (an idempotent repeat).
	Noop bool
	// Result is the key of the event, session or registration the caller gets back.
	Result string
}

// Etag is the AIP-154 etag of a resource last changed at ledger position version.
func Etag(version int64) string { return etag.Of("", version) }

func checkEtag(sent string, version int64, name string) error {
	if !etag.Matches(sent, "", version) {
		return &Error{Kind: ErrEtagMismatch, Resource: name,
			Message: "etag does not match the current version of " + name + "; read it again and retry"}
	}
	return nil
}

// CreateEvent decides a new event in DRAFT; a repeat of the same request id returns the first.
func (s *State) CreateEvent(ev *Event, now time.Time) (Decision, error) {
	if cur, ok := s.Events[ev.ID]; ok {
		if ev.RequestID != "" && cur.RequestID == ev.RequestID {
			return Decision{Noop: true, Result: cur.ID}, nil
		}
		return Decision{}, alreadyExists("events/" + ev.ID)
	}
	ev.State, ev.CreateTime, ev.UpdateTime = EventDraft, now, now
	return Decision{Op: OpEventCreate, Payload: &Payload{Event: ev}, Result: ev.ID}, nil
}

// Event returns the event with id or NOT_FOUND.
func (s *State) Event(id string) (*Event, error) {
	ev, ok := s.Events[id]
	if !ok {
		return nil, notFound("events/" + id)
	}
	return ev, nil
}

// closed reports whether an event can no longer change.
func closed(state string) bool {
	return state == EventCancelled || state == EventCompleted
}

// UpdateEvent decides new descriptive fields for an event that is not closed.
func (s *State) UpdateEvent(next *Event, etag string, now time.Time) (Decision, error) {
	cur, err := s.Event(next.ID)
	if err != nil {
		return Decision{}, err
	}
	if err := checkEtag(etag, cur.Version, "events/"+cur.ID); err != nil {
		return Decision{}, err
	}
	if closed(cur.State) {
		return Decision{}, precondition(ReasonEventState,
			fmt.Sprintf("events/%s is %s and can no longer be changed", cur.ID, cur.State),
			map[string]string{"state": cur.State})
	}
	next.State, next.StateReason, next.RequestID, next.CreateTime, next.UpdateTime =
		cur.State, cur.StateReason, cur.RequestID, cur.CreateTime, now
	return Decision{Op: OpEventUpdate, Payload: &Payload{Event: next}, Result: cur.ID}, nil
}

// DeleteEvent decides removing an event still in DRAFT.
func (s *State) DeleteEvent(id, etag string) (Decision, error) {
	cur, err := s.Event(id)
	if err != nil {
		return Decision{}, err
	}
	if err := checkEtag(etag, cur.Version, "events/"+id); err != nil {
		return Decision{}, err
	}
	if cur.State != EventDraft {
		return Decision{}, precondition(ReasonEventState,
			fmt.Sprintf("only a DRAFT event can be deleted; events/%s is %s (cancel it instead)", id, cur.State),
			map[string]string{"state": cur.State})
	}
	return Decision{Op: OpEventDelete, Payload: &Payload{Target: id}}, nil
}

// transitions lists, per custom method, the states it may start from and the state it leads to.
var transitions = map[string]struct {
	from []string
	to   string
}{
	"submit":   {[]string{EventDraft, EventRejected}, EventSubmitted},
	"publish":  {[]string{EventSubmitted}, EventPublished},
	"reject":   {[]string{EventSubmitted}, EventRejected},
	"cancel":   {[]string{EventPublished}, EventCancelled},
	"complete": {[]string{EventPublished}, EventCompleted},
}

// TransitionEvent decides a lifecycle move; an illegal one is FAILED_PRECONDITION naming the
// current state. Cancelling an event cancels its scheduled sessions and their registrations.
func (s *State) TransitionEvent(id, method, reason, etag string, now time.Time) (Decision, error) {
	cur, err := s.Event(id)
	if err != nil {
		return Decision{}, err
	}
	if err := checkEtag(etag, cur.Version, "events/"+id); err != nil {
		return Decision{}, err
	}
	t := transitions[method]
	allowed := false
	for _, f := range t.from {
		allowed = allowed || cur.State == f
	}
	if !allowed {
		return Decision{}, precondition(ReasonEventState,
			fmt.Sprintf("cannot %s events/%s: it is %s (allowed from %s)", method, id, cur.State, strings.Join(t.from, " or ")),
			map[string]string{"state": cur.State, "method": method})
	}
	if method == "submit" && len(cur.Sessions) == 0 {
		return Decision{}, precondition(ReasonNoSessions,
			fmt.Sprintf("events/%s has no sessions; add one before submitting", id), nil)
	}
	p := &Payload{Target: id, EventState: t.to, Reason: reason}
	if method == "cancel" {
		for _, sk := range cur.Sessions {
			if ss := s.Sessions[sk]; ss.State == SessionScheduled {
				p.Outcomes = append(p.Outcomes, s.sessionCancelOutcomes(ss, reason)...)
			}
		}
	}
	return Decision{Op: OpEventTransition, Payload: p, Result: id}, nil
}

// ValidTimeZone reports whether tz is an IANA zone name (not "Local").
func ValidTimeZone(tz string) bool {
	if tz == "" || tz == "Local" {
		return false
	}
	_, err := time.LoadLocation(tz)
	return err == nil
}

func checkSessionTimes(ss *Session, field string) error {
	if !ss.End.After(ss.Start) {
		return invalid(field+".end_time", "must be after start_time")
	}
	if ss.End.Sub(ss.Start) > 14*24*time.Hour {
		return invalid(field+".end_time", "a session lasts at most 14 days")
	}
	if !ValidTimeZone(ss.TimeZone) {
		return invalid(field+".time_zone", fmt.Sprintf("%q is not an IANA time zone such as America/Toronto", ss.TimeZone))
	}
	if ss.RegOpen != nil && ss.RegClose != nil && !ss.RegClose.After(*ss.RegOpen) {
		return invalid(field+".registration_close_time", "must be after registration_open_time")
	}
	if ss.RegClose != nil && ss.RegClose.After(ss.End) {
		return invalid(field+".registration_close_time", "must not be after end_time")
	}
	return nil
}

// CreateSession decides a new session of an event that is not closed.
func (s *State) CreateSession(ss *Session, now time.Time) (Decision, error) {
	ev, err := s.Event(ss.EventID)
	if err != nil {
		return Decision{}, err
	}
	if cur, ok := s.Sessions[ss.Key()]; ok {
		if ss.RequestID != "" && cur.RequestID == ss.RequestID {
			return Decision{Noop: true, Result: cur.Key()}, nil
		}
		return Decision{}, alreadyExists("events/" + ss.EventID + "/sessions/" + ss.ID)
	}
	if closed(ev.State) || ev.State == EventRejected {
		return Decision{}, precondition(ReasonEventState,
			fmt.Sprintf("events/%s is %s: sessions can no longer be added", ev.ID, ev.State), map[string]string{"state": ev.State})
	}
	if err := checkSessionTimes(ss, "session"); err != nil {
		return Decision{}, err
	}
	if !ss.Start.After(now) {
		return Decision{}, &Error{Kind: ErrInvalid, Reason: ReasonStartTimePassed, Field: "session.start_time", Message: "must be in the future"}
	}
	ss.State, ss.CreateTime, ss.UpdateTime = SessionScheduled, now, now
	return Decision{Op: OpSessionCreate, Payload: &Payload{Session: ss}, Result: ss.Key()}, nil
}

// Session returns the session with key or NOT_FOUND.
func (s *State) Session(key string) (*Session, error) {
	ss, ok := s.Sessions[key]
	if !ok {
		return nil, notFound("events/" + strings.Replace(key, "/", "/sessions/", 1))
	}
	return ss, nil
}

// UpdateSession decides a reschedule or capacity change. More capacity promotes from the
// waitlist; less than the confirmed count is refused.
func (s *State) UpdateSession(next *Session, etag string, now time.Time) (Decision, error) {
	cur, err := s.Session(next.Key())
	if err != nil {
		return Decision{}, err
	}
	name := "events/" + cur.EventID + "/sessions/" + cur.ID
	if err := checkEtag(etag, cur.Version, name); err != nil {
		return Decision{}, err
	}
	if cur.State == SessionCancelled {
		return Decision{}, precondition(ReasonSessionCancelled, name+" is cancelled", map[string]string{"state": cur.State})
	}
	if ev := s.Events[cur.EventID]; ev != nil && closed(ev.State) {
		return Decision{}, precondition(ReasonEventState, "events/"+ev.ID+" is "+ev.State, map[string]string{"state": ev.State})
	}
	if err := checkSessionTimes(next, "session"); err != nil {
		return Decision{}, err
	}
	if next.Capacity < int32(len(cur.Seated)) {
		return Decision{}, precondition(ReasonCapacityBelowSeated,
			fmt.Sprintf("capacity %d is below the %d people already confirmed", next.Capacity, len(cur.Seated)),
			map[string]string{"confirmed": strconv.Itoa(len(cur.Seated))})
	}
	next.State, next.RequestID, next.CreateTime, next.UpdateTime = cur.State, cur.RequestID, cur.CreateTime, now
	next.ScheduleCount = cur.ScheduleCount
	p := &Payload{Session: next}
	if !next.Start.Equal(cur.Start) || !next.End.Equal(cur.End) || next.TimeZone != cur.TimeZone {
		next.ScheduleCount++
		active := s.activeRegistrations(cur)
		if len(active) == 0 {
			p.Outcomes = append(p.Outcomes, Outcome{Kind: KindSessionRescheduled, Session: cur.Key()})
		}
		for _, r := range active {
			p.Outcomes = append(p.Outcomes, Outcome{Kind: KindSessionRescheduled, Session: cur.Key(),
				Registration: r.Key(), Referral: r.Referral, State: r.State})
		}
	}
	free := int(next.Capacity) - len(cur.Seated)
	for i := 0; i < free && i < len(cur.Waitlist); i++ {
		r := s.Registrations[cur.Waitlist[i]]
		p.Outcomes = append(p.Outcomes, Outcome{Kind: KindPromoted, Session: cur.Key(),
			Registration: r.Key(), Referral: r.Referral, State: RegConfirmed})
	}
	return Decision{Op: OpSessionUpdate, Payload: p, Result: cur.Key()}, nil
}

func (s *State) activeRegistrations(ss *Session) []*Registration {
	var out []*Registration
	for _, k := range ss.All {
		if r := s.Registrations[k]; r.Active() {
			out = append(out, r)
		}
	}
	return out
}

func (s *State) sessionCancelOutcomes(ss *Session, reason string) []Outcome {
	active := s.activeRegistrations(ss)
	if len(active) == 0 {
		return []Outcome{{Kind: KindSessionCancelled, Session: ss.Key(), Reason: reason}}
	}
	var out []Outcome
	for _, r := range active {
		out = append(out, Outcome{Kind: KindSessionCancelled, Session: ss.Key(), Registration: r.Key(),
			Referral: r.Referral, State: RegCancelled, Reason: reason})
	}
	return out
}

// CancelSession decides cancelling a session and, with it, its active registrations.
func (s *State) CancelSession(key, reason string) (Decision, error) {
	ss, err := s.Session(key)
	if err != nil {
		return Decision{}, err
	}
	if ss.State == SessionCancelled {
		return Decision{Noop: true, Result: key}, nil
	}
	p := &Payload{Target: key, Reason: reason, Outcomes: s.sessionCancelOutcomes(ss, reason)}
	return Decision{Op: OpSessionCancel, Payload: p, Result: key}, nil
}

// Register decides a registration: CONFIRMED while seats remain, else WAITLISTED at the end of
// the waitlist. A repeated request id, or a person with an active registration for the session,
// gets the existing registration.
func (s *State) Register(r *Registration, now time.Time) (Decision, error) {
	ss, err := s.Session(r.SessionKey)
	if err != nil {
		return Decision{}, err
	}
	if cur, ok := s.Registrations[r.Key()]; ok {
		if r.RequestID != "" && cur.RequestID == r.RequestID {
			return Decision{Noop: true, Result: cur.Key()}, nil
		}
		return Decision{}, alreadyExists(registrationName(r.Key()))
	}
	if cur, ok := s.ActiveFor(r.SessionKey, r.Identity); ok {
		return Decision{Noop: true, Result: cur.Key()}, nil
	}
	ev := s.Events[ss.EventID]
	if ev == nil || ev.State != EventPublished {
		st := "missing"
		if ev != nil {
			st = ev.State
		}
		return Decision{}, precondition(ReasonEventState,
			fmt.Sprintf("registration needs a PUBLISHED event; events/%s is %s", ss.EventID, st), map[string]string{"state": st})
	}
	if ss.State == SessionCancelled {
		return Decision{}, precondition(ReasonSessionCancelled, "the session is cancelled", map[string]string{"state": ss.State})
	}
	if !now.Before(ss.Start) {
		return Decision{}, precondition(ReasonSessionStarted, "the session has already started", nil)
	}
	if ss.RegOpen != nil && now.Before(*ss.RegOpen) {
		return Decision{}, precondition(ReasonRegistrationNotOpen,
			"registration opens at "+ss.RegOpen.UTC().Format(time.RFC3339), nil)
	}
	if ss.RegClose != nil && !now.Before(*ss.RegClose) {
		return Decision{}, precondition(ReasonRegistrationClosed,
			"registration closed at "+ss.RegClose.UTC().Format(time.RFC3339), nil)
	}
	r.CreateTime, r.UpdateTime = now, now
	o := Outcome{Session: ss.Key(), Registration: r.Key(), Referral: r.Referral}
	if int32(len(ss.Seated)) < ss.Capacity {
		o.Kind, o.State = KindConfirmed, RegConfirmed
	} else {
		o.Kind, o.State, o.Position = KindWaitlisted, RegWaitlisted, int32(len(ss.Waitlist)+1)
	}
	return Decision{Op: OpRegistrationCreate, Payload: &Payload{Registration: r, Outcomes: []Outcome{o}}, Result: r.Key()}, nil
}

// Registration returns the registration with key or NOT_FOUND.
func (s *State) Registration(key string) (*Registration, error) {
	r, ok := s.Registrations[key]
	if !ok {
		return nil, notFound(registrationName(key))
	}
	return r, nil
}

// registrationName is the resource name of a registration key "<event>/<session>/<registration>".
func registrationName(key string) string {
	parts := strings.SplitN(key, "/", 3)
	if len(parts) != 3 {
		return key
	}
	return "events/" + parts[0] + "/sessions/" + parts[1] + "/registrations/" + parts[2]
}

// CancelRegistration decides a cancellation; a freed seat goes to the first person waiting.
func (s *State) CancelRegistration(key, reason string) (Decision, error) {
	r, err := s.Registration(key)
	if err != nil {
		return Decision{}, err
	}
	if r.State == RegCancelled {
		return Decision{Noop: true, Result: key}, nil
	}
	if r.State != RegConfirmed && r.State != RegWaitlisted {
		return Decision{}, precondition(ReasonRegistrationState,
			"a registration that is "+r.State+" cannot be cancelled", map[string]string{"state": r.State})
	}
	ss := s.Sessions[r.SessionKey]
	p := &Payload{Target: key, Reason: reason, Outcomes: []Outcome{{Kind: KindCancelled, Session: ss.Key(),
		Registration: key, Referral: r.Referral, State: RegCancelled, Reason: reason}}}
	if r.State == RegConfirmed && ss.State == SessionScheduled && len(ss.Waitlist) > 0 &&
		int32(len(ss.Seated)-1) < ss.Capacity {
		next := s.Registrations[ss.Waitlist[0]]
		p.Outcomes = append(p.Outcomes, Outcome{Kind: KindPromoted, Session: ss.Key(),
			Registration: next.Key(), Referral: next.Referral, State: RegConfirmed})
	}
	return Decision{Op: OpRegistrationCancel, Payload: p, Result: key}, nil
}

// CheckIn decides that a confirmed person attended; it is allowed from CheckInEarly before the
// start to CheckInLate after the end of a session that was not cancelled.
func (s *State) CheckIn(key string, now time.Time) (Decision, error) {
	r, err := s.Registration(key)
	if err != nil {
		return Decision{}, err
	}
	if r.State == RegAttended {
		return Decision{Noop: true, Result: key}, nil
	}
	ss := s.Sessions[r.SessionKey]
	if ss.State == SessionCancelled {
		return Decision{}, precondition(ReasonSessionCancelled, "the session is cancelled", map[string]string{"state": ss.State})
	}
	if r.State != RegConfirmed {
		return Decision{}, precondition(ReasonRegistrationState,
			"only a CONFIRMED registration can check in; this one is "+r.State, map[string]string{"state": r.State})
	}
	if opens, closes := ss.Start.Add(-CheckInEarly), ss.End.Add(CheckInLate); now.Before(opens) || now.After(closes) {
		// The window's ends and the session's time zone let a client say when check-in opens.
		return Decision{}, precondition(ReasonCheckInWindow,
			fmt.Sprintf("check-in is open from %s before the start to %s after the end", CheckInEarly, CheckInLate),
			map[string]string{"check_in_open_time": opens.UTC().Format(time.RFC3339),
				"check_in_close_time": closes.UTC().Format(time.RFC3339), "time_zone": ss.TimeZone})
	}
	p := &Payload{Target: key, Outcomes: []Outcome{{Kind: KindAttended, Session: ss.Key(),
		Registration: key, Referral: r.Referral, State: RegAttended}}}
	return Decision{Op: OpRegistrationCheck, Payload: p, Result: key}, nil
}

// MarkNoShows decides NO_SHOW for every confirmed person of a session that has ended.
func (s *State) MarkNoShows(key string, now time.Time) (Decision, error) {
	ss, err := s.Session(key)
	if err != nil {
		return Decision{}, err
	}
	if ss.State == SessionCancelled {
		return Decision{}, precondition(ReasonSessionCancelled, "the session is cancelled", map[string]string{"state": ss.State})
	}
	if now.Before(ss.End) {
		return Decision{}, precondition(ReasonSessionNotEnded,
			"the session ends at "+ss.End.UTC().Format(time.RFC3339)+"; no-shows are marked after it", nil)
	}
	p := &Payload{Target: key}
	for _, k := range ss.Seated {
		if r := s.Registrations[k]; r.State == RegConfirmed {
			p.Outcomes = append(p.Outcomes, Outcome{Kind: KindNoShow, Session: key, Registration: k,
				Referral: r.Referral, State: RegNoShow})
		}
	}
	if len(p.Outcomes) == 0 {
		return Decision{Noop: true, Result: key}, nil
	}
	return Decision{Op: OpSessionNoShows, Payload: p, Result: key}, nil
}
