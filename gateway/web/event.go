package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"google.golang.org/grpc/metadata"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/language"
)

// publicStates are the event states the public may see; drafts and events under moderation are
// not found.
var publicStates = map[eventv1.EventState]bool{
	eventv1.EventState_EVENT_STATE_PUBLISHED: true,
	eventv1.EventState_EVENT_STATE_CANCELLED: true,
	eventv1.EventState_EVENT_STATE_COMPLETED: true,
}

type sessionRow struct {
	Date        string
	Time        string
	SeatsLeft   int32
	Waiting     int32
	Cancelled   bool
	Open        bool
	RegisterURL string
}

type eventData struct {
	Event       *eventv1.Event
	Title       shown
	Description shown
	Category    string
	Host        shown
	Own         string // lang attribute of the words that have no translation, when not the page's
	Venue       string
	Address     string
	MapURL      string
	Cost        string
	Languages   []string
	Features    []shown
	Sessions    []sessionRow
	CalendarURL string
	Cancelled   bool
}

func (h *Handler) publicEvent(r *http.Request, id string) (*eventv1.Event, error) {
	// In the event's own language, with its translations: the page picks the text in its
	// language and knows the language of what has no translation.
	ev, err := h.events.GetEvent(h.callContext(r), &eventv1.GetEventRequest{Name: "events/" + id})
	if err != nil {
		return nil, err
	}
	if !publicStates[ev.GetState()] {
		return nil, apierror.NotFound(ev.GetName())
	}
	return ev, nil
}

func (h *Handler) eventPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("event")
	ev, err := h.publicEvent(r, id)
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	ctx := h.callContext(r)
	sessions, err := h.events.ListSessions(ctx, &eventv1.ListSessionsRequest{Parent: ev.GetName(), PageSize: 100})
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	facts, ok := h.names(ctx, w, r)
	if !ok {
		return
	}
	p := h.newPage(w, r, "event", "events")
	l := p.localizer
	p.Title = ev.GetTitle()
	d := &eventData{Event: ev, Title: eventTitle(l, ev), Description: eventDescription(l, ev),
		Category: l.Category(ev.GetCategory().String()), Host: facts.organizationName(l, ev.GetHostOrganization()),
		Own:   l.otherLang(ev.GetLanguageCode()),
		Venue: venueName(ev, l), CalendarURL: "/events/" + id + "/calendar.ics",
		Cancelled: ev.GetState() == eventv1.EventState_EVENT_STATE_CANCELLED}
	if v := ev.GetVenue(); v != nil {
		if loc := v.GetLocation(); loc != "" {
			if got, err := h.directory.GetLocation(ctx, &directoryv1.GetLocationRequest{Name: loc}); err == nil {
				d.Address = formatAddress(got.GetAddress())
				// The venue's name often is its street address already.
				if a := got.GetAddress().GetAddress_1(); a != "" && strings.Contains(d.Venue, a) {
					d.Address = ""
				}
			}
		} else if a := v.GetAddress(); a != nil {
			d.Address = strings.Join(nonEmpty(a.GetAddress_1(), a.GetCity(), a.GetRegion(), a.GetPostalCode()), ", ")
		}
		if v.GetLatitude() != 0 || v.GetLongitude() != 0 {
			d.MapURL = fmt.Sprintf("https://www.openstreetmap.org/?mlat=%.5f&mlon=%.5f#map=16/%.5f/%.5f",
				v.GetLatitude(), v.GetLongitude(), v.GetLatitude(), v.GetLongitude())
		}
	}
	d.Cost = costText(l, ev.GetCost())
	for _, c := range ev.GetLanguages() {
		d.Languages = append(d.Languages, l.LanguageName(c))
	}
	for _, a := range ev.GetAccessibilityFeatures() {
		d.Features = append(d.Features, l.featureShown(a, ev.GetLanguageCode()))
	}
	now := h.now()
	for _, ss := range sessions.GetSessions() {
		row := sessionRow{
			Date: l.Date(ss.GetStartTime().AsTime(), ss.GetTimeZone()),
			Time: l.T("format.range", l.Time(ss.GetStartTime().AsTime(), ss.GetTimeZone()),
				l.Time(ss.GetEndTime().AsTime(), ss.GetTimeZone())),
			SeatsLeft:   ss.GetSeatsLeft(),
			Waiting:     ss.GetWaitlistCount(),
			Cancelled:   ss.GetState() == eventv1.SessionState_SESSION_STATE_CANCELLED,
			RegisterURL: "/" + ss.GetName() + "/register",
		}
		row.Open = !row.Cancelled && !d.Cancelled && ev.GetState() == eventv1.EventState_EVENT_STATE_PUBLISHED &&
			now.Before(ss.GetStartTime().AsTime())
		d.Sessions = append(d.Sessions, row)
	}
	p.Data = d
	h.render(w, http.StatusOK, p)
}

func costText(l *localizer, c *eventv1.Cost) string {
	if c == nil || c.GetFree() || c.GetAmountMinor() == 0 {
		return l.T("event.free")
	}
	return l.T("event.price", float64(c.GetAmountMinor())/100)
}

func formatAddress(a *directoryv1.Address) string {
	if a == nil {
		return ""
	}
	return strings.Join(nonEmpty(a.GetAddress_1(), a.GetAddress_2(), a.GetCity(), a.GetRegion(), a.GetPostalCode()), ", ")
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// eventCalendar serves every session of a public event as an .ics file.
func (h *Handler) eventCalendar(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("event")
	if _, err := h.publicEvent(r, id); err != nil {
		h.failCall(w, r, err)
		return
	}
	// In the page's language, where the event has it.
	ctx := metadata.AppendToOutgoingContext(h.callContext(r), language.AcceptLanguage, h.pageLanguage(r))
	body, err := h.events.GetEventCalendar(ctx, &eventv1.GetEventCalendarRequest{Name: "events/" + id})
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	w.Header().Set("Content-Type", body.GetContentType())
	w.Header().Set("Content-Disposition", `attachment; filename="`+url.PathEscape(id)+`.ics"`)
	_, _ = w.Write(body.GetData())
}
