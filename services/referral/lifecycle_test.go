package referral_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/server"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// call invokes one lifecycle method on a referral, as the referring clinician for the
// referrer's methods and as the link worker for the responder's.
func call(ctx context.Context, c referralv1.ReferralServiceClient, method, name string) error {
	var err error
	switch method {
	case "submit", "cancel", "markEnteredInError":
		ctx = as(ctx, clinicianID)
	default:
		ctx = lw(ctx)
	}
	switch method {
	case "submit":
		_, err = c.SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: name})
	case "accept":
		_, err = c.AcceptReferral(ctx, &referralv1.AcceptReferralRequest{Name: name, Assignee: linkWorker})
	case "reject":
		_, err = c.RejectReferral(ctx, &referralv1.RejectReferralRequest{Name: name, Reason: "no capacity"})
	case "start":
		_, err = c.StartReferral(ctx, &referralv1.StartReferralRequest{Name: name})
	case "hold":
		_, err = c.HoldReferral(ctx, &referralv1.HoldReferralRequest{Name: name, Reason: "waiting for a place"})
	case "resume":
		_, err = c.ResumeReferral(ctx, &referralv1.ResumeReferralRequest{Name: name})
	case "complete":
		_, err = c.CompleteReferral(ctx, &referralv1.CompleteReferralRequest{Name: name})
	case "fail":
		_, err = c.FailReferral(ctx, &referralv1.FailReferralRequest{Name: name, Reason: "could not contact"})
	case "cancel":
		_, err = c.CancelReferral(ctx, &referralv1.CancelReferralRequest{Name: name, Reason: "moved away"})
	case "markEnteredInError":
		_, err = c.MarkReferralEnteredInError(ctx, &referralv1.MarkReferralEnteredInErrorRequest{Name: name, Reason: "wrong person"})
	}
	return err
}

// responderHidden are the link worker's methods, which do not see a DRAFT.
var responderHidden = map[string]bool{"accept": true, "reject": true, "start": true, "hold": true, "resume": true,
	"complete": true, "fail": true}

// paths reach each status from DRAFT.
var paths = map[string][]string{
	"DRAFT":            nil,
	"REQUESTED":        {"submit"},
	"ACCEPTED":         {"submit", "accept"},
	"REJECTED":         {"submit", "reject"},
	"IN_PROGRESS":      {"submit", "accept", "start"},
	"ON_HOLD":          {"submit", "accept", "hold"},
	"COMPLETED":        {"submit", "accept", "start", "complete"},
	"FAILED":           {"submit", "accept", "fail"},
	"CANCELLED":        {"cancel"},
	"ENTERED_IN_ERROR": {"markEnteredInError"},
}

// lifecycle is DOMAIN.md's referral lifecycle written out, not read from the code under test:
// each method, the statuses it may leave, and where it leads.
var lifecycle = map[string]struct {
	from []string
	to   string
}{
	"submit":             {[]string{"DRAFT"}, "REQUESTED"},
	"accept":             {[]string{"REQUESTED"}, "ACCEPTED"},
	"reject":             {[]string{"REQUESTED"}, "REJECTED"},
	"start":              {[]string{"ACCEPTED", "ON_HOLD"}, "IN_PROGRESS"},
	"hold":               {[]string{"ACCEPTED", "IN_PROGRESS"}, "ON_HOLD"},
	"resume":             {[]string{"ON_HOLD"}, "IN_PROGRESS"},
	"complete":           {[]string{"IN_PROGRESS"}, "COMPLETED"},
	"fail":               {[]string{"ACCEPTED", "IN_PROGRESS", "ON_HOLD"}, "FAILED"},
	"cancel":             {[]string{"DRAFT", "REQUESTED", "ACCEPTED", "IN_PROGRESS", "ON_HOLD"}, "CANCELLED"},
	"markEnteredInError": {[]string{"DRAFT", "REQUESTED", "ACCEPTED", "IN_PROGRESS", "ON_HOLD"}, "ENTERED_IN_ERROR"},
}

// Every method from every status: allowed moves succeed, every other one is FAILED_PRECONDITION
// naming the current status and leaves the referral as it was; except that the receiving side
// does not see a DRAFT at all, so its methods on one are NOT_FOUND.
func TestEveryTransitionFromEveryStatus(t *testing.T) {
	w := newWorld(t, 1, 5)
	c, ctx := w.rc(), ctxT(t)
	methods := []string{"submit", "accept", "reject", "start", "hold", "resume", "complete", "fail", "cancel", "markEnteredInError"}
	for from := range paths {
		for _, method := range methods {
			t.Run(from+"/"+method, func(t *testing.T) {
				r, err := c.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true)})
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range paths[from] {
					if err := call(ctx, c, m, r.GetName()); err != nil {
						t.Fatalf("reaching %s with %s: %v", from, m, err)
					}
				}
				before, err := c.GetReferral(ctx, &referralv1.GetReferralRequest{Name: r.GetName()})
				if err != nil {
					t.Fatal(err)
				}
				if got := strings.TrimPrefix(before.GetStatus().String(), "REFERRAL_STATUS_"); got != from {
					t.Fatalf("reached %s, want %s", got, from)
				}
				err = call(ctx, c, method, r.GetName())
				if slices.Contains(lifecycle[method].from, from) {
					if err != nil {
						t.Fatalf("%s from %s: %v", method, from, err)
					}
					after, err := c.GetReferral(ctx, &referralv1.GetReferralRequest{Name: r.GetName()})
					if err != nil {
						t.Fatal(err)
					}
					if got := strings.TrimPrefix(after.GetStatus().String(), "REFERRAL_STATUS_"); got != lifecycle[method].to {
						t.Fatalf("%s from %s led to %s", method, from, got)
					}
					return
				}
				if from == domain.Draft && responderHidden[method] {
					if status.Code(err) != codes.NotFound {
						t.Fatalf("%s on a DRAFT by the link worker: %v, want NOT_FOUND", method, err)
					}
					return
				}
				if status.Code(err) != codes.FailedPrecondition || apierror.Reason(err) != server.ReasonReferralStatus {
					t.Fatalf("%s from %s: %v, want FAILED_PRECONDITION %s", method, from, err, server.ReasonReferralStatus)
				}
				if apierror.ErrorInfo(err).GetMetadata()["status"] != from || !strings.Contains(status.Convert(err).Message(), from) {
					t.Fatalf("error does not name the current status %s: %v", from, err)
				}
				after, err := c.GetReferral(ctx, &referralv1.GetReferralRequest{Name: r.GetName()})
				if err != nil {
					t.Fatal(err)
				}
				if after.GetEtag() != before.GetEtag() {
					t.Fatalf("refused %s changed the referral", method)
				}
			})
		}
	}
}

// Two referral service replicas race to accept one referral for different link workers: exactly
// one wins, the other is told the referral is already ACCEPTED.
func TestTwoReplicasRaceAccept(t *testing.T) {
	w := newWorld(t, 2, 5)
	ctx := ctxT(t)
	for round := range 5 {
		r, err := w.referrals[0].Client.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.referrals[1].Client.SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: r.GetName()}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		assignees := []string{linkWorker, linkWorker2}
		workers := []auth.Identity{linkWorkerID, linkWorker2ID}
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = w.referrals[i].Client.AcceptReferral(as(ctx, workers[i]), &referralv1.AcceptReferralRequest{Name: r.GetName(), Assignee: assignees[i]})
			}()
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			if err == nil {
				if winner >= 0 {
					t.Fatalf("round %d: both accepts succeeded", round)
				}
				winner = i
				continue
			}
			// Already ACCEPTED, a concurrent change, or (seen after the winner's write) a
			// referral now assigned to the other link worker.
			if c := status.Code(err); c != codes.FailedPrecondition && c != codes.Aborted && c != codes.PermissionDenied {
				t.Fatalf("round %d: loser got %v", round, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no accept succeeded: %v", round, errs)
		}
		got, err := w.referrals[1-winner].Client.GetReferral(ctx, &referralv1.GetReferralRequest{Name: r.GetName()})
		if err != nil {
			t.Fatal(err)
		}
		if got.GetAssignee() != assignees[winner] || got.GetStatus() != referralv1.ReferralStatus_REFERRAL_STATUS_ACCEPTED {
			t.Fatalf("round %d: stored %v / %s, want ACCEPTED by %s", round, got.GetStatus(), got.GetAssignee(), assignees[winner])
		}
		tl, err := w.referrals[0].Client.ListTimeline(ctx, &referralv1.ListTimelineRequest{Name: r.GetName()})
		if err != nil {
			t.Fatal(err)
		}
		accepts := 0
		for _, e := range tl.GetEntries() {
			if e.GetToStatus() == referralv1.ReferralStatus_REFERRAL_STATUS_ACCEPTED {
				accepts++
			}
		}
		if accepts != 1 {
			t.Fatalf("round %d: %d accept entries on the timeline", round, accepts)
		}
	}
}

// A referral sent without a priority is ROUTINE, the FHIR default.
func TestPriorityDefaultsToRoutine(t *testing.T) {
	w := newWorld(t, 1, 1)
	in := referraltest.Draft(true)
	in.Priority = referralv1.Priority_PRIORITY_UNSPECIFIED
	r, err := w.rc().CreateReferral(ctxT(t), &referralv1.CreateReferralRequest{Referral: in})
	if err != nil {
		t.Fatal(err)
	}
	if r.GetPriority() != referralv1.Priority_PRIORITY_ROUTINE {
		t.Fatalf("priority = %v, want ROUTINE", r.GetPriority())
	}
}
