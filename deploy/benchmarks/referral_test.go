package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/gateway/gatewaytest"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/event/eventtest"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// loopWorld is the seeded directory of referraltest, an event service whose clock stands just
// before check-in opens on its four published sessions, a referral service and the gateway in
// front of all three.
type loopWorld struct {
	referrals referralv1.ReferralServiceClient
	events    eventv1.EventServiceClient
	refDB     string
	// sessions are booked in turn: a session holds at most 10,000 people.
	sessions []string
	base     string
	seq      atomic.Int64
	booked   atomic.Int64
}

// session is the session the next loop books.
func (w *loopWorld) session() string {
	return w.sessions[int(w.booked.Add(1))%len(w.sessions)]
}

func newLoopWorld(b *testing.B) *loopWorld {
	b.Helper()
	// The clients run in the measured process: they keep their tokens, as real ones do, so
	// that a signature per request is not counted as the system's cost.
	testenv.ReuseTokens()
	ctx := context.Background()
	dir := directorytest.Start(b, directorytest.Options{Database: testenv.DatabaseName(b)})
	referraltest.SeedDirectory(as(ctx, adminID), b, dir.Client)
	clock := testenv.NewClock(time.Now())
	events := eventtest.Start(b, eventtest.Options{Database: testenv.DatabaseName(b), DirectoryAddr: dir.Addr, Now: clock.Now})
	var sessions []string
	for i := range 4 { // room for 40,000 loops
		session, err := publish(as(ctx, referraltest.HostID), events.Client, fmt.Sprintf("tea-%d", i), &eventv1.Event{Title: "Tea and talk",
			Category: eventv1.EventCategory_EVENT_CATEGORY_STORYTELLING_CIRCLE, HostOrganization: referraltest.CHC,
			OnlineUrl: "https://meet.example.org/tea"}, clock.Now().Add(24*time.Hour), 10000)
		if err != nil {
			b.Fatal(err)
		}
		sessions = append(sessions, session)
	}
	// Check-in opens two hours before the start.
	clock.Advance(23 * time.Hour)
	refDB := testenv.DatabaseName(b)
	ref := referraltest.Start(b, referraltest.Options{Database: refDB, DirectoryAddr: dir.Addr, EventAddr: events.Addr})
	base := gatewaytest.Start(b, gateway.Config{DirectoryAddr: dir.Addr, EventAddr: events.Addr, ReferralAddr: ref.Addr})
	return &loopWorld{referrals: ref.Client, events: events.Client, refDB: refDB, sessions: sessions, base: base}
}

// consentTime is when the person of every benchmark referral consented.
func consentTime() time.Time { return time.Now().Add(-time.Minute) }

// newReferral is the referral of person n, with consent: the same as restLoop posts.
func newReferral(n int64) *referralv1.Referral {
	return &referralv1.Referral{
		Subject:               &referralv1.Subject{GivenName: "P", FamilyName: "Q", DateOfBirth: "1950-01-01", Email: fmt.Sprintf("r%d@example.org", n)},
		Consent:               &referralv1.Consent{GrantedBy: "subject", GrantTime: timestamppb.New(consentTime()), Scope: []string{"share-with-event-hosts"}},
		ReferringPractitioner: referraltest.Clinician, ReferringOrganization: referraltest.Clinic,
		ReceivingOrganization: referraltest.CHC, Needs: []referralv1.Need{referralv1.Need_NEED_LONELINESS},
	}
}

// grpcLoop walks a new referral through gRPC as each person would: the clinician creates and
// submits it, the link worker accepts, starts and books it, the host checks the person in,
// the link worker completes it.
func (w *loopWorld) grpcLoop() error {
	ctx := context.Background()
	clin, lw, host := as(ctx, referraltest.ClinicianID), as(ctx, referraltest.LinkWorkerID), as(ctx, referraltest.HostID)
	c := w.referrals
	r, err := c.CreateReferral(clin, &referralv1.CreateReferralRequest{Referral: newReferral(w.seq.Add(1))})
	if err != nil {
		return err
	}
	name := r.GetName()
	if _, err := c.SubmitReferral(clin, &referralv1.SubmitReferralRequest{Name: name}); err != nil {
		return err
	}
	if _, err := c.AcceptReferral(lw, &referralv1.AcceptReferralRequest{Name: name, Assignee: referraltest.LinkWorker}); err != nil {
		return err
	}
	if _, err := c.StartReferral(lw, &referralv1.StartReferralRequest{Name: name}); err != nil {
		return err
	}
	booked, err := c.BookEvent(lw, &referralv1.BookEventRequest{Name: name, Session: w.session()})
	if err != nil {
		return err
	}
	if _, err := w.events.CheckInRegistration(host, &eventv1.CheckInRegistrationRequest{Name: booked.GetBookings()[0].GetRegistration()}); err != nil {
		return err
	}
	_, err = c.CompleteReferral(lw, &referralv1.CompleteReferralRequest{Name: name})
	return err
}

// restLoop is grpcLoop through the gateway; created, when set, is called once the referral
// exists.
func (w *loopWorld) restLoop(created func()) error {
	var made map[string]any
	body := fmt.Sprintf(`{"subject": {"givenName": "P", "familyName": "Q", "dateOfBirth": "1950-01-01", "email": "r%d@example.org"},
		"consent": {"grantedBy": "subject", "grantTime": "%s", "scope": ["share-with-event-hosts"]},
		"referringPractitioner": "%s", "referringOrganization": "%s", "receivingOrganization": "%s", "needs": ["NEED_LONELINESS"]}`,
		w.seq.Add(1), consentTime().UTC().Format(time.RFC3339), referraltest.Clinician, referraltest.Clinic, referraltest.CHC)
	if err := testenv.PostJSON(referraltest.ClinicianID, w.base+"/v1/referrals", body, &made); err != nil {
		return err
	}
	if created != nil {
		created()
	}
	name, _ := made["name"].(string)
	steps := []struct {
		verb, body string
		clinician  bool
	}{
		{"submit", `{}`, true}, {"accept", `{"assignee": "` + referraltest.LinkWorker + `"}`, false}, {"start", `{}`, false},
	}
	for _, s := range steps {
		who := referraltest.LinkWorkerID
		if s.clinician {
			who = referraltest.ClinicianID
		}
		if err := testenv.PostJSON(who, w.base+"/v1/"+name+":"+s.verb, s.body, nil); err != nil {
			return err
		}
	}
	var booked map[string]any
	if err := testenv.PostJSON(referraltest.LinkWorkerID, w.base+"/v1/"+name+":bookEvent", `{"session": "`+w.session()+`"}`, &booked); err != nil {
		return err
	}
	bookings, _ := booked["bookings"].([]any)
	if len(bookings) != 1 {
		return fmt.Errorf("book %s: %d bookings, want 1", name, len(bookings))
	}
	reg, _ := bookings[0].(map[string]any)["registration"].(string)
	if err := testenv.PostJSON(referraltest.HostID, w.base+"/v1/"+reg+":checkIn", `{}`, nil); err != nil {
		return err
	}
	return testenv.PostJSON(referraltest.LinkWorkerID, w.base+"/v1/"+name+":complete", `{}`, nil)
}

// BenchmarkClosedLoop measures whole loops per second — create (with consent) → submit → accept →
// start → book an event → check in at the event service → complete — with 20 concurrent clients,
// through gRPC and through the REST gateway.
//
//	go test -run='^$' -bench=ClosedLoop -benchtime=200x ./deploy/benchmarks/
func BenchmarkClosedLoop(b *testing.B) {
	b.Run("grpc/clients=20", func(b *testing.B) {
		// A fresh world for each mode, so both start from empty databases.
		w := newLoopWorld(b)
		parallel(b, 20, "loops/s", w.grpcLoop)
	})
	b.Run("rest/clients=20", func(b *testing.B) {
		w := newLoopWorld(b)
		parallel(b, 20, "loops/s", func() error { return w.restLoop(nil) })
	})
}

// BenchmarkLoopsAsReferralsGrow prints whole referral loops per second through REST with 20
// clients, for SCALE_LOOP_SECONDS (default 10) each time the store holds at least each count of
// SCALE_REFERRALS (default 0,2000,5000) referrals, and the bytes on disk per stored referral.
//
//	go test -run='^$' -bench=LoopsAsReferralsGrow -benchtime=1x ./deploy/benchmarks/
func BenchmarkLoopsAsReferralsGrow(b *testing.B) {
	counts := []int{0, 2000, 5000}
	if s := os.Getenv("SCALE_REFERRALS"); s != "" {
		counts = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				b.Fatalf("SCALE_REFERRALS: %v", err)
			}
			counts = append(counts, n)
		}
	}
	secs := 10
	if s := os.Getenv("SCALE_LOOP_SECONDS"); s != "" {
		var err error
		if secs, err = strconv.Atoi(s); err != nil {
			b.Fatalf("SCALE_LOOP_SECONDS: %v", err)
		}
	}
	w := newLoopWorld(b)
	clin := as(context.Background(), referraltest.ClinicianID) // the fill creates referrals as the clinician
	var stored atomic.Int64
	loop := func(int) error { return w.restLoop(func() { stored.Add(1) }) }
	errFull := errors.New("full")
	for _, want := range counts {
		if have := stored.Load(); int64(want) > have {
			t := time.Now()
			_, _, err := testenv.Concurrent(20, time.Hour, func(int) error {
				if stored.Add(1) > int64(want) {
					stored.Add(-1)
					return errFull
				}
				_, err := w.referrals.CreateReferral(clin, &referralv1.CreateReferralRequest{Referral: newReferral(w.seq.Add(1))})
				return err
			})
			if err != nil && !errors.Is(err, errFull) {
				b.Fatal(err)
			}
			fmt.Printf("referrals: filled to %d in %v\n", stored.Load(), time.Since(t).Round(time.Millisecond))
		}
		at := stored.Load()
		rps, lat, err := testenv.Concurrent(20, time.Duration(secs)*time.Second, loop)
		if err != nil {
			b.Fatal(err)
		}
		fmt.Printf("referrals=%d loops/s REST clients=20: %.1f  (loop %v)\n", at, rps, lat)
		bytes := float64(testenv.DatabaseBytes(w.refDB))
		fmt.Printf("referrals=%d database on disk %.1f MB, %.0f bytes per referral\n", stored.Load(),
			bytes/1e6, bytes/float64(max(1, stored.Load())))
	}
}
