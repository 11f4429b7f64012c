package metrics

import (
	"context"
	"time"

	"github.com/socialrx/socialrx/services/platform/periodic"
)

// LagEvery is how often SampleLag measures.
const LagEvery = 5 * time.Second

// FeedLag returns socialrx_feed_lag{follower}: how many entries a follower of a change feed (a
// read model, a consumer of another service's feed) has yet to apply.
func (r *Registry) FeedLag(follower string) interface{ Set(float64) } {
	return r.Gauge("feed_lag", "Entries of its change feed a follower has yet to apply (head position minus follower position).",
		"follower").WithLabelValues(follower)
}

// SampleLag sets socialrx_feed_lag{follower} from lag every LagEvery until ctx ends. A failed
// measurement (the database is down) leaves the last value; socialrx_dependency_up says why.
func (r *Registry) SampleLag(ctx context.Context, follower string, lag func(context.Context) (int64, error)) {
	g := r.FeedLag(follower)
	measure := func(ctx context.Context) error {
		if n, err := lag(ctx); err == nil {
			g.Set(float64(n))
		}
		return nil
	}
	measure(ctx)
	periodic.Every(ctx, LagEvery, measure, nil)
}
