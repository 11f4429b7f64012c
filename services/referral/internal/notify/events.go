package notify

import (
	"sort"
	"strconv"

	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// Event types, as the payload's "type" names them; the API enum is WEBHOOK_EVENT_TYPE_ and the
// upper-case name with "." and "-" as "_".
const (
	ReferralCreated        = "referral.created"
	ReferralSubmitted      = "referral.submitted"
	ReferralAccepted       = "referral.accepted"
	ReferralRejected       = "referral.rejected"
	ReferralStarted        = "referral.started"
	ReferralOnHold         = "referral.on_hold"
	ReferralCompleted      = "referral.completed"
	ReferralFailed         = "referral.failed"
	ReferralCancelled      = "referral.cancelled"
	ReferralEnteredInError = "referral.entered_in_error"
	BookingConfirmed       = "booking.confirmed"
	BookingWaitlisted      = "booking.waitlisted"
	BookingAttended        = "booking.attended"
	BookingNoShow          = "booking.no_show"
	BookingCancelled       = "booking.cancelled"
)

// EventTypes lists every event type in the API enum's order (from 1).
var EventTypes = []string{ReferralCreated, ReferralSubmitted, ReferralAccepted, ReferralRejected, ReferralStarted,
	ReferralOnHold, ReferralCompleted, ReferralFailed, ReferralCancelled, ReferralEnteredInError,
	BookingConfirmed, BookingWaitlisted, BookingAttended, BookingNoShow, BookingCancelled}

// statusEvents is the event of arriving in each status.
var statusEvents = map[string]string{
	domain.Requested:      ReferralSubmitted,
	domain.Accepted:       ReferralAccepted,
	domain.Rejected:       ReferralRejected,
	domain.InProgress:     ReferralStarted,
	domain.OnHold:         ReferralOnHold,
	domain.Completed:      ReferralCompleted,
	domain.Failed:         ReferralFailed,
	domain.Cancelled:      ReferralCancelled,
	domain.EnteredInError: ReferralEnteredInError,
}

// bookingEvents is the event of a booking arriving in each state; PENDING (a request under
// way) is none.
var bookingEvents = map[string]string{
	domain.BookingConfirmed:  BookingConfirmed,
	domain.BookingWaitlisted: BookingWaitlisted,
	domain.BookingAttended:   BookingAttended,
	domain.BookingNoShow:     BookingNoShow,
	domain.BookingCancelled:  BookingCancelled,
}

// Event is one change a webhook may be told of: ids and states, never personal data.
type Event struct {
	Type           string
	Referral       string // id
	Status         string
	PreviousStatus string
	BusinessStatus string
	// Session and BookingState are set for booking events.
	Session      string
	Registration string
	BookingState string
	// Key identifies the event among all events of all referrals: the same change always has
	// the same key, so a change seen twice makes one delivery.
	Key string
}

// StateOf is what Diff compares: a referral's status and each booking's state.
func StateOf(r *store.Referral) store.ReferralState {
	s := store.ReferralState{ID: r.ID, Incarnation: r.Incarnation, Version: r.Version, Status: r.Status}
	for _, b := range r.Bookings {
		if s.Bookings == nil {
			s.Bookings = map[string]string{}
		}
		s.Bookings[b.Session] = b.State
	}
	return s
}

// Diff returns the events of a referral going from prev (nil when the engine has seen none of
// its changes) to cur, status first, then bookings by session. A version at or before prev's
// (a change published twice) has none.
func Diff(prev *store.ReferralState, cur *store.Referral) []Event {
	next := StateOf(cur)
	if prev != nil && prev.Incarnation == next.Incarnation && prev.Version >= next.Version {
		return nil
	}
	if prev != nil && prev.Incarnation != next.Incarnation {
		prev = nil // a referral created again under the same id
	}
	key := func(kind string) string {
		return cur.ID + "/" + cur.Incarnation + "/" + strconv.FormatInt(cur.Version, 10) + "/" + kind
	}
	base := Event{Referral: cur.ID, Status: cur.Status, BusinessStatus: cur.BusinessStatus}
	var out []Event
	switch {
	case prev == nil && cur.Version == 1:
		e := base
		e.Type, e.Key = ReferralCreated, key(ReferralCreated)
		out = append(out, e)
		if t, ok := statusEvents[cur.Status]; ok { // created straight in a later status
			e.Type, e.Key = t, key(t)
			out = append(out, e)
		}
	case prev == nil:
		// The engine's record of this referral is gone: without the state before, it cannot
		// tell what this version changed, so it only starts from it.
		return nil
	case prev.Status != cur.Status:
		if t, ok := statusEvents[cur.Status]; ok {
			e := base
			e.Type, e.PreviousStatus, e.Key = t, prev.Status, key(t)
			out = append(out, e)
		}
	}
	sessions := make([]string, 0, len(next.Bookings))
	for s := range next.Bookings {
		sessions = append(sessions, s)
	}
	sort.Strings(sessions)
	for _, s := range sessions {
		state := next.Bookings[s]
		was := ""
		if prev != nil {
			was = prev.Bookings[s]
		}
		t, ok := bookingEvents[state]
		if !ok || state == was {
			continue
		}
		e := base
		e.Type, e.Session, e.BookingState, e.Key = t, s, state, key(t+"/"+s)
		for _, b := range cur.Bookings {
			if b.Session == s {
				e.Registration = b.Registration
			}
		}
		out = append(out, e)
	}
	return out
}
