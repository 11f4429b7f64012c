package domain

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// book is a state with the decisions applied in order, as the ledger would fold them.
type book struct {
	t   *testing.T
	st  *State
	now time.Time
}

func newBook(t *testing.T) *book {
	return &book{t: t, st: New(), now: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
}

// do decides with f and applies the decision; it fails the test on a refusal.
func (b *book) do(f func(*State) (Decision, error)) Decision {
	b.t.Helper()
	d, err := f(b.st)
	if err != nil {
		b.t.Fatalf("decision refused: %v", err)
	}
	if !d.Noop {
		b.st.Apply(b.st.Pos+1, d.Op, b.now, d.Payload)
	}
	return d
}

// session makes a published event "tea" with one session "s" of capacity starting in a day.
func (b *book) session(capacity int32) *Session {
	b.t.Helper()
	b.do(func(s *State) (Decision, error) {
		return s.CreateEvent(&Event{ID: "tea", Title: "Tea", Category: "STORYTELLING_CIRCLE"}, b.now)
	})
	start := b.now.Add(24 * time.Hour)
	b.do(func(s *State) (Decision, error) {
		return s.CreateSession(&Session{EventID: "tea", ID: "s", Start: start, End: start.Add(2 * time.Hour),
			TimeZone: "America/Toronto", Capacity: capacity}, b.now)
	})
	for _, m := range []string{"submit", "publish"} {
		b.do(func(s *State) (Decision, error) { return s.TransitionEvent("tea", m, "", "", b.now) })
	}
	return b.st.Sessions["tea/s"]
}

func (b *book) register(who string) *Registration {
	b.t.Helper()
	d := b.do(func(s *State) (Decision, error) {
		return s.Register(&Registration{SessionKey: "tea/s", ID: who, Identity: who + "@example.org",
			Person: Person{GivenName: who}}, b.now)
	})
	return b.st.Registrations[d.Result]
}

func wantRefusal(t *testing.T, err error, kind error, reason string) {
	t.Helper()
	var de *Error
	if !errors.As(err, &de) || !errors.Is(err, kind) || de.Reason != reason {
		t.Fatalf("err = %v, want %v with reason %q", err, kind, reason)
	}
}

func TestSeatsThenWaitlistThenPromotion(t *testing.T) {
	b := newBook(t)
	ss := b.session(2)
	got := map[string]string{}
	for _, who := range []string{"amara", "bo", "chen", "dev"} {
		got[who] = b.register(who).State
	}
	want := map[string]string{"amara": RegConfirmed, "bo": RegConfirmed, "chen": RegWaitlisted, "dev": RegWaitlisted}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("states = %v, want %v", got, want)
	}
	if ss.SeatsLeft() != 0 || b.st.WaitlistPosition(b.st.Registrations["tea/s/dev"]) != 2 {
		t.Fatalf("seats left %d, dev waits at %d; want 0 and 2", ss.SeatsLeft(), b.st.WaitlistPosition(b.st.Registrations["tea/s/dev"]))
	}

	d := b.do(func(s *State) (Decision, error) { return s.CancelRegistration("tea/s/amara", "unwell") })
	if len(d.Payload.Outcomes) != 2 || d.Payload.Outcomes[1].Kind != KindPromoted || d.Payload.Outcomes[1].Registration != "tea/s/chen" {
		t.Fatalf("outcomes of a cancellation with people waiting = %+v, want chen promoted", d.Payload.Outcomes)
	}
	if s := b.st.Registrations["tea/s/chen"].State; s != RegConfirmed {
		t.Fatalf("chen is %s after the promotion, want CONFIRMED", s)
	}
	if pos := b.st.WaitlistPosition(b.st.Registrations["tea/s/dev"]); pos != 1 {
		t.Fatalf("dev waits at %d, want 1", pos)
	}
	if ss.SeatsLeft() != 0 {
		t.Fatalf("seats left %d, want 0: the freed seat went to chen", ss.SeatsLeft())
	}

	// Cancelling someone waiting frees no seat and promotes nobody.
	d = b.do(func(s *State) (Decision, error) { return s.CancelRegistration("tea/s/dev", "") })
	if len(d.Payload.Outcomes) != 1 {
		t.Fatalf("outcomes of cancelling a waitlisted place = %+v, want only the cancellation", d.Payload.Outcomes)
	}
	// A second cancellation is a no-op.
	if d := b.do(func(s *State) (Decision, error) { return s.CancelRegistration("tea/s/dev", "") }); !d.Noop {
		t.Fatal("cancelling twice appended a second entry")
	}
}

func TestOnePersonOneActivePlacePerSession(t *testing.T) {
	b := newBook(t)
	b.session(5)
	first := b.register("amara")
	d := b.do(func(s *State) (Decision, error) {
		return s.Register(&Registration{SessionKey: "tea/s", ID: "again", Identity: "amara@example.org"}, b.now)
	})
	if !d.Noop || d.Result != first.Key() {
		t.Fatalf("second registration of the same person = %+v, want the first (%s) without a new entry", d, first.Key())
	}
	if got := len(b.st.Sessions["tea/s"].Seated); got != 1 {
		t.Fatalf("%d seats taken, want 1", got)
	}
	// Once cancelled, the person may register again.
	b.do(func(s *State) (Decision, error) { return s.CancelRegistration(first.Key(), "") })
	if r := b.register("amara2"); r.State != RegConfirmed {
		t.Fatalf("registration after cancelling is %s", r.State)
	}
}

func TestRegistrationRefusals(t *testing.T) {
	for _, tt := range []struct {
		name   string
		setup  func(b *book)
		reason string
	}{
		{"event not published", func(b *book) {
			b.do(func(s *State) (Decision, error) { return s.CreateEvent(&Event{ID: "tea"}, b.now) })
			start := b.now.Add(time.Hour)
			b.do(func(s *State) (Decision, error) {
				return s.CreateSession(&Session{EventID: "tea", ID: "s", Start: start, End: start.Add(time.Hour), TimeZone: "UTC", Capacity: 1}, b.now)
			})
		}, ReasonEventState},
		{"session started", func(b *book) {
			b.session(3)
			b.now = b.st.Sessions["tea/s"].Start
		}, ReasonSessionStarted},
		{"session cancelled", func(b *book) {
			b.session(3)
			b.do(func(s *State) (Decision, error) { return s.CancelSession("tea/s", "rain") })
		}, ReasonSessionCancelled},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newBook(t)
			tt.setup(b)
			_, err := b.st.Register(&Registration{SessionKey: "tea/s", ID: "x", Identity: "x"}, b.now)
			wantRefusal(t, err, ErrPrecondition, tt.reason)
		})
	}
}

func TestCheckInWindowAndNoShows(t *testing.T) {
	b := newBook(t)
	ss := b.session(3)
	b.register("amara")
	b.register("bo")

	checkIn := func(at time.Time, who string) error {
		b.now = at
		d, err := b.st.CheckIn("tea/s/"+who, at)
		if err == nil && !d.Noop {
			b.st.Apply(b.st.Pos+1, d.Op, at, d.Payload)
		}
		return err
	}
	early := checkIn(ss.Start.Add(-CheckInEarly-time.Minute), "amara")
	wantRefusal(t, early, ErrPrecondition, ReasonCheckInWindow)
	// The refusal says when the window opens and closes, so that a page can tell the host.
	var de *Error
	if errors.As(early, &de) {
		opens, closes := ss.Start.Add(-2*time.Hour).UTC().Format(time.RFC3339), ss.End.Add(24*time.Hour).UTC().Format(time.RFC3339)
		if de.Metadata["check_in_open_time"] != opens || de.Metadata["check_in_close_time"] != closes || de.Metadata["time_zone"] != ss.TimeZone {
			t.Errorf("metadata %v, want check-in open %s to %s in %q", de.Metadata, opens, closes, ss.TimeZone)
		}
	}
	if err := checkIn(ss.Start.Add(-CheckInEarly), "amara"); err != nil {
		t.Fatalf("check-in as the window opens: %v", err)
	}
	if err := checkIn(ss.Start, "amara"); err != nil {
		t.Fatalf("a second check-in should be a no-op, got %v", err)
	}
	wantRefusal(t, checkIn(ss.End.Add(CheckInLate+time.Minute), "bo"), ErrPrecondition, ReasonCheckInWindow)

	_, err := b.st.MarkNoShows("tea/s", ss.End.Add(-time.Minute))
	wantRefusal(t, err, ErrPrecondition, ReasonSessionNotEnded)
	b.now = ss.End
	d := b.do(func(s *State) (Decision, error) { return s.MarkNoShows("tea/s", b.now) })
	if len(d.Payload.Outcomes) != 1 || d.Payload.Outcomes[0].Registration != "tea/s/bo" {
		t.Fatalf("no-shows = %+v, want only bo (amara attended)", d.Payload.Outcomes)
	}
	if b.st.Registrations["tea/s/amara"].State != RegAttended || b.st.Registrations["tea/s/bo"].State != RegNoShow {
		t.Fatalf("amara %s, bo %s; want ATTENDED and NO_SHOW",
			b.st.Registrations["tea/s/amara"].State, b.st.Registrations["tea/s/bo"].State)
	}
}

// The event lifecycle, written out from the API's documented moves rather than read from the
// code: each method, the states it may leave, and where it leads.
func TestEventTransitions(t *testing.T) {
	moves := map[string]struct {
		from []string
		to   string
	}{
		"submit":   {[]string{EventDraft, EventRejected}, EventSubmitted},
		"publish":  {[]string{EventSubmitted}, EventPublished},
		"reject":   {[]string{EventSubmitted}, EventRejected},
		"cancel":   {[]string{EventPublished}, EventCancelled},
		"complete": {[]string{EventPublished}, EventCompleted},
	}
	// paths reach each state from a new event with one session.
	paths := map[string][]string{
		EventDraft:     nil,
		EventSubmitted: {"submit"},
		EventPublished: {"submit", "publish"},
		EventRejected:  {"submit", "reject"},
		EventCancelled: {"submit", "publish", "cancel"},
		EventCompleted: {"submit", "publish", "complete"},
	}
	for from, path := range paths {
		for method, move := range moves {
			t.Run(from+"/"+method, func(t *testing.T) {
				b := newBook(t)
				b.do(func(s *State) (Decision, error) { return s.CreateEvent(&Event{ID: "e"}, b.now) })
				start := b.now.Add(48 * time.Hour)
				b.do(func(s *State) (Decision, error) {
					return s.CreateSession(&Session{EventID: "e", ID: "s", Start: start, End: start.Add(time.Hour), TimeZone: "UTC", Capacity: 1}, b.now)
				})
				for _, m := range path {
					b.do(func(s *State) (Decision, error) { return s.TransitionEvent("e", m, "", "", b.now) })
				}
				if got := b.st.Events["e"].State; got != from {
					t.Fatalf("reached %s, want %s", got, from)
				}
				d, err := b.st.TransitionEvent("e", method, "", "", b.now)
				allowed := false
				for _, f := range move.from {
					allowed = allowed || f == from
				}
				if !allowed {
					wantRefusal(t, err, ErrPrecondition, ReasonEventState)
					return
				}
				if err != nil {
					t.Fatalf("%s from %s: %v", method, from, err)
				}
				b.st.Apply(b.st.Pos+1, d.Op, b.now, d.Payload)
				if got := b.st.Events["e"].State; got != move.to {
					t.Fatalf("%s from %s led to %s, want %s", method, from, got, move.to)
				}
			})
		}
	}
}

func TestStaleEtagIsRefused(t *testing.T) {
	b := newBook(t)
	b.do(func(s *State) (Decision, error) { return s.CreateEvent(&Event{ID: "e"}, b.now) })
	old := Etag(b.st.Events["e"].Version)
	b.do(func(s *State) (Decision, error) { return s.UpdateEvent(&Event{ID: "e", Title: "New"}, old, b.now) })
	_, err := b.st.UpdateEvent(&Event{ID: "e", Title: "Newer"}, old, b.now)
	if !errors.Is(err, ErrEtagMismatch) {
		t.Fatalf("update with the etag of an older version: %v, want ErrEtagMismatch", err)
	}
}

// A new session whose start has passed is refused on its start time with its own reason, apart
// from malformed times.
func TestCreateSessionStartPassed(t *testing.T) {
	b := newBook(t)
	b.do(func(s *State) (Decision, error) {
		return s.CreateEvent(&Event{ID: "tea", Title: "Tea", Category: "STORYTELLING_CIRCLE"}, b.now)
	})
	start := b.now.Add(-time.Minute)
	_, err := b.st.CreateSession(&Session{EventID: "tea", ID: "s", Start: start, End: start.Add(time.Hour), TimeZone: "UTC", Capacity: 1}, b.now)
	var de *Error
	if !errors.As(err, &de) || !errors.Is(err, ErrInvalid) || de.Reason != ReasonStartTimePassed || de.Field != "session.start_time" {
		t.Fatalf("err = %v, want ErrInvalid on session.start_time with reason %s", err, ReasonStartTimePassed)
	}
}
