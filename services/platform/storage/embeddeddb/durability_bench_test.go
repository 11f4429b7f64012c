package embeddeddb

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// BenchmarkInsertBySynchronous measures one small insert (one SQLite transaction) under each
// synchronous setting: what waiting for the disk at every commit costs on this machine.
//
//	go test -run='^$' -bench=InsertBySynchronous -benchtime=1x ./services/platform/storage/embeddeddb/
func BenchmarkInsertBySynchronous(b *testing.B) {
	for _, mode := range []Synchronous{SyncFull, SyncNormal} {
		ctx := context.Background()
		db, err := StartWith(ctx, b.TempDir(), "127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Synchronous: mode})
		if err != nil {
			b.Fatal(err)
		}
		client, err := mongo.Connect(options.Client().ApplyURI(db.URI()))
		if err != nil {
			b.Fatal(err)
		}
		coll := client.Database("bench").Collection("inserts")
		var took []time.Duration
		for i := range 500 {
			t := time.Now()
			if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprint(i)}, {Key: "v", Value: i}}); err != nil {
				b.Fatal(err)
			}
			took = append(took, time.Since(t))
		}
		slices.Sort(took)
		fmt.Printf("synchronous=%-6s InsertOne p50 %v  p95 %v\n", mode, took[len(took)/2].Round(time.Microsecond), took[len(took)*95/100].Round(time.Microsecond))
		_ = client.Disconnect(ctx)
		db.Stop()
	}
}
