package readmodel

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/socialrx/socialrx/services/directory/internal/store"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// saverEnv names the database a child process of the test binary writes to and snapshots, over
// and over, until it is killed (see runSaver); trimEnv, when set, makes it trim the feed too.
const (
	saverEnv = "READMODEL_TEST_SAVER_DB"
	trimEnv  = "READMODEL_TEST_SAVER_TRIMS"
)

// runSaver is the child: it loads the index, then, in a loop, changes a few services and saves a
// snapshot, printing "saving" before and "saved <nanoseconds>" after each save. With trimEnv
// set it then trims the feed up to the snapshot (as Run does, with no age kept), printing
// "trimming" and "trimmed <nanoseconds>".
func runSaver(uri, dbName string) int {
	trims := os.Getenv(trimEnv) != ""
	ctx := context.Background()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	st := store.New(client.Database(dbName))
	ix, err := Load(ctx, st, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	changes := 5
	if trims {
		changes = 60 // enough entries that a trim takes a while
	}
	for round := 0; ; round++ {
		for k := range changes {
			id := fmt.Sprintf("s%d", (round*changes+k)%crashServices)
			if _, err := st.Services.Update(ctx, "t", id, "", func(s *store.Service) error {
				s.Description = fmt.Sprintf("round %d potager", round)
				return nil
			}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 2
			}
		}
		fmt.Println("saving")
		t := time.Now()
		if err := ix.SaveSnapshot(ctx); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		fmt.Println("saved", time.Since(t).Nanoseconds())
		if !trims {
			continue
		}
		if pos, ok, err := st.Snapshots.Position(ctx); err != nil || !ok {
			fmt.Fprintln(os.Stderr, "snapshot position:", ok, err)
			return 2
		} else if err := st.Feed.Track(ctx, SnapshotFollower, pos); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		fmt.Println("trimming")
		t = time.Now()
		if _, err := st.Feed.Trim(ctx, changefeed.Retention{}, time.Now()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		fmt.Println("trimmed", time.Since(t).Nanoseconds())
	}
}

const crashServices = 200

// A process killed (SIGKILL) while it saves a snapshot of the read model with its search index
// leaves the previous snapshot in force: a restart loads it whole, tables and search index, and
// after the feed's tail serves exactly what an index built by replaying the collections serves.
func TestKillDuringSnapshotSaveFallsBackToTheLastWhole(t *testing.T) {
	ctx := context.Background()
	db := testenv.Database(t)
	st := store.New(db)
	seedCrashServices(t, st)
	first, err := Load(ctx, st, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.SaveSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	torn := 0
	for attempt := 0; attempt < 20 && torn < 2; attempt++ {
		killMidStep(t, db.Name(), rng, "save", func() bool { return unnamedSnapshotParts(t, db) > 0 })
		if pending := unnamedSnapshotParts(t, db); pending > 0 {
			torn++
		}
		restarted := restart(t, st)
		if restarted.StartedAt() == 0 {
			t.Fatal("the restart did not start from a snapshot")
		}
		full, err := load(ctx, st, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		sameAnswers(t, restarted, full)
		_ = restarted.Close()
		_ = full.Close()
	}
	t.Logf("%d kills left a save unfinished", torn)
	if torn == 0 {
		t.Fatal("no kill landed in the middle of a save: nothing was tested")
	}
}

// A process killed (SIGKILL) while it trims the change feed leaves a feed that reads whole from
// its floor: a restart from the snapshot and the kept tail serves what a full replay serves, and
// a read from below the floor is ErrTrimmed, however far the deletions got.
func TestKillDuringTrimLeavesAFeedThatReadsWhole(t *testing.T) {
	ctx := context.Background()
	db := testenv.Database(t)
	st := store.New(db)
	seedCrashServices(t, st)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	torn := 0
	for attempt := 0; attempt < 20 && torn < 2; attempt++ {
		killMidStep(t, db.Name(), rng, "trim", func() bool { fl := floorOf(t, db); return fl.Deleted < fl.Pos })
		fl := floorOf(t, db)
		if fl.Deleted < fl.Pos {
			torn++ // killed between recording the floor and deleting all below it
		}
		floor, err := st.Feed.Floor(ctx)
		if err != nil || floor == 0 {
			t.Fatalf("floor %d (%v): nothing was trimmed", floor, err)
		}
		if fl.Deleted > 0 {
			if _, err := st.Feed.Read(ctx, fl.Deleted-1, 1); !errors.Is(err, changefeed.ErrTrimmed) {
				t.Fatalf("read from %d, below the floor %d and deleted: %v, want ErrTrimmed", fl.Deleted-1, floor, err)
			}
		}
		head, err := st.Feed.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		kept, err := st.Feed.Read(ctx, floor, int(head-floor)+10)
		if err != nil || int64(len(kept)) != head-floor {
			t.Fatalf("read from the floor %d to the head %d: %d entries, %v", floor, head, len(kept), err)
		}
		restarted := restart(t, st)
		if restarted.StartedAt() < floor {
			t.Fatalf("restarted from the snapshot at %d, below the floor %d", restarted.StartedAt(), floor)
		}
		full, err := load(ctx, st, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		sameAnswers(t, restarted, full)
		_ = restarted.Close()
		_ = full.Close()
	}
	t.Logf("%d kills left a trim unfinished", torn)
	if torn == 0 {
		t.Fatal("no kill landed in the middle of a trim: nothing was tested")
	}
}

// restart starts the index as the service does after a crash: claims rolled forward, the index
// from the snapshot and the feed's tail, then reconciled with the documents (Run does it at
// once), since a kill that lands in the next round's writes may leave a document written
// without its feed entry.
func restart(t *testing.T, st *store.Store) *Index {
	t.Helper()
	ctx := context.Background()
	if err := st.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	ix, err := Load(ctx, st, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	return ix
}

// seedCrashServices creates the services the saver changes, each at a location of its own.
func seedCrashServices(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	lat := 45.40
	for i := range crashServices {
		id := fmt.Sprintf("s%d", i)
		la, lo := lat+float64(i%20)*0.01, -75.70+float64(i/20)*0.01
		if _, err := st.Locations.Create(ctx, "t", &store.Location{Meta: docstore.Meta{ID: id}, DisplayName: "Hall " + id,
			Latitude: &la, Longitude: &lo}); err != nil {
			t.Fatal(err)
		}
		words := []string{"jardin communautaire", "marche nature", "cafe rencontre"}[i%3]
		if _, err := st.Services.Create(ctx, "t", &store.Service{Meta: docstore.Meta{ID: id}, DisplayName: fmt.Sprintf("%s %d", words, i),
			Organization: fmt.Sprintf("organizations/o%d", i%4), Status: "active", Languages: []string{"fr"},
			Locations: []string{store.LocationsPrefix + id}}); err != nil {
			t.Fatal(err)
		}
	}
}

// trimFloor is the feed's record of its trim, read straight from the database.
type trimFloor struct {
	Pos     int64 `bson:"pos"`
	Deleted int64 `bson:"deleted"`
}

func floorOf(t *testing.T, db *mongo.Database) trimFloor {
	t.Helper()
	var fl trimFloor
	err := db.Collection(store.FeedName).FindOne(context.Background(), bson.D{{Key: "_id", Value: "trimmed"}}).Decode(&fl)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		t.Fatal(err)
	}
	return fl
}

// killMidStep runs the saver until it is into a step ("save" or "trim") and kills it: as soon as
// mid reports the step half done, or after a random part of the step's last duration.
func killMidStep(t *testing.T, dbName string, rng *rand.Rand, step string, mid func() bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MONGODB_URI="+testenv.MongoURI(t), saverEnv+"="+dbName)
	begin, end := "saving", "saved "
	if step == "trim" {
		cmd.Env = append(cmd.Env, trimEnv+"=1")
		begin, end = "trimming", "trimmed "
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Wait() }()
	lines := bufio.NewScanner(out)
	var took time.Duration
	saves := 1 + rng.IntN(2)
	for lines.Scan() {
		line := lines.Text()
		if d, ok := strings.CutPrefix(line, end); ok {
			n, _ := strconv.ParseInt(d, 10, 64)
			took = time.Duration(n)
			continue
		}
		if line != begin || took == 0 {
			continue
		}
		if saves--; saves > 0 {
			continue
		}
		for deadline := time.Now().Add(time.Duration((0.05 + 0.6*rng.Float64()) * float64(took))); time.Now().Before(deadline); {
			if mid() {
				break
			}
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("the saver stopped before it was killed: %v", lines.Err())
}

// unnamedSnapshotParts counts the snapshot documents (manifests and chunks) of a save that did
// not finish: those that the pointer does not name.
func unnamedSnapshotParts(t *testing.T, db *mongo.Database) int {
	t.Helper()
	ctx := context.Background()
	var p struct {
		Manifest string `bson:"manifest"`
	}
	if err := db.Collection("snapshots").FindOne(ctx, bson.D{{Key: "_id", Value: "directory"}}).Decode(&p); err != nil {
		t.Fatal(err)
	}
	cur, err := db.Collection("snapshots").Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	var ids []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &ids); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range ids {
		if d.ID != "directory" && d.ID != p.Manifest && !strings.HasPrefix(d.ID, p.Manifest+"/") {
			n++
		}
	}
	return n
}

// sameAnswers fails unless a and b hold the same documents and answer searches alike.
func sameAnswers(t *testing.T, a, b *Index) {
	t.Helper()
	if !reflect.DeepEqual(a.services.docs, b.services.docs) || !reflect.DeepEqual(a.locations.docs, b.locations.docs) ||
		!reflect.DeepEqual(a.organizations.docs, b.organizations.docs) || !reflect.DeepEqual(a.terms.docs, b.terms.docs) ||
		!reflect.DeepEqual(a.practitioners.docs, b.practitioners.docs) {
		for id, d := range b.services.docs {
			if o, ok := a.services.docs[id]; !ok || !reflect.DeepEqual(o, d) {
				t.Logf("service %s: restarted %+v, full replay %+v", id, o, d)
				break
			}
		}
		t.Fatalf("the restarted index holds other documents than a full replay (%d and %d services)", len(a.services.docs), len(b.services.docs))
	}
	queries := []SearchQuery{
		{Words: []string{"jardins"}},
		{Words: []string{"potager"}},
		{Words: []string{"cafe"}, Organization: "organizations/o1"},
		{Near: &Circle{Latitude: 45.45, Longitude: -75.65, RadiusMeters: 3000}},
		{Statuses: []string{"active"}},
	}
	for _, q := range queries {
		got, gotTotal, err := a.Search(q, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		want, wantTotal, err := b.Search(q, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if gotTotal != wantTotal || !reflect.DeepEqual(matchIDs(got), matchIDs(want)) {
			t.Fatalf("search %+v: restarted gives %d %v, full replay %d %v", q, gotTotal, matchIDs(got), wantTotal, matchIDs(want))
		}
		if wantTotal == 0 {
			t.Fatalf("search %+v finds nothing: it tests nothing", q)
		}
	}
}

func matchIDs(ms []Match) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = fmt.Sprintf("%s@%.0f", m.Service.ID, m.Distance)
	}
	return out
}
