package referral_test

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// What the person agreed to decides what each side sees: without share-with-link-worker the
// receiving centre sees no name, birth date or contact details; without share-with-event-hosts
// a host sees the booked person only as "Referred participant" with no needs; withdrawing
// stops the sharing at once and is on the timeline.
func TestConsentDecidesWhatEachSideSees(t *testing.T) {
	w := newWorld(t, 1, 10)
	ctx, c := ctxT(t), w.rc()
	withScopes := func(scopes ...string) *referralv1.Referral {
		r := referraltest.Draft(true)
		r.Consent.Scope = scopes
		return r
	}
	send := func(r *referralv1.Referral) string {
		t.Helper()
		created, err := c.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: r})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: created.GetName()}); err != nil {
			t.Fatal(err)
		}
		return created.GetName()
	}
	withheld := func(p *referralv1.Referral) bool {
		s := p.GetSubject()
		return p.GetSubjectWithheld() && s.GetGivenName() == "" && s.GetFamilyName() == "" && s.GetDateOfBirth() == "" &&
			s.GetEmail() == "" && s.GetPhone() == "" && s.GetPostalCode() == "" &&
			s.GetPreferredLanguage() == "en" && slices.Equal(s.GetAccessibilityNeeds(), []string{"step-free access"})
	}

	hostsOnly := send(withScopes("share-with-event-hosts"))
	seen, err := c.GetReferral(lw(ctx), &referralv1.GetReferralRequest{Name: hostsOnly})
	if err != nil || !withheld(seen) {
		t.Fatalf("the link worker reads a referral sent without share-with-link-worker: %v %v", seen.GetSubject(), err)
	}
	list, err := c.ListReferrals(lw(ctx), &referralv1.ListReferralsRequest{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list.GetReferrals() {
		if r.GetName() == hostsOnly && !withheld(r) {
			t.Fatalf("the worklist shows %v", r.GetSubject())
		}
	}
	own, err := c.GetReferral(ctx, &referralv1.GetReferralRequest{Name: hostsOnly})
	if err != nil || own.GetSubjectWithheld() || own.GetSubject().GetGivenName() != "Margaret" {
		t.Fatalf("the referring clinician reads %v %v, want the details they collected", own.GetSubject(), err)
	}

	book := func(name string) {
		t.Helper()
		if _, err := c.AcceptReferral(lw(ctx), &referralv1.AcceptReferralRequest{Name: name, Assignee: linkWorker}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.StartReferral(lw(ctx), &referralv1.StartReferralRequest{Name: name}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.BookEvent(lw(ctx), &referralv1.BookEventRequest{Name: name, Session: w.session}); err != nil {
			t.Fatal(err)
		}
	}
	workerOnly := send(withScopes("share-with-link-worker"))
	book(workerOnly)
	book(hostsOnly)
	regs, err := w.events.Client.ListRegistrations(host(ctx), &eventv1.ListRegistrationsRequest{Parent: w.session, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range regs.GetRegistrations() {
		names = append(names, r.GetPerson().GetGivenName())
		if r.GetPerson().GetGivenName() == "Referred participant" && len(r.GetNeeds()) != 0 {
			t.Errorf("a host sees the needs of a person who did not share them: %v", r.GetNeeds())
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"Margaret", "Referred participant"}) {
		t.Fatalf("the host's list names %v, want Margaret (shared with hosts) and a referred participant", names)
	}

	// Withdrawing: the link worker no longer sees who it is, and the timeline says why.
	if _, err := c.WithdrawConsent(ctx, &referralv1.WithdrawConsentRequest{Name: workerOnly, Reason: "asked us to stop"}); err != nil {
		t.Fatal(err)
	}
	after, err := c.GetReferral(lw(ctx), &referralv1.GetReferralRequest{Name: workerOnly})
	if err != nil || !withheld(after) {
		t.Fatalf("after withdrawal the link worker reads %v %v", after.GetSubject(), err)
	}
	tl, err := c.ListTimeline(ctx, &referralv1.ListTimelineRequest{Name: workerOnly})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(tl.GetEntries(), func(e *referralv1.TimelineEntry) bool { return e.GetNote() == "consent withdrawn" }) {
		t.Fatal("the withdrawal is not on the timeline")
	}
}

// A consent is checked as given: not dated before the person was born, nor in the future, and
// only of scopes the system knows.
func TestConsentAsGiven(t *testing.T) {
	w := newWorld(t, 1, 5)
	ctx, c := ctxT(t), w.rc()
	for _, tc := range []struct {
		name  string
		set   func(*referralv1.Consent)
		field string
	}{
		{"dated 1850", func(k *referralv1.Consent) {
			k.GrantTime = timestamppb.New(time.Date(1850, 1, 1, 0, 0, 0, 0, time.UTC))
		}, "referral.consent.grant_time"},
		{"dated tomorrow", func(k *referralv1.Consent) { k.GrantTime = timestamppb.New(time.Now().Add(24 * time.Hour)) }, "referral.consent.grant_time"},
		{"an unknown scope", func(k *referralv1.Consent) { k.Scope = []string{"share-with-link-worker", "share-with-everyone"} }, "referral.consent.scope[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := referraltest.Draft(true)
			tc.set(r.Consent)
			_, err := c.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: r})
			testenv.WantField(t, err, tc.field)
		})
	}
	r, err := c.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: referraltest.Draft(false)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.RecordConsent(ctx, &referralv1.RecordConsentRequest{Name: r.GetName(), Consent: &referralv1.Consent{
		GrantedBy: "subject", GrantTime: timestamppb.New(time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)), Scope: []string{"share-with-link-worker"}}})
	testenv.WantField(t, err, "consent.grant_time") // before the person was born (1948)
}
