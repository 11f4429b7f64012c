package changefeed_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"

	"github.com/socialrx/socialrx/services/platform/headers"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// model is a read model that remembers the keys it applied.
type model struct {
	mu   sync.Mutex
	keys []string
}

func (m *model) apply(entries []changefeed.Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range entries {
		m.keys = append(m.keys, e.Key)
	}
	return nil
}

func (m *model) has(key string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range m.keys {
		if k == key {
			return true
		}
	}
	return false
}

// replica opens the feed through its own client and follows it from the start.
func replica(t *testing.T, db string) (*changefeed.Feed, *changefeed.Follower, *model) {
	t.Helper()
	feed := changefeed.New(testenv.OpenDatabase(t, db), "changes")
	m := &model{}
	return feed, changefeed.NewFollower(feed, 0, m.apply), m
}

// A replica's own writes are in its model when Append returns; another replica's are seen
// after the staleness bound, or at once when the read names their position.
func TestReadYourWrites(t *testing.T) {
	ctx := context.Background()
	db := testenv.DatabaseName(t)
	feedA, _, modelA := replica(t, db)
	_, followB, modelB := replica(t, db)
	if err := followB.Sync(ctx); err != nil { // B has just probed
		t.Fatal(err)
	}
	pos, err := feedA.Append(ctx, changefeed.Entry{Topic: "notes", Key: "n1", Op: "upsert", Time: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if !modelA.has("n1") {
		t.Fatal("the writing replica does not see its own write")
	}
	if err := followB.Fresh(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	if modelB.has("n1") {
		t.Fatal("within the staleness bound, B probed again (it shares the last probe)")
	}
	withPos := metadata.NewIncomingContext(ctx, metadata.Pairs(headers.Position, strconv.FormatInt(pos, 10)))
	if err := followB.Fresh(withPos, time.Hour); err != nil {
		t.Fatal(err)
	}
	if !modelB.has("n1") {
		t.Fatal("a read naming the write's position does not see it")
	}
	if _, err := feedA.Append(ctx, changefeed.Entry{Topic: "notes", Key: "n2", Op: "upsert", Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := followB.Fresh(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if !modelB.has("n2") {
		t.Fatal("with no staleness allowed, a read misses an acknowledged write")
	}
	if got := followB.Position(); got != pos+1 {
		t.Fatalf("B at position %d, want %d", got, pos+1)
	}
}
