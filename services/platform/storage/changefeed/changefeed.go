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

	watchMu  sync.Mutex
	watchers []func(context.Context, Entry)
}

// New returns the feed stored in db's collection name.
func New(db *mongo.Database, name string) *Feed {
	return &Feed{coll: db.Collection(name)}
}

// watch makes f call w with every entry this process appends, after it is stored, so a local read
// model applies its own replica's writes before they are acknowledged.
func (f *Feed) watch(w func(context.Context, Entry)) {
	f.watchMu.Lock()
	defer f.watchMu.Unlock()
	f.watchers = append(f.watchers, w)
}

// appended tells the watchers and the request's position sink about entry e.
func (f *Feed) appended(ctx context.Context, e Entry) {
	recordPosition(ctx, e.Seq)
	f.watchMu.Lock()
	ws := f.watchers
	f.watchMu.Unlock()
	for _, w := range ws {
		w(ctx, e)
	}
}

// Append stores e at the next free position and returns that position.
func (f *Feed) Append(ctx context.Context, e Entry) (int64, error) {
	seq, err := f.insertNext(ctx, e)
	if err != nil {
		return 0, err
	}
	e.Seq = seq
	f.appended(ctx, e)
	return seq, nil
}

func (f *Feed) insertNext(ctx context.Context, e Entry) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.next == 0 {
		head, err := f.head(ctx, 0)
		if err != nil {
			return 0, err
		}
		f.next = head + 1
	}
	misses := 0
	for {
		e.Seq = f.next
		_, err := f.coll.InsertOne(ctx, stored{ID: key(e.Seq), Entry: e})
		if err == nil {
			f.next++
			return e.Seq, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return 0, fmt.Errorf("append change: %w", err)
		}
		// Another writer took this position: move on, and after a few misses jump to the head.
		f.next++
		if misses++; misses >= 4 {
			head, err := f.head(ctx, f.next-1)
			if err != nil {
				return 0, err
			}
			f.next = head + 1
			misses = 0
		}
	}
}

// Head returns the position of the last entry, 0 when the feed is empty.
func (f *Feed) Head(ctx context.Context) (int64, error) { return f.head(ctx, 0) }

// head finds the last existing position at or after known (which must exist, or be 0), by
// galloping then bisecting over point lookups; it is correct because positions are dense.
func (f *Feed) head(ctx context.Context, known int64) (int64, error) {
	lo := known // exists (or 0)
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
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return s.Entry, fmt.Errorf("read change %d: %w", seq, err)
	}
	s.Entry.Seq = seq
	return s.Entry, err
}

// stored is an Entry as kept in MongoDB.
type stored struct {
	ID    string `bson:"_id"`
	Entry `bson:",inline"`
}

// key is the _id of position seq: fixed-width decimal, so ids also sort in log order.
func key(seq int64) string { return fmt.Sprintf("%019d", seq) }

// Read returns up to limit entries after position after, in order. Fewer (or none) means the
// reader has caught up for now.
func (f *Feed) Read(ctx context.Context, after int64, limit int) ([]Entry, error) {
	var out []Entry
	for seq := after + 1; len(out) < limit; seq++ {
		e, err := f.get(ctx, seq)
		if errors.Is(err, mongo.ErrNoDocuments) {
			break
		}
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

// TryAppend stores e at exactly position seq, which must be the position after the last entry
// the caller has read. It reports false when another writer holds seq: the caller then reads
// that entry, reconsiders, and tries the next position. This is how a writer makes a decision
// that depends on every earlier entry (a seat, a state change) without an atomic update.
func (f *Feed) TryAppend(ctx context.Context, seq int64, e Entry) (bool, error) {
	e.Seq = seq
	_, err := f.coll.InsertOne(ctx, stored{ID: key(seq), Entry: e})
	if err == nil {
		f.appended(ctx, e)
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
