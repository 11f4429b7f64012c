package docstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

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
	c.remember(doc, c.clock())
	if err := c.publish(ctx, OpUpsert, doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// Get returns the document with id, or ErrNotFound.
func (c *Collection[T, P]) Get(ctx context.Context, id string) (P, error) {
	read := c.clock()
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

// maxAttempts bounds retries of an update without an etag that keeps losing races.
const maxAttempts = 8

// Update applies mutate to the current document and stores the result as the next version. With
// a non-empty etag the update applies only to that version (ErrEtagMismatch otherwise, and
// ErrConflict if another writer takes the next version first). Without one, a lost race is
// retried on the fresh document. mutate must not change Meta; its error is returned as is.
func (c *Collection[T, P]) Update(ctx context.Context, actor, id, etag string, mutate func(P) error) (P, error) {
	// Updates of one document by this replica take turns, each on its predecessor's copy, so
	// they never lose claims to one another (which, with claims committed together, would
	// make the same writer lose again and again); only other replicas' writes are raced.
	unlock := c.turns.lock(id)
	defer unlock()
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
		// Encoded once for the claim, the recent copy and the feed.
		data, err := bson.Marshal(doc)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s: %w", c.name, id, err)
		}
		won, err := c.claimOn(ctx, actor, OpUpsert, doc, data, read)
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
			c.rememberRaw(id, data, c.clock())
		}
		if err := c.publishRaw(ctx, OpUpsert, m, data); err != nil {
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
	read := c.clock()
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
	data, err := bson.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", c.name, id, err)
	}
	won, err := c.claimOn(ctx, actor, OpDelete, doc, data, read)
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
	return c.publishRaw(ctx, OpDelete, m, data)
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
