package domain_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/socialrx/socialrx/services/referral/internal/domain"
)

func TestHoldOf(t *testing.T) {
	tests := []struct {
		status    string
		consented bool
		want      domain.Hold
	}{
		{domain.InProgress, true, domain.HoldNew},
		{domain.InProgress, false, domain.HoldNone},
		{domain.Accepted, true, domain.HoldKeep},
		{domain.OnHold, true, domain.HoldKeep},
		{domain.OnHold, false, domain.HoldNone},
		{domain.Completed, true, domain.HoldKeep},
		{domain.Failed, true, domain.HoldKeep},
		{domain.Cancelled, true, domain.HoldNone},
		{domain.EnteredInError, true, domain.HoldNone},
	}
	for _, tt := range tests {
		if got := domain.HoldOf(tt.status, tt.consented); got != tt.want {
			t.Errorf("HoldOf(%s, consented %v) = %d, want %d", tt.status, tt.consented, got, tt.want)
		}
	}
}

// Every booking state against every registration state, for each kind of referral. Each row
// gives the action for a registration that is missing, CONFIRMED, WAITLISTED, CANCELLED,
// ATTENDED, NO_SHOW: - nothing, R record, C cancel, D drop.
func TestReconcile(t *testing.T) {
	registrations := []string{"", "CONFIRMED", "WAITLISTED", "CANCELLED", "ATTENDED", "NO_SHOW"}
	letter := map[domain.Action]string{domain.Nothing: "-", domain.Record: "R", domain.Cancel: "C", domain.Drop: "D"}
	tests := []struct {
		name    string
		hold    domain.Hold
		booking string
		want    string
	}{
		// In progress: seats are recorded, never cancelled for the referral's sake.
		{"in progress, unrecorded registration", domain.HoldNew, "", "- R R - - -"},
		{"in progress, pending", domain.HoldNew, "PENDING", "D R R R R R"},
		{"in progress, confirmed", domain.HoldNew, "CONFIRMED", "R - - R R R"},
		{"in progress, waitlisted", domain.HoldNew, "WAITLISTED", "R R - R R R"},
		{"in progress, cancelled", domain.HoldNew, "CANCELLED", "- - - - - -"},
		{"in progress, attended", domain.HoldNew, "ATTENDED", "- - - - - -"},
		{"in progress, no-show", domain.HoldNew, "NO_SHOW", "- - - - - -"},
		// On hold or closed: keeps its seats, takes no new one.
		{"keeps, unrecorded registration", domain.HoldKeep, "", "- C C - - -"},
		{"keeps, pending", domain.HoldKeep, "PENDING", "D C C R R R"},
		{"keeps, confirmed", domain.HoldKeep, "CONFIRMED", "R - - R R R"},
		{"keeps, waitlisted", domain.HoldKeep, "WAITLISTED", "R R - R R R"},
		{"keeps, cancelled", domain.HoldKeep, "CANCELLED", "- - - - - -"},
		{"keeps, attended", domain.HoldKeep, "ATTENDED", "- - - - - -"},
		// Cancelled or consent withdrawn: every seat goes.
		{"releases, unrecorded registration", domain.HoldNone, "", "- C C - - -"},
		{"releases, pending", domain.HoldNone, "PENDING", "D C C R R R"},
		{"releases, confirmed", domain.HoldNone, "CONFIRMED", "R C C R R R"},
		{"releases, waitlisted", domain.HoldNone, "WAITLISTED", "R C C R R R"},
		{"releases, cancelled", domain.HoldNone, "CANCELLED", "- - - - - -"},
		{"releases, no-show", domain.HoldNone, "NO_SHOW", "- - - - - -"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, reg := range registrations {
				got = append(got, letter[domain.Reconcile(tt.hold, tt.booking, reg)])
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Fatalf("for registrations [missing CONFIRMED WAITLISTED CANCELLED ATTENDED NO_SHOW]: %s, want %s", g, tt.want)
			}
		})
	}
}

func TestNeedsRepair(t *testing.T) {
	tests := []struct {
		hold    domain.Hold
		booking string
		want    bool
	}{
		{domain.HoldNew, "PENDING", true},
		{domain.HoldNew, "CONFIRMED", false},
		{domain.HoldKeep, "PENDING", true},
		{domain.HoldKeep, "WAITLISTED", false},
		{domain.HoldNone, "PENDING", true},
		{domain.HoldNone, "CONFIRMED", true},
		{domain.HoldNone, "WAITLISTED", true},
		{domain.HoldNone, "CANCELLED", false},
		{domain.HoldNone, "ATTENDED", false},
	}
	for _, tt := range tests {
		if got := domain.NeedsRepair(tt.hold, tt.booking); got != tt.want {
			t.Errorf("NeedsRepair(%d, %s) = %v, want %v", tt.hold, tt.booking, got, tt.want)
		}
	}
}

func TestCanBook(t *testing.T) {
	tests := []struct {
		name      string
		status    string
		consented bool
		want      *domain.NotBookable // nil: it may book
	}{
		{"in progress with consent books", "IN_PROGRESS", true, nil},
		{"in progress without consent", "IN_PROGRESS", false, &domain.NotBookable{Status: "IN_PROGRESS", NoConsent: true}},
		{"accepted, not yet in progress", "ACCEPTED", true, &domain.NotBookable{Status: "ACCEPTED"}},
		{"on hold", "ON_HOLD", true, &domain.NotBookable{Status: "ON_HOLD"}},
		{"completed", "COMPLETED", true, &domain.NotBookable{Status: "COMPLETED"}},
		{"draft", "DRAFT", true, &domain.NotBookable{Status: "DRAFT"}},
		{"the status is named before the consent", "CANCELLED", false, &domain.NotBookable{Status: "CANCELLED"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.CanBook(tt.status, tt.consented)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CanBook = %v, want nil", err)
				}
				return
			}
			var got *domain.NotBookable
			if !errors.As(err, &got) {
				t.Fatalf("CanBook = %v, want a *NotBookable", err)
			}
			if *got != *tt.want {
				t.Fatalf("CanBook = %+v, want %+v", *got, *tt.want)
			}
		})
	}
}

func TestNotBookableMessage(t *testing.T) {
	if got, want := (&domain.NotBookable{Status: "ON_HOLD"}).Error(), "the referral is ON_HOLD; events are booked while it is IN_PROGRESS"; got != want {
		t.Errorf("status: %q, want %q", got, want)
	}
	if got, want := (&domain.NotBookable{Status: "IN_PROGRESS", NoConsent: true}).Error(), "the person's consent is missing or withdrawn"; got != want {
		t.Errorf("consent: %q, want %q", got, want)
	}
}

func TestStartBooking(t *testing.T) {
	tests := []struct {
		name   string
		states []string
		want   domain.Start
	}{
		{"first booking at the session", nil, domain.Start{Kind: domain.StartNew, Attempt: 0}},
		{"after one cancelled booking", []string{"CANCELLED"}, domain.Start{Kind: domain.StartNew, Attempt: 1}},
		{"after an attended and a no-show", []string{"ATTENDED", "NO_SHOW"}, domain.Start{Kind: domain.StartNew, Attempt: 2}},
		{"a pending booking is retried", []string{"PENDING"}, domain.Start{Kind: domain.StartRetry, Index: 0}},
		{"the pending one after a cancelled one", []string{"CANCELLED", "PENDING"}, domain.Start{Kind: domain.StartRetry, Index: 1}},
		{"already confirmed", []string{"CONFIRMED"}, domain.Start{Kind: domain.StartBooked, Index: 0}},
		{"already waitlisted", []string{"CANCELLED", "WAITLISTED"}, domain.Start{Kind: domain.StartBooked, Index: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.StartBooking(tt.states); got != tt.want {
				t.Fatalf("StartBooking(%v) = %+v, want %+v", tt.states, got, tt.want)
			}
		})
	}
}

func TestRecording(t *testing.T) {
	const session = "events/e1/sessions/s1"
	tests := []struct {
		name     string
		status   string // the referral's
		business string // the referral's before
		from     string // the booking's state before
		seen     domain.Seen
		want     domain.Recorded
	}{
		{"a pending booking confirmed", "IN_PROGRESS", "CONTACTED", "PENDING",
			domain.Seen{State: "CONFIRMED"},
			domain.Recorded{State: "CONFIRMED", BusinessStatus: "EVENT_BOOKED", Kind: "BOOKING", Note: "booked at events/e1/sessions/s1"}},
		{"a pending booking waitlisted", "IN_PROGRESS", "", "PENDING",
			domain.Seen{State: "WAITLISTED", Position: 3},
			domain.Recorded{State: "WAITLISTED", BusinessStatus: "WAITLISTED", Kind: "BOOKING", Note: "waitlisted at events/e1/sessions/s1, position 3"}},
		{"an unrecorded seat reported by the event feed gets the booking's own entry", "IN_PROGRESS", "CONTACTED", "",
			domain.Seen{State: "CONFIRMED", Kind: "EVENT_UPDATE", Note: "promoted from the waitlist to a confirmed place (s1)", Business: "EVENT_BOOKED"},
			domain.Recorded{State: "CONFIRMED", BusinessStatus: "EVENT_BOOKED", Kind: "BOOKING", Note: "booked at events/e1/sessions/s1"}},
		{"a promotion from the waitlist keeps the change's note", "IN_PROGRESS", "WAITLISTED", "WAITLISTED",
			domain.Seen{State: "CONFIRMED", Kind: "EVENT_UPDATE", Note: "promoted from the waitlist to a confirmed place (s1)", Business: "EVENT_BOOKED"},
			domain.Recorded{State: "CONFIRMED", BusinessStatus: "EVENT_BOOKED", Kind: "EVENT_UPDATE", Note: "promoted from the waitlist to a confirmed place (s1)"}},
		{"a registration the event service no longer has is cancelled", "IN_PROGRESS", "EVENT_BOOKED", "CONFIRMED",
			domain.Seen{},
			domain.Recorded{State: "CANCELLED", BusinessStatus: "EVENT_BOOKED", Kind: "EVENT_UPDATE", Note: "booking at events/e1/sessions/s1 is CANCELLED"}},
		{"attendance without a note", "IN_PROGRESS", "EVENT_BOOKED", "CONFIRMED",
			domain.Seen{State: "ATTENDED"},
			domain.Recorded{State: "ATTENDED", BusinessStatus: "EVENT_ATTENDED", Kind: "EVENT_UPDATE", Note: "booking at events/e1/sessions/s1 is ATTENDED"}},
		{"a no-show", "IN_PROGRESS", "EVENT_BOOKED", "CONFIRMED",
			domain.Seen{State: "NO_SHOW", Kind: "EVENT_UPDATE", Note: "did not attend the event (s1)", Business: "EVENT_MISSED"},
			domain.Recorded{State: "NO_SHOW", BusinessStatus: "EVENT_MISSED", Kind: "EVENT_UPDATE", Note: "did not attend the event (s1)"}},
		{"a completed referral keeps its business status", "COMPLETED", "EVENT_BOOKED", "CONFIRMED",
			domain.Seen{State: "ATTENDED", Kind: "EVENT_UPDATE", Note: "attended the event (s1)", Business: "EVENT_ATTENDED"},
			domain.Recorded{State: "ATTENDED", BusinessStatus: "EVENT_BOOKED", Kind: "EVENT_UPDATE", Note: "attended the event (s1)"}},
		{"a cancelled session sets its business status", "IN_PROGRESS", "EVENT_BOOKED", "CONFIRMED",
			domain.Seen{State: "CANCELLED", Kind: "EVENT_UPDATE", Note: "the event session was cancelled: flood (s1)", Business: "EVENT_CANCELLED"},
			domain.Recorded{State: "CANCELLED", BusinessStatus: "EVENT_CANCELLED", Kind: "EVENT_UPDATE", Note: "the event session was cancelled: flood (s1)"}},
		{"a cancelled registration leaves the business status", "IN_PROGRESS", "WAITLISTED", "WAITLISTED",
			domain.Seen{State: "CANCELLED", Kind: "EVENT_UPDATE", Note: "the event registration was cancelled (s1)"},
			domain.Recorded{State: "CANCELLED", BusinessStatus: "WAITLISTED", Kind: "EVENT_UPDATE", Note: "the event registration was cancelled (s1)"}},
		{"a booking undone on a referral put on hold", "ON_HOLD", "CONTACTED", "PENDING",
			domain.Seen{State: "CANCELLED", Kind: "BOOKING", Note: "booking at events/e1/sessions/s1 undone: the referral is ON_HOLD"},
			domain.Recorded{State: "CANCELLED", BusinessStatus: "CONTACTED", Kind: "BOOKING", Note: "booking at events/e1/sessions/s1 undone: the referral is ON_HOLD"}},
		{"a pending booking that came back cancelled", "IN_PROGRESS", "CONTACTED", "PENDING",
			domain.Seen{State: "CANCELLED"},
			domain.Recorded{State: "CANCELLED", BusinessStatus: "CONTACTED", Kind: "EVENT_UPDATE", Note: "booking at events/e1/sessions/s1 is CANCELLED"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := domain.Recording(tt.status, tt.business, session, tt.from, tt.seen)
			if got != tt.want {
				t.Fatalf("Recording = %+v\nwant        %+v", got, tt.want)
			}
		})
	}
}
