// Package docstore stores versioned documents (one aggregate each) in MongoDB with optimistic
// concurrency that holds across replicas even on FerretDB, whose updates are not atomic.
//
// Every change claims its new version by inserting a revision whose _id is
// "<collection>/<id>/<incarnation>/<version>"; the unique _id lets exactly one writer win a version.
// Only the winner then writes the snapshot document and appends the change, with the full new
// state, to a changefeed from which replicas keep read models fresh. Creates are claimed by the
// snapshot's own _id. The incarnation (a time-ordered id made at create) keeps a re-created
// document's versions apart from those of a deleted one.
//
// A claim holds the whole state of its version, so the revisions are the record and the snapshot
// is a copy that any writer may bring up to date: one that loses a version to a claim whose
// snapshot is not written yet (its writer may be slow or dead) writes it from the claim at once
// and moves on. Writing a claimed state twice is harmless, and consumers of the feed may see one
// (incarnation, version) published twice.
//
// Database operations per write: a create is an insert and a feed append; an update is a claim,
// a write, a feed append and a look for a later claim (a slow writer's late write must not leave
// the snapshot behind), plus a read of the current version only when this replica holds no
// recent copy of the document (a stale copy costs a lost claim and a read, never a wrong write);
// a delete is a read, a claim, a delete and a feed append. A revision holds the full claimed
// state, which recovery needs until the snapshot is written; its writer deletes it Retain after
// that (see Prune), so history stays bounded.
//
// Concurrent writers of one replica share inserts: the claims queued while one is inserted go
// in the next insert together (see claimBatch), as do feed appends (see changefeed.Feed.Append),
// so under load an update costs its write and a share of two inserts. Updates of one document
// by one replica take turns (they would only lose claims to one another).
package docstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/socialrx/socialrx/services/platform/aip/etag"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/socialrx/socialrx/services/platform/storage"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/pack"
)

// Errors of the storage package, re-exported so callers of a Collection need one import.
var (
	ErrNotFound      = storage.ErrNotFound
	ErrAlreadyExists = storage.ErrAlreadyExists
	ErrEtagMismatch  = storage.ErrEtagMismatch
	ErrConflict      = storage.ErrConflict
	// ErrUnchanged, returned by an Update's mutate before it changes anything, makes Update
	// return the current document without writing a new version.
	ErrUnchanged = errors.New("unchanged")
)

// Feed operations.
const (
	OpUpsert = "upsert"
	OpDelete = "delete"
)

// Meta is the bookkeeping every stored document embeds (with `bson:",inline"`).
type Meta struct {
	ID          string    `bson:"_id"`
	Incarnation string    `bson:"incarnation"`
	Version     int64     `bson:"version"`
	CreateTime  time.Time `bson:"create_time"`
	UpdateTime  time.Time `bson:"update_time"`
	// RequestID is the AIP-155 idempotency key of the create, if any.
	RequestID string `bson:"request_id,omitempty"`
}

// DocMeta gives generic code access to the embedded Meta.
func (m *Meta) DocMeta() *Meta { return m }

// Etag is the opaque AIP-154 etag of this version.
func (m *Meta) Etag() string { return etag.Of(m.Incarnation, m.Version) }

// Newer reports whether m is a later state of the same id than other.
func (m *Meta) Newer(other *Meta) bool {
	if m.Incarnation != other.Incarnation {
		return m.Incarnation > other.Incarnation
	}
	return m.Version > other.Version
}

// Doc is a pointer to a document type that embeds Meta.
type Doc[T any] interface {
	*T
	DocMeta() *Meta
}

type revision struct {
	ID    string    `bson:"_id"`
	Actor string    `bson:"actor"`
	Op    string    `bson:"op"`
	Time  time.Time `bson:"time"`
	// Data is the document as of this version, so a claim whose writer died before writing the
	// snapshot can be completed by another; kept compressed in Packed when that is smaller.
	Data   bson.Raw `bson:"data,omitempty"`
	Packed []byte   `bson:"packed,omitempty"`
}

// data is the document the revision holds.
func (r revision) data() (bson.Raw, error) {
	if r.Packed == nil {
		return r.Data, nil
	}
	return pack.Unpack(r.Packed)
}

// Retain is how long a written revision is kept before Prune deletes it. A revision's existence
// is what makes a claim of its version by a writer holding an older state fail, so a writer never
// relies on a state read more than Retain/2 before its claim returned without reading the
// document again (see Update); every revision deleted was written after such a state was read,
// and deleted at least Retain later.
const Retain = 2 * time.Minute

// Collection stores documents of type T in one MongoDB collection.
type Collection[T any, P Doc[T]] struct {
	name      string
	docs      *mongo.Collection
	revisions *mongo.Collection
	claims    *claimBatch // inserts into revisions
	turns     turns       // one update at a time per document
	feed      *changefeed.Feed
	// clock is the time: the versions' times, and how old copies and written revisions are.
	clock func() time.Time
	// retain: see Retain.
	retain time.Duration

	mu sync.Mutex
	// recent holds the last state of a document this replica read or wrote, so the next update
	// starts from it without reading it again; its claim fails if another writer moved on.
	recent map[string]recentCopy
	// written are revisions whose snapshot is written, oldest first, for Prune.
	written []writtenRevision
	pruning sync.Mutex
}

type writtenRevision struct {
	id string
	at time.Time
}

// NewCollection returns the store for collection name in db, appending changes to feed under
// topic name. Revisions of all collections share the "revisions" collection.
func NewCollection[T any, P Doc[T]](db *mongo.Database, name string, feed *changefeed.Feed) *Collection[T, P] {
	revisions := db.Collection("revisions")
	return &Collection[T, P]{
		name:      name,
		docs:      db.Collection(name),
		revisions: revisions,
		claims:    &claimBatch{coll: revisions},
		feed:      feed,
		clock:     time.Now,
		retain:    Retain,
		recent:    map[string]recentCopy{},
	}
}

// SetRetain changes how long written revisions are kept (tests).
func (c *Collection[T, P]) SetRetain(d time.Duration) { c.retain = d }

// SetClock replaces the collection's clock, time.Now, so tests let time pass without waiting.
func (c *Collection[T, P]) SetClock(now func() time.Time) { c.clock = now }

// now is the time of a new version: in UTC, to the millisecond, as the database stores it.
func (c *Collection[T, P]) now() time.Time { return c.clock().UTC().Truncate(time.Millisecond) }

// Name is the collection (and feed topic) name.
func (c *Collection[T, P]) Name() string { return c.name }

func (c *Collection[T, P]) publish(ctx context.Context, op string, doc P) error {
	if c.feed == nil {
		return nil
	}
	m := doc.DocMeta()
	data, err := bson.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", c.name, m.ID, err)
	}
	return c.publishRaw(ctx, op, m, data)
}

// publishRaw appends the change to version m, whose document encodes to data.
func (c *Collection[T, P]) publishRaw(ctx context.Context, op string, m *Meta, data bson.Raw) error {
	if c.feed == nil {
		return nil
	}
	_, err := c.feed.Append(ctx, changefeed.Entry{
		Topic: c.name, Key: m.ID, Op: op, Incarnation: m.Incarnation, Version: m.Version,
		Time: m.UpdateTime, Data: data,
	})
	return err
}
