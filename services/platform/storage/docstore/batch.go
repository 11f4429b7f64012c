package docstore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// claimBatch commits the claims of concurrent writers together, as the change feed commits its
// appends: the writer that finds no insert under way inserts every claim queued meanwhile in one
// ordered insert (one transaction on the embedded database), then those queued during it, until
// none is left; the others wait for their claim's outcome. A lone writer inserts at once, so no
// claim waits for a batch to fill.
//
// An ordered insert stops at the first claim whose version is taken: the claims before it are
// won, that one is lost, and those after it go into the next insert.
type claimBatch struct {
	coll *mongo.Collection

	mu       sync.Mutex
	queue    []*pendingClaim
	flushing bool
}

type pendingClaim struct {
	rev  revision
	won  bool
	err  error
	done chan struct{}
}

// maxClaims bounds the claims of one insert.
const maxClaims = 64

// insert claims rev's version; false means another writer holds it.
func (b *claimBatch) insert(ctx context.Context, rev revision) (bool, error) {
	p := &pendingClaim{rev: rev, done: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, p)
	lead := !b.flushing
	b.flushing = true
	b.mu.Unlock()
	if lead {
		b.flush(context.WithoutCancel(ctx))
	}
	<-p.done
	return p.won, p.err
}

func (b *claimBatch) flush(ctx context.Context) {
	var retry []*pendingClaim
	for {
		b.mu.Lock()
		batch := retry
		n := min(len(b.queue), maxClaims-len(batch))
		batch = append(batch, b.queue[:n]...)
		b.queue = b.queue[n:]
		if len(batch) == 0 {
			b.queue = nil
			b.flushing = false
		}
		b.mu.Unlock()
		if len(batch) == 0 {
			return
		}
		retry = b.insertBatch(ctx, batch)
	}
}

// insertBatch inserts batch in order, settles the claims it decides, and returns those to insert
// again: the ones after a lost claim.
func (b *claimBatch) insertBatch(ctx context.Context, batch []*pendingClaim) []*pendingClaim {
	docs := make([]any, len(batch))
	for i, p := range batch {
		docs[i] = p.rev
	}
	_, err := b.coll.InsertMany(ctx, docs)
	if err == nil {
		for _, p := range batch {
			p.won = true
			close(p.done)
		}
		return nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || len(bwe.WriteErrors) == 0 {
		for _, p := range batch {
			p.err = fmt.Errorf("claim %s: %w", p.rev.ID, err)
			close(p.done)
		}
		return nil
	}
	stop := bwe.WriteErrors[0].Index
	for i := range stop {
		batch[i].won = true
		close(batch[i].done)
	}
	if bwe.WriteErrors[0].Code != duplicateKey {
		batch[stop].err = fmt.Errorf("claim %s: %w", batch[stop].rev.ID, err)
	}
	close(batch[stop].done) // lost, or failed
	return batch[stop+1:]
}

// duplicateKey is the server's code of an insert whose _id is taken.
const duplicateKey = 11000

// turns serializes work per key: lock waits until no other holder of key is at work.
type turns struct {
	mu    sync.Mutex
	locks map[string]*turn
}

type turn struct {
	mu      sync.Mutex
	waiters int // holders and waiters; the entry goes when it drops to 0
}

func (t *turns) lock(key string) (unlock func()) {
	t.mu.Lock()
	if t.locks == nil {
		t.locks = map[string]*turn{}
	}
	l := t.locks[key]
	if l == nil {
		l = &turn{}
		t.locks[key] = l
	}
	l.waiters++
	t.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		t.mu.Lock()
		if l.waiters--; l.waiters == 0 {
			delete(t.locks, key)
		}
		t.mu.Unlock()
	}
}
