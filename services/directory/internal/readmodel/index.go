// Package readmodel is the directory's in-memory read model: a copy of every organisation,
// service, location, taxonomy term and practitioner, started from a snapshot (or the
// collections) and kept fresh from the change feed, with a bleve index of the services for
// search (search.go), stored in the same snapshot so that a restart does not rebuild it. Gets and lists run here without a database round trip; a replica applies
// its own writes before acknowledging them and sees other replicas' within a bounded staleness
// (see Fresh).
package readmodel

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/socialrx/socialrx/services/directory/internal/store"
	"github.com/socialrx/socialrx/services/platform/periodic"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/platform/storage/snapshot"
)

// Index is the read model.
type Index struct {
	st *store.Store

	follower *changefeed.Follower
	// staleness bounds how far behind other replicas' writes a read may be (see Fresh).
	staleness time.Duration

	mu            sync.RWMutex
	organizations *table[store.Organization, *store.Organization]
	services      *table[store.Service, *store.Service]
	locations     *table[store.Location, *store.Location]
	terms         *table[store.TaxonomyTerm, *store.TaxonomyTerm]
	practitioners *table[store.Practitioner, *store.Practitioner]

	// searcher indexes the services for SearchServices; it is built in the background after
	// Load, and searchReady is closed once it holds every service (see waitSearch). Writes only
	// note what they changed in pending; the next search indexes it in one batch, so writes never
	// wait for the search index. Locks are taken in the order searchMu, mu, pendMu.
	searcher *searchIndex
	searchMu sync.RWMutex
	// started is the position of the snapshot the index started from, 0 after a full load.
	started     int64
	searchReady chan struct{}
	searchErr   error
	pendMu      sync.Mutex
	pending     changes
}

// changes are the ids of services and locations changed since the search index last caught up.
type changes struct{ services, locations map[string]bool }

func (c *changes) note(services, locations map[string]bool) {
	if c.services == nil {
		c.services, c.locations = map[string]bool{}, map[string]bool{}
	}
	for id := range services {
		c.services[id] = true
	}
	for id := range locations {
		c.locations[id] = true
	}
}

// Load starts the index from the latest snapshot and the feed after it; without a snapshot it
// reads the feed head, then every collection, then the feed from that head onwards: a change is
// either in the scan or after the head, because documents are written before their feed entry.
// Reads through Fresh may miss other replicas' writes of the last staleness.
func Load(ctx context.Context, st *store.Store, staleness time.Duration) (*Index, error) {
	return load(ctx, st, staleness, true)
}

func load(ctx context.Context, st *store.Store, staleness time.Duration, fromSnapshot bool) (*Index, error) {
	ix := &Index{
		st:            st,
		staleness:     staleness,
		organizations: newTable[store.Organization](),
		services:      newTable[store.Service](),
		locations:     newTable[store.Location](),
		terms:         newTable[store.TaxonomyTerm](),
		practitioners: newTable[store.Practitioner](),
		searchReady:   make(chan struct{}),
	}
	var err error
	var head int64
	if fromSnapshot {
		pos, data, ok, err := st.Snapshots.Load(ctx)
		if err != nil {
			return nil, fmt.Errorf("load index: %w", err)
		}
		// restore fills the tables only from a snapshot it decoded whole; else they stay empty
		// and the collections are read instead.
		// A snapshot older than the feed's trim cannot be caught up: load the collections.
		if ok {
			floor, err := st.Feed.Floor(ctx)
			if err != nil {
				return nil, fmt.Errorf("load index: %w", err)
			}
			ok = pos >= floor
		}
		if ok {
			if bi, err := ix.restore(data); err == nil {
				head, ix.started = pos, pos
				if bi != nil {
					ix.searcher = restoredSearchIndex(ix, bi)
				}
			}
		}
	}
	restored := ix.searcher != nil
	if !restored {
		if ix.searcher, err = newSearchIndex(); err != nil {
			return nil, err
		}
	}
	if ix.started == 0 {
		if head, err = st.Feed.Head(ctx); err != nil {
			return nil, fmt.Errorf("load index: %w", err)
		}
		if err := ix.Reconcile(ctx); err != nil {
			return nil, err
		}
	}
	ix.follower = changefeed.NewFollower(st.Feed, head, ix.apply)
	if err := ix.Sync(ctx); err != nil {
		return nil, err
	}
	if restored {
		// The index came with the snapshot; the tail just applied is indexed by the first search.
		close(ix.searchReady)
	} else {
		go ix.buildSearch()
	}
	return ix, nil
}

// StartedAt is the feed position of the snapshot the index started from; 0 after a full load.
func (ix *Index) StartedAt() int64 { return ix.started }

// searchBatch is how many services buildSearch indexes under one hold of the lock.
const searchBatch = 500

// buildSearch indexes every service, a batch at a time, while changes keep arriving: apply
// indexes what it changes, and a batch indexes the tables' current state, so both agree.
func (ix *Index) buildSearch() {
	ix.mu.RLock()
	ids := make([]string, 0, len(ix.services.docs))
	for id := range ix.services.docs {
		ids = append(ids, id)
	}
	ix.mu.RUnlock()
	for len(ids) > 0 {
		n := min(searchBatch, len(ids))
		batch := map[string]bool{}
		for _, id := range ids[:n] {
			batch[id] = true
		}
		ids = ids[n:]
		ix.searchMu.Lock()
		err := ix.reindex(batch, nil)
		ix.searchMu.Unlock()
		if err != nil {
			ix.searchErr = err
			break
		}
	}
	close(ix.searchReady)
}

// Close releases the search index.
func (ix *Index) Close() error {
	<-ix.searchReady
	return ix.searcher.bi.Close()
}

// SearchTimeout bounds how long a search waits for the search index after start-up.
const SearchTimeout = time.Minute

// waitSearch waits until the search index holds every service loaded at start-up.
func (ix *Index) waitSearch() error {
	select {
	case <-ix.searchReady:
		return ix.searchErr
	case <-time.After(SearchTimeout):
		return fmt.Errorf("search index not built after %v", SearchTimeout)
	}
}

// Reconcile merges every stored document into the index, keeping whichever state is newer. At
// start-up it is the load; later it repairs what the feed missed, e.g. a change whose writer
// stopped between writing the document and appending to the feed.
func (ix *Index) Reconcile(ctx context.Context) error {
	if err := reconcile(ctx, ix, ix.st.Organizations.All, ix.organizations); err != nil {
		return err
	}
	if err := reconcile(ctx, ix, ix.st.Services.All, ix.services); err != nil {
		return err
	}
	if err := reconcile(ctx, ix, ix.st.Locations.All, ix.locations); err != nil {
		return err
	}
	if err := reconcile(ctx, ix, ix.st.TaxonomyTerms.All, ix.terms); err != nil {
		return err
	}
	if err := reconcile(ctx, ix, ix.st.Practitioners.All, ix.practitioners); err != nil {
		return err
	}
	return nil
}

func reconcile[T any, P docstore.Doc[T]](ctx context.Context, ix *Index, all func(context.Context) ([]P, error), t *table[T, P]) error {
	docs, err := all(ctx)
	if err != nil {
		return fmt.Errorf("load index: %w", err)
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	changed := map[string]bool{}
	for _, d := range docs {
		if t.put(d) {
			changed[d.DocMeta().ID] = true
		}
	}
	ix.pendMu.Lock()
	defer ix.pendMu.Unlock()
	switch any(t) {
	case any(ix.services):
		ix.pending.note(changed, nil)
	case any(ix.locations):
		ix.pending.note(nil, changed)
	}
	return nil
}

// Sync applies every feed entry written before it was called, so a read that follows sees
// every write acknowledged before it, on any replica.
func (ix *Index) Sync(ctx context.Context) error {
	if err := ix.follower.Sync(ctx); err != nil {
		return fmt.Errorf("sync index: %w", err)
	}
	return nil
}

// Fresh brings the index up to date for a read: it reflects every write of this replica, the
// position the request names, if any, and every write of another replica acknowledged more than
// the staleness bound before the read; one probe of the feed serves every read in that time.
func (ix *Index) Fresh(ctx context.Context) error {
	if err := ix.follower.Fresh(ctx, ix.staleness); err != nil {
		return fmt.Errorf("sync index: %w", err)
	}
	return nil
}

// ReconcileEvery is how often Run merges the stored documents into the index.
const ReconcileEvery = 10 * time.Minute

// SnapshotFollower is the name under which the position of the read model's last snapshot is
// registered with the feed's retention, which keeps every entry a restart replays.
const SnapshotFollower = "directory-readmodel-snapshot"

// Run keeps the index fresh in the background until ctx ends, so reads rarely find much to do,
// reconciles it with the database every ReconcileEvery, and trims the feed by retention.
func (ix *Index) Run(ctx context.Context, every time.Duration, retention changefeed.Retention, logger *slog.Logger) {
	if ix.started > 0 {
		// Started from a snapshot: repair soon what the feed may have missed since it was taken.
		go func() {
			if err := ix.Reconcile(ctx); err != nil && ctx.Err() == nil {
				logger.Warn("index reconcile", "error", err)
			}
		}()
	}
	done := make(chan struct{})
	defer func() { <-done }() // the last snapshot is written before the database is closed
	go func() {
		defer close(done)
		ix.st.Snapshots.Run(ctx, snapshot.DefaultSchedule, ix.started, ix.follower.Position, ix.snapshot,
			func(err error) { logger.Warn("index snapshot", "error", err) })
	}()
	go periodic.Every(ctx, ReconcileEvery, ix.Reconcile, func(err error) { logger.Warn("index reconcile", "error", err) })
	go periodic.Every(ctx, docstore.Retain/4, ix.st.Prune, func(err error) { logger.Warn("prune revisions", "error", err) })
	go ix.st.Feed.Keep(ctx, retention, map[string]changefeed.Held{SnapshotFollower: ix.st.Snapshots.Position}, func(err error) { logger.Warn("trim change feed", "error", err) })
	ix.follower.Run(ctx, every, func(err error) { logger.Warn("index sync", "error", err) })
}

func (ix *Index) apply(entries []changefeed.Entry) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	services, locations := map[string]bool{}, map[string]bool{}
	for _, e := range entries {
		var err error
		switch e.Topic {
		case store.Organizations:
			err = ix.organizations.apply(e)
		case store.Services:
			err = ix.services.apply(e)
			services[e.Key] = true
		case store.Locations:
			err = ix.locations.apply(e)
			locations[e.Key] = true
		case store.TaxonomyTerms:
			err = ix.terms.apply(e)
		case store.Practitioners:
			err = ix.practitioners.apply(e)
		}
		if err != nil {
			return fmt.Errorf("apply change %d (%s %s): %w", e.Seq, e.Topic, e.Key, err)
		}
	}
	ix.pendMu.Lock()
	ix.pending.note(services, locations)
	ix.pendMu.Unlock()
	return nil
}

// Lag is how many feed entries the index has yet to apply.
func (ix *Index) Lag(ctx context.Context) (int64, error) { return ix.follower.Lag(ctx) }
