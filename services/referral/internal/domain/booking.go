package domain

import "fmt"

// A booking is made as a saga: the referral records it PENDING, the event service is asked for a
// registration under a request id derived from the booking, and the outcome is recorded in a
// write that checks again whether the referral may hold it. Whoever finds a booking and the
// event service's registration out of line (the booking itself, a cancellation, the event feed
// consumer, the reconciler) asks Reconcile what to do.

// Booking states: PENDING while the event service has not answered, then the registration's
// state as last seen.
const (
	BookingPending    = "PENDING"
	BookingConfirmed  = "CONFIRMED"
	BookingWaitlisted = "WAITLISTED"
	BookingCancelled  = "CANCELLED"
	BookingAttended   = "ATTENDED"
	BookingNoShow     = "NO_SHOW"
)

// Live reports whether a registration (or booking) in state holds or awaits a seat.
func Live(state string) bool { return state == BookingConfirmed || state == BookingWaitlisted }

// Hold is what a referral may do with bookings.
type Hold int

const (
	// HoldNew: it may make new bookings and keep those it has (IN_PROGRESS, with consent).
	HoldNew Hold = iota
	// HoldKeep: it keeps the bookings it has but makes none (e.g. ON_HOLD, COMPLETED).
	HoldKeep
	// HoldNone: every booking must go (CANCELLED, ENTERED_IN_ERROR, or consent withdrawn).
	HoldNone
)

// HoldOf is the Hold of a referral in status whose consent is given (consented) or not.
func HoldOf(status string, consented bool) Hold {
	switch {
	case !consented || status == Cancelled || status == EnteredInError:
		return HoldNone
	case status == InProgress:
		return HoldNew
	}
	return HoldKeep
}

// Action is what to do about a booking and its registration.
type Action int

const (
	// Nothing: they agree, or the registration's state is older than the booking's.
	Nothing Action = iota
	// Record the registration and its state on the booking (adding the booking if the referral
	// has none for it); a registration that does not exist is recorded as CANCELLED.
	Record
	// Cancel the registration at the event service; then reconcile again with its new state.
	Cancel
	// Drop the pending booking: the event service has no registration for it.
	Drop
)

var actionNames = [...]string{"nothing", "record", "cancel", "drop"}

func (a Action) String() string { return actionNames[a] }

// next lists the states a registration can reach from each state.
var next = map[string][]string{
	BookingWaitlisted: {BookingConfirmed, BookingAttended, BookingNoShow, BookingCancelled},
	BookingConfirmed:  {BookingAttended, BookingNoShow, BookingCancelled},
}

func follows(from, to string) bool {
	for _, s := range next[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Reconcile decides what to do about a booking in state booking ("" when the referral records
// none for the registration) and the registration in state registration ("" when the event
// service has none), for a referral that may hold bookings as h.
func Reconcile(h Hold, booking, registration string) Action {
	switch {
	case booking == "":
		if !Live(registration) {
			return Nothing
		}
		if h == HoldNew {
			return Record // a seat the referral should know about
		}
		return Cancel // an orphan seat
	case booking == BookingPending:
		switch {
		case registration == "":
			return Drop
		case Live(registration) && h != HoldNew:
			return Cancel
		}
		return Record
	case Live(booking):
		switch {
		case registration == "":
			return Record
		case Live(registration) && h == HoldNone:
			return Cancel
		case follows(booking, registration):
			return Record
		}
	}
	// CANCELLED, ATTENDED and NO_SHOW bookings are final: the registration cannot come back.
	return Nothing
}

// NeedsRepair reports whether a booking in state, of a referral holding as h, is one the
// reconciler must settle: a booking whose outcome was never recorded, or a seat that must go.
func NeedsRepair(h Hold, booking string) bool {
	return booking == BookingPending || (h == HoldNone && Live(booking))
}

// NotBookable says why a referral may not take a new booking.
type NotBookable struct {
	// Status is the referral's status; a referral books events while it is IN_PROGRESS.
	Status string
	// NoConsent is true when the person's consent is missing or withdrawn.
	NoConsent bool
}

func (e *NotBookable) Error() string {
	if e.NoConsent {
		return "the person's consent is missing or withdrawn"
	}
	return "the referral is " + e.Status + "; events are booked while it is IN_PROGRESS"
}

// CanBook says why a referral in status, whose consent is given (consented) or not, may not take
// a new booking; nil when it may. Its status is looked at first.
func CanBook(status string, consented bool) error {
	switch {
	case status != InProgress:
		return &NotBookable{Status: status}
	case !consented:
		return &NotBookable{Status: status, NoConsent: true}
	}
	return nil
}

// Start is how a booking request at a session begins.
type Start struct {
	// Kind says what to do.
	Kind StartKind
	// Index is, for StartRetry and StartBooked, the booking concerned among those at the session.
	Index int
	// Attempt is, for StartNew, the number of bookings the referral made at the session before.
	Attempt int
}

// StartKind is the first step of a booking request.
type StartKind int

const (
	// StartNew: record a new pending booking, then ask the event service for its registration.
	StartNew StartKind = iota
	// StartRetry: a pending booking is there; ask the event service again under its request id.
	StartRetry
	// StartBooked: a booking there holds or awaits a seat; there is nothing to do.
	StartBooked
)

// StartBooking decides how a booking request begins, from the states of the referral's bookings
// at the session in the order they were made. The first pending or live one decides; when there
// is none, a new booking is the next attempt.
func StartBooking(states []string) Start {
	for i, s := range states {
		switch {
		case s == BookingPending:
			return Start{Kind: StartRetry, Index: i}
		case Live(s):
			return Start{Kind: StartBooked, Index: i}
		}
	}
	return Start{Kind: StartNew, Attempt: len(states)}
}

// Seen is a registration as the event service reported it.
type Seen struct {
	// State is its state as a booking state, "" when the event service has none.
	State string
	// Position is its place on the waitlist.
	Position int32
	// Kind, Note and Business come with a change from the event service (or an undone booking):
	// the timeline entry's kind and note and the business status. Empty, they follow from State.
	Kind, Note, Business string
}

// Recorded is what recording a registration on a booking makes of the booking and its referral.
type Recorded struct {
	// State is the booking's state.
	State string
	// BusinessStatus is the referral's business status.
	BusinessStatus string
	// Kind and Note make the timeline entry.
	Kind, Note string
}

// businessOf is the business status a booking in each state gives its referral.
var businessOf = map[string]string{
	BookingConfirmed: "EVENT_BOOKED", BookingWaitlisted: "WAITLISTED",
	BookingAttended: "EVENT_ATTENDED", BookingNoShow: "EVENT_MISSED",
}

// Recording decides what recording registration seen on a booking at session, that was in state
// from ("" when the referral recorded none), makes of it, for a referral in status with
// business status business. A registration the event service no longer has is CANCELLED. A
// booking that first holds or awaits a seat gets the booking's own entry, whoever records it.
// A closed referral keeps its business status.
func Recording(status, business, session, from string, seen Seen) Recorded {
	out := Recorded{State: seen.State, BusinessStatus: business, Kind: seen.Kind, Note: seen.Note}
	if out.State == "" {
		out.State = BookingCancelled
	}
	next := seen.Business
	if (from == "" || from == BookingPending) && Live(out.State) {
		out.Kind, out.Note, next = "BOOKING", "", ""
	}
	if next == "" {
		next = businessOf[out.State]
	}
	if out.Note == "" {
		switch out.State {
		case BookingConfirmed:
			out.Note = "booked at " + session
		case BookingWaitlisted:
			out.Note = fmt.Sprintf("waitlisted at %s, position %d", session, seen.Position)
		default:
			out.Note = fmt.Sprintf("booking at %s is %s", session, out.State)
		}
	}
	if out.Kind == "" {
		out.Kind = "EVENT_UPDATE"
	}
	if next != "" && !Terminal(status) {
		out.BusinessStatus = next
	}
	return out
}
