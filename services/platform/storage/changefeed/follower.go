package changefeed

import (
	"context"
	"sync"
	"time"
)

// followBatch is how many entries one step of a Follower reads.
const followBatch = 500

// Follower keeps an in-memory read model up to date with a feed: it hands every entry after its
// position, in order, to apply.
type Follower struct {
	feed  *Feed
	apply func([]Entry) error

	mu   sync.Mutex
	pos  int64
	last time.Time // start time of the last completed Sync
}

// NewFollower returns a follower whose model already reflects every entry up to position from.
func NewFollower(feed *Feed, from int64, apply func([]Entry) error) *Follower {
	return &Follower{feed: feed, apply: apply, pos: from}
}

// Sync applies every entry written before it was called. Concurrent callers share a pass: one
// that arrives while a pass runs waits, and then runs its own only if that pass started before it
// arrived.
func (f *Follower) Sync(ctx context.Context) error {
	start := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.last.After(start) {
		return nil
	}
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
		if len(entries) < followBatch {
			break
		}
	}
	f.last = start
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
	Every(ctx, every, f.Sync, onError)
}

// Every runs task every interval until ctx ends, reporting its errors (but not those caused by
// ctx ending) to onError.
func Every(ctx context.Context, interval time.Duration, task func(context.Context) error, onError func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := task(ctx); err != nil && ctx.Err() == nil {
				onError(err)
			}
		}
	}
}

// Lag is how many entries the feed holds beyond the follower's position.
func (f *Follower) Lag(ctx context.Context) (int64, error) {
	head, err := f.feed.Head(ctx)
	if err != nil {
		return 0, err
	}
	return max(head-f.Position(), 0), nil
}
