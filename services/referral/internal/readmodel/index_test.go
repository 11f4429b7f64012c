package readmodel

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// A worklist started from a snapshot and the feed after it holds exactly what one loaded from
// the collection holds, and what the index that wrote the snapshot holds.
func TestSnapshotPlusTailEqualsFullLoad(t *testing.T) {
	ctx := context.Background()
	st := store.New(testenv.Database(t))
	writer, err := Load(ctx, st, 0)
	if err != nil {
		t.Fatal(err)
	}
	write := func(from, to int) {
		for i := from; i < to; i++ {
			id := fmt.Sprintf("r%d", i)
			if _, err := st.Referrals.Create(ctx, "t", &store.Referral{Meta: docstore.Meta{ID: id}, Status: "DRAFT",
				Needs: []string{"NEED_LONELINESS"}, Timeline: []store.Entry{{Sequence: 1}}}); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Referrals.Update(ctx, "t", id, "", func(r *store.Referral) error {
				r.Status = "REQUESTED"
				r.Add(store.Entry{})
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(0, 10)
	if err := writer.SaveSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	at := writer.follower.Position()
	write(10, 15)
	if _, err := st.Referrals.Update(ctx, "t", "r3", "", func(r *store.Referral) error { r.Status = "ACCEPTED"; return nil }); err != nil {
		t.Fatal(err)
	}

	restarted, err := Load(ctx, st, 0)
	if err != nil {
		t.Fatal(err)
	}
	if restarted.StartedAt() != at || at == 0 {
		t.Fatalf("started from %d, want the snapshot's position %d", restarted.StartedAt(), at)
	}
	full, err := load(ctx, st, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(restarted.docs) != 15 || !reflect.DeepEqual(restarted.docs, full.docs) || !reflect.DeepEqual(restarted.docs, writer.docs) {
		t.Fatalf("snapshot+tail holds %d referrals, differing from a full load (%d) or the writer (%d)", len(restarted.docs), len(full.docs), len(writer.docs))
	}
	if got := restarted.docs["r3"]; got.Status != "ACCEPTED" || got.Version != 3 {
		t.Fatalf("r3 after restart: %s v%d, want ACCEPTED v3", got.Status, got.Version)
	}
}
