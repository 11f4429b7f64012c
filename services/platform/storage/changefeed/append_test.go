package changefeed_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// Two replicas, each with many concurrent writers (whose appends the replica commits together):
// every entry is stored once, at the position its Append returned, and positions are dense.
func TestConcurrentAppendsOfTwoReplicas(t *testing.T) {
	ctx := context.Background()
	db := testenv.DatabaseName(t)
	feeds := []*changefeed.Feed{}
	for range 2 {
		f, _, _ := replica(t, db)
		feeds = append(feeds, f)
	}
	const writers, each = 12, 15
	var mu sync.Mutex
	at := map[int64]string{}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				k := fmt.Sprintf("w%d-%d", w, i)
				seq, err := feeds[w%2].Append(ctx, changefeed.Entry{Topic: "notes", Key: k, Op: "upsert", Time: time.Now()})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if prev, ok := at[seq]; ok {
					t.Errorf("position %d returned for %s and %s", seq, prev, k)
				}
				at[seq] = k
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	entries, err := feeds[0].Read(ctx, 0, writers*each+10)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != writers*each {
		t.Fatalf("%d entries in the feed, want %d", len(entries), writers*each)
	}
	for i, e := range entries {
		if e.Seq != int64(i+1) {
			t.Fatalf("entry %d at position %d: positions not dense", i, e.Seq)
		}
		if at[e.Seq] != e.Key {
			t.Fatalf("position %d holds %s, Append returned it for %s", e.Seq, e.Key, at[e.Seq])
		}
	}
}
