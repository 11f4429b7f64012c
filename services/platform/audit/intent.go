package audit

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
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

// Intend writes rec as the intent of a change about to be made. Its error is the API error the
// request must fail with (UNAVAILABLE) before changing anything.
func (l *Log) Intend(ctx context.Context, rec Record) (Record, error) {
	rec.Outcome = OutcomePending
	return rec, l.Append(ctx, rec)
}

// Settle records the outcome of intent id: "OK" when its change was stored, the status code of
// the refusal otherwise (OutcomeOf). Only a pending intent changes.
func (l *Log) Settle(ctx context.Context, id, outcome string) error {
	_, err := l.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "outcome", Value: OutcomePending}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "outcome", Value: outcome}}}})
	if err != nil {
		return fmt.Errorf("settle audit intent %s: %w", id, err)
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

// Pending returns the intents written before t and not yet settled, oldest first.
func (l *Log) Pending(ctx context.Context, before time.Time) ([]Record, error) {
	cur, err := l.coll.Find(ctx, bson.D{{Key: "outcome", Value: OutcomePending}})
	if err != nil {
		return nil, fmt.Errorf("find pending audit intents: %w", err)
	}
	var all []Record
	if err := cur.All(ctx, &all); err != nil {
		return nil, fmt.Errorf("read pending audit intents: %w", err)
	}
	out := all[:0]
	for _, r := range all {
		if r.Time.Before(before) {
			out = append(out, r)
		}
	}
	return out, nil
}
