package benchmarks

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/gateway/gatewaytest"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// BenchmarkDirectory measures SearchServices and GetService through gRPC and through the REST
// gateway with 2,000 and 20,000 services loaded, reporting p50 and p95 latency. The "scan"
// case is what a search would cost if it asked the embedded database instead of the read model.
//
//	go test -run='^$' -bench=Directory -benchtime=200x ./deploy/benchmarks/
func BenchmarkDirectory(b *testing.B) {
	ctx := as(context.Background(), adminID)
	for _, n := range []int{2000, 20000} {
		db := testenv.DatabaseName(b)
		dir := directorytest.Start(b, directorytest.Options{Database: db})
		base := gatewaytest.Start(b, gateway.Config{DirectoryAddr: dir.Addr})
		names := directorytest.LoadServices(ctx, b, dir.Client, n, "")
		near := &directoryv1.GeoCircle{Latitude: 43.6532, Longitude: -79.3832, RadiusMeters: 10000}
		searchReq := &directoryv1.SearchServicesRequest{Query: "walk", Near: near, PageSize: 20}
		searchURL := base + "/v1/services:search?" + url.Values{
			"query": {"walk"}, "near.latitude": {"43.6532"}, "near.longitude": {"-79.3832"},
			"near.radiusMeters": {"10000"}, "pageSize": {"20"},
		}.Encode()
		name := func(i int) string { return names[directorytest.Spread(i, len(names))] }

		b.Run(fmt.Sprintf("services=%d/SearchServices/grpc", n), func(b *testing.B) {
			latencies(b, func(int) error {
				_, err := dir.Client.SearchServices(ctx, searchReq)
				return err
			})
		})
		b.Run(fmt.Sprintf("services=%d/SearchServices/rest", n), func(b *testing.B) {
			latencies(b, func(int) error { return httpGet(searchURL) })
		})
		b.Run(fmt.Sprintf("services=%d/GetService/grpc", n), func(b *testing.B) {
			latencies(b, func(i int) error {
				_, err := dir.Client.GetService(ctx, &directoryv1.GetServiceRequest{Name: name(i)})
				return err
			})
		})
		b.Run(fmt.Sprintf("services=%d/GetService/rest", n), func(b *testing.B) {
			latencies(b, func(i int) error { return httpGet(base + "/v1/" + name(i)) })
		})
		b.Run(fmt.Sprintf("services=%d/DatabaseScan", n), func(b *testing.B) {
			client, err := mongo.Connect(options.Client().ApplyURI(testenv.MongoURI(b)))
			if err != nil {
				b.Fatal(err)
			}
			defer client.Disconnect(ctx)
			services := client.Database(db).Collection(directorytest.ServicesCollection)
			latencies(b, func(i int) error {
				// A search the database would answer: find one named service, which reads every
				// document of the collection.
				filter := bson.D{{Key: "display_name", Value: fmt.Sprintf("Nature walk %d", directorytest.Spread(i, n/10)*10)}}
				cur, err := services.Find(ctx, filter)
				if err != nil {
					return err
				}
				return cur.All(ctx, &[]bson.M{})
			})
		})
		dir.Stop()
	}
}
