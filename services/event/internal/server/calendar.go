package server

import (
	"bytes"
	"cmp"
	"context"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/api/httpbody"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event/internal/domain"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/calendar"
	"github.com/socialrx/socialrx/services/platform/language"
)

// calendarSessions turns listing rows into calendar entries, their words in the language closest
// to want.
func calendarSessions(rows []listing, want []string) []calendar.Session {
	out := make([]calendar.Session, 0, len(rows))
	for _, row := range rows {
		ev, ss := row.ev, row.ss
		text := eventTextIn(ev, want)
		cs := calendar.Session{
			UID:          sessionName(ss.Key()) + "@socialrx.org",
			Summary:      text.Title,
			Description:  text.Description,
			Language:     cmp.Or(text.Language, "en"),
			URL:          ev.OnlineURL,
			Start:        ss.Start,
			End:          ss.End,
			TimeZone:     ss.TimeZone,
			Cancelled:    ss.State == domain.SessionCancelled || ev.State == domain.EventCancelled,
			Categories:   []string{strings.ReplaceAll(strings.ToLower(ev.Category), "_", " ")},
			Sequence:     ss.ScheduleCount,
			LastModified: ss.UpdateTime,
		}
		if v := ev.Venue; v != nil {
			cs.Location = v.DisplayName
			if v.Latitude != 0 || v.Longitude != 0 {
				lat, lng := v.Latitude, v.Longitude
				cs.Latitude, cs.Longitude = &lat, &lng
			}
		}
		out = append(out, cs)
	}
	return out
}

// eventTextIn is the event's title and description in the language closest to want, else its own.
func eventTextIn(ev *domain.Event, want []string) domain.Text {
	texts := append([]domain.Text{{Language: ev.Language, Title: ev.Title, Description: ev.Description}}, ev.Translations...)
	langs := make([]string, len(texts))
	for i, t := range texts {
		langs[i] = t.Language
	}
	if i := language.Closest(want, langs); i > 0 {
		return texts[i]
	}
	return texts[0]
}

func (s *Server) render(name string, rows []listing, want []string) (*httpbody.HttpBody, error) {
	var buf bytes.Buffer
	if err := calendar.Write(&buf, name, calendarSessions(rows, want), time.Now()); err != nil {
		s.logger.Error("render calendar", "error", err)
		return nil, apierror.Internal()
	}
	return &httpbody.HttpBody{ContentType: calendar.ContentType, Data: buf.Bytes()}, nil
}

func (s *Server) SearchEventsCalendar(ctx context.Context, req *eventv1.SearchEventsRequest) (*httpbody.HttpBody, error) {
	if req.GetPageToken() != "" {
		return nil, apierror.InvalidArgument(apierror.ReasonInvalidPageToken, apierror.FieldViolation{
			Field: "page_token", Description: "the calendar is not paged: it holds every matching session; send no page_token"})
	}
	if err := s.sync(ctx); err != nil {
		return nil, err
	}
	var rows []listing
	var err error
	s.ledger.Read(func(st *domain.State) { rows, err = s.search(st, req, s.now(), true) })
	if err != nil {
		return nil, err
	}
	return s.render("Human Connection events", rows, language.Wanted(ctx, req.GetLanguageCode()))
}

func (s *Server) GetEventCalendar(ctx context.Context, req *eventv1.GetEventCalendarRequest) (*httpbody.HttpBody, error) {
	if err := s.sync(ctx); err != nil {
		return nil, err
	}
	key := keyOf(req.GetName(), "events")
	var rows []listing
	var title string
	var err error
	s.ledger.Read(func(st *domain.State) {
		var ev *domain.Event
		if ev, err = st.Event(key); err != nil {
			return
		}
		if ev.State != domain.EventPublished && ev.State != domain.EventCancelled && ev.State != domain.EventCompleted {
			// Unpublished events are not public: answer as if they did not exist.
			err = apierror.NotFound(req.GetName())
			return
		}
		title = eventTextIn(ev, language.Wanted(ctx, "")).Title
		for _, sk := range ev.Sessions {
			rows = append(rows, listing{ev: ev, ss: st.Sessions[sk]})
		}
	})
	if err != nil {
		return nil, err
	}
	return s.render(title, rows, language.Wanted(ctx, ""))
}
