package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
)

// Change is one version of a referral as the change feed carries it.
type Change struct {
	// Seq is its position in the feed.
	Seq  int64
	Time time.Time
	// Deleted is true when the referral was deleted; Referral is then its last version.
	Deleted  bool
	Referral *Referral
}

// ChangeOf decodes a change feed entry; ok is false for an entry that is not about a referral.
func ChangeOf(e changefeed.Entry) (c Change, ok bool, err error) {
	if e.Topic != Referrals {
		return Change{}, false, nil
	}
	var r Referral
	if err := bson.Unmarshal(e.Data, &r); err != nil {
		return Change{}, false, fmt.Errorf("decode change %d: %w", e.Seq, err)
	}
	return Change{Seq: e.Seq, Time: e.Time, Deleted: e.Op == docstore.OpDelete, Referral: &r}, true, nil
}

// Changes reads the referral changes among the next limit feed entries after position after.
func (s *Store) Changes(ctx context.Context, after int64, limit int) ([]Change, error) {
	entries, err := s.Feed.Read(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Change, 0, len(entries))
	for _, e := range entries {
		c, ok, err := ChangeOf(e)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, c)
		}
	}
	return out, nil
}
