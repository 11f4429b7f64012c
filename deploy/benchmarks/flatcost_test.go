package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/protobuf/types/known/timestamppb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/directory"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/event/eventtest"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// BenchmarkFlatCost prints, as one table, what grows with the data and what caps the work:
// restart to the first search with SCALE_SERVICES services (default 60000), event start-up with
// SCALE_REGISTRATIONS registrations (default 50000), whole referral loops per second through
// REST with 20 clients while SCALE_REFERRALS referrals (the largest of the list, default 20000)
// go through the loop, the
// disk per referral after it, the database commands of one versioned update, and REST against
// gRPC for GetService at 1 and 16 clients.
//
//	go test -run='^$' -bench=FlatCost -benchtime=1x ./deploy/benchmarks/
func BenchmarkFlatCost(b *testing.B) {
	services := envSize("SCALE_SERVICES", 60000)
	registrations := envSize("SCALE_REGISTRATIONS", 50000)
	referrals := envLargest("SCALE_REFERRALS", 20000)
	type row struct{ measure, value string }
	var rows []row
	add := func(measure, format string, args ...any) {
		rows = append(rows, row{measure, fmt.Sprintf(format, args...)})
		fmt.Printf("  %s: %s\n", measure, rows[len(rows)-1].value) // as it goes, in case a later row fails
	}

	// A size of "0" leaves its row out, to measure the others alone.
	if os.Getenv("SCALE_SERVICES") != "0" {
		first, firstGet := restartToFirstSearch(b, services)
		add(fmt.Sprintf("restart to first search, %d services", services), "%v (first get %v)", first.Round(time.Millisecond), firstGet.Round(time.Millisecond))
	}
	if os.Getenv("SCALE_REGISTRATIONS") != "0" {
		add(fmt.Sprintf("event start-up, %d registrations", registrations), "%v", eventStartup(b, registrations).Round(time.Millisecond))
	}
	rate, perReferral := loopsThenDisk(b, referrals)
	add(fmt.Sprintf("referral loops/s, REST, 20 clients, 0 → %d", referrals), "%.1f", rate)
	add(fmt.Sprintf("disk per referral after a full loop, %d referrals", referrals), "%.1f KB", perReferral/1000)
	writes, reads := commandsPerUpdate(b)
	add("database commands of one versioned update", "%d writes + %d reads", writes, reads)
	ratios := edgeRatios(b, envSize("SCALE_EDGE_SERVICES", 1000))
	for _, caller := range []string{"anonymous", "token"} {
		var one, sixteen float64
		for _, r := range ratios {
			if r.caller == caller && r.clients == 1 {
				one = r.ratio()
			} else if r.caller == caller {
				sixteen = r.ratio()
			}
		}
		add("REST/gRPC GetService p50, 1 / 16 clients, "+caller, "%.2f / %.2f", one, sixteen)
	}
	fmt.Printf("\n| measure | value |\n|---|---|\n")
	for _, r := range rows {
		fmt.Printf("| %s | %s |\n", r.measure, r.value)
	}
}

// restartToFirstSearch loads n services, stops the directory (which writes its last snapshot)
// and measures a start to the first answered search, and to the first get.
func restartToFirstSearch(b *testing.B, n int) (search, get time.Duration) {
	ctx := as(context.Background(), adminID)
	db := testenv.DatabaseName(b)
	production := func(c *directory.Config) { c.ReadStaleness = changefeed.DefaultStaleness }
	dir := directorytest.Start(b, directorytest.Options{Database: db, Configure: production})
	names := directorytest.LoadServices(ctx, b, dir.Client, n, "")
	dir.Stop()
	t := time.Now()
	dir = directorytest.Start(b, directorytest.Options{Database: db, Configure: production})
	defer dir.Stop()
	if _, err := dir.Client.GetService(ctx, &directoryv1.GetServiceRequest{Name: names[0]}); err != nil {
		b.Fatal(err)
	}
	get = time.Since(t)
	if _, err := dir.Client.SearchServices(ctx, &directoryv1.SearchServicesRequest{Query: "walk", PageSize: 20}); err != nil {
		b.Fatal(err)
	}
	return time.Since(t), get
}

var errEnough = errors.New("enough")

// envLargest reads the largest of a comma-separated list of sizes (as BenchmarkLoopsAsReferralsGrow
// takes it) from the environment, def when unset.
func envLargest(name string, def int) int {
	largest := 0
	for _, f := range strings.Split(os.Getenv(name), ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
			largest = max(largest, n)
		}
	}
	if largest == 0 {
		return def
	}
	return largest
}

// eventStartup registers n people for one event's sessions, stops the event service and measures
// a start to its first answered listing.
func eventStartup(b *testing.B, n int) time.Duration {
	ctx := context.Background()
	dir := directorytest.Start(b, directorytest.Options{Database: testenv.DatabaseName(b)})
	defer dir.Stop()
	org, err := dir.Client.CreateOrganization(as(ctx, adminID), &directoryv1.CreateOrganizationRequest{Organization: &directoryv1.Organization{DisplayName: "Host"}})
	if err != nil {
		b.Fatal(err)
	}
	host := as(ctx, auth.Identity{Subject: "practitioners/bench-host", Organization: org.GetName(), Roles: []string{auth.RoleEventHost}})
	db := testenv.DatabaseName(b)
	ev := eventtest.Start(b, eventtest.Options{Database: db, DirectoryAddr: dir.Addr})
	e, err := ev.Client.CreateEvent(host, &eventv1.CreateEventRequest{EventId: "big", Event: &eventv1.Event{
		Title: "Big", Category: eventv1.EventCategory_EVENT_CATEGORY_OTHER, HostOrganization: org.GetName(),
		OnlineUrl: "https://meet.example.org/big"}})
	if err != nil {
		b.Fatal(err)
	}
	begin := time.Now().Add(72 * time.Hour)
	sessions := n/5000 + 1 // at most 10,000 places a session
	for k := range sessions {
		if _, err := ev.Client.CreateSession(host, &eventv1.CreateSessionRequest{Parent: e.GetName(), SessionId: fmt.Sprintf("s%d", k), Session: &eventv1.Session{
			StartTime: timestamppb.New(begin), EndTime: timestamppb.New(begin.Add(2 * time.Hour)),
			TimeZone: "America/Toronto", Capacity: 10000}}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := ev.Client.SubmitEvent(host, &eventv1.SubmitEventRequest{Name: e.GetName()}); err != nil {
		b.Fatal(err)
	}
	if _, err := ev.Client.PublishEvent(as(ctx, moderatorID), &eventv1.PublishEventRequest{Name: e.GetName()}); err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	if _, _, err := testenv.Concurrent(50, time.Hour, func(int) error {
		i := next.Add(1)
		if i > int64(n) {
			return errEnough
		}
		_, err := ev.Client.CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{Parent: fmt.Sprintf("%s/sessions/s%d", e.GetName(), i%int64(sessions)),
			Registration: &eventv1.Registration{Person: &eventv1.Person{GivenName: "P", Email: fmt.Sprintf("p%d@example.org", i)}}})
		return err
	}); err != nil && !errors.Is(err, errEnough) {
		b.Fatal(err)
	}
	ev.Stop()
	t := time.Now()
	ev = eventtest.Start(b, eventtest.Options{Database: db, DirectoryAddr: dir.Addr})
	defer ev.Stop()
	if _, err := ev.Client.SearchEvents(ctx, &eventv1.SearchEventsRequest{PageSize: 1}); err != nil {
		b.Fatal(err)
	}
	return time.Since(t)
}

// loopsThenDisk takes n referrals through the whole loop through REST with 20 clients, and
// returns the loops per second and the referral database's bytes on disk per referral after.
func loopsThenDisk(b *testing.B, n int) (float64, float64) {
	w := newLoopWorld(b)
	var started atomic.Int64
	t := time.Now()
	_, _, err := testenv.Concurrent(20, 2*time.Hour, func(int) error {
		if started.Add(1) > int64(n) {
			return errEnough
		}
		return w.restLoop(nil)
	})
	if err != nil && !errors.Is(err, errEnough) {
		b.Fatal(err)
	}
	rate := float64(n) / time.Since(t).Seconds()
	printDisk(b, w.refDB, n)
	return rate, float64(testenv.DatabaseBytes(w.refDB)) / float64(n)
}

// printDisk prints what each collection of database db holds per referral of n (the documents'
// size as the database reports it), and the database file and its write-ahead log.
func printDisk(b *testing.B, db string, n int) {
	ctx := context.Background()
	client, err := mongo.Connect(options.Client().ApplyURI(testenv.MongoURI(b)))
	if err != nil {
		b.Fatal(err)
	}
	defer client.Disconnect(ctx)
	d := client.Database(db)
	names, err := d.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		b.Fatal(err)
	}
	slices.Sort(names)
	for _, name := range names {
		var st struct {
			Count int64 `bson:"count"`
			Size  int64 `bson:"size"`
		}
		if err := d.RunCommand(ctx, bson.D{{Key: "collStats", Value: name}}).Decode(&st); err != nil {
			b.Fatal(err)
		}
		if st.Count > 0 {
			fmt.Printf("    %s: %d documents, %.1f KB per referral\n", name, st.Count, float64(st.Size)/float64(n)/1000)
		}
	}
	file, wal := testenv.DatabaseFiles(db)
	fmt.Printf("    database file %.1f KB and write-ahead log %.1f KB per referral\n", float64(file)/float64(n)/1000, float64(wal)/float64(n)/1000)
}

// note is a versioned document for counting commands.
type note struct {
	docstore.Meta `bson:",inline"`
	Text          string `bson:"text"`
}

// commandsPerUpdate counts the database commands of one docstore update by the replica that
// wrote the document last: what every referral transition costs besides its audit record.
func commandsPerUpdate(b *testing.B) (writes, reads int) {
	ctx := context.Background()
	var mu sync.Mutex
	counts := map[string]int{}
	client, err := mongo.Connect(options.Client().ApplyURI(testenv.MongoURI(b)).SetMonitor(&event.CommandMonitor{
		Started: func(_ context.Context, e *event.CommandStartedEvent) {
			mu.Lock()
			counts[e.CommandName]++
			mu.Unlock()
		}}))
	if err != nil {
		b.Fatal(err)
	}
	defer client.Disconnect(ctx)
	db := client.Database(testenv.DatabaseName(b))
	coll := docstore.NewCollection[note](db, "notes", changefeed.New(db, "changes"))
	if _, err := coll.Create(ctx, "bench", &note{Meta: docstore.Meta{ID: "n"}}); err != nil {
		b.Fatal(err)
	}
	if _, err := coll.Update(ctx, "bench", "n", "", func(n *note) error { n.Text = "warm"; return nil }); err != nil {
		b.Fatal(err)
	}
	mu.Lock()
	clear(counts)
	mu.Unlock()
	if _, err := coll.Update(ctx, "bench", "n", "", func(n *note) error { n.Text = "counted"; return nil }); err != nil {
		b.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return counts["insert"] + counts["update"] + counts["delete"], counts["find"]
}
