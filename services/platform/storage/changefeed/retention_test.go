package changefeed_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// Trim keeps what the age or the slowest registered follower keeps, whichever is more; a read
// from a trimmed position is ErrTrimmed, one from the floor reads every entry kept, and appends
// go on after the head, never into trimmed positions.
func TestTrimKeepsByAgeAndByTheSlowestFollower(t *testing.T) {
	ctx := context.Background()
	db := testenv.DatabaseName(t)
	feed, _, _ := replica(t, db)
	start := time.Now().Truncate(time.Second).Add(-time.Hour) // stored times keep milliseconds
	// Entries 1..20, one a minute from an hour ago.
	for i := range 20 {
		if _, err := feed.Append(ctx, changefeed.Entry{Topic: "notes", Key: fmt.Sprint(i + 1), Op: "upsert",
			Time: start.Add(time.Duration(i) * time.Minute), Data: make([]byte, 300)}); err != nil {
			t.Fatal(err)
		}
	}
	now := start.Add(20 * time.Minute)
	steps := []struct {
		name      string
		follower  int64 // 0: none registered
		age       time.Duration
		wantFloor int64
	}{
		// Entries 16..20 are at most five minutes old.
		{"age alone", 0, 5 * time.Minute, 15},
		{"a slow follower keeps more than the age", 12, 2 * time.Minute, 15}, // floor never moves back
		{"the follower moves on, the age keeps more", 18, 3 * time.Minute, 17},
		{"the follower keeps more than the age", 18, 0, 18},
	}
	for _, s := range steps {
		if s.follower > 0 {
			if err := feed.Track(ctx, "reader", s.follower); err != nil {
				t.Fatal(err)
			}
		}
		got, err := feed.Trim(ctx, changefeed.Retention{Age: s.age}, now)
		if err != nil {
			t.Fatal(err)
		}
		if got != s.wantFloor {
			t.Fatalf("%s: floor %d, want %d", s.name, got, s.wantFloor)
		}
	}
	if _, err := feed.Read(ctx, 17, 10); !errors.Is(err, changefeed.ErrTrimmed) {
		t.Fatalf("read after 17 with the floor at 18: %v, want ErrTrimmed", err)
	}
	kept, err := feed.Read(ctx, 18, 10)
	if err != nil || len(kept) != 2 || kept[0].Seq != 19 || kept[0].Key != "19" || len(kept[0].Data) != 300 {
		t.Fatalf("read from the floor: %d entries %v, want 19 and 20 whole", len(kept), err)
	}
	// A new replica finds the head past the trim and appends after it.
	other, _, _ := replica(t, db)
	seq, err := other.Append(ctx, changefeed.Entry{Topic: "notes", Key: "21", Op: "upsert", Time: now})
	if err != nil || seq != 21 {
		t.Fatalf("append after the trim: position %d (%v), want 21", seq, err)
	}
	if err := feed.Untrack(ctx, "reader"); err != nil {
		t.Fatal(err)
	}
	if got, err := feed.Trim(ctx, changefeed.Retention{Age: 0}, now.Add(time.Minute)); err != nil || got != 21 {
		t.Fatalf("trim of everything with no follower left: floor %d (%v), want 21", got, err)
	}
	if entries, err := feed.Read(ctx, 21, 10); err != nil || len(entries) != 0 {
		t.Fatalf("read at the head of an emptied feed: %d entries, %v; want none, no error", len(entries), err)
	}
}

// Keep registers every follower's position before it trims, so the trim stops after the
// slowest of them, and a follower holding no position yet holds nothing back.
func TestKeepTrimsUpToTheSlowestOfItsFollowers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	feed, _, _ := replica(t, testenv.DatabaseName(t))
	for i := range 10 {
		if _, err := feed.Append(ctx, changefeed.Entry{Topic: "notes", Key: fmt.Sprint(i + 1), Op: "upsert",
			Time: time.Now().Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	at := func(pos int64) changefeed.Held {
		return func(context.Context) (int64, bool, error) { return pos, true, nil }
	}
	none := func(context.Context) (int64, bool, error) { return 0, false, nil }
	errs := make(chan error, 1)
	go feed.Keep(ctx, changefeed.Retention{Age: time.Minute, Every: 10 * time.Millisecond},
		map[string]changefeed.Held{"snapshot": at(8), "webhooks": at(5), "new": none},
		func(err error) {
			select {
			case errs <- err:
			default:
			}
		})
	deadline := time.Now().Add(10 * time.Second)
	for {
		floor, err := feed.Floor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if floor == 5 {
			break
		}
		if floor > 5 || time.Now().After(deadline) {
			t.Fatalf("floor %d, want 5: the slower follower's position", floor)
		}
		select {
		case err := <-errs:
			t.Fatal(err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	if kept, err := feed.Read(context.Background(), 5, 10); err != nil || len(kept) != 5 {
		t.Fatalf("read after the slower follower: %d entries (%v), want 6..10", len(kept), err)
	}
}
