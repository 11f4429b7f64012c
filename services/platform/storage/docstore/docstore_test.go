package docstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type note struct {
	docstore.Meta `bson:",inline"`
	Text          string `bson:"text"`
}

func open(t *testing.T) (*mongo.Database, *docstore.Collection[note, *note], *changefeed.Feed) {
	t.Helper()
	db := testenv.Database(t)
	feed := changefeed.New(db, "changes")
	return db, docstore.NewCollection[note](db, "notes", feed), feed
}

// claimBehind stores, as a writer that stopped after claiming would leave it, the claim of the
// version after doc with text.
func claimBehind(t *testing.T, db *mongo.Database, doc *note, op, text string) {
	t.Helper()
	claimed := *doc
	claimed.Version, claimed.Text, claimed.UpdateTime = doc.Version+1, text, time.Now().UTC().Truncate(time.Millisecond)
	data, err := bson.Marshal(&claimed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection("revisions").InsertOne(context.Background(), bson.M{
		"_id": fmt.Sprintf("notes/%s/%s/%d", doc.ID, doc.Incarnation, claimed.Version), "actor": "dead", "op": op,
		"time": claimed.UpdateTime, "data": bson.Raw(data),
	}); err != nil {
		t.Fatal(err)
	}
}

func feedVersions(t *testing.T, feed *changefeed.Feed) string {
	t.Helper()
	entries, err := feed.Read(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var versions []int64
	for _, e := range entries {
		versions = append(versions, e.Version)
	}
	return fmt.Sprint(versions)
}

// A writer that claimed a version and stopped before writing it (a crash) leaves the snapshot
// behind its claim, just now. The next writer does not wait: it writes the claimed state from the
// claim, publishes it, and applies its own change on top, in one call and without a conflict.
func TestStuckClaimIsRolledForwardAtOnce(t *testing.T) {
	ctx := context.Background()
	db, coll, feed := open(t)
	doc, err := coll.Create(ctx, "tester", &note{Meta: docstore.Meta{ID: "n1"}, Text: "first"})
	if err != nil {
		t.Fatal(err)
	}
	claimBehind(t, db, doc, docstore.OpUpsert, "claimed")

	var saw string
	got, err := coll.Update(ctx, "tester", "n1", "", func(n *note) error {
		saw, n.Text = n.Text, "mine"
		return nil
	})
	if err != nil {
		t.Fatalf("update behind a fresh stuck claim: %v", err)
	}
	if saw != "claimed" {
		t.Fatalf("the applied update started from %q, want the claimed state", saw)
	}
	if got.Version != 3 || got.Text != "mine" {
		t.Fatalf("after rolling forward: version %d text %q, want 3 and mine", got.Version, got.Text)
	}
	stored, err := coll.Get(ctx, "n1")
	if err != nil || stored.Version != 3 || stored.Text != "mine" {
		t.Fatalf("stored: %+v (%v)", stored, err)
	}
	if v := feedVersions(t, feed); v != "[1 2 3]" {
		t.Fatalf("feed versions %s, want [1 2 3]", v)
	}
}

// An update with the etag of the version before a stuck claim is refused (the claimed version
// stands), but the claim is written, so a read afterwards shows it and an update with its etag
// applies.
func TestStuckClaimAndStaleEtag(t *testing.T) {
	ctx := context.Background()
	db, coll, _ := open(t)
	doc, err := coll.Create(ctx, "tester", &note{Meta: docstore.Meta{ID: "n1"}, Text: "first"})
	if err != nil {
		t.Fatal(err)
	}
	claimBehind(t, db, doc, docstore.OpUpsert, "claimed")
	_, err = coll.Update(ctx, "tester", "n1", doc.Etag(), func(n *note) error { n.Text = "mine"; return nil })
	if !errors.Is(err, docstore.ErrConflict) {
		t.Fatalf("update with the etag before the claim: %v, want ErrConflict", err)
	}
	stored, err := coll.Get(ctx, "n1")
	if err != nil || stored.Version != 2 || stored.Text != "claimed" {
		t.Fatalf("after the refused update: %+v (%v), want the claimed version 2", stored, err)
	}
	if _, err := coll.Update(ctx, "tester", "n1", stored.Etag(), func(n *note) error { n.Text = "mine"; return nil }); err != nil {
		t.Fatalf("update with the claimed version's etag: %v", err)
	}
}

// A stuck claim of a delete is completed too: the document is gone and the delete published.
func TestStuckDeleteIsRolledForward(t *testing.T) {
	ctx := context.Background()
	db, coll, feed := open(t)
	doc, err := coll.Create(ctx, "tester", &note{Meta: docstore.Meta{ID: "n1"}, Text: "first"})
	if err != nil {
		t.Fatal(err)
	}
	claimBehind(t, db, doc, docstore.OpDelete, "first")
	_, err = coll.Update(ctx, "tester", "n1", "", func(n *note) error { n.Text = "mine"; return nil })
	if !errors.Is(err, docstore.ErrNotFound) {
		t.Fatalf("update behind a stuck delete: %v, want ErrNotFound", err)
	}
	if _, err := coll.Get(ctx, "n1"); !errors.Is(err, docstore.ErrNotFound) {
		t.Fatalf("get after the delete rolled forward: %v", err)
	}
	entries, err := feed.Read(ctx, 0, 10)
	if err != nil || len(entries) != 2 || entries[1].Op != docstore.OpDelete {
		t.Fatalf("feed: %+v (%v), want the create and the delete", entries, err)
	}
}

// A slow writer whose snapshot write lands after a later version was written puts the snapshot
// back; the later claim is still there, and the next writer restores it before applying.
func TestSnapshotPutBackIsRestored(t *testing.T) {
	ctx := context.Background()
	db, coll, _ := open(t)
	doc, err := coll.Create(ctx, "tester", &note{Meta: docstore.Meta{ID: "n1"}, Text: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := coll.Update(ctx, "tester", "n1", "", func(n *note) error { n.Text = "v2"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := coll.Update(ctx, "tester", "n1", "", func(n *note) error { n.Text = "v3"; return nil }); err != nil {
		t.Fatal(err)
	}
	// The late write of version 2, straight to the collection.
	if _, err := db.Collection("notes").ReplaceOne(ctx, bson.M{"_id": "n1"}, v2); err != nil {
		t.Fatal(err)
	}
	var saw string
	got, err := coll.Update(ctx, "tester", "n1", "", func(n *note) error { saw, n.Text = n.Text, "v4"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if saw != "v3" || got.Version != 4 || doc.Version != 1 {
		t.Fatalf("update applied on %q as version %d, want on v3 as version 4", saw, got.Version)
	}
}

// A snapshot put back by a late write, or behind a claim whose writer stopped, with no write to
// follow: Recover brings each document up to its latest claim, and leaves the others alone.
func TestRecoverRollsForwardWithoutAWrite(t *testing.T) {
	ctx := context.Background()
	db, coll, feed := open(t)
	if _, err := coll.Create(ctx, "tester", &note{Meta: docstore.Meta{ID: "put-back"}, Text: "v1"}); err != nil {
		t.Fatal(err)
	}
	v2, err := coll.Update(ctx, "tester", "put-back", "", func(n *note) error { n.Text = "v2"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := coll.Update(ctx, "tester", "put-back", "", func(n *note) error { n.Text = "v3"; return nil }); err != nil {
		t.Fatal(err)
	}
	// The late write of version 2, straight to the collection, after version 3 was acknowledged.
	if _, err := db.Collection("notes").ReplaceOne(ctx, bson.M{"_id": "put-back"}, v2); err != nil {
		t.Fatal(err)
	}
	stuck, err := coll.Create(ctx, "tester", &note{Meta: docstore.Meta{ID: "stuck"}, Text: "first"})
	if err != nil {
		t.Fatal(err)
	}
	claimBehind(t, db, stuck, docstore.OpUpsert, "claimed")
	if _, err := coll.Create(ctx, "tester", &note{Meta: docstore.Meta{ID: "settled"}, Text: "only"}); err != nil {
		t.Fatal(err)
	}
	// Another collection's claims are not this one's.
	other := docstore.NewCollection[note](db, "notes2", feed)
	if _, err := other.Create(ctx, "tester", &note{Meta: docstore.Meta{ID: "put-back"}, Text: "elsewhere"}); err != nil {
		t.Fatal(err)
	}
	before := feedVersions(t, feed)

	if err := coll.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"put-back": "v3", "stuck": "claimed", "settled": "only"} {
		got, err := coll.Get(ctx, id)
		if err != nil || got.Text != want {
			t.Fatalf("%s after Recover: %+v (%v), want %q", id, got, err, want)
		}
	}
	// Only the two rolled forward are published again, version 3 of one and version 2 of the
	// other, in either order.
	after := feedVersions(t, feed)
	head := strings.TrimSuffix(before, "]")
	if after != head+" 3 2]" && after != head+" 2 3]" {
		t.Fatalf("feed versions %s after Recover, want %s followed by 2 and 3", after, before)
	}
	if err := coll.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if again := feedVersions(t, feed); again != after {
		t.Fatalf("a second Recover published again: %s, was %s", again, after)
	}
}

// Concurrent updates with one etag: exactly one wins, for each of several documents.
func TestOneEtagOneWinner(t *testing.T) {
	ctx := context.Background()
	_, coll, _ := open(t)
	for i := range 4 {
		id := fmt.Sprintf("doc-%d", i)
		doc, err := coll.Create(ctx, "tester", &note{Meta: docstore.Meta{ID: id}, Text: "v1"})
		if err != nil {
			t.Fatal(err)
		}
		results := make(chan error, 10)
		for w := range 10 {
			go func() {
				_, err := coll.Update(ctx, "tester", id, doc.Etag(), func(n *note) error { n.Text = fmt.Sprint(w); return nil })
				results <- err
			}()
		}
		won := 0
		for range 10 {
			if err := <-results; err == nil {
				won++
			} else if !errors.Is(err, docstore.ErrConflict) && !errors.Is(err, docstore.ErrEtagMismatch) {
				t.Fatal(err)
			}
		}
		if won != 1 {
			t.Fatalf("%s: %d winners", id, won)
		}
	}
}
