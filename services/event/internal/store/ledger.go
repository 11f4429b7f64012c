// Package ledger keeps the event service's state as the fold of a dense, append-only log in
// MongoDB. A write decides against the state at position n and claims position n+1 with a
// unique-_id insert; if another replica claimed it first, the writer folds that entry and decides
// again. So capacity, waitlist order and state transitions hold across replicas without atomic
// updates, and the log itself is the change feed other services read.
//
// The fold starts from the latest snapshot (see platform/storage/snapshot) and replays only the
// entries after it; snapshots are written in the background while the service runs.
package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/socialrx/socialrx/services/event/internal/domain"
	"github.com/socialrx/socialrx/services/platform/periodic"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/snapshot"
)

// Prefix names the ledger's collections.
const Prefix = "ledger"

// batch is how many entries one read step fetches.
const batch = 500

// Options tune a Ledger.
type Options struct {
	// Staleness bounds how far a read may lag other replicas' entries (see Fresh).
	Staleness time.Duration
	// Snapshots says how often Run snapshots the fold.
	Snapshots snapshot.Schedule
	// Folded, when set, is called after each entry is folded into the state, with the write
	// lock held (to keep an index of the state current).
	Folded func(st *domain.State, op string, p *domain.Payload) error
}

// Ledger is the log and its fold.
type Ledger struct {
	feed  *changefeed.Feed
	now   func() time.Time
	opts  Options
	snaps *snapshot.Store
	// start is the position of the snapshot the fold started from, 0 for a full replay.
	start int64

	mu    sync.RWMutex // guards st
	st    *domain.State
	write sync.Mutex // one local writer at a time: losing races to ourselves is wasted work

	syncMu   sync.Mutex
	lastSync time.Time
}

// Open loads the latest snapshot of the fold in db, if any can be read whole, and folds the
// ledger entries after it.
func Open(ctx context.Context, db *mongo.Database, now func() time.Time, opts Options) (*Ledger, error) {
	l := &Ledger{feed: changefeed.New(db, Prefix), now: now, opts: opts, snaps: snapshot.New(db, Prefix), st: domain.New()}
	pos, data, ok, err := l.snaps.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	if ok {
		if st, err := domain.Decode(data); err == nil && st.Pos == pos {
			l.st, l.start = st, pos
		} // else: an unreadable snapshot is ignored, and the whole ledger replayed
	}
	if err := l.Sync(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// StartedAt is the position of the snapshot the fold started from; 0 after a full replay.
func (l *Ledger) StartedAt() int64 { return l.start }

// Position is the last entry folded.
func (l *Ledger) Position() int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.st.Pos
}

// Snapshot encodes the fold and returns the position it reflects.
func (l *Ledger) Snapshot() (int64, []byte, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	data, err := l.st.Encode()
	return l.st.Pos, data, err
}

// SaveSnapshot writes a snapshot of the fold now.
func (l *Ledger) SaveSnapshot(ctx context.Context) error {
	pos, data, err := l.Snapshot()
	if err != nil {
		return err
	}
	return l.snaps.Save(ctx, pos, data)
}

// Feed is the underlying log, for readers of the change feed.
func (l *Ledger) Feed() *changefeed.Feed { return l.feed }

// Read runs f with the current state under a read lock; f must not keep references.
func (l *Ledger) Read(f func(*domain.State)) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	f(l.st)
}

// Sync folds every entry written before it was called.
func (l *Ledger) Sync(ctx context.Context) error { return l.syncSince(ctx, time.Now()) }

// Fresh brings the fold up to date for a read: it holds every entry this replica wrote, the
// position the request names (see headers.Position), if any, and every entry another
// replica wrote more than Options.Staleness before the read; one probe of the ledger serves every
// read in that time.
func (l *Ledger) Fresh(ctx context.Context) error {
	if want := changefeed.WantedPosition(ctx); want > 0 {
		if l.Position() >= want {
			return nil
		}
		return l.Sync(ctx)
	}
	return l.syncSince(ctx, time.Now().Add(-l.opts.Staleness))
}

// syncSince folds every entry written before since, sharing a pass that started after it.
func (l *Ledger) syncSince(ctx context.Context, since time.Time) error {
	start := time.Now()
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if !l.lastSync.Before(since) {
		return nil
	}
	for {
		n, err := l.catchUp(ctx)
		if err != nil {
			return err
		}
		if n < batch {
			break
		}
	}
	l.lastSync = start
	return nil
}

func (l *Ledger) catchUp(ctx context.Context) (int, error) {
	l.mu.RLock()
	pos := l.st.Pos
	l.mu.RUnlock()
	entries, err := l.feed.Read(ctx, pos, batch)
	if err != nil {
		return 0, fmt.Errorf("read ledger: %w", err)
	}
	if len(entries) == 0 {
		return 0, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range entries {
		if e.Seq != l.st.Pos+1 {
			continue // applied meanwhile by a local writer
		}
		if err := l.fold(e); err != nil {
			return 0, err
		}
	}
	return len(entries), nil
}

func apply(st *domain.State, e changefeed.Entry) error {
	_, err := applied(st, e)
	return err
}

func applied(st *domain.State, e changefeed.Entry) (*domain.Payload, error) {
	p, err := Decode(e.Data)
	if err != nil {
		return nil, fmt.Errorf("ledger entry %d: %w", e.Seq, err)
	}
	st.Apply(e.Seq, e.Op, e.Time, p)
	return p, nil
}

// fold applies e to the state and tells Options.Folded; l.mu must be held for writing.
func (l *Ledger) fold(e changefeed.Entry) error {
	p, err := applied(l.st, e)
	if err != nil || l.opts.Folded == nil {
		return err
	}
	return l.opts.Folded(l.st, e.Op, p)
}

// Decode reads the payload of a ledger entry.
func Decode(data []byte) (*domain.Payload, error) {
	var p domain.Payload
	if err := bson.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("decode payload: %w", err)
	}
	return &p, nil
}

// Decide makes a change: decide runs against the latest state this replica knows and returns
// the decision; its entry is appended at the next position, or, when another writer took that
// position, the entry there is folded in and decide runs again. The returned decision is the
// one that was recorded (or a no-op).
func (l *Ledger) Decide(ctx context.Context, actor string, decide func(st *domain.State, now time.Time) (domain.Decision, error)) (domain.Decision, error) {
	l.write.Lock()
	defer l.write.Unlock()
	for {
		if err := ctx.Err(); err != nil {
			return domain.Decision{}, err
		}
		now := l.now().UTC().Truncate(time.Millisecond)
		l.mu.RLock()
		d, err := decide(l.st, now)
		pos := l.st.Pos
		l.mu.RUnlock()
		if err != nil || d.Noop {
			// A refusal or a no-op must not rest on a stale state: only when nothing newer
			// exists is it the answer. (A decision to write needs no such check: its claim of
			// the next position fails if anything newer exists.)
			n, cerr := l.catchUp(ctx)
			if cerr != nil {
				return domain.Decision{}, cerr
			}
			if n == 0 {
				return d, err
			}
			continue
		}
		d.Payload.Actor = actor
		data, err := bson.Marshal(d.Payload)
		if err != nil {
			return domain.Decision{}, fmt.Errorf("encode %s: %w", d.Op, err)
		}
		entry := changefeed.Entry{Topic: "ledger", Key: d.Result, Op: d.Op, Time: now, Data: data}
		won, err := l.feed.TryAppend(ctx, pos+1, entry)
		if err != nil {
			return domain.Decision{}, err
		}
		if won {
			entry.Seq = pos + 1
			l.mu.Lock()
			if l.st.Pos == pos {
				err = l.fold(entry)
			}
			l.mu.Unlock()
			return d, err
		}
		// Another replica decided first: fold what it wrote, then decide again.
		if _, err := l.catchUp(ctx); err != nil {
			return domain.Decision{}, err
		}
	}
}

// Run keeps the state fresh, and snapshots it, in the background until ctx ends.
func (l *Ledger) Run(ctx context.Context, every time.Duration, onError func(error)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.snaps.Run(ctx, l.opts.Snapshots, l.start, l.Position, l.Snapshot, onError)
	}()
	periodic.Every(ctx, every, l.Sync, onError)
	<-done // the last snapshot is written before the database is closed
}

// Lag is how many ledger entries this replica has yet to fold.
func (l *Ledger) Lag(ctx context.Context) (int64, error) {
	head, err := l.feed.Head(ctx)
	if err != nil {
		return 0, err
	}
	return max(head-l.Position(), 0), nil
}
