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
package docstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/socialrx/socialrx/services/platform/aip/etag"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

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
	// Data is the document as of this version, so a claim whose writer died before writing the
	// snapshot can be completed by another.
	Data bson.Raw `bson:"data,omitempty"`
}

// Retain is how long a written revision is kept before Prune deletes it. A revision's existence
// is what makes a claim of its version by a writer holding an older state fail, so a writer never
// relies on a state read more than Retain/2 before its claim returned without reading the
// document again (see Update); every revision deleted was written after such a state was read,
// and deleted at least Retain later.
const Retain = 2 * time.Minute

// cacheSize bounds the recent copies a Collection keeps for its next update.
const cacheSize = 4096

// Collection stores documents of type T in one MongoDB collection.
type Collection[T any, P Doc[T]] struct {
	name      string
	docs      *mongo.Collection
	revisions *mongo.Collection
	feed      *changefeed.Feed
	now       func() time.Time
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

type recentCopy struct {
	data bson.Raw
	read time.Time // when the state was known to be current
}

type writtenRevision struct {
	id string
	at time.Time
}

// NewCollection returns the store for collection name in db, appending changes to feed under
// topic name. Revisions of all collections share the "revisions" collection.
func NewCollection[T any, P Doc[T]](db *mongo.Database, name string, feed *changefeed.Feed) *Collection[T, P] {
	return &Collection[T, P]{
		name:      name,
		docs:      db.Collection(name),
		revisions: db.Collection("revisions"),
		feed:      feed,
		now:       func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) },
		retain:    Retain,
		recent:    map[string]recentCopy{},
	}
}

// SetRetain changes how long written revisions are kept (tests).
func (c *Collection[T, P]) SetRetain(d time.Duration) { c.retain = d }

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
	if _, err := c.docs.InsertOne(ctx, doc); err != nil {
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
	c.remember(doc, time.Now())
	if err := c.publish(ctx, OpUpsert, doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// Get returns the document with id, or ErrNotFound.
func (c *Collection[T, P]) Get(ctx context.Context, id string) (P, error) {
	read := time.Now()
	var doc T
	err := c.docs.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		c.forget(id)
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get %s %s: %w", c.name, id, err)
	}
	c.remember(&doc, read)
	return &doc, nil
}

// current returns the recent copy of id when there is one young enough to claim on, else reads it.
// fresh forces the read.
func (c *Collection[T, P]) current(ctx context.Context, id string, fresh bool) (P, time.Time, error) {
	if !fresh {
		c.mu.Lock()
		rc, ok := c.recent[id]
		c.mu.Unlock()
		if ok && time.Since(rc.read) < c.retain/4 {
			var doc T
			if err := bson.Unmarshal(rc.data, &doc); err == nil {
				return &doc, rc.read, nil
			}
		}
	}
	read := time.Now()
	doc, err := c.Get(ctx, id)
	return doc, read, err
}

func (c *Collection[T, P]) remember(doc P, read time.Time) {
	data, err := bson.Marshal(doc)
	if err != nil {
		return // only a cache
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.recent) >= cacheSize {
		for k := range c.recent { // drop an arbitrary one
			delete(c.recent, k)
			break
		}
	}
	c.recent[doc.DocMeta().ID] = recentCopy{data: data, read: read}
}

func (c *Collection[T, P]) forget(id string) {
	c.mu.Lock()
	delete(c.recent, id)
	c.mu.Unlock()
}

// maxAttempts bounds retries of an update without an etag that keeps losing races.
const maxAttempts = 8

// Update applies mutate to the current document and stores the result as the next version. With
// a non-empty etag the update applies only to that version (ErrEtagMismatch otherwise, and
// ErrConflict if another writer takes the next version first). Without one, a lost race is
// retried on the fresh document. mutate must not change Meta; its error is returned as is.
func (c *Collection[T, P]) Update(ctx context.Context, actor, id, etag string, mutate func(P) error) (P, error) {
	fresh := false
	for attempt := 0; ; attempt++ {
		doc, read, err := c.current(ctx, id, fresh)
		if err != nil {
			return nil, err
		}
		m := doc.DocMeta()
		if etag != "" && m.Etag() != etag {
			if !fresh {
				fresh = true // the copy may be older than the caller's etag
				attempt--
				continue
			}
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
		won, err := c.claimOn(ctx, actor, OpUpsert, doc, read)
		if err != nil {
			return nil, err
		}
		if !won {
			// Another writer holds this version; its snapshot may not be written yet, and its
			// writer may be dead. The claim carries the state, so write it now and try again
			// on top of it.
			c.forget(id)
			fresh = true
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
		res, err := c.docs.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, doc)
		if err != nil {
			return nil, fmt.Errorf("write %s %s: %w", c.name, id, err)
		}
		c.written1(c.revisionID(id, m.Incarnation, m.Version))
		if res.MatchedCount == 0 {
			// A later delete, claimed after ours, already removed the document.
			c.forget(id)
		} else {
			c.remember(doc, time.Now())
		}
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
	read := time.Now()
	doc, err := c.Get(ctx, id)
	if err != nil {
		return err
	}
	c.forget(id)
	m := doc.DocMeta()
	if etag != "" && m.Etag() != etag {
		return ErrEtagMismatch
	}
	m.Version++
	m.UpdateTime = c.now()
	won, err := c.claimOn(ctx, actor, OpDelete, doc, read)
	if err != nil {
		return err
	}
	if !won {
		if err := c.rollForward(ctx, id); err != nil {
			return err
		}
		return ErrConflict
	}
	if _, err := c.docs.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete %s %s: %w", c.name, id, err)
	}
	c.written1(c.revisionID(id, m.Incarnation, m.Version))
	return c.publish(ctx, OpDelete, doc)
}

// All returns every document; for loading read models at start-up.
func (c *Collection[T, P]) All(ctx context.Context) ([]P, error) {
	cur, err := c.docs.Find(ctx, bson.D{}, options.Find().SetBatchSize(1000))
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", c.name, err)
	}
	defer func() { _ = cur.Close(ctx) }()
	var out []P
	for cur.Next(ctx) {
		var doc T
		if err := cur.Decode(&doc); err != nil {
			return nil, fmt.Errorf("decode %s: %w", c.name, err)
		}
		out = append(out, &doc)
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("scan %s: %w", c.name, err)
	}
	return out, nil
}

// claimOn claims doc's new version on a state read at read. When the claim returns more than
// Retain/2 after that read, the revision that would have refused it may have been pruned, so the
// document is read again: if it moved on, the claim is withdrawn and reported lost.
func (c *Collection[T, P]) claimOn(ctx context.Context, actor, op string, doc P, read time.Time) (bool, error) {
	won, err := c.claim(ctx, actor, op, doc)
	if err != nil || !won || time.Since(read) < c.retain/2 {
		return won, err
	}
	m := doc.DocMeta()
	var cur T
	err = c.docs.FindOne(ctx, bson.D{{Key: "_id", Value: m.ID}}).Decode(&cur)
	if err == nil {
		cm := P(&cur).DocMeta()
		if cm.Incarnation == m.Incarnation && cm.Version == m.Version-1 {
			return true, nil
		}
	} else if !errors.Is(err, mongo.ErrNoDocuments) {
		return false, fmt.Errorf("check claim of %s %s: %w", c.name, m.ID, err)
	}
	if _, err := c.revisions.DeleteOne(ctx, bson.D{{Key: "_id", Value: c.revisionID(m.ID, m.Incarnation, m.Version)}}); err != nil {
		return false, fmt.Errorf("withdraw claim of %s %s: %w", c.name, m.ID, err)
	}
	return false, nil
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
	c.forget(id)
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
			if _, err := c.docs.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
				return fmt.Errorf("roll %s %s forward: %w", c.name, id, err)
			}
			c.written1(rev.ID)
			return c.publish(ctx, OpDelete, p)
		}
		if _, err := c.docs.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, p); err != nil {
			return fmt.Errorf("roll %s %s forward: %w", c.name, id, err)
		}
		c.written1(rev.ID)
		if err := c.publish(ctx, OpUpsert, p); err != nil {
			return err
		}
		m = *p.DocMeta()
	}
}

// Recover rolls forward every document of the collection whose snapshot is behind a claim. A
// process that stops between a claim and its snapshot write leaves one; so does a slow writer
// whose late write put the snapshot back and that stopped before catching up, and then the
// snapshot would show an older state than one already acknowledged until the document's next
// write. Run it at start-up and with the reconciler. It reads the collection's revisions (kept
// for Retain after their write, plus the few of replicas that stopped before pruning) and one
// snapshot per document they name.
func (c *Collection[T, P]) Recover(ctx context.Context) error {
	// Revision ids are "<collection>/<id>/<incarnation>/<version>"; '0' follows '/'.
	cur, err := c.revisions.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: c.name + "/"}, {Key: "$lt", Value: c.name + "0"}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return fmt.Errorf("read claims of %s: %w", c.name, err)
	}
	var ids []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &ids); err != nil {
		return fmt.Errorf("read claims of %s: %w", c.name, err)
	}
	type key struct{ id, incarnation string }
	latest := map[key]int64{}
	for _, r := range ids {
		rest := strings.TrimPrefix(r.ID, c.name+"/")
		rest, v, ok1 := cutLast(rest)
		id, incarnation, ok2 := cutLast(rest)
		version, err := strconv.ParseInt(v, 10, 64)
		if !ok1 || !ok2 || err != nil {
			continue // not a revision of this collection
		}
		k := key{id, incarnation}
		latest[k] = max(latest[k], version)
	}
	for k, version := range latest {
		doc, err := c.Get(ctx, k.id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if m := doc.DocMeta(); m.Incarnation == k.incarnation && m.Version < version {
			c.forget(k.id)
			if err := c.rollForward(ctx, k.id); err != nil {
				return err
			}
		}
	}
	return nil
}

// cutLast splits s around its last "/".
func cutLast(s string) (before, after string, found bool) {
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
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

// written1 records that the snapshot of revision id is written, so Prune deletes it later.
func (c *Collection[T, P]) written1(id string) {
	c.mu.Lock()
	c.written = append(c.written, writtenRevision{id: id, at: time.Now()})
	c.mu.Unlock()
}

// Prune deletes the revisions this replica wrote (or settled) more than Retain ago; run it
// periodically. Revisions of a replica that stopped before pruning stay behind, a few per stop.
func (c *Collection[T, P]) Prune(ctx context.Context) error {
	c.pruning.Lock()
	defer c.pruning.Unlock()
	c.mu.Lock()
	n := 0
	for n < len(c.written) && time.Since(c.written[n].at) >= c.retain {
		n++
	}
	due := append([]writtenRevision(nil), c.written[:n]...)
	c.mu.Unlock()
	deleted := 0
	var err error
	for _, r := range due {
		if _, err = c.revisions.DeleteOne(ctx, bson.D{{Key: "_id", Value: r.id}}); err != nil {
			err = fmt.Errorf("prune revision %s: %w", r.id, err)
			break
		}
		deleted++
	}
	c.mu.Lock()
	c.written = c.written[deleted:] // Prune alone removes, and only from the front
	c.mu.Unlock()
	return err
}
