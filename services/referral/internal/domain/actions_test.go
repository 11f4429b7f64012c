package domain

import (
	"slices"
	"testing"
)

// The sides the policy gives each kind of caller on a referral they are concerned with.
var (
	referringClinician  = Caller{Update: true, Refer: true, Share: true}
	receivingLinkWorker = Caller{Update: true, Respond: true, Share: true}
	// A link worker of the receiving organisation when a colleague holds the referral: may read it only.
	colleagueLinkWorker = Caller{}
	// A system acting for both organisations.
	bothSides = Caller{Update: true, Refer: true, Respond: true, Share: true}
)

func TestAllowedActions(t *testing.T) {
	tests := []struct {
		name   string
		state  State
		caller Caller
		want   []string
	}{
		{"draft with consent, referring clinician", State{Status: "DRAFT", Consent: true}, referringClinician,
			[]string{"UPDATE", "RECORD_CONSENT", "WITHDRAW_CONSENT", "SUBMIT", "CANCEL", "MARK_ENTERED_IN_ERROR", "ADD_TIMELINE_NOTE"}},
		{"draft without consent is not submitted", State{Status: "DRAFT"}, referringClinician,
			[]string{"UPDATE", "RECORD_CONSENT", "CANCEL", "MARK_ENTERED_IN_ERROR", "ADD_TIMELINE_NOTE"}},
		{"requested, receiving link worker", State{Status: "REQUESTED", Consent: true}, receivingLinkWorker,
			[]string{"UPDATE", "ACCEPT", "REJECT", "CANCEL", "ADD_TIMELINE_NOTE"}},
		{"requested, referring clinician", State{Status: "REQUESTED", Consent: true}, referringClinician,
			[]string{"UPDATE", "RECORD_CONSENT", "WITHDRAW_CONSENT", "CANCEL", "MARK_ENTERED_IN_ERROR", "ADD_TIMELINE_NOTE"}},
		{"accepted, receiving link worker", State{Status: "ACCEPTED", Consent: true}, receivingLinkWorker,
			[]string{"UPDATE", "START", "HOLD", "FAIL", "CANCEL", "ADD_TIMELINE_NOTE", "ADD_GOAL", "RECORD_MEASURE"}},
		{"accepted, link worker with no share in it", State{Status: "ACCEPTED", Consent: true}, colleagueLinkWorker, nil},
		{"accepted, referring clinician with the lifecycle only", State{Status: "ACCEPTED"}, Caller{Share: true},
			[]string{"CANCEL", "ADD_TIMELINE_NOTE"}},
		{"in progress with goals, receiving link worker", State{Status: "IN_PROGRESS", Consent: true, Goals: 1}, receivingLinkWorker,
			[]string{"UPDATE", "HOLD", "COMPLETE", "FAIL", "CANCEL", "ADD_TIMELINE_NOTE", "ADD_GOAL", "UPDATE_GOAL_PROGRESS", "RECORD_MEASURE", "BOOK_EVENT"}},
		{"in progress after consent is withdrawn: no booking", State{Status: "IN_PROGRESS"}, receivingLinkWorker,
			[]string{"UPDATE", "HOLD", "COMPLETE", "FAIL", "CANCEL", "ADD_TIMELINE_NOTE", "ADD_GOAL", "RECORD_MEASURE"}},
		{"on hold, receiving link worker", State{Status: "ON_HOLD", Consent: true}, receivingLinkWorker,
			[]string{"UPDATE", "START", "RESUME", "FAIL", "CANCEL", "ADD_TIMELINE_NOTE", "ADD_GOAL", "RECORD_MEASURE"}},
		{"completed, referring clinician: consent may still be withdrawn", State{Status: "COMPLETED", Consent: true}, referringClinician,
			[]string{"WITHDRAW_CONSENT"}},
		{"completed, receiving link worker", State{Status: "COMPLETED", Consent: true, Goals: 2}, receivingLinkWorker, nil},
		{"rejected, both sides", State{Status: "REJECTED"}, bothSides, nil},
		{"in progress, both sides", State{Status: "IN_PROGRESS", Consent: true}, bothSides,
			[]string{"UPDATE", "RECORD_CONSENT", "WITHDRAW_CONSENT", "HOLD", "COMPLETE", "FAIL", "CANCEL", "MARK_ENTERED_IN_ERROR",
				"ADD_TIMELINE_NOTE", "ADD_GOAL", "RECORD_MEASURE", "BOOK_EVENT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AllowedActions(tt.state, tt.caller); !slices.Equal(got, tt.want) {
				t.Errorf("AllowedActions(%+v, %+v)\n got %v\nwant %v", tt.state, tt.caller, got, tt.want)
			}
		})
	}
}

// Every lifecycle method's action is listed exactly from the statuses DOMAIN.md allows it.
func TestAllowedActionsFollowTheLifecycle(t *testing.T) {
	actionOf := map[string]string{"submit": "SUBMIT", "accept": "ACCEPT", "reject": "REJECT", "start": "START", "hold": "HOLD",
		"resume": "RESUME", "complete": "COMPLETE", "fail": "FAIL", "cancel": "CANCEL", "markEnteredInError": "MARK_ENTERED_IN_ERROR"}
	for method, want := range lifecycle {
		for _, from := range everyStatus {
			got := slices.Contains(AllowedActions(State{Status: from, Consent: true}, bothSides), actionOf[method])
			if got != slices.Contains(want.from, from) {
				t.Errorf("%s listed from %s: %v", actionOf[method], from, got)
			}
		}
	}
}
