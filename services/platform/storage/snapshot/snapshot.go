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
	"hash"
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
	ID     string `bson:"_id"`
	Pos    int64  `bson:"pos"`
	Size   int    `bson:"size"` // of the compressed data the chunks hold
	SHA256 string `bson:"sha256"`
	Chunks int    `bson:"chunks"`
	// Raw is the size of the data before compression, so that Load decompresses into one
	// buffer of the right size; 0 in manifests written before it was recorded.
	Raw  int       `bson:"raw,omitempty"`
	Time time.Time `bson:"time"`
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
		Pos: pos, Size: len(packed), SHA256: hex.EncodeToString(sum[:]), Raw: len(data), Time: time.Now().UTC(),
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
	data, torn, err := s.read(ctx, m)
	if err != nil || torn {
		return 0, nil, false, err
	}
	return m.Pos, data, true, nil
}

// read reads the chunks of the snapshot m names, checks them against its size and checksum and
// decompresses them. The next chunk is read from the database while the last one is
// decompressed, and the data goes into one buffer of its recorded size: at tens of megabytes,
// these are most of a restart. torn reports a snapshot that cannot be read whole: a chunk
// missing, the size, checksum or compression wrong. Nothing read is returned unless all of it
// checked out.
func (s *Store) read(ctx context.Context, m manifest) (data []byte, torn bool, err error) {
	fetch, stop := context.WithCancel(ctx)
	defer stop()
	parts := make(chan []byte, 2)
	fetched := make(chan error, 1)
	go func() {
		defer close(parts)
		for k := range m.Chunks {
			var c chunk
			if err := s.coll.FindOne(fetch, bson.D{{Key: "_id", Value: chunkID(m.ID, k)}}).Decode(&c); err != nil {
				fetched <- err
				return
			}
			select {
			case parts <- c.Data:
			case <-fetch.Done():
				fetched <- fetch.Err()
				return
			}
		}
		fetched <- nil
	}()

	in := &chunkReader{parts: parts, hash: sha256.New()}
	var out bytes.Buffer
	// The manifest's raw size sizes the buffer, within what DEFLATE can expand the chunks to
	// and a gigabyte (a damaged manifest must not ask for more; past it the buffer grows as it
	// goes); bytes.MinRead more lets ReadFrom see the end without growing it.
	out.Grow(max(0, min(m.Raw, 1032*min(m.Size, m.Chunks*chunkSize), 1<<30)) + bytes.MinRead)
	zr, derr := gzip.NewReader(in)
	if derr == nil {
		_, derr = out.ReadFrom(zr)
	}
	if derr != nil {
		stop()
	}
	for range parts { // until the fetch has ended
	}
	ferr := <-fetched
	switch {
	case ctx.Err() != nil:
		return nil, false, ctx.Err()
	case errors.Is(ferr, mongo.ErrNoDocuments):
		return nil, true, nil
	case ferr != nil && !(derr != nil && errors.Is(ferr, context.Canceled)):
		return nil, false, fmt.Errorf("read snapshot chunk: %w", ferr)
	case derr != nil:
		return nil, true, nil
	}
	// The decompression read to the end of the chunks, so all of them were summed.
	if in.n != m.Size || hex.EncodeToString(in.hash.Sum(nil)) != m.SHA256 {
		return nil, true, nil
	}
	return out.Bytes(), false, nil
}

// chunkReader reads the chunks as they arrive, in order, and sums what it read.
type chunkReader struct {
	parts <-chan []byte
	cur   []byte
	hash  hash.Hash
	n     int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		c, ok := <-r.parts
		if !ok {
			return 0, io.EOF
		}
		r.hash.Write(c)
		r.n += len(c)
		r.cur = c
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
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
