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

// A change and its audit record commit together although they are two writes with no
// transaction between them (FerretDB has none): the record is written first, as an intent
// with OutcomePending, and the change after, carrying the intent's id. Once the change is
// stored or refused the request settles the intent with its outcome; an intent that no request
// settled (a crash in between) is settled by a reconciler, which looks for the intent's id in
// the changed document. So a change is never stored without its record, and a record never
// claims a change that did not happen.
const (
	// OutcomePending is an intent not yet settled.
	OutcomePending = "PENDING"
	// OutcomeNotApplied settles an intent whose change was never stored.
	OutcomeNotApplied = "NOT_APPLIED"
)

// pendingIntent marks an intent not yet settled: its record's id and time.
type pendingIntent struct {
	ID   string    `bson:"_id"`
	Time time.Time `bson:"time"`
}

// Intend writes rec as the intent of a change about to be made: first its mark among the
// pending intents, then the record. Its error is the API error the request must fail with
// (UNAVAILABLE) before changing anything.
func (l *Log) Intend(ctx context.Context, rec Record) (Record, error) {
	rec.Outcome = OutcomePending
	if _, err := l.pending.InsertOne(ctx, pendingIntent{ID: rec.ID, Time: rec.Time}); err != nil {
		return rec, l.unavailable(ctx)
	}
	if err := l.Append(ctx, rec); err != nil {
		// A mark left behind names no record; Pending passes it on and Settle removes it.
		_, _ = l.pending.DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: rec.ID}})
		return rec, err
	}
	return rec, nil
}

// Settle records the outcome of intent id: "OK" when its change was stored, the status code of
// the refusal otherwise (OutcomeOf). Only a pending intent changes. Its mark goes after.
//
// The record is read and then updated by its _id alone: FerretDB turns only such a filter into
// an index lookup, and would read the whole trail for a filter on the outcome too (it applies
// a conditional update as a read and a write all the same).
func (l *Log) Settle(ctx context.Context, id, outcome string) error {
	var cur struct {
		Outcome string `bson:"outcome"`
	}
	err := l.coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&cur)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments): // a mark whose record was never written
	case err != nil:
		return fmt.Errorf("settle audit intent %s: %w", id, err)
	case cur.Outcome == OutcomePending:
		if _, err := l.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "outcome", Value: outcome}}}}); err != nil {
			return fmt.Errorf("settle audit intent %s: %w", id, err)
		}
	}
	if _, err := l.pending.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("unmark audit intent %s: %w", id, err)
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

// Pending returns the intents written before t and not yet settled, oldest first: read from
// their marks, each record then by its id. A mark whose record was never written comes back
// with its id and time only, to be settled (which removes the mark).
func (l *Log) Pending(ctx context.Context, before time.Time) ([]Record, error) {
	cur, err := l.pending.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "time", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find pending audit intents: %w", err)
	}
	var marks []pendingIntent
	if err := cur.All(ctx, &marks); err != nil {
		return nil, fmt.Errorf("read pending audit intents: %w", err)
	}
	var out []Record
	for _, m := range marks {
		if !m.Time.Before(before) {
			continue
		}
		rec := Record{ID: m.ID, Time: m.Time}
		err := l.coll.FindOne(ctx, bson.D{{Key: "_id", Value: m.ID}}).Decode(&rec)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return nil, fmt.Errorf("read audit intent %s: %w", m.ID, err)
		}
		out = append(out, rec)
	}
	return out, nil
}
