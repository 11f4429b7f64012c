package impact

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/platform/storage/snapshot"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// events is the event service of the model tests: two events, each looked up once.
func events(asked map[string]int) Resolve {
	return func(_ context.Context, e string) (Event, bool, error) {
		asked[e]++
		switch e {
		case "events/art":
			return Event{Category: "ART_ON_PRESCRIPTION", Host: "organizations/h1"}, true, nil
		case "events/walk":
			return Event{Category: "PHOTOGRAPHY_WALK", Host: "organizations/h2"}, true, nil
		}
		return Event{}, false, nil
	}
}

// A model started from a snapshot and the feed after it counts exactly what one loaded from
// the collection counts, and what the model that wrote the snapshot counts; a referral's
// later versions replace its earlier counts instead of adding to them.
func TestSnapshotPlusTailEqualsFullLoad(t *testing.T) {
	ctx := context.Background()
	db := testenv.Database(t)
	st := store.New(db)
	asked := map[string]int{}
	snaps := snapshot.New(db, "impact")
	writer, err := Load(ctx, st, snaps, events(asked), 0)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	write := func(from, to int) {
		for i := from; i < to; i++ {
			id := fmt.Sprintf("r%d", i)
			if _, err := st.Referrals.Create(ctx, "t", &store.Referral{Meta: docstore.Meta{ID: id, CreateTime: t0}, Status: "REQUESTED",
				ReceivingOrganization: fmt.Sprintf("organizations/c%d", i%2), ReferringOrganization: "organizations/clinic",
				Needs: []string{"NEED_LONELINESS"}, Subject: store.Subject{DateOfBirth: "1950-01-01", PreferredLanguage: "fr-CA"},
				Timeline: []store.Entry{{Sequence: 1, Time: t0, ToStatus: "REQUESTED"}}}); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Referrals.Update(ctx, "t", id, "", func(r *store.Referral) error {
				r.Status = "IN_PROGRESS"
				r.Add(store.Entry{Time: t0.Add(time.Duration(i) * time.Hour), ToStatus: "ACCEPTED"})
				r.Add(store.Entry{Time: t0.Add(time.Duration(i+1) * time.Hour), ToStatus: "IN_PROGRESS"})
				r.Bookings = []store.Booking{{Session: []string{"events/art/sessions/s", "events/walk/sessions/s"}[i%2], State: "ATTENDED", UpdateTime: t0.Add(48 * time.Hour)}}
				r.Measures = []store.Measure{{Instrument: "UCLA3", Timepoint: "BASELINE", Items: []int32{3, 3, 3}, Total: 9},
					{Instrument: "UCLA3", Timepoint: "FOLLOW_UP", Items: []int32{2, 2, int32(1 + i%3)}, Total: int32(5 + i%3)}}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(0, 10)
	if err := writer.SaveSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	at := writer.follower.Position()
	write(10, 16)
	if _, err := st.Referrals.Update(ctx, "t", "r3", "", func(r *store.Referral) error {
		r.Status, r.StatusReason = "CANCELLED", "Moved away"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := writer.Sync(ctx); err != nil {
		t.Fatal(err)
	}

	restarted, err := Load(ctx, st, snaps, events(map[string]int{}), 0)
	if err != nil {
		t.Fatal(err)
	}
	if restarted.StartedAt() != at || at == 0 {
		t.Fatalf("started from %d, want the snapshot's position %d", restarted.StartedAt(), at)
	}
	full, err := Load(ctx, st, snapshot.New(db, "impact-none"), events(map[string]int{}), 0)
	if err != nil {
		t.Fatal(err)
	}
	// Every cell's counts show in the report of one column per centre.
	analyst := Scope{Allow: func(string, string) bool { return true }}
	want := writer.Report(Query{}, analyst)
	for name, m := range map[string]*Model{"restarted": restarted, "full load": full} {
		if !reflect.DeepEqual(m.facts, writer.facts) || !reflect.DeepEqual(m.Report(Query{}, analyst), want) {
			t.Fatalf("%s counts differ from the model that wrote the snapshot", name)
		}
	}
	// Once the feed is trimmed past the snapshot, the snapshot cannot be caught up: a restart
	// loads the referrals instead and still counts what the writer counts.
	if _, err := st.Feed.Trim(ctx, changefeed.Retention{}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if floor, err := st.Feed.Floor(ctx); err != nil || floor <= at {
		t.Fatalf("floor %d (%v), want past the snapshot's %d", floor, err, at)
	}
	reloaded, err := Load(ctx, st, snaps, events(map[string]int{}), 0)
	if err != nil {
		t.Fatal(err)
	}
	if reloaded.StartedAt() != 0 || !reflect.DeepEqual(reloaded.Report(Query{}, analyst), want) {
		t.Fatalf("after a trim past the snapshot: started from %d, counts equal %v; want a full load (0) and equal counts",
			reloaded.StartedAt(), reflect.DeepEqual(reloaded.Report(Query{}, analyst), want))
	}
	if asked["events/art"] != 1 || asked["events/walk"] != 1 {
		t.Fatalf("events looked up %v, want each once", asked)
	}
	rep := writer.Report(Query{}, Scope{Network: true, Allow: func(string, string) bool { return true }})
	funnel, _ := rep.Table("funnel")
	for _, want := range []struct {
		row, text string
	}{{"CREATED", "16"}, {"ACCEPTED", "16"}, {"ATTENDED", "16"}, {"COMPLETED", "0"}} {
		for _, r := range funnel.Rows {
			if r.Key == want.row && r.Cells[0].Text() != want.text {
				t.Errorf("funnel %s = %s, want %s", want.row, r.Cells[0].Text(), want.text)
			}
		}
	}
	closures, _ := rep.Table("closures")
	if len(closures.Rows) != 2 || closures.Rows[0].Key != "CANCELLED/MOVED_AWAY" || closures.Rows[0].Cells[0].Text() != "<5" {
		t.Fatalf("closures %+v, want one cancellation (moved away) read <5, and the total", closures.Rows)
	}
}
