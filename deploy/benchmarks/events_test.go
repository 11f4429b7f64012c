package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/gateway/gatewaytest"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/event/eventtest"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// BenchmarkEvents measures registrations per second with 50 concurrent clients through gRPC and
// through the REST gateway, and public listing latency (p50/p95) with 5,000 published events.
//
//	go test -run='^$' -bench=Events -benchtime=2000x ./deploy/benchmarks/
func BenchmarkEvents(b *testing.B) {
	ctx := context.Background()
	dir := directorytest.Start(b, directorytest.Options{Database: testenv.DatabaseName(b)})
	org, err := dir.Client.CreateOrganization(as(ctx, adminID), &directoryv1.CreateOrganizationRequest{Organization: &directoryv1.Organization{DisplayName: "Host"}})
	if err != nil {
		b.Fatal(err)
	}
	ev := eventtest.Start(b, eventtest.Options{Database: testenv.DatabaseName(b), DirectoryAddr: dir.Addr})
	base := gatewaytest.Start(b, gateway.Config{DirectoryAddr: dir.Addr, EventAddr: ev.Addr})
	host := as(ctx, auth.Identity{Subject: "practitioners/bench-host", Organization: org.GetName(), Roles: []string{auth.RoleEventHost}})

	// One published event in three days, its session big enough for every registration.
	newPublished := func(id string, capacity int32, lat, lng float64, cat eventv1.EventCategory) (string, error) {
		return publish(host, ev.Client, id, &eventv1.Event{
			Title: "Event " + id, Category: cat, HostOrganization: org.GetName(),
			Venue: &eventv1.Venue{Place: &eventv1.Venue_Address{Address: &eventv1.PlaceAddress{
				Address_1: "1 Main St", City: "Toronto", Latitude: lat, Longitude: lng}}}},
			time.Now().Add(72*time.Hour), capacity)
	}
	registrable := func(b *testing.B, id string) string {
		session, err := newPublished(fmt.Sprintf("%s-%d", id, b.N), 10000, 43.65, -79.38, eventv1.EventCategory_EVENT_CATEGORY_OTHER)
		if err != nil {
			b.Fatal(err)
		}
		return session
	}

	var seq atomic.Int64
	b.Run("Register/grpc/clients=50", func(b *testing.B) {
		session := registrable(b, "grpc")
		parallel(b, 50, "regs/s", func() error {
			_, err := ev.Client.CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{Parent: session,
				Registration: &eventv1.Registration{Person: &eventv1.Person{GivenName: "P", Email: fmt.Sprintf("p%d@example.org", seq.Add(1))}}})
			return err
		})
	})
	b.Run("Register/rest/clients=50", func(b *testing.B) {
		u := base + "/v1/" + registrable(b, "rest") + "/registrations"
		parallel(b, 50, "regs/s", func() error {
			return testenv.PostJSON(auth.Anonymous, u, fmt.Sprintf(`{"person": {"givenName": "P", "email": "q%d@example.org"}}`, seq.Add(1)), nil)
		})
	})

	// 5,000 published events spread over southern Ontario for the listing.
	const events = 5000
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	jobs := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				cat := eventv1.EventCategory(1 + i%10)
				if _, err := newPublished(fmt.Sprintf("listing-%d", i), 20, 43.0+float64(i%97)/50, -81.0+float64(i%89)/30, cat); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range events {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		b.Fatal(err)
	}
	search := &eventv1.SearchEventsRequest{Near: &eventv1.GeoCircle{Latitude: 43.65, Longitude: -79.38, RadiusMeters: 25000},
		Categories: []eventv1.EventCategory{eventv1.EventCategory_EVENT_CATEGORY_NATURE_ON_PRESCRIPTION}, PageSize: 20}
	b.Run(fmt.Sprintf("Listing/grpc/events=%d", events), func(b *testing.B) {
		latencies(b, func(int) error {
			_, err := ev.Client.SearchEvents(ctx, search)
			return err
		})
	})
	b.Run(fmt.Sprintf("Listing/rest/events=%d", events), func(b *testing.B) {
		u := base + "/v1/events:search?near.latitude=43.65&near.longitude=-79.38&near.radiusMeters=25000&categories=EVENT_CATEGORY_NATURE_ON_PRESCRIPTION&pageSize=20"
		latencies(b, func(int) error { return httpGet(u) })
	})
}
