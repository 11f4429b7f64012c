package web

import (
	"context"
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

// The notes the referral service writes itself (see its eventfeed, care, consent and referrals
// code) read in the page's language; a note of a form not known here stays as written.
func TestSystemNotesInThePageLanguage(t *testing.T) {
	h := newTestHandler(t)
	const session = "events/tea/sessions/day-1"
	seen := sessionLabels{session: "Tea (Monday, May 4)"}
	goals := map[string]string{"1": "Sing with others once a week."}
	tests := []struct {
		kind   referralv1.TimelineKind
		note   string
		en, fr string
	}{
		{referralv1.TimelineKind_TIMELINE_KIND_EVENT_UPDATE, "promoted from the waitlist to a confirmed place (" + session + ")",
			"A place came free: confirmed for Tea (Monday, May 4).", "Une place s’est libérée : confirmée pour Tea (Monday, May 4)."},
		{referralv1.TimelineKind_TIMELINE_KIND_EVENT_UPDATE, "did not attend the event (" + session + ")",
			"Did not come to Tea (Monday, May 4).", "N’est pas venu·e à Tea (Monday, May 4)."},
		{referralv1.TimelineKind_TIMELINE_KIND_EVENT_UPDATE, "the event session was cancelled: the hall flooded (" + session + ")",
			"Tea (Monday, May 4) was cancelled: the hall flooded", "Tea (Monday, May 4) a été annulée : the hall flooded"},
		{referralv1.TimelineKind_TIMELINE_KIND_EVENT_UPDATE, "the event session was rescheduled (" + session + ")",
			"Tea (Monday, May 4) was moved to another time.", "Tea (Monday, May 4) a été déplacée à un autre moment."},
		{referralv1.TimelineKind_TIMELINE_KIND_EVENT_UPDATE, "the event registration was cancelled (" + session + ")",
			"The booking for Tea (Monday, May 4) was cancelled.", "La réservation pour Tea (Monday, May 4) a été annulée."},
		{referralv1.TimelineKind_TIMELINE_KIND_GOAL, "goal 1 at 75%: ",
			"Progress on “Sing with others once a week.”: 75%.", "Avancement de « Sing with others once a week. » : 75 %."},
		{referralv1.TimelineKind_TIMELINE_KIND_MEASURE, "ONS4 follow_up recorded: total 21, change from baseline [1 -2 0 3]",
			"Personal wellbeing (ONS4), Follow-up, after activities. Change from the baseline: +1, -2, 0, +3.",
			"Bien-être personnel (ONS4), Suivi, après les activités. Écart avec le départ : +1, -2, 0, +3."},
		{referralv1.TimelineKind_TIMELINE_KIND_CONSENT, "consent granted by Ana Lima (daughter) for share-with-link-worker, share-with-event-hosts",
			"Given by Ana Lima (daughter): Share their details with the link worker, Share their first name and needs with event hosts.",
			"Donné par Ana Lima (daughter) : Communiquer ses coordonnées à l’intervenant·e de liaison, Communiquer son prénom et ses besoins aux hôtes des activités."},
		{referralv1.TimelineKind_TIMELINE_KIND_CONSENT, "consent withdrawn", "Consent withdrawn.", "Consentement retiré."},
		{referralv1.TimelineKind_TIMELINE_KIND_UPDATED, "details updated", "", ""},
		{referralv1.TimelineKind_TIMELINE_KIND_GOAL, "goal 1 reached in a new way", "goal 1 reached in a new way", "goal 1 reached in a new way"},
	}
	en, fr := h.i18n.localizer(english), h.i18n.localizer(french)
	for _, tt := range tests {
		e := &referralv1.TimelineEntry{Kind: tt.kind, Note: tt.note}
		if got := h.systemNote(context.Background(), en, seen, goals, e); got != tt.en {
			t.Errorf("%q in English: %q, want %q", tt.note, got, tt.en)
		}
		if got := h.systemNote(context.Background(), fr, seen, goals, e); got != tt.fr {
			t.Errorf("%q in French: %q, want %q", tt.note, got, tt.fr)
		}
	}
}
