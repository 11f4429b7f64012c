package changefeed

import (
	"context"
	"sync"
	"time"

	"github.com/socialrx/socialrx/services/platform/periodic"
)

// followBatch is how many entries one step of a Follower reads.
const followBatch = 500

// DefaultStaleness is how far behind the other replicas' writes a read may be (see Fresh): a
// probe of the feed is shared by every read within this time of it.
const DefaultStaleness = 50 * time.Millisecond

// Follower keeps an in-memory read model up to date with a feed: it hands every entry after its
// position, in order, to apply. Entries this process appends to the feed are applied before
// Append returns, so a replica's reads always reflect its own writes.
type Follower struct {
	feed  *Feed
	apply func([]Entry) error

	mu   sync.Mutex
	pos  int64
	last time.Time // start time of the last completed pass over the feed
}

// NewFollower returns a follower whose model already reflects every entry up to position from.
func NewFollower(feed *Feed, from int64, apply func([]Entry) error) *Follower {
	f := &Follower{feed: feed, apply: apply, pos: from}
	feed.watch(f.written)
	return f
}

// written applies entries this process just appended, at consecutive positions: directly those
// after the follower's position when the first of them is next, else after reading the entries
// of other replicas before them. Errors are left to the next pass.
func (f *Follower) written(ctx context.Context, entries []Entry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	first, last := entries[0].Seq, entries[len(entries)-1].Seq
	switch {
	case last <= f.pos:
	case first <= f.pos+1:
		if fresh := entries[f.pos+1-first:]; f.apply(fresh) == nil {
			f.pos = last
		}
	default:
		_ = f.pass(ctx, last)
	}
}

// Sync applies every entry written before it was called. Concurrent callers share a pass: one
// that arrives while a pass runs waits, and then runs its own only if that pass started before it
// arrived.
func (f *Follower) Sync(ctx context.Context) error { return f.syncSince(ctx, time.Now()) }

// Fresh brings the model up to date for a read: to the position the request carries (see
// headers.Position) if any, else to every entry written more than maxStale before the call, with
// at most one probe of the feed per maxStale shared by every reader. With the replica's own
// writes applied as they are made, a read then reflects every write of this replica, every write
// of any replica acknowledged maxStale before it began, and every write whose position it names.
func (f *Follower) Fresh(ctx context.Context, maxStale time.Duration) error {
	if want := WantedPosition(ctx); want > 0 {
		return f.SyncTo(ctx, want)
	}
	return f.syncSince(ctx, time.Now().Add(-maxStale))
}

// SyncTo applies entries up to at least position want, reading the feed only when the model is
// behind it; one pass at most, so a position not yet written does not block.
func (f *Follower) SyncTo(ctx context.Context, want int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pos >= want {
		return nil
	}
	return f.pass(ctx, 0)
}

func (f *Follower) syncSince(ctx context.Context, since time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.last.Before(since) {
		return nil
	}
	return f.pass(ctx, 0)
}

// pass reads and applies the feed from the position on, to its end or (when upTo > 0) to upTo.
func (f *Follower) pass(ctx context.Context, upTo int64) error {
	start := time.Now()
	for {
		entries, err := f.feed.Read(ctx, f.pos, followBatch)
		if err != nil {
			return err
		}
		if len(entries) > 0 {
			if err := f.apply(entries); err != nil {
				return err
			}
			f.pos = entries[len(entries)-1].Seq
		}
		if len(entries) < followBatch || (upTo > 0 && f.pos >= upTo) {
			break
		}
	}
	if upTo == 0 {
		f.last = start
	}
	return nil
}

// Position is the last entry applied.
func (f *Follower) Position() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pos
}

// Run syncs every interval until ctx ends, reporting errors to onError.
func (f *Follower) Run(ctx context.Context, every time.Duration, onError func(error)) {
	periodic.Every(ctx, every, f.Sync, onError)
}

// Lag is how many entries the feed holds beyond the follower's position.
func (f *Follower) Lag(ctx context.Context) (int64, error) {
	head, err := f.feed.Head(ctx)
	if err != nil {
		return 0, err
	}
	return max(head-f.Position(), 0), nil
}
