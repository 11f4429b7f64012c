package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/language"
)

// timeZones are the zones a host can hold sessions in: Canada's.
var timeZones = []string{"America/Toronto", "America/Winnipeg", "America/Regina", "America/Edmonton",
	"America/Vancouver", "America/Halifax", "America/St_Johns"}

// eventForm is the host's "register your event" form.
type eventForm struct {
	Title, Description, Category string
	TitleFr, DescriptionFr       string // optional; the event's French text
	Location                     string // a directory location of the host, or "" for an address
	Address, City, PostalCode    string
	Latitude, Longitude          string
	Languages, Features          []string
	TimeZone                     string
	Sessions                     [2]sessionForm
	RequestID                    string
	Etag                         string // of the version being edited
}

type sessionForm struct{ Date, Start, End, Capacity string }

type eventFormData struct {
	Form       eventForm
	Action     string
	Editing    bool
	Categories []string
	Locations  []*directoryv1.Location
	Languages  []string
	Features   []string
	TimeZones  []string
}

var eventFields = fieldMap{
	"event.title":                       "title",
	"event.description":                 "description",
	"event.translations":                "title_fr",
	"event.translations[0].title":       "title_fr",
	"event.translations[0].description": "description_fr",
	"event.category":                    "category",
	"event.venue":                       "location",
	"event.venue.location":              "location",
	"event.venue.address":               "address",
	"event.venue.address.address_1":     "address",
	"event.venue.address.city":          "city",
	"event.venue.address.postal_code":   "postal_code",
	"event.venue.address.latitude":      "latitude",
	"event.venue.address.longitude":     "longitude",
	"event.languages":                   "languages",
	"event.accessibility_features":      "a11y",
	"event":                             "location", // event.where: a venue or an online link
}

func sessionFields(i int) fieldMap {
	p := fmt.Sprintf("s%d_", i+1)
	return fieldMap{"session.start_time": p + "start", "session.end_time": p + "end", "session": p + "end",
		"session.capacity": p + "capacity", "session.time_zone": "time_zone"}
}

func (h *Handler) hostLocations(r *http.Request, org string) ([]*directoryv1.Location, error) {
	resp, err := h.directory.ListLocations(h.callContext(r), &directoryv1.ListLocationsRequest{PageSize: 200,
		Filter: fmt.Sprintf("organization = %q", org)})
	if err != nil {
		return nil, err
	}
	var out []*directoryv1.Location
	for _, l := range resp.GetLocations() {
		if l.GetLocationType() != directoryv1.LocationType_LOCATION_TYPE_VIRTUAL {
			out = append(out, l)
		}
	}
	return out, nil
}

func (h *Handler) showEventForm(w http.ResponseWriter, r *http.Request, p *page, person Person, f eventForm, code int) {
	locs, err := h.hostLocations(r, person.Organization)
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	d := &eventFormData{Form: f, Action: "/host/events/new", Categories: append(categoryNames(), "OTHER"), Locations: locs,
		Languages: filterLanguages, Features: commonFeatures, TimeZones: timeZones}
	p.Title = p.T("host.new.title")
	if f.Etag != "" {
		d.Editing, d.Action = true, r.URL.Path
		p.Title = p.T("host.edit.title")
	}
	p.Data = d
	h.render(w, code, p)
}

func (h *Handler) hostNewEvent(w http.ResponseWriter, r *http.Request) {
	person, ok := h.requireRole(w, r, auth.RoleEventHost)
	if !ok {
		return
	}
	p := h.newPage(w, r, "hostevent", "host")
	f := eventForm{TimeZone: timeZones[0], RequestID: newRequestID()}
	if _, typed := h.resumed(r); typed != nil {
		f, p.Resumed = eventFormFrom(typed), true
	}
	h.showEventForm(w, r, p, person, f, http.StatusOK)
}

func parseEventForm(r *http.Request) eventForm { return eventFormFrom(r.PostForm) }

// eventFormFrom reads the event form from its posted values.
func eventFormFrom(form url.Values) eventForm {
	v := func(k string) string { return strings.TrimSpace(form.Get(k)) }
	f := eventForm{Title: v("title"), Description: v("description"), TitleFr: v("title_fr"), DescriptionFr: v("description_fr"),
		Category: v("category"), Location: v("location"),
		Address: v("address"), City: v("city"), PostalCode: v("postal_code"), Latitude: v("latitude"), Longitude: v("longitude"),
		Languages: form["languages"], Features: form["a11y"], TimeZone: v("time_zone"), RequestID: v("request_id"),
		Etag: v("etag")}
	for i := range f.Sessions {
		pre := fmt.Sprintf("s%d_", i+1)
		f.Sessions[i] = sessionForm{Date: v(pre + "date"), Start: v(pre + "start"), End: v(pre + "end"), Capacity: v(pre + "capacity")}
	}
	if !strings.HasPrefix(f.RequestID, "web-") || len(f.RequestID) > 60 {
		f.RequestID = newRequestID()
	}
	return f
}

// sessionTimes reads a session's date and times in zone; errors go under the form's fields.
func (h *Handler) sessionTimes(l *localizer, i int, s sessionForm, zone *time.Location, errs formErrors) (start, end time.Time, capacity int32, ok bool) {
	pre := fmt.Sprintf("s%d_", i+1)
	day, err := time.ParseInLocation(time.DateOnly, s.Date, zone)
	if err != nil {
		errs[pre+"date"] = h.fieldMessage(l, "session_date")
		return
	}
	clock := func(field, v string) time.Time {
		c, err := time.Parse("15:04", v)
		if err != nil {
			errs[pre+field] = h.fieldMessage(l, "session_time")
			return time.Time{}
		}
		return time.Date(day.Year(), day.Month(), day.Day(), c.Hour(), c.Minute(), 0, 0, zone)
	}
	start, end = clock("start", s.Start), clock("end", s.End)
	if _, bad := errs[pre+"start"]; !bad && !start.After(h.now()) {
		// The event service's rule: a new session starts in the future.
		errs[pre+"start"] = l.T("error.field.session_start.past")
	}
	n, err := strconv.Atoi(s.Capacity)
	if err != nil || n < 1 || n > 10000 {
		errs[pre+"capacity"] = h.fieldMessage(l, "session_capacity")
	}
	if _, bad := errs[pre+"start"]; !bad && !end.IsZero() && !end.After(start) {
		errs[pre+"end"] = h.fieldMessage(l, "session_end")
	}
	return start, end, int32(n), len(errs) == 0
}

func (h *Handler) hostCreateEvent(w http.ResponseWriter, r *http.Request) {
	person, ok := h.requireRole(w, r, auth.RoleEventHost)
	if !ok {
		return
	}
	f := parseEventForm(r)
	p := h.newPage(w, r, "hostevent", "host")
	l := p.localizer
	errs := formErrors{}
	zone, err := time.LoadLocation(f.TimeZone)
	if err != nil || !slices.Contains(timeZones, f.TimeZone) {
		errs["time_zone"] = h.fieldMessage(l, "time_zone")
		zone = h.zone
	}
	type times struct {
		start, end time.Time
		capacity   int32
	}
	var sessions []times
	for i, s := range f.Sessions {
		if i > 0 && s == (sessionForm{}) {
			continue // the second session is optional
		}
		if start, end, c, ok := h.sessionTimes(l, i, s, zone, errs); ok {
			sessions = append(sessions, times{start, end, c})
		}
	}
	ev := h.eventFromForm(l, f, person, errs)
	if len(errs) > 0 {
		p.Errors = errs
		h.showEventForm(w, r, p, person, f, http.StatusUnprocessableEntity)
		return
	}
	ctx := h.callContext(r)
	// Every session was checked above against the event service's rules, so that a refusal
	// comes before anything is stored. The request id makes a repeated form (a double click)
	// find the event it created the first time instead of making another.
	created, err := h.events.CreateEvent(ctx, &eventv1.CreateEventRequest{Event: ev, RequestId: f.RequestID})
	if h.unauthenticated(w, r, err) {
		return
	}
	if err != nil {
		var code int
		p.Errors, code = h.explain(l, err, eventFields)
		h.showEventForm(w, r, p, person, f, code)
		return
	}
	for i, s := range sessions {
		_, err := h.events.CreateSession(ctx, &eventv1.CreateSessionRequest{Parent: created.GetName(),
			RequestId: fmt.Sprintf("%s-s%d", f.RequestID, i+1),
			Session: &eventv1.Session{StartTime: timestamppb.New(s.start), EndTime: timestamppb.New(s.end),
				TimeZone: f.TimeZone, Capacity: s.capacity}})
		if err == nil {
			continue
		}
		// Refused all the same (a rule the page does not know, or the clock moved on): take
		// back the draft just created, so that the refusal leaves nothing behind, and send
		// the form again as a new request.
		if _, derr := h.events.DeleteEvent(ctx, &eventv1.DeleteEventRequest{Name: created.GetName()}); derr != nil {
			h.logger.Error("web: delete the draft of a refused event", "event", created.GetName(), "code", status.Code(derr).String())
		}
		f.RequestID = newRequestID()
		if h.unauthenticated(w, r, err) {
			return
		}
		var code int
		p.Errors, code = h.explain(l, err, sessionFields(i))
		h.showEventForm(w, r, p, person, f, code)
		return
	}
	if r.PostFormValue("action") == "submit" {
		if _, err := h.events.SubmitEvent(ctx, &eventv1.SubmitEventRequest{Name: created.GetName()}); err != nil {
			h.failCall(w, r, err)
			return
		}
	}
	h.confirm(w, r, "flash.saved", created.GetTitle())
	http.Redirect(w, r, "/host/"+created.GetName(), http.StatusSeeOther)
}

// eventFromForm builds the event the form describes; what cannot be read goes into errs.
func (h *Handler) eventFromForm(l *localizer, f eventForm, person Person, errs formErrors) *eventv1.Event {
	ev := &eventv1.Event{Title: f.Title, Description: f.Description, LanguageCode: "en", HostOrganization: person.Organization,
		Languages: f.Languages, AccessibilityFeatures: f.Features, Cost: &eventv1.Cost{Free: true}}
	if f.TitleFr != "" || f.DescriptionFr != "" {
		if f.TitleFr == "" {
			errs["title_fr"] = h.fieldMessage(l, "title_fr")
		}
		ev.Translations = []*eventv1.EventText{{LanguageCode: "fr", Title: f.TitleFr, Description: f.DescriptionFr}}
	}
	if strings.HasPrefix(person.Subject, "practitioners/") {
		ev.ContactPractitioner = person.Subject // the host is the event's contact
	}
	if c, ok := eventv1.EventCategory_value["EVENT_CATEGORY_"+f.Category]; ok && c != 0 {
		ev.Category = eventv1.EventCategory(c)
	} else {
		errs["category"] = h.fieldMessage(l, "category")
	}
	if f.Location != "" {
		ev.Venue = &eventv1.Venue{Place: &eventv1.Venue_Location{Location: f.Location}}
	} else {
		lat, err1 := strconv.ParseFloat(strings.ReplaceAll(f.Latitude, ",", "."), 64)
		lon, err2 := strconv.ParseFloat(strings.ReplaceAll(f.Longitude, ",", "."), 64)
		if err1 != nil {
			errs["latitude"] = h.fieldMessage(l, "lat")
		}
		if err2 != nil {
			errs["longitude"] = h.fieldMessage(l, "lon")
		}
		ev.Venue = &eventv1.Venue{Place: &eventv1.Venue_Address{Address: &eventv1.PlaceAddress{
			Address_1: f.Address, City: f.City, Region: "ON", PostalCode: f.PostalCode, Latitude: lat, Longitude: lon}}}
	}
	return ev
}

// formOf is the edit form of an event as stored.
func formOf(ev *eventv1.Event) eventForm {
	texts := eventTexts(ev)
	en, _ := textIn(texts, "en")
	fr, _ := textIn(texts, "fr")
	f := eventForm{Title: en.Title, Description: en.Description, TitleFr: fr.Title, DescriptionFr: fr.Description,
		Category:  strings.TrimPrefix(ev.GetCategory().String(), "EVENT_CATEGORY_"),
		Languages: ev.GetLanguages(), Features: ev.GetAccessibilityFeatures(), Etag: ev.GetEtag(), RequestID: newRequestID()}
	if v := ev.GetVenue(); v != nil {
		f.Location = v.GetLocation()
		if a := v.GetAddress(); a != nil {
			f.Address, f.City, f.PostalCode = a.GetAddress_1(), a.GetCity(), a.GetPostalCode()
			f.Latitude = strconv.FormatFloat(a.GetLatitude(), 'f', -1, 64)
			f.Longitude = strconv.FormatFloat(a.GetLongitude(), 'f', -1, 64)
		}
	}
	return f
}

func (h *Handler) hostEditForm(w http.ResponseWriter, r *http.Request) {
	person, ev, ok := h.signedInHostsEvent(w, r)
	if !ok {
		return
	}
	p := h.newPage(w, r, "hostevent", "host")
	f := formOf(ev)
	if _, typed := h.resumed(r); typed != nil {
		f, p.Resumed = eventFormFrom(typed), true
	}
	h.showEventForm(w, r, p, person, f, http.StatusOK)
}

// editMask is what the edit form changes.
var editMask = []string{"title", "description", "language_code", "translations", "category", "venue", "languages", "accessibility_features"}

func (h *Handler) hostEdit(w http.ResponseWriter, r *http.Request) {
	person, ev, ok := h.signedInHostsEvent(w, r)
	if !ok {
		return
	}
	f := parseEventForm(r)
	if f.Etag == "" {
		f.Etag = ev.GetEtag()
	}
	p := h.newPage(w, r, "hostevent", "host")
	errs := formErrors{}
	next := h.eventFromForm(p.localizer, f, person, errs)
	if len(errs) > 0 {
		p.Errors = errs
		h.showEventForm(w, r, p, person, f, http.StatusUnprocessableEntity)
		return
	}
	next.Name, next.Etag = ev.GetName(), f.Etag
	// The form holds the English and French texts; those in other languages stay as they are.
	for _, t := range eventTexts(ev) {
		if language.Closest([]string{"en", "fr"}, []string{t.Lang}) < 0 {
			next.Translations = append(next.Translations, &eventv1.EventText{LanguageCode: t.Lang, Title: t.Title, Description: t.Description})
		}
	}
	_, err := h.events.UpdateEvent(h.callContext(r), &eventv1.UpdateEventRequest{Event: next,
		UpdateMask: &fieldmaskpb.FieldMask{Paths: editMask}})
	if h.unauthenticated(w, r, err) {
		return
	}
	if err != nil {
		var code int
		p.Errors, code = h.explain(p.localizer, err, eventFields)
		if code == http.StatusConflict {
			// Someone changed the event meanwhile: show their version, to change again.
			if fresh, err := h.events.GetEvent(h.callContext(r), &eventv1.GetEventRequest{Name: ev.GetName()}); err == nil {
				f = formOf(fresh)
			}
		}
		h.showEventForm(w, r, p, person, f, code)
		return
	}
	h.confirm(w, r, "flash.saved", next.GetTitle())
	http.Redirect(w, r, "/host/"+ev.GetName(), http.StatusSeeOther)
}
