package docstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/socialrx/socialrx/services/platform/storage/pack"
)

// claimOn claims doc's new version on a state read at read. When the claim returns more than
// Retain/2 after that read, the revision that would have refused it may have been pruned, so the
// document is read again: if it moved on, the claim is withdrawn and reported lost.
func (c *Collection[T, P]) claimOn(ctx context.Context, actor, op string, doc P, data bson.Raw, read time.Time) (bool, error) {
	won, err := c.claim(ctx, actor, op, doc.DocMeta(), data)
	if err != nil || !won || c.clock().Sub(read) < c.retain/2 {
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

// claim inserts the revision for the new version m, whose document encodes to data (see
// claimBatch); false means another writer holds it.
func (c *Collection[T, P]) claim(ctx context.Context, actor, op string, m *Meta, data bson.Raw) (bool, error) {
	rev := revision{ID: c.revisionID(m.ID, m.Incarnation, m.Version), Actor: actor, Op: op, Time: m.UpdateTime, Data: data}
	if packed, ok := pack.Pack(data); ok {
		rev.Packed, rev.Data = packed, nil
	}
	return c.claims.insert(ctx, rev)
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
		data, err := rev.data()
		if err != nil {
			return fmt.Errorf("decode claim of %s %s: %w", c.name, id, err)
		}
		if err := bson.Unmarshal(data, &doc); err != nil {
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

// written1 records that the snapshot of revision id is written, so Prune deletes it later.
func (c *Collection[T, P]) written1(id string) {
	c.mu.Lock()
	c.written = append(c.written, writtenRevision{id: id, at: c.clock()})
	c.mu.Unlock()
}

// Prune deletes the revisions this replica wrote (or settled) more than Retain ago; run it
// periodically. Revisions of a replica that stopped before pruning stay behind, a few per stop.
func (c *Collection[T, P]) Prune(ctx context.Context) error {
	c.pruning.Lock()
	defer c.pruning.Unlock()
	c.mu.Lock()
	n := 0
	for n < len(c.written) && c.clock().Sub(c.written[n].at) >= c.retain {
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
