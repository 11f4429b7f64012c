package docstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// commands counts the database commands a client sends, by name.
type commands struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *commands) reset() {
	c.mu.Lock()
	c.n = map[string]int{}
	c.mu.Unlock()
}

func (c *commands) get() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.n {
		out[k] = v
	}
	return out
}

// replica opens a collection over db through its own client, as another replica would.
func replica(t *testing.T, db string, counted *commands) (*mongo.Database, *docstore.Collection[note, *note], *changefeed.Feed) {
	t.Helper()
	opts := options.Client().ApplyURI(testenv.MongoURI(t))
	if counted != nil {
		counted.reset()
		opts.SetMonitor(&event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
			counted.mu.Lock()
			counted.n[e.CommandName]++
			counted.mu.Unlock()
		}})
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	d := client.Database(db)
	feed := changefeed.New(d, "changes")
	return d, docstore.NewCollection[note](d, "notes", feed), feed
}

// The database operations of each write, written out: a create is an insert of the document
// and one of its feed entry; an update by the replica that last wrote the document is a claim,
// a replace and a feed entry (its copy saves the read); a first update elsewhere reads too.
func TestOperationsPerWrite(t *testing.T) {
	ctx := context.Background()
	db := testenv.DatabaseName(t)
	var ops commands
	_, coll, feed := replica(t, db, &ops)
	if _, err := coll.Create(ctx, "tester", &note{Meta: docstore.Meta{ID: "warm-up"}}); err != nil {
		t.Fatal(err) // the first append also locates the feed's head
	}
	if _, err := feed.Head(ctx); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name  string
		write func() error
		want  map[string]int
	}{
		{"create", func() error {
			_, err := coll.Create(ctx, "tester", &note{Meta: docstore.Meta{ID: "n1"}, Text: "one"})
			return err
		}, map[string]int{"insert": 2}},
		{"update after own write", func() error {
			_, err := coll.Update(ctx, "tester", "n1", "", func(n *note) error { n.Text = "two"; return nil })
			return err
			// The claim, the write, the feed append, and the look for a later claim (the find).
		}, map[string]int{"find": 1, "insert": 2, "update": 1}},
		{"update with etag after own write", func() error {
			cur, err := coll.Get(ctx, "n1")
			if err != nil {
				return err
			}
			ops.reset()
			_, err = coll.Update(ctx, "tester", "n1", cur.Etag(), func(n *note) error { n.Text = "three"; return nil })
			return err
		}, map[string]int{"find": 1, "insert": 2, "update": 1}},
	}
	for _, s := range steps {
		ops.reset()
		if err := s.write(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := ops.get(); fmt.Sprint(got) != fmt.Sprint(s.want) {
			t.Fatalf("%s: commands %v, want %v", s.name, got, s.want)
		}
	}
	// Another replica, with no copy of n1, reads it first.
	var other commands
	_, coll2, _ := replica(t, db, &other)
	if _, err := coll2.Update(ctx, "tester", "n1", "", func(n *note) error { n.Text = "four"; return nil }); err != nil {
		t.Fatal(err)
	}
	got := other.get()
	if got["find"] < 2 || got["insert"] != 2 || got["update"] != 1 {
		t.Fatalf("cold update: commands %v, want a find, 2 inserts and 1 update", got)
	}
}

// The copy a create keeps is dated by the collection's clock, like every other copy: on a clock
// an hour ahead of the wall clock, the update right after the create still saves the read.
func TestCreateCopyIsDatedByTheCollectionsClock(t *testing.T) {
	ctx := context.Background()
	var ops commands
	_, coll, feed := replica(t, testenv.DatabaseName(t), &ops)
	clock := testenv.NewClock(time.Now().Add(time.Hour))
	coll.SetClock(clock.Now)
	coll.SetRetain(4 * time.Second) // a copy is claimed on for a second
	if _, err := coll.Create(ctx, "tester", &note{Meta: docstore.Meta{ID: "warm-up"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := feed.Head(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.Create(ctx, "tester", &note{Meta: docstore.Meta{ID: "n"}, Text: "one"}); err != nil {
		t.Fatal(err)
	}
	ops.reset()
	if _, err := coll.Update(ctx, "tester", "n", "", func(n *note) error { n.Text = "two"; return nil }); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"find": 1, "insert": 2, "update": 1}
	if got := ops.get(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("update right after the create: commands %v, want %v (no read of the document)", got, want)
	}
}

// A replica whose copy is out of date loses its claim, reads the document and applies its
// change on top of the other replica's: no update is lost.
func TestStaleCopyNeverLosesAnUpdate(t *testing.T) {
	ctx := context.Background()
	db := testenv.DatabaseName(t)
	_, a, _ := replica(t, db, nil)
	_, b, _ := replica(t, db, nil)
	if _, err := a.Create(ctx, "tester", &note{Meta: docstore.Meta{ID: "n"}, Text: ""}); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		w := a
		if i%2 == 1 {
			w = b
		}
		if _, err := w.Update(ctx, "tester", "n", "", func(n *note) error { n.Text += fmt.Sprint(i); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	got, err := a.Get(ctx, "n")
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != "012345" || got.Version != 7 {
		t.Fatalf("text %q version %d, want 012345 and 7", got.Text, got.Version)
	}
	// An etag read on b is honoured by a, whose copy is older.
	cur, err := b.Update(ctx, "tester", "n", "", func(n *note) error { n.Text = "b"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Update(ctx, "tester", "n", cur.Etag(), func(n *note) error { n.Text = "a"; return nil }); err != nil {
		t.Fatalf("update with the current etag through a replica with an old copy: %v", err)
	}
	if _, err := a.Update(ctx, "tester", "n", cur.Etag(), func(n *note) error { n.Text = "again"; return nil }); !errors.Is(err, docstore.ErrEtagMismatch) {
		t.Fatalf("update with a spent etag: %v, want ErrEtagMismatch", err)
	}
}

// Revisions are deleted once Retain has passed since their snapshot was written, so the
// revisions collection holds recent versions only.
func TestPruneBoundsHistory(t *testing.T) {
	ctx := context.Background()
	db, coll, _ := open(t)
	clock := testenv.NewClock(time.Now())
	coll.SetClock(clock.Now)
	coll.SetRetain(2 * time.Second)
	if _, err := coll.Create(ctx, "tester", &note{Meta: docstore.Meta{ID: "n"}}); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := coll.Update(ctx, "tester", "n", "", func(n *note) error { n.Text = fmt.Sprint(i); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	count := func() int64 {
		n, err := db.Collection("revisions").CountDocuments(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 10 {
		t.Fatalf("%d revisions before pruning, want 10", n)
	}
	if err := coll.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 10 {
		t.Fatalf("%d revisions right after the writes, want all 10 kept", n)
	}
	clock.Advance(2100 * time.Millisecond)
	if _, err := coll.Update(ctx, "tester", "n", "", func(n *note) error { n.Text = "last"; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := coll.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d revisions after pruning, want only the newest", n)
	}
	got, err := coll.Get(ctx, "n")
	if err != nil || got.Text != "last" || got.Version != 12 {
		t.Fatalf("after pruning: %+v %v", got, err)
	}
}

// Concurrent updates of one replica share their claims' and feed entries' inserts (group
// commit), and lose nothing: 20 writers, two to a document, each append to it 10 times without
// an etag, so some claims of a batch lose to others of the same batch and are retried.
func TestConcurrentUpdatesShareInsertsAndLoseNothing(t *testing.T) {
	ctx := context.Background()
	db := testenv.DatabaseName(t)
	var ops commands
	_, coll, _ := replica(t, db, &ops)
	const docs = 10
	for d := range docs {
		if _, err := coll.Create(ctx, "tester", &note{Meta: docstore.Meta{ID: fmt.Sprint("d", d)}}); err != nil {
			t.Fatal(err)
		}
	}
	ops.reset()
	const writers, each = 20, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := coll.Update(ctx, "tester", fmt.Sprint("d", w%docs), "", func(n *note) error {
					n.Text += fmt.Sprintf("%d.%d ", w, i)
					return nil
				}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := ops.get()
	for d := range docs {
		n, err := coll.Get(ctx, fmt.Sprint("d", d))
		if err != nil {
			t.Fatal(err)
		}
		for w := d; w < writers; w += docs {
			for i := range each {
				if !strings.Contains(n.Text, fmt.Sprintf(" %d.%d ", w, i)) && !strings.HasPrefix(n.Text, fmt.Sprintf("%d.%d ", w, i)) {
					t.Fatalf("d%d lost writer %d's update %d: %q", d, w, i, n.Text)
				}
			}
		}
		if n.Version != 1+2*each {
			t.Fatalf("d%d at version %d, want %d", d, n.Version, 1+2*each)
		}
	}
	updates := writers * each
	if got["insert"] >= 2*updates {
		t.Fatalf("%d inserts for %d updates: claims and feed entries not committed together", got["insert"], updates)
	}
	t.Logf("%d updates: %d inserts, %d updates, %d finds", updates, got["insert"], got["update"], got["find"])
}
