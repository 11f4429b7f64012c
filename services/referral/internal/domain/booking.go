package domain

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
