package domain_test

import (
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
