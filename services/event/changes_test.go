package event_test

import (
	"context"
	"testing"
	"time"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event/eventtest"
)

// A consumer that stops and resumes from its last token sees every later change exactly once,
// in order, even across a restart of the event service.
func TestChangeFeedResumesExactlyOnce(t *testing.T) {
	w := newWorld(t, 1)
	ctx := ctxT(t)
	_, ss := w.published(t, "walk", 1)
	var regs []*eventv1.Registration
	for i := range 3 {
		r, err := w.ev().CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{Parent: ss.GetName(), Registration: person(i)})
		if err != nil {
			t.Fatal(err)
		}
		regs = append(regs, r)
	}
	first, err := w.ev().ListChanges(ctx, &eventv1.ListChangesRequest{PageSize: 2})
	if err != nil || len(first.GetChanges()) != 2 {
		t.Fatalf("first page: %v %v", first, err)
	}
	if first.GetChanges()[0].GetKind() != eventv1.ChangeKind_CHANGE_KIND_CONFIRMED ||
		first.GetChanges()[1].GetKind() != eventv1.ChangeKind_CHANGE_KIND_WAITLISTED ||
		first.GetChanges()[1].GetWaitlistPosition() != 1 {
		t.Fatalf("first changes: %v", first.GetChanges())
	}
	token := first.GetNextAfter()

	// More changes while the consumer is away, then a restart of the event service.
	if _, err := w.ev().CancelRegistration(ctx, &eventv1.CancelRegistrationRequest{Name: regs[0].GetName()}); err != nil {
		t.Fatal(err)
	}
	w.events[0].Stop()
	restarted := eventtest.Start(t, eventtest.Options{Database: w.db, DirectoryAddr: w.dir.Addr, Now: w.clock.Now})

	var rest []*eventv1.Change
	after := token
	for {
		resp, err := restarted.Client.ListChanges(ctx, &eventv1.ListChangesRequest{After: after, PageSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.GetChanges()) == 0 {
			break
		}
		rest = append(rest, resp.GetChanges()...)
		after = resp.GetNextAfter()
	}
	wantKinds := []eventv1.ChangeKind{
		eventv1.ChangeKind_CHANGE_KIND_WAITLISTED, // third registration
		eventv1.ChangeKind_CHANGE_KIND_CANCELLED,  // first registration
		eventv1.ChangeKind_CHANGE_KIND_PROMOTED,   // second registration, in the same entry
	}
	if len(rest) != len(wantKinds) {
		t.Fatalf("after resume: %v", rest)
	}
	for i, k := range wantKinds {
		if rest[i].GetKind() != k {
			t.Fatalf("change %d = %v, want %v (%v)", i, rest[i].GetKind(), k, rest)
		}
	}
	if rest[2].GetRegistration() != regs[1].GetName() {
		t.Fatalf("promoted %s, want %s", rest[2].GetRegistration(), regs[1].GetName())
	}

	// A watcher resuming from the same token gets the same changes, then new ones as they happen.
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	stream, err := restarted.Client.WatchChanges(wctx, &eventv1.WatchChangesRequest{After: token})
	if err != nil {
		t.Fatal(err)
	}
	for i := range wantKinds {
		c, err := stream.Recv()
		if err != nil || c.GetToken() != rest[i].GetToken() {
			t.Fatalf("watch change %d: %v %v, want %s", i, c, err, rest[i].GetToken())
		}
	}
	if _, err := restarted.Client.CancelSession(ctx, &eventv1.CancelSessionRequest{Name: ss.GetName(), Reason: "Storm."}); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for range 2 { // the promoted and the third registration, both active
		c, err := stream.Recv()
		if err != nil || c.GetKind() != eventv1.ChangeKind_CHANGE_KIND_SESSION_CANCELLED || c.GetReason() != "Storm." {
			t.Fatalf("watch after cancel: %v %v", c, err)
		}
		got[c.GetRegistration()] = true
	}
	if !got[regs[1].GetName()] || !got[regs[2].GetName()] {
		t.Fatalf("session cancellation reached %v", got)
	}
}
