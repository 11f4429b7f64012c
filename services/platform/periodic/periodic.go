// Package periodic runs a background task on a fixed interval: the one loop behind every
// follower, reconciler, pruner, indexer, probe and sampler of the platform.
package periodic

import (
	"context"
	"time"
)

// Every runs task every interval until ctx ends, reporting its errors (but not those caused by
// ctx ending) to onError. The first run is one interval after the call.
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
