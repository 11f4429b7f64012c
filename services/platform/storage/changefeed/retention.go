package changefeed

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/socialrx/socialrx/services/platform/storage"
)

// ErrTrimmed is the error of a read from a position whose next entries the feed no longer holds:
// retention trimmed them (see Trim). A reader that gets it cannot catch up from the feed; it
// reloads the current state (from a snapshot or the documents) and follows the feed from there.
// It is storage.ErrTrimmed, which apierror.FromStore answers with OUT_OF_RANGE.
var ErrTrimmed = storage.ErrTrimmed

// floorID is the _id of the document that records how far the feed is trimmed. It is a string
// no position's key can be (those are digits only), in the feed's own collection.
const floorID = "trimmed"

// floor records the trim: entries at positions up to Pos are gone or going; Deleted is how far
// they are known to be deleted, where an interrupted trim resumes.
type floor struct {
	ID      string `bson:"_id"`
	Pos     int64  `bson:"pos"`
	Deleted int64  `bson:"deleted"`
}

// Floor is the last position trimmed: the feed holds the entries after it. 0 when nothing was.
func (f *Feed) Floor(ctx context.Context) (int64, error) {
	fl, err := f.readFloor(ctx)
	return fl.Pos, err
}

func (f *Feed) readFloor(ctx context.Context) (floor, error) {
	var fl floor
	err := f.coll.FindOne(ctx, bson.D{{Key: "_id", Value: floorID}}).Decode(&fl)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return floor{ID: floorID}, nil
	}
	if err != nil {
		return fl, fmt.Errorf("read change feed floor: %w", err)
	}
	return fl, nil
}

// trimmedError says that a read after position after meets the trim at pos.
func trimmedError(after, pos int64) error {
	return fmt.Errorf("read changes after %d: the feed holds only those after %d: %w", after, pos, ErrTrimmed)
}

// checkTrimmed returns ErrTrimmed when the entry after position after is missing because it
// was trimmed, rather than not written yet.
func (f *Feed) checkTrimmed(ctx context.Context, after int64) error {
	fl, err := f.readFloor(ctx)
	if err != nil {
		return err
	}
	if after < fl.Pos {
		return trimmedError(after, fl.Pos)
	}
	return nil
}

// Retention says which entries Trim keeps: every entry younger than Age, and every entry after
// the position of the slowest registered follower (see Track), whichever keeps more. Every is
// how often replicas trim (see Trim).
type Retention struct {
	Age   time.Duration
	Every time.Duration
}

// lease reports whether this call won the trim of the period of length every that holds now:
// the first insert of the period's lease document wins. It deletes the previous period's lease.
func (f *Feed) lease(ctx context.Context, now time.Time, every time.Duration) (bool, error) {
	slot := now.UnixNano() / int64(every)
	_, err := f.followers().InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("%s%d", leasePrefix, slot)}})
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("trim lease: %w", err)
	}
	_, _ = f.followers().DeleteOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("%s%d", leasePrefix, slot-1)}})
	return true, nil
}

// leasePrefix starts the _id of a trim lease in the followers collection; no follower name
// may start with it.
const leasePrefix = "trim-lease/"

// followers is the collection of the feed's registered followers.
func (f *Feed) followers() *mongo.Collection {
	return f.coll.Database().Collection(f.coll.Name() + "_followers")
}

type followerPosition struct {
	ID   string    `bson:"_id"`
	Pos  int64     `bson:"pos"`
	Time time.Time `bson:"time"`
}

// Track registers the follower called name at position pos (it has applied every entry up to
// it): Trim keeps every entry after the slowest registered follower. A follower that stops
// following for good calls Untrack, or the feed grows without bound behind it.
func (f *Feed) Track(ctx context.Context, name string, pos int64) error {
	if strings.HasPrefix(name, leasePrefix) {
		return fmt.Errorf("track follower %s: the name is reserved", name)
	}
	_, err := f.followers().ReplaceOne(ctx, bson.D{{Key: "_id", Value: name}},
		followerPosition{ID: name, Pos: pos, Time: time.Now().UTC()}, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("track follower %s: %w", name, err)
	}
	return nil
}

// Untrack removes the follower called name from the ones Trim waits for.
func (f *Feed) Untrack(ctx context.Context, name string) error {
	if _, err := f.followers().DeleteOne(ctx, bson.D{{Key: "_id", Value: name}}); err != nil {
		return fmt.Errorf("untrack follower %s: %w", name, err)
	}
	return nil
}

// slowest is the lowest position of a registered follower; ok is false when none is.
func (f *Feed) slowest(ctx context.Context) (pos int64, ok bool, err error) {
	cur, err := f.followers().Find(ctx, bson.D{})
	if err != nil {
		return 0, false, fmt.Errorf("read followers: %w", err)
	}
	var all []followerPosition
	if err := cur.All(ctx, &all); err != nil {
		return 0, false, fmt.Errorf("read followers: %w", err)
	}
	n := 0
	for _, p := range all {
		if strings.HasPrefix(p.ID, leasePrefix) {
			continue
		}
		if n == 0 || p.Pos < pos {
			pos = p.Pos
		}
		n++
	}
	return pos, n > 0, nil
}

// Trim deletes the entries that r no longer keeps, as of now, and returns the new floor (see
// Floor). It first records the floor, then deletes from the oldest entry up: a reader from a
// position below the floor gets ErrTrimmed at the first entry already deleted (what it read
// before is whole), and one above it reads every entry it needs. A trim stopped part-way (a crash, a kill) leaves entries
// below the floor, which the next Trim deletes; it never leaves a gap above it.
//
// Every replica may run it every r.Every (see TrimEvery): one trims per period, the one whose
// insert of the period's lease wins, so two trims never write the floor at once (the floor is
// one document, and an update is not atomic on FerretDB). Without Every, the caller makes sure
// that one Trim runs at a time.
func (f *Feed) Trim(ctx context.Context, r Retention, now time.Time) (int64, error) {
	if r.Every > 0 {
		won, err := f.lease(ctx, now, r.Every)
		if err != nil || !won {
			fl, ferr := f.readFloor(ctx)
			return fl.Pos, errors.Join(err, ferr)
		}
	}
	fl, err := f.readFloor(ctx)
	if err != nil {
		return 0, err
	}
	head, err := f.head(ctx, fl.Deleted)
	if err != nil {
		return 0, err
	}
	cut, err := f.firstYoung(ctx, max(fl.Pos, fl.Deleted), head, now.Add(-r.Age))
	if err != nil {
		return 0, err
	}
	if pos, ok, err := f.slowest(ctx); err != nil {
		return 0, err
	} else if ok {
		cut = min(cut, pos+1)
	}
	if cut-1 > fl.Pos {
		fl.Pos = cut - 1
		if err := f.writeFloor(ctx, fl); err != nil {
			return 0, err
		}
	}
	for seq := fl.Deleted + 1; seq <= fl.Pos; seq++ {
		if _, err := f.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: key(seq)}}); err != nil {
			return fl.Pos, fmt.Errorf("trim change %d: %w", seq, err)
		}
		if seq%trimProgress == 0 || seq == fl.Pos {
			fl.Deleted = seq
			if err := f.writeFloor(ctx, fl); err != nil {
				return fl.Pos, err
			}
		}
	}
	return fl.Pos, nil
}

// trimProgress is how many deletions Trim makes between two records of its progress.
const trimProgress = 256

func (f *Feed) writeFloor(ctx context.Context, fl floor) error {
	fl.ID = floorID
	if _, err := f.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: floorID}}, fl, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("write change feed floor: %w", err)
	}
	return nil
}

// firstYoung is the first position in (lo, head] whose entry is not older than before, head+1
// when every one is; entries are appended in about time order, so it bisects.
func (f *Feed) firstYoung(ctx context.Context, lo, head int64, before time.Time) (int64, error) {
	l, h := lo+1, head+1 // the answer is in [l, h]
	for l < h {
		mid := l + (h-l)/2
		e, found, err := f.Get(ctx, mid)
		if err != nil {
			return 0, err
		}
		if found && !e.Time.Before(before) {
			h = mid
		} else {
			l = mid + 1
		}
	}
	return l, nil
}

// DefaultRetention keeps a week of changes (and every change a registered follower has yet to
// apply), trimmed every ten minutes.
var DefaultRetention = Retention{Age: 7 * 24 * time.Hour, Every: 10 * time.Minute}

// Held returns the position a follower has applied every entry up to; ok false when it holds
// none yet (a read model without a snapshot, which a restart loads from the documents).
type Held func(context.Context) (pos int64, ok bool, err error)

// Keep trims f by r every r.Every until ctx ends. Before each trim it registers (see Track) the
// position each of followers returns under its name, e.g. that of a read model's last snapshot,
// whose restart replays the entries after it, or a consumer's stored position. Errors go to
// onError. Run it on every replica: the trim's lease picks one per period.
func (f *Feed) Keep(ctx context.Context, r Retention, followers map[string]Held, onError func(error)) {
	if r.Every <= 0 {
		return
	}
	tick := time.NewTicker(r.Every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := f.keep(ctx, r, followers); err != nil && ctx.Err() == nil {
			onError(err)
		}
	}
}

func (f *Feed) keep(ctx context.Context, r Retention, followers map[string]Held) error {
	for name, held := range followers {
		pos, ok, err := held(ctx)
		if err != nil {
			return err
		}
		if ok {
			if err := f.Track(ctx, name, pos); err != nil {
				return err
			}
		}
	}
	_, err := f.Trim(ctx, r, time.Now())
	return err
}
