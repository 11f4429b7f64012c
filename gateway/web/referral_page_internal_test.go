package web

import (
	"testing"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
)

func TestNextStepAndMissingOutcomes(t *testing.T) {
	baseline := &referralv1.Measure{Timepoint: referralv1.Timepoint_TIMEPOINT_BASELINE}
	followUp := &referralv1.Measure{Timepoint: referralv1.Timepoint_TIMEPOINT_FOLLOW_UP}
	booked := &referralv1.Booking{State: "CONFIRMED"}
	attended := &referralv1.Booking{State: "ATTENDED"}
	working := map[string]bool{"HOLD": true, "COMPLETE": true, "FAIL": true, "RECORD_MEASURE": true, "BOOK_EVENT": true}
	tests := []struct {
		name          string
		ref           *referralv1.Referral
		can           map[string]bool
		next, anchor  string
		missingToDone string
	}{
		{"requested", &referralv1.Referral{}, map[string]bool{"ACCEPT": true, "REJECT": true}, "next.accept", "#respond", "close.missing.both"},
		{"accepted", &referralv1.Referral{}, map[string]bool{"START": true, "HOLD": true}, "next.start", "#start", "close.missing.both"},
		{"on hold: resume, not start", &referralv1.Referral{}, map[string]bool{"START": true, "RESUME": true}, "next.resume", "#resume", "close.missing.both"},
		{"started", &referralv1.Referral{}, working, "next.baseline", "#measures", "close.missing.both"},
		{"baseline recorded", &referralv1.Referral{Measures: []*referralv1.Measure{baseline}}, working, "next.book", "#matches", "close.missing.both"},
		{"booked", &referralv1.Referral{Measures: []*referralv1.Measure{baseline}, Bookings: []*referralv1.Booking{booked}}, working,
			"next.followup", "#measures", "close.missing.both"},
		{"attended", &referralv1.Referral{Measures: []*referralv1.Measure{baseline}, Bookings: []*referralv1.Booking{attended}}, working,
			"next.followup", "#measures", "close.missing.followup"},
		{"followed up, not attended", &referralv1.Referral{Measures: []*referralv1.Measure{baseline, followUp}, Bookings: []*referralv1.Booking{booked}}, working,
			"next.complete", "#close", "close.missing.attendance"},
		{"all done", &referralv1.Referral{Measures: []*referralv1.Measure{baseline, followUp}, Bookings: []*referralv1.Booking{attended}}, working,
			"next.complete", "#close", ""},
		{"the referring clinician's draft without consent", &referralv1.Referral{}, map[string]bool{"RECORD_CONSENT": true, "CANCEL": true},
			"next.consent", "#consent", "close.missing.both"},
		{"consent withdrawn", &referralv1.Referral{Consent: &referralv1.Consent{Withdrawn: true}}, map[string]bool{"RECORD_CONSENT": true},
			"next.consent", "#consent", "close.missing.both"},
		{"the referring clinician, consent recorded: nothing due", &referralv1.Referral{Consent: &referralv1.Consent{Scope: []string{"share-with-link-worker"}}},
			map[string]bool{"RECORD_CONSENT": true, "CANCEL": true}, "", "", "close.missing.both"},
		{"the referring clinician: nothing due", &referralv1.Referral{}, map[string]bool{"CANCEL": true, "ADD_TIMELINE_NOTE": true}, "", "", "close.missing.both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, anchor := nextStep(tt.ref, tt.can)
			if next != tt.next || anchor != tt.anchor {
				t.Errorf("nextStep = %q %q, want %q %q", next, anchor, tt.next, tt.anchor)
			}
			if got := missingOutcomes(tt.ref); got != tt.missingToDone {
				t.Errorf("missingOutcomes = %q, want %q", got, tt.missingToDone)
			}
		})
	}
}
