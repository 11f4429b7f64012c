// Package readmodel is the referral service's worklist read model: every referral, started from
// a snapshot (or the collection) and kept fresh from the change feed, so worklists, counts and
// filters run in memory.
package readmodel

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/socialrx/socialrx/services/platform/aip/filtering"
	"github.com/socialrx/socialrx/services/platform/periodic"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/platform/storage/snapshot"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// Index holds the latest version of every referral.
type Index struct {
	st       *store.Store
	follower *changefeed.Follower
	// staleness bounds how far behind other replicas' writes a read may be (see Fresh).
	staleness time.Duration
	mu        sync.RWMutex
	docs      map[string]*store.Referral
	// started is the position of the snapshot the index started from, 0 after a full load.
	started int64
}

// Load starts from the latest snapshot and the feed after it; without one it reads the feed
// head, then every referral, then the feed from that head. Reads through Fresh may miss other
// replicas' writes of the last staleness.
func Load(ctx context.Context, st *store.Store, staleness time.Duration) (*Index, error) {
	return load(ctx, st, staleness, true)
}

func load(ctx context.Context, st *store.Store, staleness time.Duration, fromSnapshot bool) (*Index, error) {
	ix := &Index{st: st, docs: map[string]*store.Referral{}, staleness: staleness}
	var head int64
	if fromSnapshot {
		pos, data, ok, err := st.Snapshots.Load(ctx)
		if err != nil {
			return nil, fmt.Errorf("load worklist: %w", err)
		}
		// A snapshot older than the feed's trim cannot be caught up: load the collection.
		if ok {
			floor, err := st.Feed.Floor(ctx)
			if err != nil {
				return nil, fmt.Errorf("load worklist: %w", err)
			}
			ok = pos >= floor
		}
		if ok {
			var docs map[string]*store.Referral
			if gob.NewDecoder(bytes.NewReader(data)).Decode(&docs) == nil {
				ix.docs, head, ix.started = docs, pos, pos
			}
		}
	}
	if ix.started == 0 {
		var err error
		if head, err = st.Feed.Head(ctx); err != nil {
			return nil, fmt.Errorf("load worklist: %w", err)
		}
		if err := ix.Reconcile(ctx); err != nil {
			return nil, err
		}
	}
	ix.follower = changefeed.NewFollower(st.Feed, head, ix.apply)
	return ix, ix.Sync(ctx)
}

// StartedAt is the feed position of the snapshot the index started from; 0 after a full load.
func (ix *Index) StartedAt() int64 { return ix.started }

// snapshot encodes the index and returns a feed position it reflects every entry up to (read
// before the documents: entries applied in between are replayed again, changing nothing).
func (ix *Index) snapshot() (int64, []byte, error) {
	pos := ix.follower.Position()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(ix.docs); err != nil {
		return 0, nil, fmt.Errorf("encode worklist snapshot: %w", err)
	}
	return pos, buf.Bytes(), nil
}

// SaveSnapshot writes a snapshot of the index now.
func (ix *Index) SaveSnapshot(ctx context.Context) error {
	pos, data, err := ix.snapshot()
	if err != nil {
		return err
	}
	return ix.st.Snapshots.Save(ctx, pos, data)
}

// Reconcile merges every stored referral into the index, keeping whichever state is newer: the
// load at start-up, and later a repair of anything the feed missed.
func (ix *Index) Reconcile(ctx context.Context) error {
	all, err := ix.st.Referrals.All(ctx)
	if err != nil {
		return fmt.Errorf("load worklist: %w", err)
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, r := range all {
		ix.put(r)
	}
	return nil
}

// Sync applies every change written before it was called.
func (ix *Index) Sync(ctx context.Context) error {
	if err := ix.follower.Sync(ctx); err != nil {
		return fmt.Errorf("sync worklist: %w", err)
	}
	return nil
}

// Fresh brings the index up to date for a read: every write of this replica, the position the
// request names, if any, and every write of another replica acknowledged more than the staleness
// bound before the read; one probe of the feed serves every read in that time.
func (ix *Index) Fresh(ctx context.Context) error {
	if err := ix.follower.Fresh(ctx, ix.staleness); err != nil {
		return fmt.Errorf("sync worklist: %w", err)
	}
	return nil
}

// ReconcileEvery is how often Run merges the stored referrals into the index.
const ReconcileEvery = 10 * time.Minute

// SnapshotFollower is the name under which the position of the worklist's last snapshot is
// registered with the feed's retention, which keeps every entry a restart replays.
const SnapshotFollower = "referral-worklist-snapshot"

// Run keeps the index fresh until ctx ends, reconciling it with the database every
// ReconcileEvery.
func (ix *Index) Run(ctx context.Context, every time.Duration, onError func(error)) {
	if ix.started > 0 {
		// Started from a snapshot: repair soon what the feed may have missed since it was taken.
		go func() {
			if err := ix.Reconcile(ctx); err != nil && ctx.Err() == nil {
				onError(err)
			}
		}()
	}
	done := make(chan struct{})
	defer func() { <-done }() // the last snapshot is written before the database is closed
	go func() {
		defer close(done)
		ix.st.Snapshots.Run(ctx, snapshot.DefaultSchedule, ix.started, ix.follower.Position, ix.snapshot, onError)
	}()
	go periodic.Every(ctx, ReconcileEvery, ix.Reconcile, onError)
	go periodic.Every(ctx, docstore.Retain/4, ix.st.Referrals.Prune, onError)
	ix.follower.Run(ctx, every, onError)
}

func (ix *Index) put(r *store.Referral) {
	if cur, ok := ix.docs[r.ID]; ok && !r.Newer(&cur.Meta) {
		return
	}
	ix.docs[r.ID] = r
}

func (ix *Index) apply(entries []changefeed.Entry) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, e := range entries {
		c, ok, err := store.ChangeOf(e)
		if err != nil {
			return fmt.Errorf("apply change: %w", err)
		}
		if !ok {
			continue
		}
		if c.Deleted {
			delete(ix.docs, c.Referral.ID)
			continue
		}
		ix.put(c.Referral)
	}
	return nil
}

// Select returns the referrals for which keep is true; keep runs under the index's lock and must
// not change them.
func (ix *Index) Select(keep func(*store.Referral) bool) []*store.Referral {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var out []*store.Referral
	for _, r := range ix.docs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// Filter is the AIP-160 schema of ListReferrals and CountReferrals.
var Filter = filtering.Schema{
	"status":                 {Kind: filtering.Enum, Values: domain.Statuses},
	"business_status":        {Kind: filtering.Enum, Values: []string{"CONTACTED", "EVENT_BOOKED", "WAITLISTED", "EVENT_ATTENDED", "EVENT_MISSED", "EVENT_CANCELLED"}},
	"assignee":               {Kind: filtering.String},
	"receiving_organization": {Kind: filtering.String},
	"referring_practitioner": {Kind: filtering.String},
	"referring_organization": {Kind: filtering.String},
	"priority":               {Kind: filtering.Enum, Values: []string{"ROUTINE", "URGENT", "ASAP"}},
	"create_time":            {Kind: filtering.Timestamp},
	"follow_up_time":         {Kind: filtering.Timestamp},
}

func record(r *store.Referral) filtering.Record {
	return func(field string) (any, bool) {
		switch field {
		case "status":
			return r.Status, true
		case "business_status":
			return r.BusinessStatus, r.BusinessStatus != ""
		case "assignee":
			return r.Assignee, r.Assignee != ""
		case "receiving_organization":
			return r.ReceivingOrganization, true
		case "referring_practitioner":
			return r.ReferringPractitioner, true
		case "referring_organization":
			return r.ReferringOrganization, true
		case "priority":
			return r.Priority, true
		case "create_time":
			return r.CreateTime, true
		case "follow_up_time":
			if r.FollowUpTime == nil {
				return nil, false
			}
			return *r.FollowUpTime, true
		}
		return nil, false
	}
}

var priorityRank = map[string]int{"ASAP": 0, "URGENT": 1, "ROUTINE": 2}

// Query returns the referrals matching f (and, with overdue, whose follow-up time is before
// now while still open), most urgent first, then oldest.
func (ix *Index) Query(f *filtering.Filter, overdue bool, now time.Time) []*store.Referral {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var out []*store.Referral
	for _, r := range ix.docs {
		if !f.Match(record(r)) {
			continue
		}
		if overdue && (r.FollowUpTime == nil || !r.FollowUpTime.Before(now) || domain.Terminal(r.Status)) {
			continue
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if pa, pb := priorityRank[a.Priority], priorityRank[b.Priority]; pa != pb {
			return pa < pb
		}
		if !a.CreateTime.Equal(b.CreateTime) {
			return a.CreateTime.Before(b.CreateTime)
		}
		return a.ID < b.ID
	})
	return out
}

// Lag is how many feed entries the index has yet to apply.
func (ix *Index) Lag(ctx context.Context) (int64, error) { return ix.follower.Lag(ctx) }
