package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/socialrx/socialrx/deploy/demodata"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
)

// expectedBookingRef is a registration's booking reference as a person reads it: the first six
// characters of its id (a UUID, so letters and digits), in capitals.
func expectedBookingRef(t *testing.T, registration string) string {
	t.Helper()
	id := registration[strings.LastIndex(registration, "/")+1:]
	if len(id) < 6 || strings.ContainsAny(id[:6], "-_.") {
		t.Fatalf("registration id %q is not as the demo makes them", id)
	}
	return strings.ToUpper(id[:6])
}

// Two people called Odile registered for today's seed swap: the host's check-in list tells them
// apart by booking number, time and booking reference (no more about them than their given
// name and needs), finds one by her reference, and checks in only her. A person who registers
// reads the same reference on their confirmation.
func TestBrowserCheckInTellsNamesApart(t *testing.T) {
	s := startSite(t)
	ctx := newBrowser(t)
	viewport(t, ctx, 390, 844)

	var odiles []*eventv1.Registration
	for _, r := range s.registrations(t, demodata.SessionSeedSwap) {
		if r.GetPerson().GetGivenName() == "Odile" {
			odiles = append(odiles, r)
		}
	}
	if len(odiles) != 2 {
		t.Fatalf("the demo's seed swap has %d people called Odile, want 2", len(odiles))
	}
	first, second := expectedBookingRef(t, odiles[0].GetName()), expectedBookingRef(t, odiles[1].GetName())
	if first == second {
		t.Fatalf("two registrations share the booking reference %s", first)
	}

	signInAs(t, ctx, s.base, demodata.HostGoodNeighbours, "/host/"+demodata.SessionSeedSwap)
	rows := eval[[]string](t, ctx, `[...document.querySelectorAll(".attendees .attendee")].map(e => e.innerText)`)
	var shown []string
	for _, r := range rows {
		if strings.HasPrefix(strings.TrimSpace(r), "Odile") {
			shown = append(shown, r)
		}
	}
	if len(shown) != 2 || !strings.Contains(shown[0]+shown[1], "booking "+first) || !strings.Contains(shown[0]+shown[1], "booking "+second) {
		t.Fatalf("the check-in list's Odiles: %q; want booking %s and booking %s", shown, first, second)
	}
	for _, r := range shown {
		if strings.Contains(r, "@") || strings.Contains(r, "B.") || strings.Contains(r, "T.") {
			t.Fatalf("the check-in list shows a host more than the given name and needs: %q", r)
		}
	}
	checkA11y(t, ctx, "host: check-in list with booking references")
	screenshots(t, ctx, "checkin-booking")

	// The search finds the second Odile by her reference, typed in lower case.
	setField(t, ctx, "q", strings.ToLower(second))
	follow(t, ctx, `form[role="search"] button`)
	found := eval[[]string](t, ctx, `[...document.querySelectorAll(".attendees .attendee")].map(e => e.innerText)`)
	if len(found) != 1 || !strings.Contains(found[0], "booking "+second) {
		t.Fatalf("search by booking reference %s finds %q", second, found)
	}
	follow(t, ctx, ".attendees .attendee button.check-in")
	for _, r := range s.registrations(t, demodata.SessionSeedSwap) {
		want := eventv1.RegistrationState_REGISTRATION_STATE_CONFIRMED
		if r.GetName() == odiles[1].GetName() {
			want = eventv1.RegistrationState_REGISTRATION_STATE_ATTENDED
		}
		if r.GetPerson().GetGivenName() == "Odile" && r.GetState() != want {
			t.Fatalf("after checking in booking %s, %s is %s, want %s", second, r.GetName(), r.GetState(), want)
		}
	}
	signOut(t, ctx)

	// A person registering reads the reference the host will see.
	visit(t, ctx, s.base+"/"+demodata.SessionSeedSwap+"/register")
	register(t, ctx, "Priya", "priya.n@example.org", "")
	got := text(t, ctx, "#booking-ref")
	var mine string
	for _, r := range s.registrations(t, demodata.SessionSeedSwap) {
		if r.GetPerson().GetGivenName() == "Priya" {
			mine = expectedBookingRef(t, r.GetName())
		}
	}
	if got == "" || got != mine {
		t.Fatalf("the confirmation's booking reference is %q; the registration's is %q", got, mine)
	}
	checkA11y(t, ctx, "confirmation with a booking reference")
}

// The referring clinician withdraws the person's consent on the referral page: a referral not
// yet accepted is cancelled with it, the page says so once and shows the consent withdrawn, and
// the form is no longer offered.
func TestBrowserWithdrawConsent(t *testing.T) {
	s := startReferralSite(t)
	cl := newBrowser(t)
	viewport(t, cl, 390, 844)
	actAs(t, cl, s.base, demodata.ClinicianRiverdale)
	clinician := asIdentity(s.ctx, auth.Identity{Subject: demodata.ClinicianRiverdale, Organization: demodata.OrgRiverdaleCHC,
		Roles: []string{auth.RoleClinician}})
	list, err := s.referrals.ListReferrals(clinician, &referralv1.ListReferralsRequest{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	var name string
	for _, r := range list.GetReferrals() {
		if r.GetSubject().GetGivenName() == "Walter" && r.GetStatus() == referralv1.ReferralStatus_REFERRAL_STATUS_REQUESTED {
			name = r.GetName()
		}
	}
	if name == "" {
		t.Fatalf("the demo has no requested referral of Walter Nowak by %s", demodata.ClinicianRiverdale)
	}
	visit(t, cl, s.base+"/"+name)
	if got := text(t, cl, "#status"); got != "Requested" {
		t.Fatalf("the demo's requested referral is %q", got)
	}
	do(t, cl, chromedp.Click(chromedp.CSS("#withdraw-consent summary")))
	if got := text(t, cl, "#withdraw-help"); !strings.Contains(got, "a referral not yet accepted is cancelled with it") {
		t.Fatalf("the withdraw form says %q", got)
	}
	checkA11y(t, cl, "clinician: withdraw consent")
	screenshots(t, cl, "referral-withdraw-consent")
	setField(t, cl, "withdraw_reason", "She asked us not to share her details.")
	follow(t, cl, "#withdraw")
	if got := text(t, cl, "#flash"); got != "Consent withdrawn." {
		t.Fatalf("the confirmation after withdrawing: %q", got)
	}
	if got := text(t, cl, "#status"); got != "Cancelled" {
		t.Fatalf("a requested referral after consent is withdrawn is %q, want Cancelled", got)
	}
	if n := eval[int](t, cl, `document.querySelectorAll("#withdraw-consent").length`); n != 0 {
		t.Fatalf("the withdraw form is still offered after consent was withdrawn")
	}
	ref, err := s.referrals.GetReferral(clinician, &referralv1.GetReferralRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if !ref.GetConsent().GetWithdrawn() {
		t.Fatalf("the referral's consent after withdrawing: %v", ref.GetConsent())
	}
	checkA11y(t, cl, "clinician: consent withdrawn")
}
