package embeddeddb

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func start(t *testing.T) (*DB, *mongo.Client) {
	t.Helper()
	db, err := Start(context.Background(), t.TempDir(), "127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Stop)
	client, err := mongo.Connect(options.Client().ApplyURI(db.URI()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	return db, client
}

// plan returns SQLite's plan for the statement FerretDB runs for a FindOne by _id on collection
// coll of database dbName.
func plan(t *testing.T, dir, dbName, coll string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+fileOf(dir, dbName)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var table string
	if err := db.QueryRow(`SELECT table_name FROM _ferretdb_collections WHERE name = ?`, coll).Scan(&table); err != nil {
		t.Fatalf("table of %s: %v", coll, err)
	}
	// The query FerretDB's SQLite backend builds for a filter {_id: <string>}.
	q := fmt.Sprintf(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM %q WHERE %s = ?`, table, idExpression)
	rows, err := db.Query(q, `"x"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	return strings.Join(steps, "; ")
}

func TestLookupsByIDUseAnIndex(t *testing.T) {
	ctx := context.Background()
	db, client := start(t)

	// A collection created before and one created after the indexer's first pass.
	early := client.Database("app").Collection("early")
	for i := range 50 {
		if _, err := early.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("e%03d", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	late := client.Database("app").Collection("late")
	if _, err := late.InsertOne(ctx, bson.D{{Key: "_id", Value: "l1"}, {Key: "v", Value: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := db.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}

	for _, coll := range []string{"early", "late"} {
		got := plan(t, db.dir, "app", coll)
		if !strings.Contains(got, "USING INDEX") || !strings.Contains(got, indexSuffix) {
			t.Errorf("plan for a lookup by _id in %s = %q, want a SEARCH using the %s index", coll, got, indexSuffix)
		}
	}

	// FerretDB still answers through the index: finds, replaces and deletes by _id.
	var doc bson.M
	if err := late.FindOne(ctx, bson.D{{Key: "_id", Value: "l1"}}).Decode(&doc); err != nil || doc["v"] != int32(1) {
		t.Fatalf("FindOne = %v, %v", doc, err)
	}
	if res, err := late.ReplaceOne(ctx, bson.D{{Key: "_id", Value: "l1"}}, bson.D{{Key: "v", Value: 2}}); err != nil || res.MatchedCount != 1 {
		t.Fatalf("ReplaceOne = %+v, %v", res, err)
	}
	if err := late.FindOne(ctx, bson.D{{Key: "_id", Value: "l1"}}).Decode(&doc); err != nil || doc["v"] != int32(2) {
		t.Fatalf("FindOne after replace = %v, %v", doc, err)
	}
	if _, err := late.InsertOne(ctx, bson.D{{Key: "_id", Value: "l1"}}); !mongo.IsDuplicateKeyError(err) {
		t.Fatalf("duplicate insert: err = %v, want a duplicate key error", err)
	}
	if n, err := early.CountDocuments(ctx, bson.D{}); err != nil || n != 50 {
		t.Fatalf("count = %d, %v", n, err)
	}
}

func TestIndexerPicksUpNewCollectionsByItself(t *testing.T) {
	ctx := context.Background()
	db, client := start(t)
	if _, err := client.Database("other").Collection("fresh").InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}}); err != nil {
		t.Fatal(err)
	}
	// No EnsureIndexes call: wait for the background pass.
	for range 50 {
		db.indexer.mu.Lock()
		done := len(db.indexer.indexed[fileOf(db.dir, "other")]) > 0
		db.indexer.mu.Unlock()
		if done {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(IndexInterval):
		}
	}
	if got := plan(t, db.dir, "other", "fresh"); !strings.Contains(got, indexSuffix) {
		t.Fatalf("plan = %q, want the %s index, added without being asked", got, indexSuffix)
	}
}

// The indexer opening a database file in the instant FerretDB creates it never makes FerretDB's
// first write to that database fail. (It did, SQLITE_BUSY, in one to four of every ten such races, when
// both set the journal mode; a test's setup failed with INTERNAL in CI.) Each round here starts
// the indexer on the file as soon as it exists, while the insert that creates it is under way.
func TestIndexerOpeningANewFileNeverFailsItsFirstWrite(t *testing.T) {
	db, client := start(t)
	ctx := context.Background()
	failed := 0
	for i := 0; i < 200; i++ {
		name := fmt.Sprintf("d%d", i)
		file := fileOf(db.dir, name)
		inserted := make(chan struct{})
		indexed := make(chan error, 1)
		go func() {
			for {
				if _, err := os.Stat(file); err == nil {
					break
				}
				select {
				case <-inserted:
					indexed <- fmt.Errorf("the insert finished and %s does not exist", file)
					return
				default:
				}
			}
			db.indexer.mu.Lock()
			defer db.indexer.mu.Unlock()
			indexed <- db.indexer.ensureFile(ctx, file)
		}()
		_, err := client.Database(name).Collection("c").InsertOne(ctx, bson.D{{Key: "_id", Value: "x"}})
		close(inserted)
		if err != nil {
			failed++
			t.Logf("insert into %s: %v", name, err)
		}
		if err := <-indexed; err != nil {
			t.Logf("indexer on %s: %v", name, err)
		}
	}
	if failed > 0 {
		t.Fatalf("%d of 200 first writes failed", failed)
	}
}
