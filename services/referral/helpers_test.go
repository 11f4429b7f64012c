package referral_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/event/eventtest"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// world is a directory with a clinic and a community health centre, an event service with one
// published event, and referral service replicas.
type world struct {
	dir       *directorytest.Instance
	clock     *testenv.Clock
	events    *eventtest.Instance
	eventDB   string
	referrals []*referraltest.Instance
	refDB     string
	session   string
	logger    *slog.Logger
	// watchAfter is where the authorization matrix's watches start: the feed's head before the
	// row's first referral, so that each replays only that row's changes.
	watchAfter string
}

// The seeded directory's organisations and practitioners.
const (
	clinic      = referraltest.Clinic
	chc         = referraltest.CHC
	clinician   = referraltest.Clinician
	linkWorker  = referraltest.LinkWorker
	linkWorker2 = referraltest.LinkWorker2
)

// ctxT is the context of a test, acting as the referring clinician; other callers are made
// with as.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return as(ctx, clinicianID)
}

func newWorld(t testing.TB, replicas int, capacity int32) *world {
	t.Helper()
	return newWorldWith(t, replicas, capacity, testenv.Logger(), nil)
}

// newWorldLogged is newWorld with every service logging to logger.
func newWorldLogged(t testing.TB, replicas int, capacity int32, logger *slog.Logger) *world {
	t.Helper()
	return newWorldWith(t, replicas, capacity, logger, nil)
}

// newWorldConfig is newWorld with each replica's configuration changed by set.
func newWorldConfig(t testing.TB, replicas int, capacity int32, set func(*referral.Config)) *world {
	t.Helper()
	return newWorldWith(t, replicas, capacity, testenv.Logger(), set)
}

func newWorldWith(t testing.TB, replicas int, capacity int32, logger *slog.Logger, set func(*referral.Config)) *world {
	t.Helper()
	ctx := as(ctxT(t), adminID)
	w := &world{dir: directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t), Logger: logger}), clock: testenv.NewClock(time.Now()), logger: logger}
	referraltest.SeedDirectory(ctx, t, w.dir.Client)
	w.eventDB = testenv.DatabaseName(t)
	w.events = eventtest.Start(t, eventtest.Options{Database: w.eventDB, DirectoryAddr: w.dir.Addr, Now: w.clock.Now, Logger: logger})
	w.session = w.publishedSession(t, "tea", capacity)
	w.refDB = testenv.DatabaseName(t)
	for range replicas {
		w.referrals = append(w.referrals, referraltest.Start(t, referraltest.Options{Database: w.refDB, DirectoryAddr: w.dir.Addr,
			EventAddr: w.events.Addr, Logger: logger, Configure: set}))
	}
	return w
}

func mustDo(t testing.TB, f func() error) {
	t.Helper()
	if err := f(); err != nil {
		t.Fatal(err)
	}
}

func (w *world) publishedSession(t testing.TB, id string, capacity int32) string {
	t.Helper()
	ctx := host(ctxT(t))
	e := w.events.Client
	ev, err := e.CreateEvent(ctx, &eventv1.CreateEventRequest{EventId: id, Event: &eventv1.Event{Title: "Tea and talk",
		Category: eventv1.EventCategory_EVENT_CATEGORY_STORYTELLING_CIRCLE, HostOrganization: chc, OnlineUrl: "https://meet.example.org/tea"}})
	if err != nil {
		t.Fatal(err)
	}
	begin := w.clock.Now().Add(24 * time.Hour)
	ss, err := e.CreateSession(ctx, &eventv1.CreateSessionRequest{Parent: ev.GetName(), SessionId: "s1", Session: &eventv1.Session{
		StartTime: timestamppb.New(begin), EndTime: timestamppb.New(begin.Add(2 * time.Hour)), TimeZone: "America/Toronto", Capacity: capacity}})
	if err != nil {
		t.Fatal(err)
	}
	mustDo(t, func() error {
		_, err := e.SubmitEvent(ctx, &eventv1.SubmitEventRequest{Name: ev.GetName()})
		return err
	})
	mod := as(ctx, moderatorID)
	mustDo(t, func() error {
		_, err := e.PublishEvent(mod, &eventv1.PublishEventRequest{Name: ev.GetName()})
		return err
	})
	return ss.GetName()
}

func (w *world) rc() referralv1.ReferralServiceClient { return w.referrals[0].Client }

func timestampDaysAgo(days int) *timestamppb.Timestamp {
	return timestamppb.New(time.Now().AddDate(0, 0, -days))
}

// feed is the referral service's change feed, read straight from its database.
func (w *world) feed(t *testing.T) *changefeed.Feed {
	t.Helper()
	return changefeed.New(testenv.OpenDatabase(t, w.refDB), "changes")
}
