// Package docstore stores versioned documents (one aggregate each) in MongoDB with optimistic
// concurrency that holds across replicas even on FerretDB, whose updates are not atomic.
//
// Every change claims its new version by inserting a revision whose _id is
// "<collection>/<id>/<incarnation>/<version>"; the unique _id lets exactly one writer win a version.
// The winner then writes the snapshot document and appends the change, with the full new state,
// to a changefeed from which replicas keep read models fresh. Creates are claimed by the
// snapshot's own _id. The incarnation (a time-ordered id made at create) keeps a re-created
// document's versions apart from those of a deleted one.
//
// A claim holds the whole state of its version, so the revisions are the record and the snapshot
// is a copy that any writer may bring up to date: one that loses a version to a claim whose
// snapshot is not written yet (its writer may be slow or dead) writes it from the claim at once
// and moves on. Writing a claimed state twice is harmless, and consumers of the feed may see one
// (incarnation, version) published twice.
package docstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/socialrx/socialrx/services/platform/aip/etag"
	"github.com/socialrx/socialrx/services/platform/storage"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
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
	// Data is the document as of this version, so any writer can write a claimed version's
	// snapshot: one whose writer is slow or died before writing it.
	Data bson.Raw `bson:"data,omitempty"`
}

// Collection stores documents of type T in one MongoDB collection, or spread by id over several
// shard collections.
type Collection[T any, P Doc[T]] struct {
	name      string
	docs      []*mongo.Collection
	revisions *mongo.Collection
	feed      *changefeed.Feed
	now       func() time.Time
}

// NewCollection returns the store for collection name in db, appending changes to feed under
// topic name. Revisions of all collections share the "revisions" collection.
func NewCollection[T any, P Doc[T]](db *mongo.Database, name string, feed *changefeed.Feed) *Collection[T, P] {
	return NewShardedCollection[T, P](db, name, 1, feed)
}

// NewShardedCollection is NewCollection with documents spread by a hash of their id over shards
// collections named <name>_<k>. FerretDB evaluates even an _id lookup against every row of a
// collection, so a lookup costs time in proportion to the bytes the collection holds; shards keep
// that bounded for collections of large documents.
func NewShardedCollection[T any, P Doc[T]](db *mongo.Database, name string, shards int, feed *changefeed.Feed) *Collection[T, P] {
	c := &Collection[T, P]{
		name:      name,
		revisions: db.Collection("revisions"),
		feed:      feed,
		now:       func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) },
	}
	if shards <= 1 {
		c.docs = []*mongo.Collection{db.Collection(name)}
		return c
	}
	for k := range shards {
		c.docs = append(c.docs, db.Collection(fmt.Sprintf("%s_%02d", name, k)))
	}
	return c
}

// shard is the collection that holds id.
func (c *Collection[T, P]) shard(id string) *mongo.Collection {
	if len(c.docs) == 1 {
		return c.docs[0]
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return c.docs[h.Sum32()%uint32(len(c.docs))]
}

// Name is the collection (and feed topic) name.
func (c *Collection[T, P]) Name() string { return c.name }

// Create inserts doc, whose Meta.ID (and optionally RequestID) the caller sets. If a document with
// that id exists and was made by the same non-empty RequestID, Create returns it (AIP-155);
// otherwise ErrAlreadyExists.
func (c *Collection[T, P]) Create(ctx context.Context, actor string, doc P) (P, error) {
	m := doc.DocMeta()
	now := c.now()
	m.Incarnation = uuid.Must(uuid.NewV7()).String()
	m.Version = 1
	m.CreateTime, m.UpdateTime = now, now
	if _, err := c.shard(m.ID).InsertOne(ctx, doc); err != nil {
		if !mongo.IsDuplicateKeyError(err) {
			return nil, fmt.Errorf("insert %s %s: %w", c.name, m.ID, err)
		}
		existing, gerr := c.Get(ctx, m.ID)
		if gerr != nil {
			return nil, gerr
		}
		if m.RequestID != "" && existing.DocMeta().RequestID == m.RequestID {
			return existing, nil
		}
		return nil, ErrAlreadyExists
	}
	if err := c.publish(ctx, OpUpsert, doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// Get returns the document with id, or ErrNotFound.
func (c *Collection[T, P]) Get(ctx context.Context, id string) (P, error) {
	var doc T
	err := c.shard(id).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get %s %s: %w", c.name, id, err)
	}
	return &doc, nil
}

// maxAttempts bounds retries of an update without an etag that keeps losing races.
const maxAttempts = 8

// Update applies mutate to the current document and stores the result as the next version. With
// a non-empty etag the update applies only to that version (ErrEtagMismatch otherwise, and
// ErrConflict if another writer takes the next version first). Without one, a lost race is
// retried on the fresh document. mutate must not change Meta; its error is returned as is.
func (c *Collection[T, P]) Update(ctx context.Context, actor, id, etag string, mutate func(P) error) (P, error) {
	for attempt := 0; ; attempt++ {
		doc, err := c.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		m := doc.DocMeta()
		if etag != "" && m.Etag() != etag {
			return nil, ErrEtagMismatch
		}
		if err := mutate(doc); err != nil {
			if errors.Is(err, ErrUnchanged) {
				return doc, nil
			}
			return nil, err
		}
		m.Version++
		m.UpdateTime = c.now()
		won, err := c.claim(ctx, actor, OpUpsert, doc)
		if err != nil {
			return nil, err
		}
		if !won {
			// Another writer holds this version; its snapshot may not be written yet, and its
			// writer may be dead. The claim carries the state, so write it now and try again
			// on top of it.
			if err := c.rollForward(ctx, id); err != nil {
				return nil, err
			}
			if etag != "" || attempt+1 >= maxAttempts {
				return nil, ErrConflict
			}
			continue
		}
		// Filtering on _id alone keeps this a point write on FerretDB; the claim already
		// guarantees no other writer stores a different state for this version.
		if _, err := c.shard(id).ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, doc); err != nil {
			return nil, fmt.Errorf("write %s %s: %w", c.name, id, err)
		}
		// (No match means a later delete, claimed after ours, already removed the document.)
		if err := c.publish(ctx, OpUpsert, doc); err != nil {
			return nil, err
		}
		if err := c.catchUp(ctx, id, m.Incarnation, m.Version); err != nil {
			return nil, err
		}
		return doc, nil
	}
}

// Delete removes the document. With a non-empty etag it applies only to that version.
func (c *Collection[T, P]) Delete(ctx context.Context, actor, id, etag string) error {
	doc, err := c.Get(ctx, id)
	if err != nil {
		return err
	}
	m := doc.DocMeta()
	if etag != "" && m.Etag() != etag {
		return ErrEtagMismatch
	}
	m.Version++
	m.UpdateTime = c.now()
	won, err := c.claim(ctx, actor, OpDelete, doc)
	if err != nil {
		return err
	}
	if !won {
		if err := c.rollForward(ctx, id); err != nil {
			return err
		}
		return ErrConflict
	}
	if _, err := c.shard(id).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete %s %s: %w", c.name, id, err)
	}
	return c.publish(ctx, OpDelete, doc)
}

// All returns every document; for loading read models at start-up.
func (c *Collection[T, P]) All(ctx context.Context) ([]P, error) {
	var out []P
	for _, coll := range c.docs {
		cur, err := coll.Find(ctx, bson.D{}, options.Find().SetBatchSize(1000))
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", c.name, err)
		}
		for cur.Next(ctx) {
			var doc T
			if err := cur.Decode(&doc); err != nil {
				_ = cur.Close(ctx)
				return nil, fmt.Errorf("decode %s: %w", c.name, err)
			}
			out = append(out, &doc)
		}
		err = cur.Err()
		_ = cur.Close(ctx)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", c.name, err)
		}
	}
	return out, nil
}

// claim inserts the revision for doc's new version; false means another writer holds it.
func (c *Collection[T, P]) claim(ctx context.Context, actor, op string, doc P) (bool, error) {
	m := doc.DocMeta()
	data, err := bson.Marshal(doc)
	if err != nil {
		return false, fmt.Errorf("encode %s %s: %w", c.name, m.ID, err)
	}
	rev := revision{ID: c.revisionID(m.ID, m.Incarnation, m.Version), Actor: actor, Op: op, Time: m.UpdateTime, Data: data}
	if _, err := c.revisions.InsertOne(ctx, rev); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return false, nil
		}
		return false, fmt.Errorf("claim %s: %w", rev.ID, err)
	}
	return true, nil
}

func (c *Collection[T, P]) revisionID(id, incarnation string, version int64) string {
	return fmt.Sprintf("%s/%s/%s/%d", c.name, id, incarnation, version)
}

// catchUp follows a snapshot write of version: if a later version is already claimed, this
// writer was slow and another wrote that later version first, so the snapshot just went back;
// rolling forward restores it. Costs one point read when, as usual, there is no later claim.
func (c *Collection[T, P]) catchUp(ctx context.Context, id, incarnation string, version int64) error {
	_, found, err := c.revision(ctx, id, incarnation, version+1)
	if err != nil || !found {
		return err
	}
	return c.rollForward(ctx, id)
}

// rollForward writes, in order and from the claims themselves, every version claimed after the
// snapshot's, and publishes each. Any writer may do it at any time: the claims hold the states,
// so writing one again (or after its own slow writer) only repeats it, and every write is
// followed by a look for the next claim, so the snapshot ends at the latest.
func (c *Collection[T, P]) rollForward(ctx context.Context, id string) error {
	cur, err := c.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	m := *cur.DocMeta()
	for {
		rev, found, err := c.revision(ctx, id, m.Incarnation, m.Version+1)
		if err != nil || !found {
			return err
		}
		var doc T
		if err := bson.Unmarshal(rev.Data, &doc); err != nil {
			return fmt.Errorf("decode claim of %s %s: %w", c.name, id, err)
		}
		p := P(&doc)
		if rev.Op == OpDelete {
			if _, err := c.shard(id).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
				return fmt.Errorf("roll %s %s forward: %w", c.name, id, err)
			}
			return c.publish(ctx, OpDelete, p)
		}
		if _, err := c.shard(id).ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, p); err != nil {
			return fmt.Errorf("roll %s %s forward: %w", c.name, id, err)
		}
		if err := c.publish(ctx, OpUpsert, p); err != nil {
			return err
		}
		m = *p.DocMeta()
	}
}

// revision reads the claim of version, if there is one.
func (c *Collection[T, P]) revision(ctx context.Context, id, incarnation string, version int64) (revision, bool, error) {
	var rev revision
	err := c.revisions.FindOne(ctx, bson.D{{Key: "_id", Value: c.revisionID(id, incarnation, version)}}).Decode(&rev)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return rev, false, nil
	}
	if err != nil {
		return rev, false, fmt.Errorf("read claim of %s %s: %w", c.name, id, err)
	}
	return rev, true, nil
}

func (c *Collection[T, P]) publish(ctx context.Context, op string, doc P) error {
	if c.feed == nil {
		return nil
	}
	m := doc.DocMeta()
	data, err := bson.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", c.name, m.ID, err)
	}
	_, err = c.feed.Append(ctx, changefeed.Entry{
		Topic: c.name, Key: m.ID, Op: op, Incarnation: m.Incarnation, Version: m.Version,
		Time: m.UpdateTime, Data: data,
	})
	return err
}
