package benchmarks

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The callers that set the benchmarks' worlds up.
var (
	adminID     = auth.Identity{Subject: "practitioners/admin", Roles: []string{auth.RoleDirectoryAdmin}}
	moderatorID = auth.Identity{Subject: "practitioners/mod", Roles: []string{auth.RoleModerator}}
)

// as returns ctx acting as id over gRPC; post carries an identity over HTTP.
func as(ctx context.Context, id auth.Identity) context.Context { return testenv.WithIdentity(ctx, id) }

// publish creates e with one two-hour session "s" from begin for capacity people, submits it
// as host and publishes it as a moderator, and returns the session's name.
func publish(host context.Context, c eventv1.EventServiceClient, id string, e *eventv1.Event, begin time.Time, capacity int32) (string, error) {
	created, err := c.CreateEvent(host, &eventv1.CreateEventRequest{EventId: id, Event: e})
	if err != nil {
		return "", fmt.Errorf("create event %s: %w", id, err)
	}
	s, err := c.CreateSession(host, &eventv1.CreateSessionRequest{Parent: created.GetName(), SessionId: "s", Session: &eventv1.Session{
		StartTime: timestamppb.New(begin), EndTime: timestamppb.New(begin.Add(2 * time.Hour)),
		TimeZone: "America/Toronto", Capacity: capacity}})
	if err != nil {
		return "", fmt.Errorf("create session of %s: %w", id, err)
	}
	if _, err := c.SubmitEvent(host, &eventv1.SubmitEventRequest{Name: created.GetName()}); err != nil {
		return "", fmt.Errorf("submit %s: %w", id, err)
	}
	if _, err := c.PublishEvent(as(host, moderatorID), &eventv1.PublishEventRequest{Name: created.GetName()}); err != nil {
		return "", fmt.Errorf("publish %s: %w", id, err)
	}
	return s.GetName(), nil
}

// latencies runs op b.N times from one caller and reports p50 and p95 in milliseconds.
func latencies(b *testing.B, op func(i int) error) {
	b.ResetTimer()
	lat, err := testenv.Sequential(b.N, op)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat.P50), "p50-ms")
	b.ReportMetric(ms(lat.P95), "p95-ms")
}

// parallel runs b.N calls of op from clients goroutines and reports calls per second as unit.
func parallel(b *testing.B, clients int, unit string, op func() error) {
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
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), unit)
}

// httpGet reads u to the end and refuses any status but 200.
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
