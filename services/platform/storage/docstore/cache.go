package docstore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// cacheSize bounds the recent copies a Collection keeps for its next update.
const cacheSize = 4096

type recentCopy struct {
	data bson.Raw
	read time.Time // when the state was known to be current
}

// current returns the recent copy of id when there is one young enough to claim on, else reads it.
// fresh forces the read.
func (c *Collection[T, P]) current(ctx context.Context, id string, fresh bool) (P, time.Time, error) {
	if !fresh {
		c.mu.Lock()
		rc, ok := c.recent[id]
		c.mu.Unlock()
		if ok && c.clock().Sub(rc.read) < c.retain/4 {
			var doc T
			if err := bson.Unmarshal(rc.data, &doc); err == nil {
				return &doc, rc.read, nil
			}
		}
	}
	read := c.clock()
	doc, err := c.Get(ctx, id)
	return doc, read, err
}

func (c *Collection[T, P]) remember(doc P, read time.Time) {
	data, err := bson.Marshal(doc)
	if err != nil {
		return // only a cache
	}
	c.rememberRaw(doc.DocMeta().ID, data, read)
}

// rememberRaw keeps data, the encoding of document id, as its recent copy.
func (c *Collection[T, P]) rememberRaw(id string, data bson.Raw, read time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.recent) >= cacheSize {
		for k := range c.recent { // drop an arbitrary one
			delete(c.recent, k)
			break
		}
	}
	c.recent[id] = recentCopy{data: data, read: read}
}

func (c *Collection[T, P]) forget(id string) {
	c.mu.Lock()
	delete(c.recent, id)
	c.mu.Unlock()
}
