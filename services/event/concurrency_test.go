package event_test

import (
	"fmt"
	"sort"
	"sync"
	"testing"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
)

// Two event service replicas share one database: capacity and waitlist order hold.
func TestCapacityAndPromotionAcrossTwoReplicas(t *testing.T) {
	w := newWorld(t, 2)
	ctx := ctxT(t)
	_, ss := w.published(t, "picnic", 50)

	const people = 500
	regs := make([]*eventv1.Registration, people)
	var wg sync.WaitGroup
	errs := make(chan error, people)
	for i := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := w.events[i%2].Client.CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{
				Parent: ss.GetName(), Registration: person(i), RequestId: fmt.Sprintf("req-%d", i)})
			if err != nil {
				errs <- err
				return
			}
			regs[i] = r
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("register: %v", err)
	}
	confirmed, positions := 0, map[int32]bool{}
	for _, r := range regs {
		switch r.GetState() {
		case eventv1.RegistrationState_REGISTRATION_STATE_CONFIRMED:
			confirmed++
		case eventv1.RegistrationState_REGISTRATION_STATE_WAITLISTED:
			if positions[r.GetWaitlistPosition()] {
				t.Fatalf("waitlist position %d given twice", r.GetWaitlistPosition())
			}
			positions[r.GetWaitlistPosition()] = true
		default:
			t.Fatalf("unexpected state %v", r.GetState())
		}
	}
	if confirmed != 50 || len(positions) != 450 {
		t.Fatalf("%d confirmed, %d waitlisted; want 50 and 450", confirmed, len(positions))
	}
	for p := int32(1); p <= 450; p++ {
		if !positions[p] {
			t.Fatalf("waitlist position %d unused", p)
		}
	}
	// Both replicas agree on the counts.
	for _, e := range w.events {
		got, err := e.Client.GetSession(ctx, &eventv1.GetSessionRequest{Name: ss.GetName()})
		if err != nil || got.GetConfirmedCount() != 50 || got.GetWaitlistCount() != 450 || got.GetSeatsLeft() != 0 {
			t.Fatalf("replica sees %v (%v)", got, err)
		}
	}

	// The waitlist in order, as the responses told it.
	waiting := make([]*eventv1.Registration, 0, 450)
	var seated []*eventv1.Registration
	for _, r := range regs {
		if r.GetState() == eventv1.RegistrationState_REGISTRATION_STATE_WAITLISTED {
			waiting = append(waiting, r)
		} else {
			seated = append(seated, r)
		}
	}
	sort.Slice(waiting, func(i, j int) bool { return waiting[i].GetWaitlistPosition() < waiting[j].GetWaitlistPosition() })

	// 100 concurrent cancellations of confirmed people: the 50 seated, then the 50 promoted first.
	toCancel := append([]*eventv1.Registration{}, seated...)
	for _, r := range waiting[:50] {
		toCancel = append(toCancel, r)
	}
	// The first wave: cancel the 50 seated concurrently.
	cancelAll := func(list []*eventv1.Registration) {
		var wg sync.WaitGroup
		for i, r := range list {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := w.events[i%2].Client.CancelRegistration(ctx, &eventv1.CancelRegistrationRequest{Name: r.GetName()}); err != nil {
					t.Errorf("cancel %s: %v", r.GetName(), err)
				}
			}()
		}
		wg.Wait()
	}
	cancelAll(toCancel[:50])
	cancelAll(toCancel[50:])

	// Exactly 100 promotions, the next 100 in waitlist order; the rest still wait, renumbered.
	list, err := w.events[1].Client.ListRegistrations(as(t, ctx, "services/svc", "service"), &eventv1.ListRegistrationsRequest{Parent: ss.GetName(), PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if list.GetTotalSize() != people {
		t.Fatalf("%d registrations stored, want %d", list.GetTotalSize(), people)
	}
	state := map[string]*eventv1.Registration{}
	for _, r := range list.GetRegistrations() {
		state[r.GetName()] = r
	}
	for i, r := range waiting {
		got := state[r.GetName()]
		switch {
		case i < 50:
			if got.GetState() != eventv1.RegistrationState_REGISTRATION_STATE_CANCELLED {
				t.Fatalf("waitlist #%d (promoted then cancelled) is %v", i+1, got.GetState())
			}
		case i < 100:
			if got.GetState() != eventv1.RegistrationState_REGISTRATION_STATE_CONFIRMED {
				t.Fatalf("waitlist #%d is %v, want CONFIRMED", i+1, got.GetState())
			}
		default:
			if got.GetState() != eventv1.RegistrationState_REGISTRATION_STATE_WAITLISTED || got.GetWaitlistPosition() != int32(i+1-100) {
				t.Fatalf("waitlist #%d is %v at %d, want WAITLISTED at %d", i+1, got.GetState(), got.GetWaitlistPosition(), i+1-100)
			}
		}
	}
	got, err := w.events[0].Client.GetSession(ctx, &eventv1.GetSessionRequest{Name: ss.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetConfirmedCount() != 50 || got.GetWaitlistCount() != 350 {
		t.Fatalf("after cancellations: %d confirmed, %d waiting; want 50 and 350", got.GetConfirmedCount(), got.GetWaitlistCount())
	}

	// The change feed tells the same story: 50 confirmed, 450 waitlisted, 100 cancelled,
	// 100 promoted, each exactly once.
	kinds := map[eventv1.ChangeKind]int{}
	seen := map[string]bool{}
	after := ""
	for {
		resp, err := w.events[0].Client.ListChanges(ctx, &eventv1.ListChangesRequest{After: after, PageSize: 77})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range resp.GetChanges() {
			if seen[c.GetToken()] {
				t.Fatalf("change %s seen twice", c.GetToken())
			}
			seen[c.GetToken()] = true
			kinds[c.GetKind()]++
		}
		if len(resp.GetChanges()) == 0 {
			break
		}
		after = resp.GetNextAfter()
	}
	want := map[eventv1.ChangeKind]int{
		eventv1.ChangeKind_CHANGE_KIND_CONFIRMED:  50,
		eventv1.ChangeKind_CHANGE_KIND_WAITLISTED: 450,
		eventv1.ChangeKind_CHANGE_KIND_CANCELLED:  100,
		eventv1.ChangeKind_CHANGE_KIND_PROMOTED:   100,
	}
	for k, n := range want {
		if kinds[k] != n {
			t.Fatalf("change feed: %v = %d, want %d (all: %v)", k, kinds[k], n, kinds)
		}
	}
}
