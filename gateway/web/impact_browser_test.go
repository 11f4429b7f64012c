package web_test

import (
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/socialrx/socialrx/deploy/demodata"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// impactEvents publishes one event of each category at Albion Heights, starting in a few
// minutes so that check-in is open, and returns their sessions.
func (s *referralSite) impactEvents(t *testing.T, categories ...eventv1.EventCategory) []string {
	t.Helper()
	host := asIdentity(s.ctx, auth.Identity{Subject: "practitioners/test-host-albion", Organization: demodata.OrgAlbionCHC, Roles: []string{auth.RoleEventHost}})
	mod := asIdentity(s.ctx, auth.Identity{Subject: demodata.ModeratorNetwork, Roles: []string{auth.RoleModerator}})
	start := time.Now().Add(10 * time.Minute).Truncate(time.Minute)
	var sessions []string
	for i, c := range categories {
		ev, err := s.events.CreateEvent(host, &eventv1.CreateEventRequest{Event: &eventv1.Event{
			Title: fmt.Sprintf("Impact activity %d", i), Category: c, HostOrganization: demodata.OrgAlbionCHC,
			Venue: &eventv1.Venue{Place: &eventv1.Venue_Location{Location: demodata.LocAlbionHeights}}, Cost: &eventv1.Cost{Free: true}}})
		if err != nil {
			t.Fatalf("create event: %v", err)
		}
		ss, err := s.events.CreateSession(host, &eventv1.CreateSessionRequest{Parent: ev.GetName(), Session: &eventv1.Session{
			StartTime: timestamppb.New(start), EndTime: timestamppb.New(start.Add(time.Hour)), TimeZone: "America/Toronto", Capacity: 50}})
		if err != nil {
			t.Fatalf("create session: %v", err)
		}
		if _, err := s.events.SubmitEvent(host, &eventv1.SubmitEventRequest{Name: ev.GetName()}); err != nil {
			t.Fatalf("submit event: %v", err)
		}
		if _, err := s.events.PublishEvent(mod, &eventv1.PublishEventRequest{Name: ev.GetName()}); err != nil {
			t.Fatalf("publish event: %v", err)
		}
		sessions = append(sessions, ss.GetName())
	}
	return sessions
}

// TestBrowserImpactPage refers 30 people to Albion Heights, books them on three kinds of
// activity, checks most in and records their scores, then reads the public impact page in
// Chromium, in English and French: three charts, their tables, the CSP and axe-core clean.
func TestBrowserImpactPage(t *testing.T) {
	s := startReferralSite(t)
	sessions := s.impactEvents(t, eventv1.EventCategory_EVENT_CATEGORY_ART_ON_PRESCRIPTION,
		eventv1.EventCategory_EVENT_CATEGORY_COMMUNITY_GARDENING, eventv1.EventCategory_EVENT_CATEGORY_MUSIC_AND_DANCE)
	cl := asIdentity(s.ctx, auth.Identity{Subject: demodata.ClinicianRiverdale, Organization: demodata.OrgRiverdaleCHC, Roles: []string{auth.RoleClinician}})
	lw := asIdentity(s.ctx, auth.Identity{Subject: demodata.LinkWorkerAlbion, Organization: demodata.OrgAlbionCHC, Roles: []string{auth.RoleLinkWorker}})
	host := asIdentity(s.ctx, auth.Identity{Subject: "practitioners/test-host-albion", Organization: demodata.OrgAlbionCHC, Roles: []string{auth.RoleEventHost}})
	rc := s.referrals
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var last string
	for i := range 30 {
		r, err := rc.CreateReferral(cl, &referralv1.CreateReferralRequest{Referral: &referralv1.Referral{
			Subject: &referralv1.Subject{GivenName: fmt.Sprintf("Impactperson%02d", i), FamilyName: "Test", DateOfBirth: fmt.Sprintf("19%02d-05-17", 40+i),
				PreferredLanguage: []string{"en", "fr"}[i%2]},
			Consent:               &referralv1.Consent{GrantedBy: "subject", GrantTime: timestamppb.New(time.Now().Add(-time.Minute)), Scope: []string{"share-with-link-worker", "share-with-event-hosts"}},
			ReferringPractitioner: demodata.ClinicianRiverdale, ReferringOrganization: demodata.OrgRiverdaleCHC, ReceivingOrganization: demodata.OrgAlbionCHC,
			Needs: []referralv1.Need{referralv1.Need_NEED_LONELINESS}}})
		must(err)
		name := r.GetName()
		_, err = rc.SubmitReferral(cl, &referralv1.SubmitReferralRequest{Name: name})
		must(err)
		_, err = rc.AcceptReferral(lw, &referralv1.AcceptReferralRequest{Name: name, Assignee: demodata.LinkWorkerAlbion})
		must(err)
		_, err = rc.StartReferral(lw, &referralv1.StartReferralRequest{Name: name})
		must(err)
		attends := i%4 != 3
		score := func(tp referralv1.Timepoint, ucla, ons, swem []int32) {
			for _, m := range []struct {
				in    referralv1.Instrument
				items []int32
			}{{referralv1.Instrument_INSTRUMENT_UCLA3, ucla}, {referralv1.Instrument_INSTRUMENT_ONS4, ons}, {referralv1.Instrument_INSTRUMENT_SWEMWBS, swem}} {
				_, err := rc.RecordMeasure(lw, &referralv1.RecordMeasureRequest{Name: name, Instrument: m.in, Timepoint: tp, Items: m.items})
				must(err)
			}
		}
		score(referralv1.Timepoint_TIMEPOINT_BASELINE, []int32{3, 3, int32(2 + i%2)}, []int32{4, 5, int32(4 + i%3), 7}, []int32{2, 2, 2, 3, 2, 2, int32(2 + i%2)})
		b, err := rc.BookEvent(lw, &referralv1.BookEventRequest{Name: name, Session: sessions[i%3]})
		must(err)
		if attends {
			_, err = s.events.CheckInRegistration(host, &eventv1.CheckInRegistrationRequest{Name: b.GetBookings()[0].GetRegistration()})
			must(err)
			score(referralv1.Timepoint_TIMEPOINT_FOLLOW_UP, []int32{2, int32(1 + i%2), 2}, []int32{int32(6 + i%3), 7, 6, int32(4 + i%2)}, []int32{3, 3, 4, 3, 3, int32(3 + i%2), 3})
			last = name
		} else {
			score(referralv1.Timepoint_TIMEPOINT_FOLLOW_UP, []int32{3, int32(2 + i%2), 3}, []int32{4, int32(5 + i%2), 4, 7}, []int32{2, 2, 3, 3, 2, 2, int32(2 + i%2)})
		}
	}
	if !testenv.Poll(30*time.Second, func() bool {
		r, err := rc.GetReferral(lw, &referralv1.GetReferralRequest{Name: last})
		return err == nil && r.GetBookings()[0].GetState() == "ATTENDED"
	}) {
		t.Fatal("attendance did not reach the referrals")
	}

	ctx := newBrowser(t)
	viewport(t, ctx, 1280, 900)
	visit(t, ctx, s.base+"/impact")
	if got := text(t, ctx, "h1"); got != "Impact of social prescribing" {
		t.Fatalf("impact page heading %q", got)
	}
	if n := eval[int](t, ctx, `[...document.querySelectorAll("figure svg.chart")].filter(s => s.getBoundingClientRect().width > 200 && s.querySelectorAll("path, rect").length > 3).length`); n != 3 {
		t.Fatalf("%d charts drawn, want 3", n)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("table.impact").length`); n < 9 {
		t.Fatalf("%d tables, want the funnel, attendance, six outcomes and more", n)
	}
	// The demo data's referrals count too: at least the test's 30 were created.
	if got := eval[int](t, ctx, `parseInt(document.querySelector("#table-funnel tbody tr:first-child td:last-child").textContent, 10)`); got < 30 {
		t.Fatalf("funnel: %d created, want at least 30", got)
	}
	checkNoA11yViolations(t, ctx, "impact page")
	screenshots(t, ctx, "impact")

	fr := newBrowser(t)
	acceptLanguage(t, fr, "fr-CA,fr;q=0.9")
	viewport(t, fr, 390, 844)
	visit(t, fr, s.base+"/impact")
	if got := text(t, fr, "h1"); got != "Impact de la prescription sociale" {
		t.Fatalf("French impact page heading %q", got)
	}
	checkNoA11yViolations(t, fr, "impact page (fr)")
	screenshots(t, fr, "impact-fr")
}
