package event_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event/internal/domain"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

func TestEventLifecycle(t *testing.T) {
	w := newWorld(t, 1)
	c, ctx := w.ev(), ctxT(t)
	ev := w.newEvent(t, "circle")
	if ev.GetState() != eventv1.EventState_EVENT_STATE_DRAFT {
		t.Fatalf("new event state = %v, want DRAFT", ev.GetState())
	}
	if v := ev.GetVenue(); v.GetLatitude() != 43.6677 || !strings.Contains(v.GetDisplayName(), "Riverdale CHC") {
		t.Fatalf("venue not resolved from the directory: %v", v)
	}

	// Submitting without a session is refused; so is publishing a draft.
	_, err := c.SubmitEvent(ctx, &eventv1.SubmitEventRequest{Name: ev.GetName()})
	testenv.WantCode(t, err, codes.FailedPrecondition, domain.ReasonNoSessions)
	_, err = c.PublishEvent(moderator(ctx), &eventv1.PublishEventRequest{Name: ev.GetName()})
	testenv.WantCode(t, err, codes.FailedPrecondition, domain.ReasonEventState)
	if info := apierror.ErrorInfo(err); info.GetMetadata()["state"] != "DRAFT" || !strings.Contains(err.Error(), "DRAFT") {
		t.Fatalf("error does not name the current state: %v", err)
	}

	if _, err := c.CreateSession(ctx, &eventv1.CreateSessionRequest{Parent: ev.GetName(), SessionId: "day-1", Session: session(48*time.Hour, 20)}); err != nil {
		t.Fatal(err)
	}
	ev, err = c.SubmitEvent(ctx, &eventv1.SubmitEventRequest{Name: ev.GetName()})
	if err != nil || ev.GetState() != eventv1.EventState_EVENT_STATE_SUBMITTED {
		t.Fatalf("submit: %v %v", ev.GetState(), err)
	}
	// Only a moderator publishes or rejects.
	_, err = c.PublishEvent(ctx, &eventv1.PublishEventRequest{Name: ev.GetName()})
	testenv.WantCode(t, err, codes.PermissionDenied, apierror.ReasonPermissionDenied)
	ev, err = c.RejectEvent(moderator(ctx), &eventv1.RejectEventRequest{Name: ev.GetName(), Reason: "Please add an accessibility note."})
	if err != nil || ev.GetState() != eventv1.EventState_EVENT_STATE_REJECTED || ev.GetStateReason() == "" {
		t.Fatalf("reject: %v %v", ev, err)
	}
	// Fixed and resubmitted, then published.
	ev, err = c.UpdateEvent(ctx, &eventv1.UpdateEventRequest{Event: &eventv1.Event{Name: ev.GetName(),
		AccessibilityFeatures: []string{"step-free access"}, Etag: ev.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"accessibility_features"}}})
	if err != nil {
		t.Fatal(err)
	}
	stale := ev.GetEtag()
	if _, err := c.SubmitEvent(ctx, &eventv1.SubmitEventRequest{Name: ev.GetName()}); err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateEvent(ctx, &eventv1.UpdateEventRequest{Event: &eventv1.Event{Name: ev.GetName(), Title: "New", Etag: stale},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
	testenv.WantCode(t, err, codes.Aborted, apierror.ReasonEtagMismatch)
	ev, err = c.PublishEvent(moderator(ctx), &eventv1.PublishEventRequest{Name: ev.GetName()})
	if err != nil || ev.GetState() != eventv1.EventState_EVENT_STATE_PUBLISHED {
		t.Fatalf("publish: %v %v", ev.GetState(), err)
	}
	// A published event cannot be deleted or submitted again; it can be cancelled, once.
	_, err = c.DeleteEvent(ctx, &eventv1.DeleteEventRequest{Name: ev.GetName()})
	testenv.WantCode(t, err, codes.FailedPrecondition, domain.ReasonEventState)
	_, err = c.SubmitEvent(ctx, &eventv1.SubmitEventRequest{Name: ev.GetName()})
	testenv.WantCode(t, err, codes.FailedPrecondition, domain.ReasonEventState)
	ev, err = c.CancelEvent(ctx, &eventv1.CancelEventRequest{Name: ev.GetName(), Reason: "Venue flooded."})
	if err != nil || ev.GetState() != eventv1.EventState_EVENT_STATE_CANCELLED {
		t.Fatalf("cancel: %v %v", ev.GetState(), err)
	}
	for name, call := range map[string]func() error{
		"complete": func() error {
			_, err := c.CompleteEvent(ctx, &eventv1.CompleteEventRequest{Name: ev.GetName()})
			return err
		},
		"cancel again": func() error {
			_, err := c.CancelEvent(ctx, &eventv1.CancelEventRequest{Name: ev.GetName(), Reason: "x"})
			return err
		},
		"publish": func() error {
			_, err := c.PublishEvent(moderator(ctx), &eventv1.PublishEventRequest{Name: ev.GetName()})
			return err
		},
		"update": func() error {
			_, err := c.UpdateEvent(ctx, &eventv1.UpdateEventRequest{Event: &eventv1.Event{Name: ev.GetName(), Title: "x"},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
			return err
		},
	} {
		err := call()
		if apierror.ErrorInfo(err).GetMetadata()["state"] != "CANCELLED" {
			t.Fatalf("%s after cancel: %v, want FAILED_PRECONDITION naming CANCELLED", name, err)
		}
		testenv.WantCode(t, err, codes.FailedPrecondition, domain.ReasonEventState)
	}
	ss, err := c.GetSession(ctx, &eventv1.GetSessionRequest{Name: ev.GetName() + "/sessions/day-1"})
	if err != nil || ss.GetState() != eventv1.SessionState_SESSION_STATE_CANCELLED {
		t.Fatalf("cancelling the event did not cancel its session: %v %v", ss, err)
	}

	// A draft can be deleted.
	draft := w.newEvent(t, "draft")
	if _, err := c.DeleteEvent(ctx, &eventv1.DeleteEventRequest{Name: draft.GetName()}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetEvent(ctx, &eventv1.GetEventRequest{Name: draft.GetName()})
	testenv.WantCode(t, err, codes.NotFound, apierror.ReasonNotFound)
}

func TestRegistrationFlow(t *testing.T) {
	w := newWorld(t, 1)
	c, ctx := w.ev(), ctxT(t)
	_, ss := w.published(t, "cooking", 2)

	r1, err := c.CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{Parent: ss.GetName(), Registration: person(1), RequestId: "r1"})
	if err != nil || r1.GetState() != eventv1.RegistrationState_REGISTRATION_STATE_CONFIRMED {
		t.Fatalf("first: %v %v", r1, err)
	}
	// The same request id gets the same registration back; the same person by another request
	// is answered as a newcomer would be (a seat is free), and takes no second seat.
	again, err := c.CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{Parent: ss.GetName(), Registration: person(1), RequestId: "r1"})
	if err != nil || again.GetName() != r1.GetName() {
		t.Fatalf("retry: %v %v", again, err)
	}
	samePerson := person(1)
	samePerson.Person.Email = "PERSON1@example.org"
	dup, err := c.CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{Parent: ss.GetName(), Registration: samePerson})
	if err != nil || dup.GetName() == r1.GetName() || dup.GetState() != eventv1.RegistrationState_REGISTRATION_STATE_CONFIRMED {
		t.Fatalf("same person: %v %v", dup, err)
	}
	r2, err := c.CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{Parent: ss.GetName(), Registration: person(2)})
	if err != nil {
		t.Fatal(err)
	}
	r3, err := c.CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{Parent: ss.GetName(), Registration: person(3)})
	if err != nil {
		t.Fatal(err)
	}
	r4, err := c.CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{Parent: ss.GetName(), Registration: person(4)})
	if err != nil {
		t.Fatal(err)
	}
	if r2.GetState() != eventv1.RegistrationState_REGISTRATION_STATE_CONFIRMED ||
		r3.GetWaitlistPosition() != 1 || r4.GetWaitlistPosition() != 2 {
		t.Fatalf("capacity 2: r2=%v r3=%v r4=%v", r2.GetState(), r3, r4)
	}

	// Cancelling a confirmed registration promotes the first person waiting, exactly once.
	if _, err := c.CancelRegistration(ctx, &eventv1.CancelRegistrationRequest{Name: r1.GetName()}); err != nil {
		t.Fatal(err)
	}
	got3, err := c.GetRegistration(ctx, &eventv1.GetRegistrationRequest{Name: r3.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	got4, err := c.GetRegistration(ctx, &eventv1.GetRegistrationRequest{Name: r4.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if got3.GetState() != eventv1.RegistrationState_REGISTRATION_STATE_CONFIRMED || got4.GetWaitlistPosition() != 1 {
		t.Fatalf("after cancel: r3=%v r4=%v", got3, got4)
	}
	// Cancelling again is harmless and promotes nobody else.
	if _, err := c.CancelRegistration(ctx, &eventv1.CancelRegistrationRequest{Name: r1.GetName()}); err != nil {
		t.Fatal(err)
	}
	got4, err = c.GetRegistration(ctx, &eventv1.GetRegistrationRequest{Name: r4.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if got4.GetState() != eventv1.RegistrationState_REGISTRATION_STATE_WAITLISTED {
		t.Fatalf("second cancel promoted again: %v", got4)
	}

	// Check-in opens two hours before the start.
	_, err = c.CheckInRegistration(ctx, &eventv1.CheckInRegistrationRequest{Name: r2.GetName()})
	testenv.WantCode(t, err, codes.FailedPrecondition, domain.ReasonCheckInWindow)
	w.clock.Advance(23 * time.Hour)
	in, err := c.CheckInRegistration(ctx, &eventv1.CheckInRegistrationRequest{Name: r2.GetName()})
	if err != nil || in.GetState() != eventv1.RegistrationState_REGISTRATION_STATE_ATTENDED || in.GetCheckInTime() == nil {
		t.Fatalf("check-in: %v %v", in, err)
	}
	// A cancelled registration cannot check in; the waitlisted person neither.
	_, err = c.CheckInRegistration(ctx, &eventv1.CheckInRegistrationRequest{Name: r1.GetName()})
	testenv.WantCode(t, err, codes.FailedPrecondition, domain.ReasonRegistrationState)
	_, err = c.CheckInRegistration(ctx, &eventv1.CheckInRegistrationRequest{Name: r4.GetName()})
	testenv.WantCode(t, err, codes.FailedPrecondition, domain.ReasonRegistrationState)

	// No-shows only after the end; then every confirmed person who did not come.
	_, err = c.MarkNoShows(ctx, &eventv1.MarkNoShowsRequest{Name: ss.GetName()})
	testenv.WantCode(t, err, codes.FailedPrecondition, domain.ReasonSessionNotEnded)
	w.clock.Advance(4 * time.Hour)
	ns, err := c.MarkNoShows(ctx, &eventv1.MarkNoShowsRequest{Name: ss.GetName()})
	if err != nil || len(ns.GetRegistrations()) != 1 || ns.GetRegistrations()[0].GetName() != r3.GetName() {
		t.Fatalf("no-shows: %v %v", ns, err)
	}
	// Registering for a past session is refused.
	_, err = c.CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{Parent: ss.GetName(), Registration: person(9)})
	testenv.WantCode(t, err, codes.FailedPrecondition, domain.ReasonSessionStarted)

	// The host's list: given names and needs only.
	list, err := c.ListRegistrations(ctx, &eventv1.ListRegistrationsRequest{Parent: ss.GetName()})
	if err != nil || list.GetTotalSize() != 4 {
		t.Fatalf("list: %v %v", list, err)
	}
	for _, r := range list.GetRegistrations() {
		if r.GetPerson().GetEmail() != "" || r.GetPerson().GetGivenName() == "" {
			t.Fatalf("host sees more than the given name: %v", r.GetPerson())
		}
	}
	full, err := c.ListRegistrations(as(ctx, serviceID), &eventv1.ListRegistrationsRequest{Parent: ss.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if full.GetRegistrations()[0].GetPerson().GetEmail() == "" {
		t.Fatal("the referral service should see contact details")
	}
}
