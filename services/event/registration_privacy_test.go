package event_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"
)

// The public registration leaks of the issue, closed: registering with someone's email answers
// only what was sent and the state, and its token cannot cancel their registration; naming a
// referral is refused; hosts see given names, needs and states only.
func TestPublicRegistrationRevealsNothing(t *testing.T) {
	w := newWorld(t, 1)
	_, ss := w.published(t, "open-day", 5)
	public := as(ctxT(t), auth.Anonymous)
	c := w.ev()

	victim, err := c.CreateRegistration(public, &eventv1.CreateRegistrationRequest{Parent: ss.GetName(), Registration: &eventv1.Registration{
		Person: &eventv1.Person{GivenName: "Margaret", FamilyName: "Okafor", Email: "margaret@example.org", Phone: "+1 416 555 0199"},
		Needs:  []string{"step-free access"}}})
	if err != nil {
		t.Fatal(err)
	}
	if victim.GetCancelToken() == "" || victim.GetState() != eventv1.RegistrationState_REGISTRATION_STATE_CONFIRMED {
		t.Fatalf("registration: %v", victim)
	}

	// Someone else registers with her email, in another case.
	sent := &eventv1.Registration{Person: &eventv1.Person{GivenName: "Eve", Email: "MARGARET@example.org"}}
	repeat, err := c.CreateRegistration(public, &eventv1.CreateRegistrationRequest{Parent: ss.GetName(), Registration: sent})
	if err != nil {
		t.Fatal(err)
	}
	// Answered as a newcomer would be: a name of its own, what was sent, the state a new
	// registration gets now.
	if repeat.GetName() == victim.GetName() || !strings.HasPrefix(repeat.GetName(), ss.GetName()+"/registrations/") {
		t.Fatalf("a repeat was told the name %q (hers is %q)", repeat.GetName(), victim.GetName())
	}
	want := &eventv1.Registration{Name: repeat.GetName(), Person: sent.GetPerson(),
		State: eventv1.RegistrationState_REGISTRATION_STATE_CONFIRMED, CancelToken: repeat.GetCancelToken()}
	if !proto.Equal(repeat, want) {
		t.Fatalf("a repeat answered %v, want only what was sent and the state: %v", repeat, want)
	}
	if repeat.GetCancelToken() == "" || repeat.GetCancelToken() == victim.GetCancelToken() {
		t.Fatal("a repeat must get a token of its own, as if new")
	}

	// Neither the repeat's token nor none cancels her registration.
	for _, token := range []string{repeat.GetCancelToken(), "", "not-a-token"} {
		_, err := c.CancelRegistration(public, &eventv1.CancelRegistrationRequest{Name: victim.GetName(), CancelToken: token})
		if status.Code(err) != codes.NotFound {
			t.Fatalf("cancel with token %q: %v, want NOT_FOUND", token, err)
		}
	}
	got, err := c.GetRegistration(ctxT(t), &eventv1.GetRegistrationRequest{Name: victim.GetName()})
	if err != nil || got.GetState() != eventv1.RegistrationState_REGISTRATION_STATE_CONFIRMED {
		t.Fatalf("her registration after the attempts: %v %v", got, err)
	}
	// The host sees the given name, needs and state, nothing else.
	hostView := &eventv1.Registration{Name: victim.GetName(), Person: &eventv1.Person{GivenName: "Margaret"},
		Needs: []string{"step-free access"}, State: eventv1.RegistrationState_REGISTRATION_STATE_CONFIRMED}
	got.CreateTime, got.UpdateTime = nil, nil
	if !proto.Equal(got, hostView) {
		t.Fatalf("the host sees %v, want %v", got, hostView)
	}
	list, err := c.ListRegistrations(ctxT(t), &eventv1.ListRegistrationsRequest{Parent: ss.GetName()})
	if err != nil || list.GetTotalSize() != 1 {
		t.Fatalf("host list: %v %v", list, err)
	}
	for _, r := range list.GetRegistrations() {
		if p := r.GetPerson(); p.GetFamilyName() != "" || p.GetEmail() != "" || p.GetPhone() != "" || r.GetReferral() != "" || r.GetCancelToken() != "" {
			t.Fatalf("host list shows %v", r)
		}
	}

	// Naming a referral is only for the referral service.
	_, err = c.CreateRegistration(public, &eventv1.CreateRegistrationRequest{Parent: ss.GetName(), Registration: &eventv1.Registration{
		Person: &eventv1.Person{GivenName: "Eve"}, Referral: "referrals/someone"}})
	if status.Code(err) != codes.PermissionDenied || apierror.ErrorInfo(err).GetMetadata()["field"] != "registration.referral" {
		t.Fatalf("public registration naming a referral: %v, want PERMISSION_DENIED naming registration.referral", err)
	}
	booked, err := c.CreateRegistration(as(ctxT(t), serviceID), &eventv1.CreateRegistrationRequest{Parent: ss.GetName(),
		Registration: &eventv1.Registration{Person: &eventv1.Person{GivenName: "Walter", Email: "walter@example.org"}, Referral: "referrals/walter"}})
	if err != nil || booked.GetReferral() != "referrals/walter" || booked.GetPerson().GetEmail() != "walter@example.org" {
		t.Fatalf("the referral service's booking: %v %v", booked, err)
	}
	// A public repeat with the booked person's email is a new person (the booking is the
	// referral's), and learns nothing of the booking.
	other, err := c.CreateRegistration(public, &eventv1.CreateRegistrationRequest{Parent: ss.GetName(), Registration: &eventv1.Registration{
		Person: &eventv1.Person{GivenName: "Eve", Email: "walter@example.org"}}})
	if err != nil || other.GetName() == booked.GetName() || other.GetReferral() != "" {
		t.Fatalf("public registration with a booked person's email: %v %v", other, err)
	}

	// Her own token cancels, once.
	cancelled, err := c.CancelRegistration(public, &eventv1.CancelRegistrationRequest{Name: victim.GetName(), CancelToken: victim.GetCancelToken()})
	if err != nil || cancelled.GetState() != eventv1.RegistrationState_REGISTRATION_STATE_CANCELLED {
		t.Fatalf("cancel with her token: %v %v", cancelled, err)
	}
	if cancelled.GetPerson().GetFamilyName() != "" || cancelled.GetPerson().GetEmail() != "" || cancelled.GetCancelToken() != "" {
		t.Fatalf("cancel answered contact details: %v", cancelled)
	}
}
