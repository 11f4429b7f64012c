package event_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/event/eventtest"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// BenchmarkStartup prints the event service's start-up time (to its first answered listing) on an
// empty ledger and after SCALE_REGISTRATIONS registrations (default 20000).
//
//	go test -run='^$' -bench=Startup -benchtime=1x ./services/event/
func BenchmarkStartup(b *testing.B) {
	regs := 20000
	if s := os.Getenv("SCALE_REGISTRATIONS"); s != "" {
		var err error
		if regs, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	mod := moderator(ctx)
	dir := directorytest.Start(b, directorytest.Options{Database: testenv.DatabaseName(b)})
	org, err := dir.Client.CreateOrganization(as(ctx, adminID), &directoryv1.CreateOrganizationRequest{Organization: &directoryv1.Organization{DisplayName: "Host"}})
	if err != nil {
		b.Fatal(err)
	}
	host := as(ctx, auth.Identity{Subject: "practitioners/bench-host", Organization: org.GetName(), Roles: []string{auth.RoleEventHost}})
	db := testenv.DatabaseName(b)
	restart := func(ev *eventtest.Instance) (*eventtest.Instance, time.Duration) {
		ev.Stop()
		t := time.Now()
		ev = eventtest.Start(b, eventtest.Options{Database: db, DirectoryAddr: dir.Addr})
		if _, err := ev.Client.SearchEvents(ctx, &eventv1.SearchEventsRequest{PageSize: 1}); err != nil {
			b.Fatal(err)
		}
		return ev, time.Since(t)
	}
	ev := eventtest.Start(b, eventtest.Options{Database: db, DirectoryAddr: dir.Addr})
	ev, up := restart(ev)
	fmt.Printf("event start-up, empty ledger: %v\n", up.Round(time.Millisecond))

	e, err := ev.Client.CreateEvent(host, &eventv1.CreateEventRequest{EventId: "big", Event: &eventv1.Event{
		Title: "Big", Category: eventv1.EventCategory_EVENT_CATEGORY_OTHER, HostOrganization: org.GetName(),
		OnlineUrl: "https://meet.example.org/big"}})
	if err != nil {
		b.Fatal(err)
	}
	// Sessions hold at most 10,000 places: one session per 5,000 registrations.
	begin := time.Now().Add(72 * time.Hour)
	sessions := regs/5000 + 1
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
	if _, err := ev.Client.PublishEvent(mod, &eventv1.PublishEventRequest{Name: e.GetName()}); err != nil {
		b.Fatal(err)
	}
	t := time.Now()
	client := ev.Client
	_, _, err = testenv.Concurrent(50, 30*time.Minute, func(i int) error {
		if i > regs {
			return errDone
		}
		_, err := client.CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{Parent: fmt.Sprintf("%s/sessions/s%d", e.GetName(), i%sessions),
			Registration: &eventv1.Registration{Person: &eventv1.Person{GivenName: "P", Email: fmt.Sprintf("p%d@example.org", i)}}})
		return err
	})
	if err != nil && err != errDone {
		b.Fatal(err)
	}
	fmt.Printf("event loaded %d registrations in %v (%.0f/s)\n", regs, time.Since(t).Round(time.Millisecond), float64(regs)/time.Since(t).Seconds())
	t = time.Now()
	second := eventtest.Start(b, eventtest.Options{Database: db, DirectoryAddr: dir.Addr})
	if _, err := second.Client.SearchEvents(ctx, &eventv1.SearchEventsRequest{PageSize: 1}); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("event second replica start-up (as after a crash), %d registrations: %v\n", regs, time.Since(t).Round(time.Millisecond))
	second.Stop()
	_, up = restart(ev)
	fmt.Printf("event restart, %d registrations: %v\n", regs, up.Round(time.Millisecond))
}

var errDone = fmt.Errorf("done")
