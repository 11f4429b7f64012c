// Package snapshot stores snapshots of an in-memory fold of a change feed (a ledger state, a read
// model) so that a process starts from the latest one and replays only the entries after it.
//
// A snapshot is written crash-safe on a store without transactions: its data goes into chunk
// documents under an id no other snapshot uses, then a manifest (size, checksum, chunk count)
// under that id, and only then the pointer document of the fold is replaced to name it. A
// process that stops part-way leaves the pointer on the previous snapshot; Load verifies the
// manifest and checksum, and reports a snapshot it cannot read whole as absent, so a torn
// snapshot is never used: the caller replays the feed instead.
package snapshot

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// chunkSize keeps each document well under MongoDB's 16 MB limit.
const chunkSize = 2 << 20

// Store keeps the snapshots of one fold in a database's "snapshots" collection.
type Store struct {
	coll *mongo.Collection
	name string
}

// New returns the store of the fold called name in db.
func New(db *mongo.Database, name string) *Store {
	return &Store{coll: db.Collection("snapshots"), name: name}
}

type pointer struct {
	ID       string `bson:"_id"`
	Manifest string `bson:"manifest"`
	Pos      int64  `bson:"pos"`
}

type manifest struct {
	ID     string    `bson:"_id"`
	Pos    int64     `bson:"pos"`
	Size   int       `bson:"size"`
	SHA256 string    `bson:"sha256"`
	Chunks int       `bson:"chunks"`
	Time   time.Time `bson:"time"`
}

type chunk struct {
	ID   string `bson:"_id"`
	Data []byte `bson:"data"`
}

func chunkID(manifestID string, k int) string { return fmt.Sprintf("%s/%d", manifestID, k) }

// Save stores data, the fold as of feed position pos, and makes it the one Load returns; then it
// deletes the snapshot it replaced.
func (s *Store) Save(ctx context.Context, pos int64, data []byte) error {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if _, err := zw.Write(data); err != nil {
		return fmt.Errorf("compress snapshot: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compress snapshot: %w", err)
	}
	packed := buf.Bytes()
	sum := sha256.Sum256(packed)
	m := manifest{
		ID:  fmt.Sprintf("%s/%019d/%s", s.name, pos, uuid.NewString()),
		Pos: pos, Size: len(packed), SHA256: hex.EncodeToString(sum[:]), Time: time.Now().UTC(),
	}
	for off := 0; off < len(packed) || m.Chunks == 0; off += chunkSize {
		part := packed[off:min(off+chunkSize, len(packed))]
		if _, err := s.coll.InsertOne(ctx, chunk{ID: chunkID(m.ID, m.Chunks), Data: part}); err != nil {
			return fmt.Errorf("write snapshot chunk: %w", err)
		}
		m.Chunks++
	}
	if _, err := s.coll.InsertOne(ctx, m); err != nil {
		return fmt.Errorf("write snapshot manifest: %w", err)
	}
	var old pointer
	err := s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: s.name}}).Decode(&old)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("read snapshot pointer: %w", err)
	}
	if _, err := s.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: s.name}},
		pointer{ID: s.name, Manifest: m.ID, Pos: pos}, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("write snapshot pointer: %w", err)
	}
	if old.Manifest != "" && old.Manifest != m.ID {
		return s.delete(ctx, old.Manifest)
	}
	return nil
}

// delete removes a snapshot no pointer names: manifest first, so it is never read half-deleted.
func (s *Store) delete(ctx context.Context, manifestID string) error {
	var m manifest
	if err := s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: manifestID}}).Decode(&m); err != nil {
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil
		}
		return fmt.Errorf("read old snapshot: %w", err)
	}
	if _, err := s.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: manifestID}}); err != nil {
		return fmt.Errorf("delete old snapshot: %w", err)
	}
	for k := range m.Chunks {
		if _, err := s.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: chunkID(manifestID, k)}}); err != nil {
			return fmt.Errorf("delete old snapshot: %w", err)
		}
	}
	return nil
}

// Position is the feed position of the latest snapshot, without reading it; ok is false when
// there is none. A feed's retention keeps the entries after it (see changefeed.Feed.Track), so
// a restart finds every entry it replays.
func (s *Store) Position(ctx context.Context) (pos int64, ok bool, err error) {
	var p pointer
	err = s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: s.name}}).Decode(&p)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read snapshot pointer: %w", err)
	}
	return p.Pos, true, nil
}

// Load returns the latest snapshot and its feed position; ok is false when there is none that
// can be read whole (none written yet, or a torn or damaged one), and the caller replays the feed.
func (s *Store) Load(ctx context.Context) (pos int64, data []byte, ok bool, err error) {
	var p pointer
	err = s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: s.name}}).Decode(&p)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil, false, nil
	}
	if err != nil {
		return 0, nil, false, fmt.Errorf("read snapshot pointer: %w", err)
	}
	var m manifest
	err = s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: p.Manifest}}).Decode(&m)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil, false, nil
	}
	if err != nil {
		return 0, nil, false, fmt.Errorf("read snapshot manifest: %w", err)
	}
	packed := make([]byte, 0, m.Size)
	for k := range m.Chunks {
		var c chunk
		err := s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: chunkID(m.ID, k)}}).Decode(&c)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return 0, nil, false, nil
		}
		if err != nil {
			return 0, nil, false, fmt.Errorf("read snapshot chunk: %w", err)
		}
		packed = append(packed, c.Data...)
	}
	sum := sha256.Sum256(packed)
	if len(packed) != m.Size || hex.EncodeToString(sum[:]) != m.SHA256 {
		return 0, nil, false, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(packed))
	if err != nil {
		return 0, nil, false, nil
	}
	data, err = io.ReadAll(zr)
	if err != nil {
		return 0, nil, false, nil
	}
	return m.Pos, data, true, nil
}

// Schedule says when a fold is snapshotted: once Entries feed entries arrived since the last
// snapshot, or once Interval passed with any new entry.
type Schedule struct {
	Entries  int64
	Interval time.Duration
}

// DefaultSchedule snapshots every 2,000 entries or 5 minutes: a restart after a crash replays at
// most about that many entries (a graceful stop writes a last snapshot).
var DefaultSchedule = Schedule{Entries: 2000, Interval: 5 * time.Minute}

// FinalTimeout bounds the snapshot Run writes when it stops.
const FinalTimeout = 10 * time.Second

// Run snapshots a fold until ctx ends, and once more then if it changed, so that a restart after
// a graceful stop replays nothing. saved is the position of the snapshot the fold started from;
// position reports the fold's position cheaply; take encodes the fold and returns the position
// it reflects.
func (s *Store) Run(ctx context.Context, sched Schedule, saved int64, position func() int64,
	take func() (int64, []byte, error), onError func(error)) {
	tick := time.NewTicker(min(time.Second, sched.Interval))
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			if position() > saved {
				final, cancel := context.WithTimeout(context.WithoutCancel(ctx), FinalTimeout)
				defer cancel()
				pos, data, err := take()
				if err == nil {
					err = s.Save(final, pos, data)
				}
				if err != nil {
					onError(err)
				}
			}
			return
		case <-tick.C:
		}
		pos := position()
		if pos <= saved || (pos-saved < sched.Entries && time.Since(last) < sched.Interval) {
			continue
		}
		pos, data, err := take()
		if err == nil {
			err = s.Save(ctx, pos, data)
		}
		if err != nil {
			if ctx.Err() == nil {
				onError(err)
			}
			continue
		}
		saved, last = pos, time.Now()
	}
}
