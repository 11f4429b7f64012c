package event_test

import (
	"slices"
	"testing"
	"time"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
)

// The public listing's text search analyses English and French (stems, folded accents), and a
// replica that did not write the events finds them too, indexed as it folds the ledger.
func TestListingSearchStemsAndFoldsAccents(t *testing.T) {
	w := newWorld(t, 2)
	ctx := ctxT(t)
	writer := w.events[0].Client
	for _, e := range []struct{ id, title, desc string }{
		{"jardin", "Jardin communautaire", "Cultiver des légumes ensemble."},
		{"cafe", "Café des aînés", "Rencontres autour d'un café."},
		{"walks", "Morning walks", "Walking in the ravine with neighbours."},
	} {
		ev, err := writer.CreateEvent(ctx, &eventv1.CreateEventRequest{EventId: e.id, Event: &eventv1.Event{
			Title: e.title, Description: e.desc, Category: eventv1.EventCategory_EVENT_CATEGORY_STORYTELLING_CIRCLE,
			HostOrganization: w.org, Venue: &eventv1.Venue{Place: &eventv1.Venue_Location{Location: w.loc}}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := writer.CreateSession(ctx, &eventv1.CreateSessionRequest{Parent: ev.GetName(), SessionId: "s", Session: session(24*time.Hour, 10)}); err != nil {
			t.Fatal(err)
		}
		if _, err := writer.SubmitEvent(ctx, &eventv1.SubmitEventRequest{Name: ev.GetName()}); err != nil {
			t.Fatal(err)
		}
		if _, err := writer.PublishEvent(moderator(ctx), &eventv1.PublishEventRequest{Name: ev.GetName()}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"jardins communautaires", []string{"Jardin communautaire"}},
		{"legumes", []string{"Jardin communautaire"}},
		{"cafe", []string{"Café des aînés"}},
		{"AÎNÉ", []string{"Café des aînés"}},
		{"walk", []string{"Morning walks"}},
		{"neighbour walked", []string{"Morning walks"}},
		{"jardin walk", nil},
	} {
		t.Run(tc.query, func(t *testing.T) {
			for i, in := range w.events {
				resp, err := in.Client.SearchEvents(ctx, &eventv1.SearchEventsRequest{Query: tc.query})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, r := range resp.GetResults() {
					got = append(got, r.GetEvent().GetTitle())
				}
				if !slices.Equal(got, tc.want) {
					t.Fatalf("replica %d: %q found %v, want %v", i, tc.query, got, tc.want)
				}
			}
		})
	}
}
