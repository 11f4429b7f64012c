package directory_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// BenchmarkScale prints, for each directory size in SCALE_SERVICES (default 2000,20000): search
// latency at 1 client and throughput at 16, GetService against the gRPC health call, CreateService
// against a raw driver insert, and start-up time and heap after restart.
//
//	go test -run='^$' -bench=Scale -benchtime=1x ./services/directory/
func BenchmarkScale(b *testing.B) {
	sizes := []int{2000, 20000}
	if s := os.Getenv("SCALE_SERVICES"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				b.Fatal(err)
			}
			sizes = append(sizes, n)
		}
	}
	ctx := as(context.Background(), adminID) // writes need a directory administrator; reads are public anyway
	for _, n := range sizes {
		db := testenv.DatabaseName(b)
		dir := directorytest.Start(b, directorytest.Options{Database: db, Configure: production})
		names := loadScale(b, dir.Client, n)
		report := func(what string, lat testenv.Latency, err error) {
			if err != nil {
				b.Fatal(err)
			}
			fmt.Printf("services=%d %-34s %v\n", n, what, lat)
		}
		rate := func(what string, clients int, op func(int) error) {
			rps, lat, err := testenv.Concurrent(clients, 3*time.Second, op)
			if err != nil {
				b.Fatal(err)
			}
			fmt.Printf("services=%d %-34s %8.0f req/s  %v\n", n, fmt.Sprintf("%s clients=%d", what, clients), rps, lat)
		}
		near := &directoryv1.GeoCircle{Latitude: 43.6532, Longitude: -79.3832, RadiusMeters: 10000}
		searches := []struct {
			name string
			req  *directoryv1.SearchServicesRequest
		}{
			{"search near", &directoryv1.SearchServicesRequest{Near: near, PageSize: 20}},
			{"search text", &directoryv1.SearchServicesRequest{Query: "nature walk", PageSize: 20}},
			{"search taxonomy", &directoryv1.SearchServicesRequest{TaxonomyTerms: []string{"taxonomyTerms/walks"}, PageSize: 20}},
		}
		for _, s := range searches {
			op := func(int) error { _, err := dir.Client.SearchServices(ctx, s.req); return err }
			lat, err := testenv.Sequential(200, op)
			report(s.name+" clients=1", lat, err)
			rate(s.name, 16, op)
		}
		get := func(i int) error {
			_, err := dir.Client.GetService(ctx, &directoryv1.GetServiceRequest{Name: names[directorytest.Spread(i, len(names))]})
			return err
		}
		hc := healthpb.NewHealthClient(testenv.Dial(b, dir.Addr))
		health := func(int) error { _, err := hc.Check(ctx, &healthpb.HealthCheckRequest{}); return err }
		lat, err := testenv.Sequential(500, get)
		report("GetService clients=1", lat, err)
		lat, err = testenv.Sequential(500, health)
		report("health clients=1", lat, err)
		rate("GetService", 16, get)
		rate("health", 16, health)

		svc, err := dir.Client.GetService(ctx, &directoryv1.GetServiceRequest{Name: names[0]})
		if err != nil {
			b.Fatal(err)
		}
		lat, err = testenv.Sequential(200, func(i int) error {
			_, err := dir.Client.CreateService(ctx, &directoryv1.CreateServiceRequest{Service: &directoryv1.Service{
				Organization: svc.GetOrganization(), DisplayName: fmt.Sprintf("Extra %d", i), Languages: []string{"en"}}})
			return err
		})
		report("CreateService clients=1", lat, err)
		lat, err = testenv.Sequential(200, func(i int) error {
			_, err := dir.Client.UpdateService(ctx, &directoryv1.UpdateServiceRequest{Service: &directoryv1.Service{
				Name: names[directorytest.Spread(i, len(names))], Description: fmt.Sprintf("Updated %d", i)},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
			return err
		})
		report("UpdateService clients=1", lat, err)
		client, err := mongo.Connect(options.Client().ApplyURI(testenv.MongoURI(b)))
		if err != nil {
			b.Fatal(err)
		}
		raw := client.Database(db).Collection("raw_inserts")
		lat, err = testenv.Sequential(200, func(i int) error {
			_, err := raw.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("raw-%d", i)}, {Key: "display_name", Value: "Extra"}})
			return err
		})
		report("raw driver InsertOne", lat, err)
		_ = client.Disconnect(ctx)
		fmt.Printf("services=%d %-34s %d\n", n, "collections", collections(b, db))
		fmt.Printf("services=%d %-34s %.1f MB\n", n, "database on disk", float64(testenv.DatabaseBytes(db))/1e6)

		// A second replica starting while the first runs: what a crash restart costs.
		t0 := time.Now()
		second := directorytest.Start(b, directorytest.Options{Database: db, Configure: production})
		if _, err := second.Client.GetService(ctx, &directoryv1.GetServiceRequest{Name: names[0]}); err != nil {
			b.Fatal(err)
		}
		upSecond := time.Since(t0)
		if _, err := second.Client.SearchServices(ctx, searches[1].req); err != nil {
			b.Fatal(err)
		}
		fmt.Printf("services=%d %-34s %v (first search %v)\n", n, "second replica to first Get", upSecond.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
		second.Stop()

		dir.Stop()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		t := time.Now()
		dir = directorytest.Start(b, directorytest.Options{Database: db, Configure: production})
		if _, err := dir.Client.GetService(ctx, &directoryv1.GetServiceRequest{Name: names[0]}); err != nil {
			b.Fatal(err)
		}
		up := time.Since(t)
		if _, err := dir.Client.SearchServices(ctx, searches[1].req); err != nil {
			b.Fatal(err)
		}
		upSearch := time.Since(t)
		runtime.GC()
		runtime.ReadMemStats(&after)
		fmt.Printf("services=%d %-34s %v (first search %v), heap +%.0f MiB\n", n, "restart to first Get", up.Round(time.Millisecond),
			upSearch.Round(time.Millisecond), float64(int64(after.HeapInuse)-int64(before.HeapInuse))/(1<<20))
		dir.Stop()
	}
}

// production configures an instance as deployed: reads share feed probes within the default
// staleness bound.
func production(c *directory.Config) { c.ReadStaleness = changefeed.DefaultStaleness }

func collections(b *testing.B, db string) int {
	client, err := mongo.Connect(options.Client().ApplyURI(testenv.MongoURI(b)))
	if err != nil {
		b.Fatal(err)
	}
	defer client.Disconnect(context.Background())
	names, err := client.Database(db).ListCollectionNames(context.Background(), bson.D{})
	if err != nil {
		b.Fatal(err)
	}
	return len(names)
}

// loadScale creates n services over 50 organisations with 4 locations each across southern
// Ontario; a tenth are nature walks classified under taxonomyTerms/walks.
func loadScale(b *testing.B, c directoryv1.DirectoryServiceClient, n int) []string {
	ctx := as(context.Background(), adminID)
	if _, err := c.CreateTaxonomyTerm(ctx, &directoryv1.CreateTaxonomyTermRequest{TaxonomyTermId: "walks",
		TaxonomyTerm: &directoryv1.TaxonomyTerm{Code: "walks", DisplayName: "Walks", Taxonomy: "socialrx"}}); err != nil {
		b.Fatal(err)
	}
	t := time.Now()
	names := directorytest.LoadServices(ctx, b, c, n, "taxonomyTerms/walks")
	fmt.Printf("services=%d %-34s %v (%.0f/s at 16 clients)\n", n, "load", time.Since(t).Round(time.Millisecond), float64(n)/time.Since(t).Seconds())
	return names
}
