package docstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

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
	client, err := mongo.Connect(options.Client().ApplyURI(testenv.MongoURI(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	db := client.Database(testenv.DatabaseName(t))
	feed := changefeed.New(db, "changes")
	return db, docstore.NewCollection[note](db, "notes", feed), feed
}

// A writer that claimed a version and stopped before writing it leaves the document behind its
// claim. Until the claim is stale, others are refused; after, the claimed state is completed and
// published, and the next update applies on top of it.
func TestStuckClaimIsSettled(t *testing.T) {
	ctx := context.Background()
	db, coll, feed := open(t)
	doc, err := coll.Create(ctx, "tester", &note{Meta: docstore.Meta{ID: "n1"}, Text: "first"})
	if err != nil {
		t.Fatal(err)
	}
	// The dead writer's claim of version 2, made an hour ago, with the state it meant to write.
	claimed := *doc
	claimed.Version, claimed.Text, claimed.UpdateTime = 2, "claimed", time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	data, _ := bson.Marshal(&claimed)
	if _, err := db.Collection("revisions").InsertOne(ctx, bson.M{
		"_id": fmt.Sprintf("notes/n1/%s/2", doc.Incarnation), "actor": "dead", "op": docstore.OpUpsert,
		"time": claimed.UpdateTime, "data": bson.Raw(data),
	}); err != nil {
		t.Fatal(err)
	}

	coll.SetStaleClaim(2 * time.Hour)
	_, err = coll.Update(ctx, "tester", "n1", "", func(n *note) error { n.Text = "mine"; return nil })
	if !errors.Is(err, docstore.ErrConflict) {
		t.Fatalf("update behind a recent claim: %v, want ErrConflict", err)
	}

	coll.SetStaleClaim(time.Minute)
	var saw string
	got, err := coll.Update(ctx, "tester", "n1", "", func(n *note) error {
		saw, n.Text = n.Text, "mine"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if saw != "claimed" {
		t.Fatalf("the applied update started from %q, want the settled state", saw)
	}
	if got.Version != 3 || got.Text != "mine" {
		t.Fatalf("after settling: version %d text %q, want 3 and mine", got.Version, got.Text)
	}
	stored, _ := coll.Get(ctx, "n1")
	if stored.Version != 3 || stored.Text != "mine" {
		t.Fatalf("stored: %+v", stored)
	}
	// The feed holds create, the settled version and the update, in order.
	entries, err := feed.Read(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var versions []int64
	for _, e := range entries {
		versions = append(versions, e.Version)
	}
	if fmt.Sprint(versions) != "[1 2 3]" {
		t.Fatalf("feed versions %v, want [1 2 3]", versions)
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
