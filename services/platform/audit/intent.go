package audit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/grpc/status"
)

// A change and its audit record commit together although they are separate writes with no
// transaction between them (FerretDB has none): the record is written first, as an intent with
// OutcomePending, into the small collection of intents not yet settled beside the trail, and
// the change after, carrying the intent's id. Once the change is stored or refused the request
// settles the intent: the record, with its outcome, is inserted into the trail under the
// intent's id, and the intent is dropped. An intent that no request settled (a crash in
// between) is settled by a reconciler, which looks for the intent's id in the changed document.
// So a change is never stored without its record, and a record never claims a change that did
// not happen; an intent settled twice (by its request and the reconciler) keeps the first
// outcome, as the trail's unique _id refuses the second.
//
// A settled change costs two writes in its request (the intent, the record) and a share of one
// more: the intents settled meanwhile are dropped together, by one delete (see Settle).
const (
	// OutcomePending is an intent not yet settled.
	OutcomePending = "PENDING"
	// OutcomeNotApplied settles an intent whose change was never stored.
	OutcomeNotApplied = "NOT_APPLIED"
)

// Intend writes rec as the intent of a change about to be made. Its error is the API error the
// request must fail with (UNAVAILABLE) before changing anything.
func (l *Log) Intend(ctx context.Context, rec Record) (Record, error) {
	rec.Outcome = OutcomePending
	if _, err := l.pending.InsertOne(ctx, rec); err != nil {
		return rec, l.unavailable(ctx)
	}
	return rec, nil
}

// Settle records intent rec with its outcome: "OK" when its change was stored, the status code
// of the refusal otherwise (OutcomeOf). An intent already settled keeps its outcome.
//
// Then the intent is dropped. The intents settled while a drop is under way are dropped by the
// next one together (the caller that finds none under way drops every one queued, until none is
// left; the others return at once), so concurrent requests share one delete. One that a crash
// leaves behind is settled again by the reconciler, which only drops it.
func (l *Log) Settle(ctx context.Context, rec Record, outcome string) error {
	rec.Outcome = outcome
	if _, err := l.coll.InsertOne(ctx, rec); mongo.IsDuplicateKeyError(err) {
		if err := l.settleInTrail(ctx, rec.ID, outcome); err != nil {
			return err
		}
	} else if err != nil {
		return fmt.Errorf("settle audit intent %s: %w", rec.ID, err)
	}
	l.dropMu.Lock()
	l.drops = append(l.drops, rec.ID)
	lead := !l.dropping
	l.dropping = true
	l.dropMu.Unlock()
	if !lead {
		return nil
	}
	var errs []error
	for {
		l.dropMu.Lock()
		ids := l.drops
		l.drops = nil
		if len(ids) == 0 {
			l.dropping = false
		}
		l.dropMu.Unlock()
		if len(ids) == 0 {
			return errors.Join(errs...)
		}
		if err := l.drop(context.WithoutCancel(ctx), ids); err != nil {
			errs = append(errs, err)
		}
	}
}

// settleInTrail settles intent id whose record is already in the trail: settled (it stays as it
// is), or written PENDING by a version of the service that kept its intents in the trail and
// only their marks beside it (it gets its outcome). Read and then updated by _id alone, which
// FerretDB answers by an index lookup; rare, as only a second settle gets here.
func (l *Log) settleInTrail(ctx context.Context, id, outcome string) error {
	var cur struct {
		Outcome string `bson:"outcome"`
	}
	if err := l.coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&cur); err != nil {
		return fmt.Errorf("settle audit intent %s: %w", id, err)
	}
	if cur.Outcome != OutcomePending {
		return nil
	}
	if _, err := l.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "outcome", Value: outcome}}}}); err != nil {
		return fmt.Errorf("settle audit intent %s: %w", id, err)
	}
	return nil
}

// drop deletes the settled intents ids: by _id alone for one (a point delete on FerretDB),
// else in one delete (which FerretDB answers by reading the small collection of intents).
func (l *Log) drop(ctx context.Context, ids []string) error {
	var err error
	if len(ids) == 1 {
		_, err = l.pending.DeleteOne(ctx, bson.D{{Key: "_id", Value: ids[0]}})
	} else {
		_, err = l.pending.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	}
	if err != nil {
		return fmt.Errorf("drop settled audit intents: %w", err)
	}
	return nil
}

// OutcomeOf is the outcome an intent settles with after its change returned err.
func OutcomeOf(err error) string {
	if err == nil {
		return "OK"
	}
	return status.Code(err).String()
}

// Pending returns the intents written before t and not yet settled, oldest first (or settled
// and not yet dropped: settling those again only drops them).
func (l *Log) Pending(ctx context.Context, before time.Time) ([]Record, error) {
	cur, err := l.pending.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "time", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find pending audit intents: %w", err)
	}
	var all []Record
	if err := cur.All(ctx, &all); err != nil {
		return nil, fmt.Errorf("read pending audit intents: %w", err)
	}
	var out []Record
	for _, rec := range all {
		if rec.Time.Before(before) {
			out = append(out, rec)
		}
	}
	return out, nil
}
