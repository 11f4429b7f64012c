package referral_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

func TestBadInput(t *testing.T) {
	w := newWorld(t, 1, 5)
	c, ctx := w.rc(), ctxT(t)
	working := inProgress(t, c, "carl")
	create := func(mut func(*referralv1.Referral)) func(context.Context) error {
		return func(ctx context.Context) error {
			d := referraltest.Draft(true)
			mut(d)
			_, err := c.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: d})
			return err
		}
	}
	measure := func(in referralv1.Instrument, items ...int32) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := c.RecordMeasure(lw(ctx), &referralv1.RecordMeasureRequest{Name: working.GetName(), Instrument: in,
				Timepoint: referralv1.Timepoint_TIMEPOINT_BASELINE, Items: items})
			return err
		}
	}
	tests := []struct {
		name  string
		call  func(context.Context) error
		field string
	}{
		{"date of birth in the future", create(func(d *referralv1.Referral) { d.Subject.DateOfBirth = "2099-01-01" }), "referral.subject.date_of_birth"},
		{"date of birth not a date", create(func(d *referralv1.Referral) { d.Subject.DateOfBirth = "1948-02-30" }), "referral.subject.date_of_birth"},
		{"no subject", create(func(d *referralv1.Referral) { d.Subject = nil }), "referral.subject"},
		{"no needs", create(func(d *referralv1.Referral) { d.Needs = nil }), "referral.needs"},
		{"unknown practitioner", create(func(d *referralv1.Referral) { d.ReferringPractitioner = "practitioners/nobody" }), "referral.referring_practitioner"},
		{"practitioner of another organisation", func(ctx context.Context) error {
			// A clinician of the centre names a practitioner of the clinic as the referrer.
			d := referraltest.Draft(true)
			d.ReferringOrganization = chc
			_, err := c.CreateReferral(as(ctx, auth.Identity{Subject: "practitioners/dr-chc", Organization: chc,
				Roles: []string{auth.RoleClinician}}), &referralv1.CreateReferralRequest{Referral: d})
			return err
		}, "referral.referring_organization"},
		{"unknown receiving organisation", create(func(d *referralv1.Referral) { d.ReceivingOrganization = "organizations/nowhere" }), "referral.receiving_organization"},
		{"unknown suggested service", create(func(d *referralv1.Referral) { d.SuggestedService = "services/nothing" }), "referral.suggested_service"},
		{"unknown suggested event", create(func(d *referralv1.Referral) { d.SuggestedEvent = "events/nothing" }), "referral.suggested_event"},
		{"UCLA3 item out of range", measure(referralv1.Instrument_INSTRUMENT_UCLA3, 1, 4, 2), "items[1]"},
		{"ONS4 item out of range", measure(referralv1.Instrument_INSTRUMENT_ONS4, 5, 5, 11, 5), "items[2]"},
		{"SWEMWBS item below range", measure(referralv1.Instrument_INSTRUMENT_SWEMWBS, 3, 3, 0, 3, 3, 3, 3), "items[2]"},
		{"wrong number of items", measure(referralv1.Instrument_INSTRUMENT_UCLA3, 1, 2), "items"},
		{"assign to a clinician", func(ctx context.Context) error {
			r, err := c.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true)})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: r.GetName()})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.AcceptReferral(lw(ctx), &referralv1.AcceptReferralRequest{Name: r.GetName(), Assignee: clinician})
			return err
		}, "assignee"},
		{"book a session that does not exist", func(ctx context.Context) error {
			_, err := c.BookEvent(lw(ctx), &referralv1.BookEventRequest{Name: working.GetName(), Session: "events/tea/sessions/nope"})
			return err
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(ctx)
			if tc.field == "" {
				if status.Code(err) != codes.NotFound {
					t.Fatalf("code = %v, want NOT_FOUND (%v)", status.Code(err), err)
				}
				return
			}
			if status.Code(err) != codes.InvalidArgument {
				t.Fatalf("code = %v, want INVALID_ARGUMENT (%v)", status.Code(err), err)
			}
			if f := apierror.ErrorInfo(err).GetMetadata()["field"]; f != tc.field {
				t.Fatalf("field = %q, want %q (%v)", f, tc.field, err)
			}
		})
	}
	// Nothing was stored by the refused creates or measures.
	got, err := c.GetReferral(ctx, &referralv1.GetReferralRequest{Name: working.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.GetMeasures()) != 0 || len(got.GetBookings()) != 0 {
		t.Fatalf("refused calls changed the referral: %v", got)
	}
	list, err := c.ListReferrals(ctx, &referralv1.ListReferralsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if list.GetTotalSize() != 2 { // the working one and the one made to test accept
		t.Fatalf("%d referrals stored, want 2", list.GetTotalSize())
	}
	_, err = c.GetReferral(ctx, &referralv1.GetReferralRequest{Name: "referrals/missing"})
	testenv.WantCode(t, err, codes.NotFound, apierror.ReasonNotFound)
	_, err = c.ListReferrals(ctx, &referralv1.ListReferralsRequest{Filter: `colour = "red"`})
	testenv.WantCode(t, err, codes.InvalidArgument, apierror.ReasonInvalidFilter)
}

func TestWorklist(t *testing.T) {
	w := newWorld(t, 2, 5)
	ctx := ctxT(t)
	a, b := w.referrals[0].Client, w.referrals[1].Client
	urgent := referraltest.Draft(true)
	urgent.Priority = referralv1.Priority_PRIORITY_URGENT
	r1, err := a.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true)})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := a.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: urgent})
	if err != nil {
		t.Fatal(err)
	}
	r3 := inProgress(t, a, "dee")
	for _, r := range []*referralv1.Referral{r1, r2} {
		if _, err := a.SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: r.GetName()}); err != nil {
			t.Fatal(err)
		}
	}
	// The other replica's worklist sees every write at once, urgent first.
	list, err := b.ListReferrals(lw(ctx), &referralv1.ListReferralsRequest{Filter: `status = REQUESTED AND receiving_organization = "` + chc + `"`})
	if err != nil || list.GetTotalSize() != 2 || list.GetReferrals()[0].GetName() != r2.GetName() {
		t.Fatalf("requested worklist: %v %v", list, err)
	}
	mine, err := b.ListReferrals(lw(ctx), &referralv1.ListReferralsRequest{Filter: `assignee = "` + linkWorker + `"`})
	if err != nil {
		t.Fatal(err)
	}
	if mine.GetTotalSize() != 1 || mine.GetReferrals()[0].GetName() != r3.GetName() {
		t.Fatalf("assignee worklist: %v", mine)
	}
	counts, err := b.CountReferrals(lw(ctx), &referralv1.CountReferralsRequest{})
	if err != nil || counts.GetCounts()["REQUESTED"] != 2 || counts.GetCounts()["IN_PROGRESS"] != 1 || counts.GetTotal() != 3 {
		t.Fatalf("counts: %v %v", counts, err)
	}
	// Follow-up overdue: a follow-up time in the past on an open referral.
	if _, err := a.AddTimelineNote(lw(ctx), &referralv1.AddTimelineNoteRequest{Name: r3.GetName(),
		Kind: referralv1.TimelineKind_TIMELINE_KIND_CONTACT_ATTEMPT, Note: "No answer.", FollowUpTime: timestampDaysAgo(1)}); err != nil {
		t.Fatal(err)
	}
	overdue, err := b.ListReferrals(lw(ctx), &referralv1.ListReferralsRequest{FollowUpOverdue: true})
	if err != nil {
		t.Fatal(err)
	}
	if overdue.GetTotalSize() != 1 || overdue.GetReferrals()[0].GetName() != r3.GetName() {
		t.Fatalf("overdue: %v", overdue)
	}
}
