// Package changefeed is an append-only, totally ordered log of changes in MongoDB that other
// replicas and services read from a position (a resume token) onwards, each entry exactly once
// and in order.
//
// It relies only on what FerretDB guarantees: inserts with a duplicate _id fail atomically. Each
// entry's _id is its sequence number, and a writer claims number n by inserting it; a writer
// moves to n+1 only after seeing n taken, so numbers are dense and a reader that stops at the
// first missing number never skips an entry.
//
// FerretDB pushes down to SQLite only a filter on a string (or ObjectID) _id, which the embedded
// database indexes (see embeddeddb). So _id is the zero-padded decimal sequence number, and a
// feed is one collection whose every read is an index search, however long the log grows.
package changefeed

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/socialrx/socialrx/services/platform/storage/pack"
)

// Entry is one change.
type Entry struct {
	// Seq is the entry's position, from 1; assigned by Append.
	Seq int64 `bson:"-"`
	// Topic is the kind of thing that changed, e.g. "service" or "registration".
	Topic string `bson:"topic"`
	// Key identifies the thing within its topic.
	Key string `bson:"key"`
	// Op says what happened, e.g. "upsert", "delete", "confirmed".
	Op string `bson:"op"`
	// Version orders changes of one key: (Incarnation, Version) grows with every change.
	Incarnation string `bson:"incarnation,omitempty"`
	Version     int64  `bson:"version"`
	// Time the change was made.
	Time time.Time `bson:"time"`
	// Data is the state after the change, or event details.
	Data bson.Raw `bson:"data,omitempty"`
}

// Feed appends to and reads from the log stored in one collection.
type Feed struct {
	coll *mongo.Collection

	mu   sync.Mutex
	next int64 // where the next Append starts probing; 0 until located

	// Appends of concurrent callers are committed together (see Append): queue holds those
	// waiting for the next insert, and flushing says one caller is inserting for the others.
	queueMu  sync.Mutex
	queue    []*pendingAppend
	flushing bool

	watchMu  sync.Mutex
	watchers []func(context.Context, []Entry)
}

// New returns the feed stored in db's collection name.
func New(db *mongo.Database, name string) *Feed {
	return &Feed{coll: db.Collection(name)}
}

// watch makes f call w with every run of entries this process appends, in order, after they are
// stored, so a local read model applies its own replica's writes before they are acknowledged.
func (f *Feed) watch(w func(context.Context, []Entry)) {
	f.watchMu.Lock()
	defer f.watchMu.Unlock()
	f.watchers = append(f.watchers, w)
}

// appended tells the watchers about entries, stored at consecutive positions.
func (f *Feed) appended(ctx context.Context, entries []Entry) {
	f.watchMu.Lock()
	ws := f.watchers
	f.watchMu.Unlock()
	for _, w := range ws {
		w(ctx, entries)
	}
}

// pendingAppend is one caller's entry waiting to be inserted, and where its outcome goes.
type pendingAppend struct {
	e    Entry
	seq  int64
	err  error
	done chan struct{}
}

// Append stores e at the next free position and returns that position.
//
// Concurrent appends of this process are committed together: the caller that finds no insert
// under way inserts every entry queued meanwhile in one insert (one transaction on the embedded
// database), then the ones queued during that insert, until none is left; the others wait for
// their turn's outcome. A lone caller inserts at once, so nothing waits for a batch to fill.
func (f *Feed) Append(ctx context.Context, e Entry) (int64, error) {
	p := &pendingAppend{e: e, done: make(chan struct{})}
	f.queueMu.Lock()
	f.queue = append(f.queue, p)
	lead := !f.flushing
	f.flushing = true
	f.queueMu.Unlock()
	if lead {
		f.flush(context.WithoutCancel(ctx))
	}
	<-p.done
	if p.err != nil {
		return 0, p.err
	}
	recordPosition(ctx, p.seq)
	return p.seq, nil
}

// duplicateKey is the server's code of an insert whose _id is taken.
const duplicateKey = 11000

// maxBatch bounds the entries of one insert.
const maxBatch = 64

// flush inserts queued entries, a batch at a time, until the queue is empty.
func (f *Feed) flush(ctx context.Context) {
	for {
		f.queueMu.Lock()
		n := min(len(f.queue), maxBatch)
		batch := f.queue[:n:n]
		f.queue = f.queue[n:]
		if n == 0 {
			f.queue = nil
			f.flushing = false
		}
		f.queueMu.Unlock()
		if n == 0 {
			return
		}
		entries := make([]Entry, n)
		for i, p := range batch {
			entries[i] = p.e
		}
		seqs, err := f.insertNext(ctx, entries)
		// The watchers get the stored entries in order, once, before any of their writers
		// returns.
		if len(seqs) > 0 {
			stored := entries[:len(seqs)]
			for i := range stored {
				stored[i].Seq = seqs[i]
			}
			f.appended(ctx, stored)
		}
		for i, p := range batch {
			if i < len(seqs) {
				p.seq = seqs[i]
			} else {
				p.err = err
			}
			close(p.done)
		}
	}
}

// insertNext stores entries, in order, at the next free positions and returns them; on an error
// it returns the positions of the entries stored before it.
func (f *Feed) insertNext(ctx context.Context, entries []Entry) ([]int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.next == 0 {
		head, err := f.head(ctx, 0)
		if err != nil {
			return nil, err
		}
		f.next = head + 1
	}
	seqs := make([]int64, 0, len(entries))
	misses := 0
	for len(seqs) < len(entries) {
		rest := entries[len(seqs):]
		docs := make([]any, len(rest))
		for i, e := range rest {
			e.Seq = f.next + int64(i)
			docs[i] = storedOf(e)
		}
		// In order: an insert that meets a position another writer took stops there, and
		// every entry before it is stored.
		_, err := f.coll.InsertMany(ctx, docs)
		if err == nil {
			for i := range rest {
				seqs = append(seqs, f.next+int64(i))
			}
			f.next += int64(len(rest))
			return seqs, nil
		}
		var bwe mongo.BulkWriteException
		if !errors.As(err, &bwe) || len(bwe.WriteErrors) == 0 || bwe.WriteErrors[0].Code != duplicateKey {
			return seqs, fmt.Errorf("append change: %w", err)
		}
		stored := bwe.WriteErrors[0].Index
		for i := range stored {
			seqs = append(seqs, f.next+int64(i))
		}
		// Another writer took the next position: move past it, and after a few misses jump
		// to the head.
		f.next += int64(stored) + 1
		if misses++; misses >= 4 {
			head, err := f.head(ctx, f.next-1)
			if err != nil {
				return seqs, err
			}
			f.next = head + 1
			misses = 0
		}
	}
	return seqs, nil
}

// Head returns the position of the last entry, 0 when the feed is empty.
func (f *Feed) Head(ctx context.Context) (int64, error) { return f.head(ctx, 0) }

// head finds the last existing position at or after known (which must exist, or be 0), by
// galloping then bisecting over point lookups; it is correct because positions are dense.
func (f *Feed) head(ctx context.Context, known int64) (int64, error) {
	fl, err := f.readFloor(ctx)
	if err != nil {
		return 0, err
	}
	lo := max(known, fl.Pos) // exists, or existed before a trim (or 0)
	step := int64(1)
	hi := lo + step
	for {
		ok, err := f.exists(ctx, hi)
		if err != nil {
			return 0, err
		}
		if !ok {
			break
		}
		lo = hi
		step *= 2
		hi = lo + step
	}
	for hi-lo > 1 { // lo exists, hi does not
		mid := lo + (hi-lo)/2
		ok, err := f.exists(ctx, mid)
		if err != nil {
			return 0, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, nil
}

func (f *Feed) exists(ctx context.Context, seq int64) (bool, error) {
	_, err := f.get(ctx, seq)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return false, nil
	default:
		return false, err
	}
}

func (f *Feed) get(ctx context.Context, seq int64) (Entry, error) {
	var s stored
	err := f.coll.FindOne(ctx, bson.D{{Key: "_id", Value: key(seq)}}).Decode(&s)
	if err != nil {
		if !errors.Is(err, mongo.ErrNoDocuments) {
			err = fmt.Errorf("read change %d: %w", seq, err)
		}
		return Entry{Seq: seq}, err
	}
	e, err := s.entry()
	e.Seq = seq
	return e, err
}

// stored is an Entry as kept in MongoDB; its data is kept compressed (in Packed, Data left out)
// when that makes it smaller (see package pack).
type stored struct {
	ID     string `bson:"_id"`
	Entry  `bson:",inline"`
	Packed []byte `bson:"packed,omitempty"`
}

func storedOf(e Entry) stored {
	s := stored{ID: key(e.Seq), Entry: e}
	if packed, ok := pack.Pack(e.Data); ok {
		s.Packed, s.Entry.Data = packed, nil
	}
	return s
}

// entry is the Entry s keeps.
func (s stored) entry() (Entry, error) {
	e := s.Entry
	if s.Packed != nil {
		data, err := pack.Unpack(s.Packed)
		if err != nil {
			return e, fmt.Errorf("change %s: %w", s.ID, err)
		}
		e.Data = data
	}
	return e, nil
}

// key is the _id of position seq: fixed-width decimal, so ids also sort in log order.
func key(seq int64) string { return fmt.Sprintf("%019d", seq) }

// Read returns up to limit entries after position after, in order. Fewer (or none) means the
// reader has caught up for now. When the entries after it are trimmed (see Trim) it returns
// ErrTrimmed, with the entries it read before the trim reached them.
func (f *Feed) Read(ctx context.Context, after int64, limit int) ([]Entry, error) {
	var out []Entry
	for seq := after + 1; len(out) < limit; seq++ {
		e, err := f.get(ctx, seq)
		if errors.Is(err, mongo.ErrNoDocuments) {
			// Missing because it is not written yet, or because it is trimmed.
			return out, f.checkTrimmed(ctx, seq-1)
		}
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

// TryAppend stores e at exactly position seq, which must be the position after the last entry
// the caller has read (so never a trimmed one: a feed written by TryAppend is not trimmed). It reports false when another writer holds seq: the caller then reads
// that entry, reconsiders, and tries the next position. This is how a writer makes a decision
// that depends on every earlier entry (a seat, a state change) without an atomic update.
func (f *Feed) TryAppend(ctx context.Context, seq int64, e Entry) (bool, error) {
	e.Seq = seq
	_, err := f.coll.InsertOne(ctx, storedOf(e))
	if err == nil {
		recordPosition(ctx, seq)
		f.appended(ctx, []Entry{e})
		return true, nil
	}
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	return false, fmt.Errorf("append change %d: %w", seq, err)
}

// Get returns the entry at seq; found is false when there is none yet.
func (f *Feed) Get(ctx context.Context, seq int64) (e Entry, found bool, err error) {
	e, err = f.get(ctx, seq)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return e, false, nil
	}
	return e, err == nil, err
}
