package impact

import (
	"context"
	"errors"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/platform/storage/snapshot"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// The event service not answering neither stops the model's start nor its feed: the referrals
// booking an event it could not describe are counted without it, and counted again, with their
// event, once it answers; they then count as a model started with the event service up does.
func TestEventServiceDownCountsAgainOnceItAnswers(t *testing.T) {
	ctx := context.Background()
	db := testenv.Database(t)
	st := store.New(db)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, id := range []string{"r1", "r2"} {
		if _, err := st.Referrals.Create(ctx, "t", &store.Referral{Meta: docstore.Meta{ID: id, CreateTime: t0}, Status: "IN_PROGRESS",
			ReceivingOrganization: "organizations/c1", ReferringOrganization: "organizations/clinic",
			Bookings: []store.Booking{{Session: "events/art/sessions/s", State: "ATTENDED", UpdateTime: t0.Add(time.Hour)}}}); err != nil {
			t.Fatal(err)
		}
	}
	var up atomic.Bool
	describe := events(map[string]int{})
	flaky := func(ctx context.Context, e string) (Event, bool, error) {
		if !up.Load() {
			return Event{}, false, errors.New("unavailable")
		}
		return describe(ctx, e)
	}
	m, err := Load(ctx, st, snapshot.New(db, "impact"), flaky, 0)
	if err != nil {
		t.Fatalf("start with the event service down: %v", err)
	}
	if n := len(m.unresolved); n != 2 {
		t.Fatalf("%d referrals waiting for their event, want 2", n)
	}
	if err := m.resolveUnknown(ctx); err != nil || len(m.unresolved) != 2 {
		t.Fatalf("asked again while still down: err %v, %d waiting, want 2", err, len(m.unresolved))
	}
	up.Store(true)
	if err := m.resolveUnknown(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(m.unresolved); n != 0 {
		t.Fatalf("%d referrals still waiting once the event service answers", n)
	}
	healthy, err := Load(ctx, st, snapshot.New(db, "impact-healthy"), events(map[string]int{}), 0)
	if err != nil {
		t.Fatal(err)
	}
	analyst := Scope{Allow: func(string, string) bool { return true }}
	if !reflect.DeepEqual(m.facts, healthy.facts) || !reflect.DeepEqual(m.Report(Query{}, analyst), healthy.Report(Query{}, analyst)) {
		t.Fatal("counts after the event service came back differ from a start with it up")
	}
}
