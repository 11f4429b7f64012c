package readmodel

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/socialrx/socialrx/services/directory/internal/store"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

func TestMain(m *testing.M) {
	if os.Getenv(saverEnv) != "" {
		os.Exit(runSaver(os.Getenv("MONGODB_URI"), os.Getenv(saverEnv)))
	}
	testenv.Main(m)
}

// A document written without its feed entry (its writer stopped in between) reaches the index
// through Reconcile, and an older stored state never replaces a newer one in the index.
func TestReconcileRepairsAMissedFeedEntry(t *testing.T) {
	ctx := context.Background()
	db := testenv.Database(t)
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

// An index started from a snapshot and the feed after it holds exactly what an index loaded
// from the collections holds, and what the index that wrote the snapshot holds.
func TestSnapshotPlusTailEqualsFullLoad(t *testing.T) {
	ctx := context.Background()
	st := store.New(testenv.Database(t))
	writer, err := Load(ctx, st, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	lat, lng := 45.42, -75.69
	write := func(from, to int) {
		for i := from; i < to; i++ {
			id := fmt.Sprintf("s%d", i)
			if _, err := st.Locations.Create(ctx, "t", &store.Location{Meta: docstore.Meta{ID: id}, DisplayName: "Hall " + id,
				Latitude: &lat, Longitude: &lng}); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Services.Create(ctx, "t", &store.Service{Meta: docstore.Meta{ID: id}, DisplayName: "Jardin " + id,
				Languages: []string{"fr"}, Locations: []string{store.LocationsPrefix + id}}); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Services.Update(ctx, "t", id, "", func(s *store.Service) error { s.Description = "mis à jour"; return nil }); err != nil {
				t.Fatal(err)
			}
			if i%3 == 0 {
				if err := st.Services.Delete(ctx, "t", id, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	write(0, 12)
	if err := writer.SaveSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	at := writer.follower.Position()
	write(12, 20)

	restarted, err := Load(ctx, st, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer restarted.Close()
	if restarted.StartedAt() != at {
		t.Fatalf("started from %d, want the snapshot's position %d", restarted.StartedAt(), at)
	}
	full, err := load(ctx, st, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	for _, other := range []struct {
		name string
		ix   *Index
	}{{"full load", full}, {"writer", writer}} {
		if !reflect.DeepEqual(restarted.services.docs, other.ix.services.docs) || !reflect.DeepEqual(restarted.locations.docs, other.ix.locations.docs) {
			t.Fatalf("snapshot+tail vs %s: services or locations differ\n%v\n%v", other.name, restarted.services.docs, other.ix.services.docs)
		}
	}
	// Deletions survive the snapshot: s0 and s12 are gone, s13 is there and searchable.
	if !reflect.DeepEqual(restarted.services.gone, writer.services.gone) || len(restarted.services.gone) != 7 {
		t.Fatalf("deleted services: %v, want the writer's 7 %v", restarted.services.gone, writer.services.gone)
	}
	got, total, err := restarted.Search(SearchQuery{Words: []string{"jardins"}}, 0, 100)
	if err != nil || total != 13 || len(got) != 13 {
		t.Fatalf("search after restart: %d of %d, %v; want 13", len(got), total, err)
	}
}
