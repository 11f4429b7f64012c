package directory_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/gateway/gatewaytest"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/directory/internal/store"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// BenchmarkDirectory measures SearchServices and GetService through gRPC and through the REST
// gateway with 2,000 and 20,000 services loaded, reporting p50 and p95 latency. The "scan"
// case is what a search would cost if it asked the embedded database instead of the read model.
//
//	make bench   (or: go test -run='^$' -bench=Directory -benchtime=200x ./services/directory/)
func BenchmarkDirectory(b *testing.B) {
	for _, n := range []int{2000, 20000} {
		db := testenv.DatabaseName(b)
		dir := directorytest.Start(b, directorytest.Options{Database: db})
		base := gatewaytest.Start(b, gateway.Config{DirectoryAddr: dir.Addr})
		names := loadServices(b, dir.Client, n)
		ctx := as(context.Background(), adminID)
		near := &directoryv1.GeoCircle{Latitude: 43.6532, Longitude: -79.3832, RadiusMeters: 10000}
		searchReq := &directoryv1.SearchServicesRequest{Query: "walk", Near: near, PageSize: 20}
		searchURL := base + "/v1/services:search?" + url.Values{
			"query": {"walk"}, "near.latitude": {"43.6532"}, "near.longitude": {"-79.3832"},
			"near.radiusMeters": {"10000"}, "pageSize": {"20"},
		}.Encode()

		b.Run(fmt.Sprintf("services=%d/SearchServices/grpc", n), func(b *testing.B) {
			measure(b, func(int) error {
				_, err := dir.Client.SearchServices(ctx, searchReq)
				return err
			})
		})
		b.Run(fmt.Sprintf("services=%d/SearchServices/rest", n), func(b *testing.B) {
			measure(b, func(int) error { return httpGet(searchURL) })
		})
		b.Run(fmt.Sprintf("services=%d/GetService/grpc", n), func(b *testing.B) {
			measure(b, func(i int) error {
				_, err := dir.Client.GetService(ctx, &directoryv1.GetServiceRequest{Name: names[spread(i, len(names))]})
				return err
			})
		})
		b.Run(fmt.Sprintf("services=%d/GetService/rest", n), func(b *testing.B) {
			measure(b, func(i int) error { return httpGet(base + "/v1/" + names[spread(i, len(names))]) })
		})
		b.Run(fmt.Sprintf("services=%d/DatabaseScan", n), func(b *testing.B) {
			client, err := mongo.Connect(options.Client().ApplyURI(testenv.MongoURI(b)))
			if err != nil {
				b.Fatal(err)
			}
			defer client.Disconnect(ctx)
			measure(b, func(i int) error {
				// A search the database would answer: find one named service, which reads every
				// document of the collection.
				filter := bson.D{{Key: "display_name", Value: fmt.Sprintf("Nature walk %d", spread(i, n/10)*10)}}
				cur, err := client.Database(db).Collection(store.Services).Find(ctx, filter)
				if err != nil {
					return err
				}
				return cur.All(ctx, &[]bson.M{})
			})
		})
		dir.Stop()
	}
}

// spread maps call i to an item all over the range (not only the first ones inserted, which
// a database reading rows in order would find fastest).
func spread(i, n int) int { return (i * 7919) % n }

// measure runs op b.N times and reports p50 and p95 latency in milliseconds.
func measure(b *testing.B, op func(i int) error) {
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
}

func httpGet(u string) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return nil
}

// loadServices creates n services spread over 50 organisations with locations across southern
// Ontario, a tenth of them walks, and returns their names.
func loadServices(b *testing.B, c directoryv1.DirectoryServiceClient, n int) []string {
	return loadServicesUnder(b, c, n, "")
}

// loadServicesUnder is loadServices with every tenth service, a nature walk, classified under
// walkTerm when it is set.
func loadServicesUnder(b *testing.B, c directoryv1.DirectoryServiceClient, n int, walkTerm string) []string {
	ctx := as(context.Background(), adminID)
	rng := rand.New(rand.NewPCG(1, 2))
	type site struct{ name, org string }
	var locs []site
	for o := range 50 {
		org, err := c.CreateOrganization(ctx, &directoryv1.CreateOrganizationRequest{Organization: &directoryv1.Organization{
			DisplayName: fmt.Sprintf("Centre %d", o)}})
		if err != nil {
			b.Fatal(err)
		}
		for l := range 4 {
			lat, lng := 43.0+rng.Float64()*2, -81.0+rng.Float64()*3
			loc, err := c.CreateLocation(ctx, &directoryv1.CreateLocationRequest{Location: &directoryv1.Location{
				Organization: org.GetName(), DisplayName: fmt.Sprintf("Site %d", l), Latitude: &lat, Longitude: &lng}})
			if err != nil {
				b.Fatal(err)
			}
			locs = append(locs, site{loc.GetName(), org.GetName()})
		}
	}
	names := make([]string, n)
	var wg sync.WaitGroup
	errc := make(chan error, 16)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 16 {
				loc := locs[(i*7919)%len(locs)]
				kind, terms := "Friendly calls", []string(nil)
				if i%10 == 0 {
					kind = "Nature walk"
					if walkTerm != "" {
						terms = []string{walkTerm}
					}
				}
				s, err := c.CreateService(ctx, &directoryv1.CreateServiceRequest{Service: &directoryv1.Service{
					Organization: loc.org, DisplayName: fmt.Sprintf("%s %d", kind, i),
					Description: "A programme for people who would like company; this one is a " + kind + ".",
					Languages:   []string{"en"}, Locations: []string{loc.name}, TaxonomyTerms: terms,
				}})
				if err != nil {
					errc <- err
					return
				}
				names[i] = s.GetName()
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errc:
		b.Fatal(err)
	default:
	}
	return names
}
