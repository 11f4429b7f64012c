package referral_test

import (
	"slices"
	"strings"
	"testing"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// The RPC of each action, for matrixCall.
var actionRPC = map[string]string{
	"UPDATE": "UpdateReferral", "RECORD_CONSENT": "RecordConsent", "WITHDRAW_CONSENT": "WithdrawConsent",
	"SUBMIT": "SubmitReferral", "ACCEPT": "AcceptReferral", "REJECT": "RejectReferral", "START": "StartReferral",
	"HOLD": "HoldReferral", "RESUME": "ResumeReferral", "COMPLETE": "CompleteReferral", "FAIL": "FailReferral",
	"CANCEL": "CancelReferral", "MARK_ENTERED_IN_ERROR": "MarkReferralEnteredInError",
	"ADD_TIMELINE_NOTE": "AddTimelineNote", "ADD_GOAL": "AddGoal", "UPDATE_GOAL_PROGRESS": "UpdateGoalProgress",
	"RECORD_MEASURE": "RecordMeasure", "BOOK_EVENT": "BookEvent",
}

func actionNames(as []referralv1.ReferralAction) []string {
	var out []string
	for _, a := range as {
		out = append(out, strings.TrimPrefix(a.String(), "REFERRAL_ACTION_"))
	}
	return out
}

// GetReferral tells each caller what it may do to the referral (written out from the lifecycle
// and the access rules), and what it says is what the service does: every action listed
// succeeds, every other one is refused. The fixtures are made by the clinic's clinician for the
// centre; ACCEPTED and later are assigned to lw, and the ACCEPTED one has a goal.
func TestAllowedActionsAreWhatTheCallerMayDo(t *testing.T) {
	w := newWorld(t, 1, 50)
	sys := auth.Identity{Subject: "clients/clinic-his", Organization: clinic, Roles: []string{auth.RoleSystem}}
	tests := []struct {
		state, caller string
		id            auth.Identity
		want          []string
	}{
		{"DRAFT", "referring clinician", clinicianID,
			[]string{"UPDATE", "RECORD_CONSENT", "WITHDRAW_CONSENT", "SUBMIT", "CANCEL", "MARK_ENTERED_IN_ERROR", "ADD_TIMELINE_NOTE"}},
		{"REQUESTED", "link worker of the centre", linkWorkerID,
			[]string{"UPDATE", "ACCEPT", "REJECT", "CANCEL", "ADD_TIMELINE_NOTE"}},
		{"ACCEPTED", "assigned link worker", linkWorkerID,
			[]string{"UPDATE", "START", "HOLD", "FAIL", "CANCEL", "ADD_TIMELINE_NOTE", "ADD_GOAL", "UPDATE_GOAL_PROGRESS", "RECORD_MEASURE"}},
		{"ACCEPTED", "referring clinician", clinicianID,
			[]string{"UPDATE", "RECORD_CONSENT", "WITHDRAW_CONSENT", "CANCEL", "MARK_ENTERED_IN_ERROR", "ADD_TIMELINE_NOTE"}},
		{"ACCEPTED", "the assignee's colleague", linkWorker2ID, nil},
		{"IN_PROGRESS", "assigned link worker", linkWorkerID,
			[]string{"UPDATE", "HOLD", "COMPLETE", "FAIL", "CANCEL", "ADD_TIMELINE_NOTE", "ADD_GOAL", "RECORD_MEASURE", "BOOK_EVENT"}},
		{"ON_HOLD", "assigned link worker", linkWorkerID,
			[]string{"UPDATE", "START", "RESUME", "FAIL", "CANCEL", "ADD_TIMELINE_NOTE", "ADD_GOAL", "RECORD_MEASURE"}},
		{"ON_HOLD", "the referring clinic's system", sys,
			[]string{"UPDATE", "RECORD_CONSENT", "WITHDRAW_CONSENT", "CANCEL", "MARK_ENTERED_IN_ERROR", "ADD_TIMELINE_NOTE"}},
	}
	for _, tt := range tests {
		t.Run(tt.state+" for the "+tt.caller, func(t *testing.T) {
			ctx := as(ctxT(t), tt.id)
			refused := w.fixture(t, tt.state)
			got, err := w.rc().GetReferral(ctx, &referralv1.GetReferralRequest{Name: refused.GetName()})
			if err != nil {
				t.Fatal(err)
			}
			listed := actionNames(got.GetAllowedActions())
			if !slices.Equal(listed, tt.want) {
				t.Fatalf("allowed_actions\n got %v\nwant %v", listed, tt.want)
			}
			for action, rpc := range actionRPC {
				r := refused // a refusal changes nothing, so one referral serves them all
				if slices.Contains(listed, action) {
					r = w.fixture(t, tt.state)
				}
				_, err := w.matrixCall(ctx, rpc, r)
				if slices.Contains(listed, action) && err != nil {
					t.Errorf("%s is listed but %s was refused: %v", action, rpc, err)
				}
				if !slices.Contains(listed, action) && err == nil {
					t.Errorf("%s is not listed but %s was done", action, rpc)
				}
			}
		})
	}
}

// Every referral of a list carries the actions of the caller who listed it, and what a client
// sends in the field is not kept.
func TestAllowedActionsInListsAndNotStored(t *testing.T) {
	w := newWorld(t, 1, 50)
	ctx := ctxT(t)
	in := referraltest.Draft(true)
	in.AllowedActions = []referralv1.ReferralAction{referralv1.ReferralAction_REFERRAL_ACTION_COMPLETE}
	made, err := w.rc().CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: in})
	if err != nil {
		t.Fatal(err)
	}
	if got := actionNames(made.GetAllowedActions()); slices.Contains(got, "COMPLETE") || !slices.Contains(got, "SUBMIT") {
		t.Fatalf("created draft for its clinician: %v", got)
	}
	if _, err := w.rc().SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: made.GetName()}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		who  string
		id   auth.Identity
		want []string
	}{
		{"clinician", clinicianID, []string{"UPDATE", "RECORD_CONSENT", "WITHDRAW_CONSENT", "CANCEL", "MARK_ENTERED_IN_ERROR", "ADD_TIMELINE_NOTE"}},
		{"link worker", linkWorkerID, []string{"UPDATE", "ACCEPT", "REJECT", "CANCEL", "ADD_TIMELINE_NOTE"}},
	} {
		list, err := w.rc().ListReferrals(as(ctx, c.id), &referralv1.ListReferralsRequest{PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.GetReferrals()) != 1 {
			t.Fatalf("%s lists %d referrals, want 1", c.who, len(list.GetReferrals()))
		}
		if got := actionNames(list.GetReferrals()[0].GetAllowedActions()); !slices.Equal(got, c.want) {
			t.Errorf("listed for the %s\n got %v\nwant %v", c.who, got, c.want)
		}
	}
}
