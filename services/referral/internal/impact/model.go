// Package impact is the referral service's impact read model and its report: counts and sums
// per cell (month of creation, referring organisation, receiving centre) of the funnel, the
// waits, the bookings and the outcome changes, kept current from the referral change feed and
// snapshotted, so that a report merges cells and never reads the referrals. Small counts are
// suppressed (see Suppress) before anything leaves the package.
package impact

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"sync"
	"time"

	"github.com/socialrx/socialrx/services/platform/periodic"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/snapshot"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// Resolve finds the category and host of an event, `events/{event}`; ok is false when the event
// service has no such event.
type Resolve func(ctx context.Context, event string) (ev Event, ok bool, err error)

// ResolveTimeout bounds the lookups of the events a batch of changes books for the first time.
const ResolveTimeout = 5 * time.Second

// Model is the impact read model.
type Model struct {
	st        *store.Store
	snaps     *snapshot.Store
	resolve   Resolve
	follower  *changefeed.Follower
	staleness time.Duration

	mu     sync.RWMutex
	facts  map[string]*Facts
	cells  map[key]*bucket
	dims   *dims
	events map[string]Event
	// unresolved are the referrals counted while an event they booked could not be looked up
	// (the event service did not answer): they are counted again once it does.
	unresolved map[string]*store.Referral
	// started is the position of the snapshot the model started from, 0 after a full load.
	started int64
}

// snapshotData is what a snapshot holds: the cells follow from the facts.
type snapshotData struct {
	Facts  map[string]*Facts
	Events map[string]Event
}

// Load starts the model from its latest snapshot in snaps and the feed after it, or, without
// one, from every referral; reads through Fresh may miss other replicas' writes of the last
// staleness.
func Load(ctx context.Context, st *store.Store, snaps *snapshot.Store, resolve Resolve, staleness time.Duration) (*Model, error) {
	m := &Model{st: st, snaps: snaps, resolve: resolve, staleness: staleness,
		facts: map[string]*Facts{}, cells: map[key]*bucket{}, dims: newDims(), events: map[string]Event{},
		unresolved: map[string]*store.Referral{}}
	var head int64
	pos, data, ok, err := snaps.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("load impact: %w", err)
	}
	// A snapshot older than the feed's trim cannot be caught up: load the referrals instead.
	if ok {
		floor, err := st.Feed.Floor(ctx)
		if err != nil {
			return nil, fmt.Errorf("load impact: %w", err)
		}
		ok = pos >= floor
	}
	if ok {
		var d snapshotData
		if gob.NewDecoder(bytes.NewReader(data)).Decode(&d) == nil && d.Facts != nil {
			m.facts, m.events, head, m.started = d.Facts, d.Events, pos, pos
			if m.events == nil {
				m.events = map[string]Event{}
			}
			for _, f := range m.facts {
				m.cell(f).add(f, 1, m.dims)
			}
		}
	}
	if m.started == 0 {
		if head, err = st.Feed.Head(ctx); err != nil {
			return nil, fmt.Errorf("load impact: %w", err)
		}
		if err := m.Reconcile(ctx); err != nil {
			return nil, err
		}
	}
	m.follower = changefeed.NewFollower(st.Feed, head, m.apply)
	if err := m.follower.Sync(ctx); err != nil {
		return nil, fmt.Errorf("sync impact: %w", err)
	}
	return m, nil
}

// StartedAt is the feed position of the snapshot the model started from; 0 after a full load.
func (m *Model) StartedAt() int64 { return m.started }

// Referrals is how many referrals the model counts.
func (m *Model) Referrals() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.facts)
}

func (m *Model) cell(f *Facts) *bucket {
	k := key{f.Month, f.Receiving, f.Referring}
	c := m.cells[k]
	if c == nil {
		c = newBucket()
		m.cells[k] = c
	}
	return c
}

// put replaces the facts of referral id, unless they are older than those counted.
func (m *Model) put(id string, f *Facts) {
	if old, ok := m.facts[id]; ok {
		if f.Version <= old.Version {
			return
		}
		m.take(id)
	}
	m.facts[id] = f
	m.cell(f).add(f, 1, m.dims)
}

func (m *Model) take(id string) {
	old, ok := m.facts[id]
	if !ok {
		return
	}
	k := key{old.Month, old.Receiving, old.Referring}
	c := m.cells[k]
	c.add(old, -1, m.dims)
	if c.Referrals == 0 {
		delete(m.cells, k)
	}
	delete(m.facts, id)
}

// learn looks up the events of rs's bookings the model does not know yet. An event the event
// service cannot be asked about now stays unknown: the referrals booking it are counted without
// it and marked unresolved (see count), so that neither start-up nor the feed waits on it.
func (m *Model) learn(rs []*store.Referral) {
	var unknown []string
	m.mu.RLock()
	for _, r := range rs {
		for _, b := range r.Bookings {
			if e := eventOf(b.Session); b.Session != "" {
				if _, ok := m.events[e]; !ok {
					unknown = append(unknown, e)
				}
			}
		}
	}
	m.mu.RUnlock()
	if len(unknown) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), ResolveTimeout)
	defer cancel()
	found := map[string]Event{}
	for _, e := range unknown {
		if _, done := found[e]; done {
			continue
		}
		ev, ok, err := m.resolve(ctx, e)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if !ok {
			ev = Event{Category: "UNKNOWN", Host: "UNKNOWN"}
		}
		found[e] = ev
	}
	m.mu.Lock()
	for e, ev := range found {
		m.events[e] = ev
	}
	m.mu.Unlock()
}

// count puts r's facts in the model (m.mu held) and notes whether an event it booked is still
// unknown.
func (m *Model) count(r *store.Referral) {
	f := FactsOf(r, m.eventLookup)
	m.put(r.ID, &f)
	if cur, ok := m.facts[r.ID]; !ok || cur.Version != f.Version {
		return // an older version than the one counted
	}
	delete(m.unresolved, r.ID)
	for _, b := range r.Bookings {
		if b.Session == "" {
			continue
		}
		if _, ok := m.events[eventOf(b.Session)]; !ok {
			m.unresolved[r.ID] = r
			return
		}
	}
}

// resolveUnknown asks again for the events of the unresolved referrals and counts those
// referrals anew.
func (m *Model) resolveUnknown(context.Context) error {
	m.mu.RLock()
	rs := make([]*store.Referral, 0, len(m.unresolved))
	for _, r := range m.unresolved {
		rs = append(rs, r)
	}
	m.mu.RUnlock()
	if len(rs) == 0 {
		return nil
	}
	m.learn(rs)
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range rs {
		if m.unresolved[r.ID] != r {
			continue // counted again meanwhile, from a newer version
		}
		m.take(r.ID)
		m.count(r)
	}
	return nil
}

func (m *Model) eventLookup(e string) (Event, bool) {
	ev, ok := m.events[e]
	return ev, ok
}

func (m *Model) apply(entries []changefeed.Entry) error {
	var changes []store.Change
	var rs []*store.Referral
	for _, e := range entries {
		c, ok, err := store.ChangeOf(e)
		if err != nil {
			return fmt.Errorf("apply change: %w", err)
		}
		if ok {
			changes = append(changes, c)
			rs = append(rs, c.Referral)
		}
	}
	m.learn(rs)
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range changes {
		if c.Deleted {
			m.take(c.Referral.ID)
			delete(m.unresolved, c.Referral.ID)
			continue
		}
		m.count(c.Referral)
	}
	return nil
}

// Reconcile merges every stored referral into the model, keeping whichever version is newer:
// the load at start-up, and later a repair of anything the feed missed.
func (m *Model) Reconcile(ctx context.Context) error {
	all, err := m.st.Referrals.All(ctx)
	if err != nil {
		return fmt.Errorf("load impact: %w", err)
	}
	m.learn(all)
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range all {
		m.count(r)
	}
	return nil
}

// snapshot encodes the model and returns a feed position it reflects every entry up to (read
// before the facts: entries applied in between are replayed again, changing nothing).
func (m *Model) snapshot() (int64, []byte, error) { return m.snapshotAt(m.follower.Position()) }

func (m *Model) snapshotAt(pos int64) (int64, []byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(snapshotData{Facts: m.facts, Events: m.events}); err != nil {
		return 0, nil, fmt.Errorf("encode impact snapshot: %w", err)
	}
	return pos, buf.Bytes(), nil
}

// SaveSnapshot writes a snapshot of the model now.
func (m *Model) SaveSnapshot(ctx context.Context) error {
	pos, data, err := m.snapshot()
	if err != nil {
		return err
	}
	return m.snaps.Save(ctx, pos, data)
}

// Fresh brings the model up to date for a read, as the worklist's Fresh does.
func (m *Model) Fresh(ctx context.Context) error {
	if err := m.follower.Fresh(ctx, m.staleness); err != nil {
		return fmt.Errorf("sync impact: %w", err)
	}
	return nil
}

// Sync applies every change written before it was called.
func (m *Model) Sync(ctx context.Context) error {
	if err := m.follower.Sync(ctx); err != nil {
		return fmt.Errorf("sync impact: %w", err)
	}
	return nil
}

// ReconcileEvery is how often Run merges the stored referrals into the model.
const ReconcileEvery = 10 * time.Minute

// SnapshotFollower is the name under which the position of the model's last snapshot is
// registered with the feed's retention, which keeps every entry a restart replays.
const SnapshotFollower = "referral-impact-snapshot"

// Run keeps the model fresh until ctx ends, snapshotting it on the default schedule.
func (m *Model) Run(ctx context.Context, every time.Duration, onError func(error)) {
	if m.started > 0 {
		go func() {
			if err := m.Reconcile(ctx); err != nil && ctx.Err() == nil {
				onError(err)
			}
		}()
	}
	done := make(chan struct{})
	defer func() { <-done }() // the last snapshot is written before the database is closed
	go func() {
		defer close(done)
		m.snaps.Run(ctx, snapshot.DefaultSchedule, m.started, m.follower.Position, m.snapshot, onError)
	}()
	go periodic.Every(ctx, ReconcileEvery, m.Reconcile, onError)
	go periodic.Every(ctx, every, m.resolveUnknown, onError)
	m.follower.Run(ctx, every, onError)
}

// Lag is how many feed entries the model has yet to apply.
func (m *Model) Lag(ctx context.Context) (int64, error) { return m.follower.Lag(ctx) }
