package event_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// An event carries its title and description in English and French; readers ask for a language
// and get it where the event has it, else the event's own, told which.
func TestEventTranslations(t *testing.T) {
	w := newWorld(t, 1)
	c, ctx := w.ev(), ctxT(t)
	ev, err := c.CreateEvent(ctx, &eventv1.CreateEventRequest{EventId: "garden", Event: &eventv1.Event{
		Title: "Community garden", Description: "Plant vegetables together.", LanguageCode: "en",
		Translations: []*eventv1.EventText{{LanguageCode: "fr", Title: "Jardin communautaire", Description: "Planter des légumes ensemble."}},
		Category:     eventv1.EventCategory_EVENT_CATEGORY_COMMUNITY_GARDENING, HostOrganization: w.org,
		Venue: &eventv1.Venue{Place: &eventv1.Venue_Location{Location: w.loc}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateSession(ctx, &eventv1.CreateSessionRequest{Parent: ev.GetName(), SessionId: "s", Session: session(24*time.Hour, 10)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SubmitEvent(ctx, &eventv1.SubmitEventRequest{Name: ev.GetName()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PublishEvent(moderator(ctx), &eventv1.PublishEventRequest{Name: ev.GetName()}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, code, accept      string
		title, lang, otherTitle string
	}{
		{"own language", "", "", "Community garden", "en", "Jardin communautaire"},
		{"French", "fr", "", "Jardin communautaire", "fr", "Community garden"},
		{"Canadian French finds French", "fr-CA", "", "Jardin communautaire", "fr", "Community garden"},
		{"a language it lacks falls back", "pa", "", "Community garden", "en", "Jardin communautaire"},
		{"accept-language metadata", "", "pa, fr-CA;q=0.8, en;q=0.5", "Jardin communautaire", "fr", "Community garden"},
		{"language_code wins over metadata", "en", "fr", "Community garden", "en", "Jardin communautaire"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rctx := ctx
			if tc.accept != "" {
				rctx = metadata.AppendToOutgoingContext(ctx, "accept-language", tc.accept)
			}
			got, err := c.GetEvent(rctx, &eventv1.GetEventRequest{Name: ev.GetName(), LanguageCode: tc.code})
			if err != nil {
				t.Fatal(err)
			}
			if got.GetTitle() != tc.title || got.GetLanguageCode() != tc.lang {
				t.Fatalf("GetEvent = %q in %q, want %q in %q", got.GetTitle(), got.GetLanguageCode(), tc.title, tc.lang)
			}
			if tr := got.GetTranslations(); len(tr) != 1 || tr[0].GetTitle() != tc.otherTitle {
				t.Fatalf("translations = %v, want the other text %q", tr, tc.otherTitle)
			}
			list, err := c.SearchEvents(rctx, &eventv1.SearchEventsRequest{LanguageCode: tc.code})
			if err != nil {
				t.Fatal(err)
			}
			if len(list.GetResults()) != 1 || list.GetResults()[0].GetEvent().GetTitle() != tc.title {
				t.Fatalf("SearchEvents = %v, want one row titled %q", list.GetResults(), tc.title)
			}
			all, err := c.ListEvents(rctx, &eventv1.ListEventsRequest{LanguageCode: tc.code})
			if err != nil {
				t.Fatal(err)
			}
			if len(all.GetEvents()) != 1 || all.GetEvents()[0].GetTitle() != tc.title {
				t.Fatalf("ListEvents = %v, want one event titled %q", all.GetEvents(), tc.title)
			}
		})
	}

	t.Run("calendars in the language asked for", func(t *testing.T) {
		feed, err := c.SearchEventsCalendar(ctx, &eventv1.SearchEventsRequest{LanguageCode: "fr"})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(feed.GetData()); !strings.Contains(got, "SUMMARY;LANGUAGE=fr:Jardin communautaire") {
			t.Fatalf("the French listing feed: %s", got)
		}
		one, err := c.GetEventCalendar(metadata.AppendToOutgoingContext(ctx, "accept-language", "en-CA"), &eventv1.GetEventCalendarRequest{Name: ev.GetName()})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(one.GetData()); !strings.Contains(got, "SUMMARY;LANGUAGE=en:Community garden") {
			t.Fatalf("the event's feed in English: %s", got)
		}
	})

	t.Run("French words find the event", func(t *testing.T) {
		resp, err := c.SearchEvents(ctx, &eventv1.SearchEventsRequest{Query: "légumes", LanguageCode: "fr"})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.GetResults()) != 1 || resp.GetResults()[0].GetEvent().GetTitle() != "Jardin communautaire" {
			t.Fatalf("search légumes = %v, want the garden in French", resp.GetResults())
		}
	})

	t.Run("an update in French changes the French text only", func(t *testing.T) {
		fr, err := c.GetEvent(ctx, &eventv1.GetEventRequest{Name: ev.GetName(), LanguageCode: "fr"})
		if err != nil {
			t.Fatal(err)
		}
		fr.Description = "Semer et récolter ensemble."
		if _, err := c.UpdateEvent(ctx, &eventv1.UpdateEventRequest{Event: &eventv1.Event{Name: fr.GetName(),
			LanguageCode: "fr", Description: fr.GetDescription(), Etag: fr.GetEtag()},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}}); err != nil {
			t.Fatal(err)
		}
		en, err := c.GetEvent(ctx, &eventv1.GetEventRequest{Name: ev.GetName()})
		if err != nil {
			t.Fatal(err)
		}
		if en.GetDescription() != "Plant vegetables together." {
			t.Fatalf("English description = %q, want it unchanged", en.GetDescription())
		}
		if tr := en.GetTranslations(); len(tr) != 1 || tr[0].GetDescription() != "Semer et récolter ensemble." {
			t.Fatalf("French text = %v, want the new description", tr)
		}
	})

	t.Run("a second text in one language is refused", func(t *testing.T) {
		_, err := c.CreateEvent(ctx, &eventv1.CreateEventRequest{Event: &eventv1.Event{
			Title: "Walk", Translations: []*eventv1.EventText{{LanguageCode: "fr", Title: "Marche"}, {LanguageCode: "EN", Title: "Walk again"}},
			Category: eventv1.EventCategory_EVENT_CATEGORY_NATURE_ON_PRESCRIPTION, HostOrganization: w.org,
			Venue: &eventv1.Venue{Place: &eventv1.Venue_Location{Location: w.loc}}}})
		testenv.WantField(t, err, "event.translations[1].language_code")
	})
}
