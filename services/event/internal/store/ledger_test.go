package store

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/socialrx/socialrx/services/event/internal/domain"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/snapshot"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func openDB(t *testing.T) *mongo.Database {
	t.Helper()
	return testenv.Database(t)
}

// clock returns a clock that moves one second per call, from a fixed start.
func clock() func() time.Time {
	t := time.Date(2030, 5, 1, 9, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Second); return t }
}

// season writes events with sessions, registrations that fill seats and a waitlist,
// cancellations that promote from it, check-ins and a cancelled session: every kind of entry.
func season(t *testing.T, l *Ledger, from, to int) {
	t.Helper()
	ctx := context.Background()
	must := func(f func(st *domain.State, now time.Time) (domain.Decision, error)) {
		t.Helper()
		if _, err := l.Decide(ctx, "tester", f); err != nil {
			t.Fatal(err)
		}
	}
	for e := from; e < to; e++ {
		id := fmt.Sprintf("ev%d", e)
		must(func(st *domain.State, now time.Time) (domain.Decision, error) {
			return st.CreateEvent(&domain.Event{ID: id, Title: "Walk " + id, Category: "NATURE_ON_PRESCRIPTION", HostOrganization: "organizations/chc"}, now)
		})
		for k := range 2 {
			must(func(st *domain.State, now time.Time) (domain.Decision, error) {
				start := now.Add(time.Duration(48+k) * time.Hour)
				return st.CreateSession(&domain.Session{EventID: id, ID: fmt.Sprintf("s%d", k), Start: start, End: start.Add(time.Hour),
					TimeZone: "America/Toronto", Capacity: 3}, now)
			})
		}
		for _, m := range []string{"submit", "publish"} {
			must(func(st *domain.State, now time.Time) (domain.Decision, error) {
				return st.TransitionEvent(id, m, "", "", now)
			})
		}
		for r := range 5 {
			must(func(st *domain.State, now time.Time) (domain.Decision, error) {
				return st.Register(&domain.Registration{SessionKey: id + "/s0", ID: fmt.Sprintf("r%d", r),
					Person: domain.Person{GivenName: "P"}, Identity: fmt.Sprintf("p%d@example.org", r)}, now)
			})
		}
		must(func(st *domain.State, now time.Time) (domain.Decision, error) {
			return st.CancelRegistration(id+"/s0/r1", "changed plans") // promotes r3 from the waitlist
		})
		must(func(st *domain.State, now time.Time) (domain.Decision, error) {
			return st.CancelSession(id+"/s1", "rain")
		})
	}
}

// replay folds the whole ledger from its first entry, ignoring any snapshot.
func replay(t *testing.T, feed *changefeed.Feed) *domain.State {
	t.Helper()
	st := domain.New()
	for {
		entries, err := feed.Read(context.Background(), st.Pos, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) == 0 {
			return st
		}
		for _, e := range entries {
			if err := apply(st, e); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// sameState compares two folds field by field (empty and absent lists count as equal), including
// who holds the active registration of each person at each session.
func sameState(t *testing.T, what string, got, want *domain.State) {
	t.Helper()
	if got.Pos != want.Pos {
		t.Fatalf("%s: position %d, want %d", what, got.Pos, want.Pos)
	}
	norm := func(l []string) []string {
		if len(l) == 0 {
			return nil
		}
		return l
	}
	if len(got.Events) != len(want.Events) || len(got.Sessions) != len(want.Sessions) || len(got.Registrations) != len(want.Registrations) {
		t.Fatalf("%s: %d/%d/%d events/sessions/registrations, want %d/%d/%d", what,
			len(got.Events), len(got.Sessions), len(got.Registrations), len(want.Events), len(want.Sessions), len(want.Registrations))
	}
	for k, w := range want.Events {
		g, ok := got.Events[k]
		if !ok {
			t.Fatalf("%s: event %s missing", what, k)
		}
		gc, wc := *g, *w
		gc.Sessions, wc.Sessions = norm(gc.Sessions), norm(wc.Sessions)
		gc.Languages, wc.Languages = norm(gc.Languages), norm(wc.Languages)
		if !reflect.DeepEqual(gc, wc) {
			t.Fatalf("%s: event %s\n got %+v\nwant %+v", what, k, gc, wc)
		}
	}
	for k, w := range want.Sessions {
		g, ok := got.Sessions[k]
		if !ok {
			t.Fatalf("%s: session %s missing", what, k)
		}
		gc, wc := *g, *w
		gc.Seated, wc.Seated = norm(gc.Seated), norm(wc.Seated)
		gc.Waitlist, wc.Waitlist = norm(gc.Waitlist), norm(wc.Waitlist)
		gc.All, wc.All = norm(gc.All), norm(wc.All)
		if !reflect.DeepEqual(gc, wc) {
			t.Fatalf("%s: session %s\n got %+v\nwant %+v", what, k, gc, wc)
		}
	}
	for k, w := range want.Registrations {
		g, ok := got.Registrations[k]
		if !ok {
			t.Fatalf("%s: registration %s missing", what, k)
		}
		gc, wc := *g, *w
		gc.Needs, wc.Needs = norm(gc.Needs), norm(wc.Needs)
		if !reflect.DeepEqual(gc, wc) {
			t.Fatalf("%s: registration %s\n got %+v\nwant %+v", what, k, gc, wc)
		}
		ga, gok := got.ActiveFor(w.SessionKey, w.Identity)
		wa, wok := want.ActiveFor(w.SessionKey, w.Identity)
		if gok != wok || (gok && ga.Key() != wa.Key()) {
			t.Fatalf("%s: active registration of %s at %s: %v %v, want %v %v", what, w.Identity, w.SessionKey, ga, gok, wa, wok)
		}
	}
}

// A ledger opened from a snapshot and the entries after it holds exactly the state of a full
// replay, and of the ledger that wrote it.
func TestSnapshotPlusTailEqualsFullReplay(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	now := clock()
	writer, err := Open(ctx, db, now, Options{})
	if err != nil {
		t.Fatal(err)
	}
	season(t, writer, 0, 6)
	if err := writer.SaveSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	at := writer.Position()
	season(t, writer, 6, 10)
	if writer.Position() <= at {
		t.Fatal("no entries after the snapshot")
	}

	restarted, err := Open(ctx, db, now, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if restarted.StartedAt() != at {
		t.Fatalf("started from position %d, want the snapshot's %d", restarted.StartedAt(), at)
	}
	full := replay(t, writer.Feed())
	sameState(t, "snapshot+tail vs full replay", restarted.st, full)
	sameState(t, "snapshot+tail vs writer", restarted.st, writer.st)

	// The seats and the waitlist survive the snapshot: r0, r2, r3 seated, r4 waiting, in order.
	ss := restarted.st.Sessions["ev0/s0"]
	if got := fmt.Sprint(ss.Seated, ss.Waitlist); got != "[ev0/s0/r0 ev0/s0/r2 ev0/s0/r3] [ev0/s0/r4]" {
		t.Fatalf("ev0/s0 seated and waitlist = %s", got)
	}
	// And the restarted ledger keeps deciding on it: a sixth person is waitlisted behind r4.
	d, err := restarted.Decide(ctx, "tester", func(st *domain.State, now time.Time) (domain.Decision, error) {
		return st.Register(&domain.Registration{SessionKey: "ev0/s0", ID: "r5", Person: domain.Person{GivenName: "P"}, Identity: "p5@example.org"}, now)
	})
	if err != nil {
		t.Fatal(err)
	}
	if pos := restarted.st.WaitlistPosition(restarted.st.Registrations[d.Result]); pos != 2 {
		t.Fatalf("new registration at waitlist position %d, want 2", pos)
	}
}

// A snapshot that cannot be read whole — a chunk lost, or bytes changed — is never used: the
// ledger replays from the start and holds the same state.
func TestTornSnapshotIsNotUsed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, snaps *mongo.Collection, chunk string)
	}{
		{"chunk missing", func(t *testing.T, snaps *mongo.Collection, chunk string) {
			if _, err := snaps.DeleteOne(context.Background(), bson.D{{Key: "_id", Value: chunk}}); err != nil {
				t.Fatal(err)
			}
		}},
		{"chunk altered", func(t *testing.T, snaps *mongo.Collection, chunk string) {
			if _, err := snaps.ReplaceOne(context.Background(), bson.D{{Key: "_id", Value: chunk}},
				bson.D{{Key: "_id", Value: chunk}, {Key: "data", Value: []byte("not the snapshot")}}); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t)
			now := clock()
			writer, err := Open(ctx, db, now, Options{})
			if err != nil {
				t.Fatal(err)
			}
			season(t, writer, 0, 3)
			if err := writer.SaveSnapshot(ctx); err != nil {
				t.Fatal(err)
			}
			season(t, writer, 3, 4)
			var ptr bson.M
			if err := db.Collection("snapshots").FindOne(ctx, bson.D{{Key: "_id", Value: Prefix}}).Decode(&ptr); err != nil {
				t.Fatal(err)
			}
			tc.damage(t, db.Collection("snapshots"), ptr["manifest"].(string)+"/0")

			restarted, err := Open(ctx, db, now, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if restarted.StartedAt() != 0 {
				t.Fatalf("started from the damaged snapshot at %d", restarted.StartedAt())
			}
			sameState(t, "after a damaged snapshot", restarted.st, writer.st)
		})
	}
}

// Run snapshots in the background once enough entries arrived.
func TestRunSnapshotsInTheBackground(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := openDB(t)
	now := clock()
	l, err := Open(ctx, db, now, Options{Snapshots: snapshotEvery(10)})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 10)
	go l.Run(ctx, time.Hour, func(err error) { errs <- err })
	season(t, l, 0, 2)
	var reopened *Ledger
	testenv.Eventually(t, 20*time.Second, "a snapshot written", func() bool {
		var err error
		if reopened, err = Open(ctx, db, now, Options{}); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-errs:
			t.Fatal(err)
		default:
		}
		return reopened.StartedAt() > 0
	})
	if reopened.StartedAt() > l.Position() {
		t.Fatalf("snapshot at %d beyond the ledger's %d", reopened.StartedAt(), l.Position())
	}
	sameState(t, "reopened", reopened.st, l.st)
}

func snapshotEvery(entries int64) snapshot.Schedule {
	return snapshot.Schedule{Entries: entries, Interval: time.Hour}
}

// A ledger that stops gracefully writes a last snapshot, so its restart replays nothing.
func TestRunSnapshotsOnStop(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	db := openDB(t)
	now := clock()
	l, err := Open(ctx, db, now, Options{Snapshots: snapshotEvery(1 << 40)})
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		l.Run(ctx, time.Hour, func(err error) { t.Error(err) })
	}()
	season(t, l, 0, 2)
	cancel()
	<-stopped
	reopened, err := Open(context.Background(), db, now, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if reopened.StartedAt() != l.Position() {
		t.Fatalf("restart from position %d, want the stopped ledger's %d", reopened.StartedAt(), l.Position())
	}
	sameState(t, "after a graceful stop", reopened.st, l.st)
}
