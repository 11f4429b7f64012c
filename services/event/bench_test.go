package event_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

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
//	go test -run='^$' -bench=Events -benchtime=2000x ./services/event/
func BenchmarkEvents(b *testing.B) {
	ctx := context.Background()
	mod := testenv.As(ctx, b, auth.Identity{Subject: "practitioners/bench", Roles: []string{auth.RoleModerator}})
	dir := directorytest.Start(b, directorytest.Options{Database: testenv.DatabaseName(b)})
	org, err := dir.Client.CreateOrganization(ctx, &directoryv1.CreateOrganizationRequest{Organization: &directoryv1.Organization{DisplayName: "Host"}})
	if err != nil {
		b.Fatal(err)
	}
	ev := eventtest.Start(b, eventtest.Options{Database: testenv.DatabaseName(b), DirectoryAddr: dir.Addr})
	base := gatewaytest.Start(b, gateway.Config{DirectoryAddr: dir.Addr, EventAddr: ev.Addr})

	// One published event with a session big enough for every registration.
	newPublished := func(id string, capacity int32, lat, lng float64, cat eventv1.EventCategory) string {
		e, err := ev.Client.CreateEvent(ctx, &eventv1.CreateEventRequest{EventId: id, Event: &eventv1.Event{
			Title: "Event " + id, Category: cat, HostOrganization: org.GetName(),
			Venue: &eventv1.Venue{Place: &eventv1.Venue_Address{Address: &eventv1.PlaceAddress{
				Address_1: "1 Main St", City: "Toronto", Latitude: lat, Longitude: lng}}}}})
		if err != nil {
			b.Fatal(err)
		}
		begin := time.Now().Add(72 * time.Hour)
		if _, err := ev.Client.CreateSession(ctx, &eventv1.CreateSessionRequest{Parent: e.GetName(), SessionId: "s", Session: &eventv1.Session{
			StartTime: timestamppb.New(begin), EndTime: timestamppb.New(begin.Add(2 * time.Hour)),
			TimeZone: "America/Toronto", Capacity: capacity}}); err != nil {
			b.Fatal(err)
		}
		if _, err := ev.Client.SubmitEvent(ctx, &eventv1.SubmitEventRequest{Name: e.GetName()}); err != nil {
			b.Fatal(err)
		}
		if _, err := ev.Client.PublishEvent(mod, &eventv1.PublishEventRequest{Name: e.GetName()}); err != nil {
			b.Fatal(err)
		}
		return e.GetName() + "/sessions/s"
	}

	var seq atomic.Int64
	b.Run("Register/grpc/clients=50", func(b *testing.B) {
		session := newPublished(fmt.Sprintf("grpc-%d", b.N), 10000, 43.65, -79.38, eventv1.EventCategory_EVENT_CATEGORY_OTHER)
		parallel(b, 50, func() error {
			n := seq.Add(1)
			_, err := ev.Client.CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{Parent: session,
				Registration: &eventv1.Registration{Person: &eventv1.Person{GivenName: "P", Email: fmt.Sprintf("p%d@example.org", n)}}})
			return err
		})
	})
	b.Run("Register/rest/clients=50", func(b *testing.B) {
		session := newPublished(fmt.Sprintf("rest-%d", b.N), 10000, 43.65, -79.38, eventv1.EventCategory_EVENT_CATEGORY_OTHER)
		url := base + "/v1/" + session + "/registrations"
		parallel(b, 50, func() error {
			n := seq.Add(1)
			resp, err := http.Post(url, "application/json", strings.NewReader(
				fmt.Sprintf(`{"person": {"givenName": "P", "email": "q%d@example.org"}}`, n)))
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, resp.Body)
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("register: %s", resp.Status)
			}
			return nil
		})
	})

	// 5,000 published events spread over southern Ontario for the listing.
	const events = 5000
	var wg sync.WaitGroup
	jobs := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				cat := eventv1.EventCategory(1 + i%10)
				newPublished(fmt.Sprintf("listing-%d", i), 20, 43.0+float64(i%97)/50, -81.0+float64(i%89)/30, cat)
			}
		}()
	}
	for i := range events {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	search := &eventv1.SearchEventsRequest{Near: &eventv1.GeoCircle{Latitude: 43.65, Longitude: -79.38, RadiusMeters: 25000},
		Categories: []eventv1.EventCategory{eventv1.EventCategory_EVENT_CATEGORY_NATURE_ON_PRESCRIPTION}, PageSize: 20}
	b.Run(fmt.Sprintf("Listing/grpc/events=%d", events), func(b *testing.B) {
		latencies(b, func() error {
			_, err := ev.Client.SearchEvents(ctx, search)
			return err
		})
	})
	b.Run(fmt.Sprintf("Listing/rest/events=%d", events), func(b *testing.B) {
		url := base + "/v1/events:search?near.latitude=43.65&near.longitude=-79.38&near.radiusMeters=25000&categories=EVENT_CATEGORY_NATURE_ON_PRESCRIPTION&pageSize=20"
		latencies(b, func() error {
			resp, err := http.Get(url)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, resp.Body)
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("listing: %s", resp.Status)
			}
			return nil
		})
	})
}

// parallel runs b.N calls of op from `clients` goroutines and reports calls per second.
func parallel(b *testing.B, clients int, op func() error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, clients)
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := op(); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	select {
	case err := <-errc:
		b.Fatal(err)
	default:
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "regs/s")
}

// latencies runs op b.N times and reports p50 and p95 in milliseconds.
func latencies(b *testing.B, op func() error) {
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
}
