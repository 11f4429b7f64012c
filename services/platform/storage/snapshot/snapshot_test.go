package snapshot_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/socialrx/socialrx/services/platform/storage/snapshot"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// store opens the snapshots of a fold in a database of its own, and the collection under it.
func store(t *testing.T) (*snapshot.Store, *mongo.Collection) {
	t.Helper()
	db := testenv.Database(t)
	return snapshot.New(db, "fold"), db.Collection("snapshots")
}

// sample is data of two chunks once compressed (2.5 MB of random bytes, which do not
// compress) between runs of text (which do).
func sample(seed uint64) []byte {
	var key [32]byte
	key[0] = byte(seed)
	rng := rand.NewChaCha8(key)
	var b bytes.Buffer
	for i := range 5 {
		noise := make([]byte, 512<<10)
		_, _ = rng.Read(noise)
		b.Write(noise)
		fmt.Fprintf(&b, "%s", bytes.Repeat([]byte(fmt.Sprintf("run %d of the fold; ", i)), 2000))
	}
	return b.Bytes()
}

func manifestID(t *testing.T, coll *mongo.Collection) string {
	t.Helper()
	var p struct {
		Manifest string `bson:"manifest"`
	}
	if err := coll.FindOne(context.Background(), bson.D{{Key: "_id", Value: "fold"}}).Decode(&p); err != nil {
		t.Fatal(err)
	}
	return p.Manifest
}

func wantLoad(t *testing.T, s *snapshot.Store, pos int64, data []byte) {
	t.Helper()
	got, gotData, ok, err := s.Load(context.Background())
	if err != nil || !ok || got != pos || !bytes.Equal(gotData, data) {
		t.Fatalf("load: position %d, %d bytes, ok %v (%v); want position %d, %d bytes", got, len(gotData), ok, err, pos, len(data))
	}
}

func wantNone(t *testing.T, s *snapshot.Store, what string) {
	t.Helper()
	_, data, ok, err := s.Load(context.Background())
	if err != nil || ok || data != nil {
		t.Fatalf("%s: ok %v, %d bytes (%v); want none, and no error", what, ok, len(data), err)
	}
}

// A snapshot of several chunks reads back whole, also from a manifest that has no raw size (as
// earlier versions wrote them); the next one replaces it and its chunks are deleted.
func TestSnapshotReadsBackWhole(t *testing.T) {
	ctx := context.Background()
	s, coll := store(t)
	wantNone(t, s, "before any snapshot")
	first := sample(1)
	if err := s.Save(ctx, 41, first); err != nil {
		t.Fatal(err)
	}
	id := manifestID(t, coll)
	chunks, err := coll.CountDocuments(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: "^" + id + "/"}}}})
	if err != nil || chunks < 2 {
		t.Fatalf("the sample is %d chunks (%v); want several", chunks, err)
	}
	wantLoad(t, s, 41, first)

	if _, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$unset", Value: bson.D{{Key: "raw", Value: ""}}}}); err != nil {
		t.Fatal(err)
	}
	wantLoad(t, s, 41, first)

	second := sample(2)
	if err := s.Save(ctx, 42, second); err != nil {
		t.Fatal(err)
	}
	wantLoad(t, s, 42, second)
	if n, err := coll.CountDocuments(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: "^" + id}}}}); err != nil || n != 0 {
		t.Fatalf("the replaced snapshot left %d documents (%v)", n, err)
	}
}

// A snapshot that cannot be read whole is reported as none, never half: a chunk missing, a chunk
// changed, a manifest whose sizes are wrong.
func TestDamagedSnapshotIsNone(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		what   string
		damage func(coll *mongo.Collection, id string) error
	}{
		{"the first chunk missing", func(coll *mongo.Collection, id string) error {
			_, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: id + "/0"}})
			return err
		}},
		{"the last chunk missing", func(coll *mongo.Collection, id string) error {
			var m struct {
				Chunks int `bson:"chunks"`
			}
			if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&m); err != nil {
				return err
			}
			_, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("%s/%d", id, m.Chunks-1)}})
			return err
		}},
		{"a chunk changed", func(coll *mongo.Collection, id string) error {
			var ch struct {
				Data []byte `bson:"data"`
			}
			if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id + "/0"}}).Decode(&ch); err != nil {
				return err
			}
			ch.Data[len(ch.Data)/2] ^= 0x40
			_, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id + "/0"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "data", Value: ch.Data}}}})
			return err
		}},
		{"a chunk count too small", func(coll *mongo.Collection, id string) error {
			_, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "chunks", Value: -1}}}})
			return err
		}},
		{"sizes out of all proportion", func(coll *mongo.Collection, id string) error {
			_, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "raw", Value: int64(1) << 50}, {Key: "size", Value: -5}}}})
			return err
		}},
	} {
		t.Run(c.what, func(t *testing.T) {
			t.Parallel()
			s, coll := store(t)
			if err := s.Save(ctx, 7, sample(3)); err != nil {
				t.Fatal(err)
			}
			if err := c.damage(coll, manifestID(t, coll)); err != nil {
				t.Fatal(err)
			}
			wantNone(t, s, c.what)
		})
	}
}

// A caller who has gone away gets its own error, not "no snapshot".
func TestSnapshotLoadCancelled(t *testing.T) {
	s, _ := store(t)
	if err := s.Save(context.Background(), 3, sample(4)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, ok, err := s.Load(ctx); err == nil || ok {
		t.Fatalf("a cancelled load: ok %v, error %v; want an error", ok, err)
	}
}
