package readmodel

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/socialrx/socialrx/services/directory/internal/store"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// A document written without its feed entry (its writer stopped in between) reaches the index
// through Reconcile, and an older stored state never replaces a newer one in the index.
func TestReconcileRepairsAMissedFeedEntry(t *testing.T) {
	ctx := context.Background()
	client, err := mongo.Connect(options.Client().ApplyURI(testenv.MongoURI(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(ctx)
	db := client.Database(testenv.DatabaseName(t))
	st := store.New(db)
	ix, err := Load(ctx, st, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	now := time.Now().UTC().Truncate(time.Millisecond)
	org := &store.Organization{Meta: docstore.Meta{ID: "lost", Incarnation: "0001", Version: 1, CreateTime: now, UpdateTime: now},
		DisplayName: "Written without a feed entry"}
	if _, err := db.Collection(store.Organizations).InsertOne(ctx, org); err != nil {
		t.Fatal(err)
	}
	if err := ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := ix.Organization("lost"); ok {
		t.Fatal("the feed cannot have told the index about it")
	}
	if err := ix.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	got, ok := ix.Organization("lost")
	if !ok || got.DisplayName != org.DisplayName {
		t.Fatalf("after reconcile: %v %v", got, ok)
	}
	// A newer state in the index is kept over an older stored one.
	newer := *org
	newer.Version, newer.DisplayName = 2, "Newer"
	ix.mu.Lock()
	ix.organizations.put(&newer)
	ix.mu.Unlock()
	if err := ix.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := ix.Organization("lost"); got.DisplayName != "Newer" {
		t.Fatalf("reconcile replaced a newer state with %q", got.DisplayName)
	}
}
