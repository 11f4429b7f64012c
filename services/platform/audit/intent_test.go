package audit_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/socialrx/socialrx/services/platform/audit"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// An intent settled twice keeps its first outcome; one that an earlier version of the service
// left as a PENDING record in the trail, with only its mark beside it, is settled in place.
func TestSettleKeepsTheFirstOutcomeAndFinishesOldIntents(t *testing.T) {
	ctx := context.Background()
	db := testenv.Database(t)
	l := audit.New(db, "audit", nil)
	old := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	rec, err := l.Intend(ctx, audit.Record{ID: "twice", Time: old, Actor: "a", Action: audit.ActionChange, Resource: "referrals/r"})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Settle(ctx, rec, "OK"); err != nil {
		t.Fatal(err)
	}
	if err := l.Settle(ctx, rec, audit.OutcomeNotApplied); err != nil {
		t.Fatal(err)
	}
	// As the earlier layout left a crashed request's intent: the record PENDING, a bare mark.
	if _, err := db.Collection("audit").InsertOne(ctx, audit.Record{ID: "earlier", Time: old, Actor: "a",
		Action: audit.ActionChange, Resource: "referrals/r", Outcome: audit.OutcomePending}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection("audit_pending").InsertOne(ctx, bson.D{{Key: "_id", Value: "earlier"}, {Key: "time", Value: old}}); err != nil {
		t.Fatal(err)
	}
	pending, err := l.Pending(ctx, time.Now())
	if err != nil || len(pending) != 1 || pending[0].ID != "earlier" {
		t.Fatalf("pending: %v (%v), want the earlier intent alone", pending, err)
	}
	if err := l.Settle(ctx, pending[0], audit.OutcomeNotApplied); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	recs, err := l.Find(ctx, audit.Query{Resources: []string{"referrals/r"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		got[r.ID] = r.Outcome
	}
	if len(recs) != 2 || got["twice"] != "OK" || got["earlier"] != audit.OutcomeNotApplied {
		t.Fatalf("records %v, want twice OK (its first outcome) and earlier NOT_APPLIED", got)
	}
	if left, err := l.Pending(ctx, time.Now()); err != nil || len(left) != 0 {
		t.Fatalf("intents left: %v (%v), want none", left, err)
	}
}
