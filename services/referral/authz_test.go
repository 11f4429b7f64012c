package referral_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// The callers of the authorisation matrix, one column each. "Own" is the organisation that
// made the referral (the clinic) or receives it (the centre); "x" is another organisation.
var matrixCallers = []struct {
	col string
	id  auth.Identity
}{
	{"anon", auth.Anonymous},
	{"clin", clinicianID},
	{"clinX", auth.Identity{Subject: "practitioners/dr-x", Organization: "organizations/elsewhere", Roles: []string{auth.RoleClinician}}},
	{"lw", linkWorkerID},
	{"lwPeer", linkWorker2ID},
	{"lwX", auth.Identity{Subject: "practitioners/lw-x", Organization: "organizations/elsewhere", Roles: []string{auth.RoleLinkWorker}}},
	{"host", hostID},
	{"hostX", auth.Identity{Subject: "practitioners/host-x", Organization: "organizations/elsewhere", Roles: []string{auth.RoleEventHost}}},
	{"mod", moderatorID},
	{"admin", adminID},
	{"sys", auth.Identity{Subject: "clients/clinic-his", Organization: clinic, Roles: []string{auth.RoleSystem}}},
	{"sysX", auth.Identity{Subject: "clients/other-his", Organization: "organizations/elsewhere", Roles: []string{auth.RoleSystem}}},
	{"priv", privacyID},
	{"svc", auth.Identity{Subject: "services/event", Roles: []string{auth.RoleService}}},
}

// The expected answer of every referral RPC for every caller, written out by hand from the
// rules in the issue (not derived from the policy under test). OK: allowed and the fixture
// referral is in the answer; OK0: allowed, but the fixture is not in the answer; U:
// UNAUTHENTICATED; P: PERMISSION_DENIED; N: NOT_FOUND. The fixture is in the state the row
// names, made by the clinic's clinician for the centre; "assigned" means to lw.
//
//	columns: anon clin clinX lw lwPeer lwX host hostX mod admin sys sysX priv svc
var referralMatrix = []struct {
	rpc, state, want string
}{
	{"CreateReferral", "-", "U OK P P P P P P P P OK P P P"},
	{"GetReferral", "REQUESTED", "U OK N OK OK N P P P P OK N P P"},
	{"GetReferral(draft)", "DRAFT", "U OK N N N N P P P P OK N P P"},
	{"ListTimeline", "REQUESTED", "U OK N OK OK N P P P P OK N P P"},
	{"ListReferrals", "REQUESTED", "U OK OK0 OK OK OK0 P P P P OK OK0 P P"},
	{"CountReferrals", "REQUESTED", "U OK OK0 OK OK OK0 P P P P OK OK0 P P"},
	{"SearchReferrals", "REQUESTED", "U OK OK0 OK OK OK0 P P P P OK OK0 P P"},
	{"WatchReferrals", "REQUESTED", "U OK OK0 OK OK OK0 P P P P OK OK0 P P"},
	{"UpdateReferral", "REQUESTED", "U OK N OK OK N P P P P OK N P P"},
	{"UpdateReferral(assigned)", "ACCEPTED", "U OK N OK P N P P P P OK N P P"},
	{"RecordConsent", "REQUESTED", "U OK N P P P P P P P OK N P P"},
	{"WithdrawConsent", "REQUESTED", "U OK N P P P P P P P OK N P P"},
	{"SubmitReferral", "DRAFT", "U OK N P P P P P P P OK N P P"},
	{"MarkReferralEnteredInError", "DRAFT", "U OK N P P P P P P P OK N P P"},
	{"AcceptReferral", "REQUESTED", "U P P OK OK N P P P P P N P P"},
	{"RejectReferral", "REQUESTED", "U P P OK OK N P P P P P N P P"},
	{"StartReferral", "ACCEPTED", "U P P OK P N P P P P P N P P"},
	{"HoldReferral", "ACCEPTED", "U P P OK P N P P P P P N P P"},
	{"ResumeReferral", "ON_HOLD", "U P P OK P N P P P P P N P P"},
	{"CompleteReferral", "IN_PROGRESS", "U P P OK P N P P P P P N P P"},
	{"FailReferral", "ACCEPTED", "U P P OK P N P P P P P N P P"},
	{"AddGoal", "ACCEPTED", "U P P OK P N P P P P P N P P"},
	{"UpdateGoalProgress", "ACCEPTED", "U P P OK P N P P P P P N P P"},
	{"RecordMeasure", "ACCEPTED", "U P P OK P N P P P P P N P P"},
	{"BookEvent", "IN_PROGRESS", "U P P OK P N P P P P P N P P"},
	{"CancelReferral", "REQUESTED", "U OK N OK OK N P P P P OK N P P"},
	{"CancelReferral(assigned)", "ACCEPTED", "U OK N OK P N P P P P OK N P P"},
	{"AddTimelineNote", "REQUESTED", "U OK N OK OK N P P P P OK N P P"},
	{"SearchAuditRecords", "REQUESTED", "U P P P P P P P P P P P OK P"},
}

// fixture makes a referral of the clinic for the centre and brings it to state.
func (w *world) fixture(t *testing.T, state string) *referralv1.Referral {
	t.Helper()
	ctx := ctxT(t)
	c := w.rc()
	r, err := c.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true)})
	if err != nil {
		t.Fatal(err)
	}
	steps := map[string][]string{
		"DRAFT": nil, "REQUESTED": {"submit"}, "ACCEPTED": {"submit", "accept"},
		"IN_PROGRESS": {"submit", "accept", "start"}, "ON_HOLD": {"submit", "accept", "hold"},
	}[state]
	for _, m := range steps {
		if err := call(ctx, c, m, r.GetName()); err != nil {
			t.Fatalf("fixture %s: %s: %v", state, m, err)
		}
	}
	if state == "ACCEPTED" {
		if _, err := c.AddGoal(lw(ctx), &referralv1.AddGoalRequest{Name: r.GetName(), Description: "Walk weekly."}); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// matrixCall makes the RPC of a row on referral r and reports whether r was in the answer.
func (w *world) matrixCall(ctx context.Context, rpc string, r *referralv1.Referral) (bool, error) {
	c, name := w.rc(), r.GetName()
	rpc, _, _ = strings.Cut(rpc, "(")
	one := func(got *referralv1.Referral, err error) (bool, error) {
		return err == nil && got.GetName() == name, err
	}
	has := func(list []*referralv1.Referral) bool {
		for _, x := range list {
			if x.GetName() == name {
				return true
			}
		}
		return false
	}
	switch rpc {
	case "CreateReferral":
		got, err := c.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true)})
		return err == nil && got.GetName() != "", err
	case "GetReferral":
		return one(c.GetReferral(ctx, &referralv1.GetReferralRequest{Name: name}))
	case "ListTimeline":
		got, err := c.ListTimeline(ctx, &referralv1.ListTimelineRequest{Name: name})
		return err == nil && len(got.GetEntries()) > 0, err
	case "ListReferrals":
		got, err := c.ListReferrals(ctx, &referralv1.ListReferralsRequest{PageSize: 1000})
		return err == nil && has(got.GetReferrals()), err
	case "CountReferrals":
		got, err := c.CountReferrals(ctx, &referralv1.CountReferralsRequest{})
		return err == nil && got.GetTotal() > 0, err
	case "SearchReferrals":
		s := r.GetSubject()
		got, err := c.SearchReferrals(ctx, &referralv1.SearchReferralsRequest{PageSize: 1000, Person: &referralv1.PersonQuery{
			GivenName: s.GetGivenName(), FamilyName: s.GetFamilyName(), DateOfBirth: s.GetDateOfBirth()}})
		return err == nil && has(got.GetReferrals()), err
	case "WatchReferrals":
		// Long enough for a loaded machine (-race, two cores) to replay the feed; a caller who
		// may see the referral returns as soon as it arrives, one who may not waits it out.
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		stream, err := c.WatchReferrals(wctx, &referralv1.WatchReferralsRequest{After: w.watchAfter, ReferringOrganization: clinic})
		if err != nil {
			return false, err
		}
		for {
			ch, err := stream.Recv()
			if err != nil {
				if wctx.Err() != nil || status.Code(err) == codes.DeadlineExceeded {
					return false, nil // nothing visible arrived
				}
				return false, err
			}
			if ch.GetReferral() == name {
				return true, nil
			}
		}
	case "UpdateReferral":
		return one(c.UpdateReferral(ctx, &referralv1.UpdateReferralRequest{
			Referral:   &referralv1.Referral{Name: name, WhatMatters: "Painting again."},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"what_matters"}}}))
	case "RecordConsent":
		return one(c.RecordConsent(ctx, &referralv1.RecordConsentRequest{Name: name, Consent: referraltest.Draft(true).GetConsent()}))
	case "WithdrawConsent":
		return one(c.WithdrawConsent(ctx, &referralv1.WithdrawConsentRequest{Name: name, Reason: "changed her mind"}))
	case "SubmitReferral":
		return one(c.SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: name}))
	case "MarkReferralEnteredInError":
		return one(c.MarkReferralEnteredInError(ctx, &referralv1.MarkReferralEnteredInErrorRequest{Name: name, Reason: "wrong person"}))
	case "AcceptReferral":
		return one(c.AcceptReferral(ctx, &referralv1.AcceptReferralRequest{Name: name, Assignee: linkWorker}))
	case "RejectReferral":
		return one(c.RejectReferral(ctx, &referralv1.RejectReferralRequest{Name: name, Reason: "no capacity"}))
	case "StartReferral":
		return one(c.StartReferral(ctx, &referralv1.StartReferralRequest{Name: name}))
	case "HoldReferral":
		return one(c.HoldReferral(ctx, &referralv1.HoldReferralRequest{Name: name, Reason: "waiting"}))
	case "ResumeReferral":
		return one(c.ResumeReferral(ctx, &referralv1.ResumeReferralRequest{Name: name}))
	case "CompleteReferral":
		return one(c.CompleteReferral(ctx, &referralv1.CompleteReferralRequest{Name: name}))
	case "FailReferral":
		return one(c.FailReferral(ctx, &referralv1.FailReferralRequest{Name: name, Reason: "could not contact"}))
	case "AddGoal":
		return one(c.AddGoal(ctx, &referralv1.AddGoalRequest{Name: name, Description: "Sing in a choir."}))
	case "UpdateGoalProgress":
		return one(c.UpdateGoalProgress(ctx, &referralv1.UpdateGoalProgressRequest{Name: name, GoalId: "1", Percent: 50}))
	case "RecordMeasure":
		return one(c.RecordMeasure(ctx, &referralv1.RecordMeasureRequest{Name: name, Instrument: referralv1.Instrument_INSTRUMENT_UCLA3,
			Timepoint: referralv1.Timepoint_TIMEPOINT_BASELINE, Items: []int32{2, 2, 2}}))
	case "BookEvent":
		return one(c.BookEvent(ctx, &referralv1.BookEventRequest{Name: name, Session: w.session}))
	case "CancelReferral":
		return one(c.CancelReferral(ctx, &referralv1.CancelReferralRequest{Name: name, Reason: "moved away"}))
	case "AddTimelineNote":
		return one(c.AddTimelineNote(ctx, &referralv1.AddTimelineNoteRequest{Name: name,
			Kind: referralv1.TimelineKind_TIMELINE_KIND_NOTE, Note: "Left a message."}))
	case "SearchAuditRecords":
		got, err := c.SearchAuditRecords(ctx, &referralv1.SearchAuditRecordsRequest{Referral: name, PageSize: 1000})
		return err == nil && len(got.GetAuditRecords()) > 0, err
	}
	return false, errors.New("no such RPC in the matrix: " + rpc)
}

// Every referral RPC × every role × own and other organisation answers exactly as the table
// says. A caller who may not see a referral gets NOT_FOUND, the answer for a referral that does
// not exist; lists, counts, searches and watches leave out what the caller may not see.
func TestAuthorizationMatrix(t *testing.T) {
	w := newWorld(t, 1, 50)
	cells := 0
	for _, row := range referralMatrix {
		want := strings.Fields(row.want)
		if len(want) != len(matrixCallers) {
			t.Fatalf("%s: %d expectations for %d callers", row.rpc, len(want), len(matrixCallers))
		}
		t.Run(row.rpc, func(t *testing.T) {
			if row.rpc == "WatchReferrals" {
				head, err := w.feed(t).Head(ctxT(t))
				if err != nil {
					t.Fatal(err)
				}
				w.watchAfter = strconv.FormatInt(head, 10)
			}
			var shared *referralv1.Referral // for answers that change nothing
			for i, caller := range matrixCallers {
				r := shared
				if r == nil || want[i] == "OK" {
					r = w.fixture(t, row.state)
					if want[i] != "OK" {
						shared = r
					}
				}
				ctx := as(ctxT(t), caller.id)
				got := testenv.Outcome(w.matrixCall(ctx, row.rpc, r))
				if got != want[i] {
					t.Errorf("%s as %s: %s, want %s", row.rpc, caller.col, got, want[i])
				}
				cells++
			}
		})
	}
	// Existence is not leaked: a referral that does not exist answers as one the caller may not see.
	for _, caller := range matrixCallers {
		_, err := w.rc().GetReferral(as(ctxT(t), caller.id), &referralv1.GetReferralRequest{Name: "referrals/does-not-exist"})
		want := map[string]codes.Code{"anon": codes.Unauthenticated, "clin": codes.NotFound, "clinX": codes.NotFound,
			"lw": codes.NotFound, "lwPeer": codes.NotFound, "lwX": codes.NotFound, "sys": codes.NotFound, "sysX": codes.NotFound}[caller.col]
		if want == codes.OK {
			want = codes.PermissionDenied
		}
		if status.Code(err) != want {
			t.Errorf("missing referral as %s: %v, want %v", caller.col, status.Code(err), want)
		}
		cells++
	}
	fmt.Printf("referral authorization matrix: %d RPC rows × %d callers + %d missing-referral checks = %d cells\n",
		len(referralMatrix), len(matrixCallers), len(matrixCallers), cells)
}

// Each side changes only its own fields: naming another side's field in the update mask is
// PERMISSION_DENIED naming the field, and "all fields" means all of the caller's. Timeline
// entries name the authenticated caller.
func TestUpdateMaskByRoleAndTimelineActors(t *testing.T) {
	w := newWorld(t, 1, 5)
	c, ctx := w.rc(), ctxT(t)
	r := w.fixture(t, "REQUESTED")
	changed := &referralv1.Referral{Name: r.GetName(), Subject: &referralv1.Subject{GivenName: "Someone", FamilyName: "Else",
		DateOfBirth: "1950-01-01"}, WhatMatters: "Company.", FollowUpTime: timestamppb.New(time.Now().Add(48 * time.Hour))}
	tests := []struct {
		name  string
		id    auth.Identity
		paths []string
		field string
	}{
		{"link worker changes the person", linkWorkerID, []string{"subject.given_name"}, "subject.given_name"},
		{"link worker changes the needs", linkWorkerID, []string{"what_matters", "needs"}, "needs"},
		{"clinician sets the follow-up", clinicianID, []string{"follow_up_time"}, "follow_up_time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.UpdateReferral(as(ctx, tc.id), &referralv1.UpdateReferralRequest{Referral: changed,
				UpdateMask: &fieldmaskpb.FieldMask{Paths: tc.paths}})
			if status.Code(err) != codes.PermissionDenied || apierror.ErrorInfo(err).GetMetadata()["field"] != tc.field {
				t.Fatalf("%v, want PERMISSION_DENIED naming %s", err, tc.field)
			}
		})
	}
	// No mask: the link worker's own fields change, the person's details do not.
	got, err := c.UpdateReferral(lw(ctx), &referralv1.UpdateReferralRequest{Referral: changed})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetSubject().GetGivenName() != "Margaret" || got.GetWhatMatters() != "Company." || got.GetFollowUpTime() == nil {
		t.Fatalf("update without a mask by the link worker: %v", got)
	}
	tl, err := c.ListTimeline(ctx, &referralv1.ListTimelineRequest{Name: r.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	wantActors := []string{clinician, clinician, clinician, linkWorker} // created, consent, submitted, updated
	if len(tl.GetEntries()) != len(wantActors) {
		t.Fatalf("timeline: %v", tl.GetEntries())
	}
	for i, e := range tl.GetEntries() {
		if e.GetActor() != wantActors[i] {
			t.Fatalf("timeline[%d] actor %q, want %q", i, e.GetActor(), wantActors[i])
		}
	}
}
