package referral_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/internal/server"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// The whole loop: clinician refers, link worker books an event, the person attends, the outcome
// is measured and the referral closed; the timeline tells it in order, and the referrer's watch
// stream follows the statuses.
func TestClosedLoop(t *testing.T) {
	w := newWorld(t, 1, 10)
	c, ctx := w.rc(), ctxT(t)

	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	watch, err := c.WatchReferrals(watchCtx, &referralv1.WatchReferralsRequest{ReferringOrganization: clinic})
	if err != nil {
		t.Fatal(err)
	}

	r, err := c.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: referraltest.Draft(false)})
	if err != nil {
		t.Fatal(err)
	}
	if r.GetStatus() != referralv1.ReferralStatus_REFERRAL_STATUS_DRAFT || r.GetCode() != "871731000000106" {
		t.Fatalf("created: %v", r)
	}
	_, err = c.SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: r.GetName()})
	testenv.WantCode(t, err, codes.FailedPrecondition, server.ReasonConsentMissing)
	step := func(what string, f func() (*referralv1.Referral, error)) *referralv1.Referral {
		t.Helper()
		got, err := f()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return got
	}
	step("consent", func() (*referralv1.Referral, error) {
		return c.RecordConsent(ctx, &referralv1.RecordConsentRequest{Name: r.GetName(), Consent: referraltest.Draft(true).GetConsent()})
	})
	step("submit", func() (*referralv1.Referral, error) {
		return c.SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: r.GetName()})
	})
	accepted := step("accept", func() (*referralv1.Referral, error) {
		return c.AcceptReferral(lw(ctx), &referralv1.AcceptReferralRequest{Name: r.GetName(), Assignee: linkWorker})
	})
	if accepted.GetAssignee() != linkWorker {
		t.Fatalf("assignee = %q", accepted.GetAssignee())
	}
	step("start", func() (*referralv1.Referral, error) {
		return c.StartReferral(lw(ctx), &referralv1.StartReferralRequest{Name: r.GetName()})
	})
	step("contact", func() (*referralv1.Referral, error) {
		return c.AddTimelineNote(lw(ctx), &referralv1.AddTimelineNoteRequest{Name: r.GetName(),
			Kind: referralv1.TimelineKind_TIMELINE_KIND_CONTACT_ATTEMPT, Note: "Phoned; talked about gardening.", Reached: true})
	})
	step("goal", func() (*referralv1.Referral, error) {
		return c.AddGoal(lw(ctx), &referralv1.AddGoalRequest{Name: r.GetName(), Description: "Meet new people once a week."})
	})
	base := step("baseline", func() (*referralv1.Referral, error) {
		return c.RecordMeasure(lw(ctx), &referralv1.RecordMeasureRequest{Name: r.GetName(),
			Instrument: referralv1.Instrument_INSTRUMENT_UCLA3, Timepoint: referralv1.Timepoint_TIMEPOINT_BASELINE, Items: []int32{3, 3, 2}})
	})
	if base.GetMeasures()[0].GetTotal() != 8 {
		t.Fatalf("baseline total = %d, want 8", base.GetMeasures()[0].GetTotal())
	}
	booked := step("book", func() (*referralv1.Referral, error) {
		return c.BookEvent(lw(ctx), &referralv1.BookEventRequest{Name: r.GetName(), Session: w.session})
	})
	if booked.GetBusinessStatus() != referralv1.BusinessStatus_BUSINESS_STATUS_EVENT_BOOKED || len(booked.GetBookings()) != 1 {
		t.Fatalf("booked: %v", booked)
	}
	// A retry books nothing more.
	again := step("book again", func() (*referralv1.Referral, error) {
		return c.BookEvent(lw(ctx), &referralv1.BookEventRequest{Name: r.GetName(), Session: w.session})
	})
	if len(again.GetBookings()) != 1 {
		t.Fatalf("retry made %d bookings", len(again.GetBookings()))
	}
	regs, err := w.events.Client.ListRegistrations(host(ctx), &eventv1.ListRegistrationsRequest{Parent: w.session})
	if err != nil || regs.GetTotalSize() != 1 {
		t.Fatalf("event service holds %d registrations, want 1 (%v)", regs.GetTotalSize(), err)
	}

	// The person checks in at the event service; the referral learns of it from the change feed.
	w.clock.Advance(23 * time.Hour)
	if _, err := w.events.Client.CheckInRegistration(host(ctx), &eventv1.CheckInRegistrationRequest{Name: booked.GetBookings()[0].GetRegistration()}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 20*time.Second, "the referral to show the event attended", func() bool {
		got, err := c.GetReferral(ctx, &referralv1.GetReferralRequest{Name: r.GetName()})
		return err == nil && got.GetBusinessStatus() == referralv1.BusinessStatus_BUSINESS_STATUS_EVENT_ATTENDED &&
			got.GetBookings()[0].GetState() == "ATTENDED"
	})
	follow := step("follow-up", func() (*referralv1.Referral, error) {
		return c.RecordMeasure(lw(ctx), &referralv1.RecordMeasureRequest{Name: r.GetName(),
			Instrument: referralv1.Instrument_INSTRUMENT_UCLA3, Timepoint: referralv1.Timepoint_TIMEPOINT_FOLLOW_UP, Items: []int32{1, 2, 1}})
	})
	m := follow.GetMeasures()[1]
	if m.GetTotal() != 4 || len(m.GetChangeFromBaseline()) != 1 || m.GetChangeFromBaseline()[0] != -4 {
		t.Fatalf("follow-up: total %d change %v; want 4 and [-4]", m.GetTotal(), m.GetChangeFromBaseline())
	}
	done := step("complete", func() (*referralv1.Referral, error) {
		return c.CompleteReferral(lw(ctx), &referralv1.CompleteReferralRequest{Name: r.GetName(), Note: "Goes to the circle weekly."})
	})
	if done.GetStatus() != referralv1.ReferralStatus_REFERRAL_STATUS_COMPLETED {
		t.Fatalf("status = %v", done.GetStatus())
	}

	tl, err := c.ListTimeline(ctx, &referralv1.ListTimelineRequest{Name: r.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		kind referralv1.TimelineKind
		to   referralv1.ReferralStatus
	}
	wants := []want{
		{referralv1.TimelineKind_TIMELINE_KIND_CREATED, referralv1.ReferralStatus_REFERRAL_STATUS_DRAFT},
		{referralv1.TimelineKind_TIMELINE_KIND_CONSENT, 0},
		{referralv1.TimelineKind_TIMELINE_KIND_STATUS_CHANGE, referralv1.ReferralStatus_REFERRAL_STATUS_REQUESTED},
		{referralv1.TimelineKind_TIMELINE_KIND_STATUS_CHANGE, referralv1.ReferralStatus_REFERRAL_STATUS_ACCEPTED},
		{referralv1.TimelineKind_TIMELINE_KIND_STATUS_CHANGE, referralv1.ReferralStatus_REFERRAL_STATUS_IN_PROGRESS},
		{referralv1.TimelineKind_TIMELINE_KIND_CONTACT_ATTEMPT, 0},
		{referralv1.TimelineKind_TIMELINE_KIND_GOAL, 0},
		{referralv1.TimelineKind_TIMELINE_KIND_MEASURE, 0},
		{referralv1.TimelineKind_TIMELINE_KIND_BOOKING, 0},
		{referralv1.TimelineKind_TIMELINE_KIND_EVENT_UPDATE, 0},
		{referralv1.TimelineKind_TIMELINE_KIND_MEASURE, 0},
		{referralv1.TimelineKind_TIMELINE_KIND_STATUS_CHANGE, referralv1.ReferralStatus_REFERRAL_STATUS_COMPLETED},
	}
	if len(tl.GetEntries()) != len(wants) {
		t.Fatalf("timeline has %d entries, want %d: %v", len(tl.GetEntries()), len(wants), tl.GetEntries())
	}
	for i, e := range tl.GetEntries() {
		if e.GetKind() != wants[i].kind || e.GetToStatus() != wants[i].to || e.GetSequence() != int64(i+1) {
			t.Fatalf("timeline[%d] = %v, want %v", i, e, wants[i])
		}
		if i > 0 && e.GetTime().AsTime().Before(tl.GetEntries()[i-1].GetTime().AsTime().Add(-time.Second)) {
			t.Fatalf("timeline out of time order at %d", i)
		}
	}

	// The referrer's watch saw the statuses in order, ending with COMPLETED.
	var seen []referralv1.ReferralStatus
	for len(seen) == 0 || seen[len(seen)-1] != referralv1.ReferralStatus_REFERRAL_STATUS_COMPLETED {
		ch, err := watch.Recv()
		if err != nil {
			t.Fatalf("watch: %v (saw %v)", err, seen)
		}
		if ch.GetReferral() != r.GetName() {
			t.Fatalf("watch sent %s", ch.GetReferral())
		}
		if len(seen) == 0 || seen[len(seen)-1] != ch.GetStatus() {
			seen = append(seen, ch.GetStatus())
		}
	}
	wantSeen := []referralv1.ReferralStatus{
		referralv1.ReferralStatus_REFERRAL_STATUS_DRAFT, referralv1.ReferralStatus_REFERRAL_STATUS_REQUESTED,
		referralv1.ReferralStatus_REFERRAL_STATUS_ACCEPTED, referralv1.ReferralStatus_REFERRAL_STATUS_IN_PROGRESS,
		referralv1.ReferralStatus_REFERRAL_STATUS_COMPLETED,
	}
	if len(seen) != len(wantSeen) {
		t.Fatalf("watch saw %v, want %v", seen, wantSeen)
	}
	for i := range seen {
		if seen[i] != wantSeen[i] {
			t.Fatalf("watch saw %v, want %v", seen, wantSeen)
		}
	}
}
