package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
)

// listingForm is the listing's filter form, as the query string carries it.
type listingForm struct {
	Query      string
	From, To   string // YYYY-MM-DD in the web app's time zone
	Categories []string
	Language   string
	Features   []string
	Seats      bool
	Near       nearForm
	Page       string
}

func parseListing(v url.Values) listingForm {
	return listingForm{
		Query:      strings.TrimSpace(v.Get("q")),
		From:       v.Get("from"),
		To:         v.Get("to"),
		Categories: v["cat"],
		Language:   v.Get("lang"),
		Features:   v["a11y"],
		Seats:      v.Get("seats") == "1",
		Near:       parseNear(v),
		Page:       v.Get("page"),
	}
}

// values is the form as a query string, without the page token.
func (f listingForm) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", f.Query)
	set("from", f.From)
	set("to", f.To)
	v["cat"] = f.Categories
	set("lang", f.Language)
	v["a11y"] = f.Features
	if f.Seats {
		v.Set("seats", "1")
	}
	f.Near.values(v)
	for k, s := range v {
		if len(s) == 0 {
			delete(v, k)
		}
	}
	return v
}

// listingFields maps SearchEventsRequest fields to the form's fields.
var listingFields = fieldMap{
	"query":                  "q",
	"start_after":            "from",
	"start_before":           "to",
	"categories":             "cat",
	"language":               "lang",
	"accessibility_features": "a11y",
	"near.latitude":          "lat",
	"near.longitude":         "lon",
	"near.radius_meters":     "radius",
	"":                       "to", // search.range: start_before must be after start_after
}

// request builds the search from the form; what cannot be read is reported in errs.
func (h *Handler) searchRequest(f listingForm, facts *directoryFacts, l *localizer, errs formErrors) *eventv1.SearchEventsRequest {
	req := &eventv1.SearchEventsRequest{Query: f.Query, Language: f.Language, AccessibilityFeatures: f.Features,
		HasSeats: f.Seats, PageSize: 20, PageToken: f.Page}
	if f.From != "" {
		if d, err := time.ParseInLocation(time.DateOnly, f.From, h.zone); err == nil {
			req.StartAfter = timestamppb.New(d)
		} else {
			errs["from"] = h.fieldMessage(l, "from")
		}
	}
	if f.To != "" {
		if d, err := time.ParseInLocation(time.DateOnly, f.To, h.zone); err == nil {
			req.StartBefore = timestamppb.New(d.AddDate(0, 0, 1)) // through the end of that day
		} else {
			errs["to"] = h.fieldMessage(l, "to")
		}
	}
	for _, c := range f.Categories {
		v, ok := eventv1.EventCategory_value["EVENT_CATEGORY_"+c]
		if !ok || v == 0 {
			errs["cat"] = h.fieldMessage(l, "cat")
			continue
		}
		req.Categories = append(req.Categories, eventv1.EventCategory(v))
	}
	if lat, lon, radius, ok := f.Near.point(facts, errs, l, h); ok {
		req.Near = &eventv1.GeoCircle{Latitude: lat, Longitude: lon, RadiusMeters: radius}
		req.OrderBy = eventv1.ListingOrder_LISTING_ORDER_DISTANCE
	}
	return req
}

// listingRow is one session on the listing.
type listingRow struct {
	EventURL    string
	RegisterURL string
	Title       shown
	Category    string
	Date        string
	Time        string
	Venue       string
	VenueLang   string // lang attribute of the venue's name, when not the page's language
	Distance    string
	SeatsLeft   int32
	Waiting     int32
	Languages   []string
	Features    []shown
}

type listingData struct {
	Form         listingForm
	Centres      []centre
	Categories   []string
	Languages    []string
	Features     []string
	Radii        []int
	Rows         []listingRow
	Total        int32
	More         string
	Subscribe    string
	Searched     bool
	ByDistance   bool
	MoreOpen     bool // a filter under "more filters" is set
	ListingError string
}

func categoryNames() []string {
	var out []string
	for i := int32(1); i <= 10; i++ {
		out = append(out, strings.TrimPrefix(eventv1.EventCategory(i).String(), "EVENT_CATEGORY_"))
	}
	return out
}

func (h *Handler) listing(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(w, r, "listing", "events")
	p.Title = p.T("listing.title")
	p.Script = true
	f := parseListing(r.URL.Query())
	data := &listingData{Form: f, Categories: categoryNames(), Languages: filterLanguages,
		Features: commonFeatures, Radii: radiusChoices}
	data.MoreOpen = f.Query != "" || f.From != "" || f.To != "" || f.Language != "" || f.Seats ||
		len(f.Categories) > 0 || len(f.Features) > 0
	p.Data = data
	ctx := h.callContext(r)
	facts, ok := h.names(ctx, w, r)
	if !ok {
		return
	}
	data.Centres = facts.localCentres(p.localizer)
	errs := formErrors{}
	req := h.searchRequest(f, facts, p.localizer, errs)
	code := http.StatusOK
	if len(errs) > 0 {
		p.Errors = errs
		data.MoreOpen = true
		h.render(w, http.StatusUnprocessableEntity, p)
		return
	}
	resp, err := h.events.SearchEvents(ctx, req)
	if err != nil {
		p.Errors, code = h.explain(p.localizer, err, listingFields)
		data.MoreOpen = true
		if code >= 500 || code == http.StatusNotFound {
			data.ListingError = p.Errors.Form()
			p.Errors = nil
		}
		h.render(w, code, p)
		return
	}
	data.Searched = true
	data.ByDistance = req.GetNear() != nil
	data.Total = resp.GetTotalSize()
	for _, res := range resp.GetResults() {
		data.Rows = append(data.Rows, h.row(p.localizer, res, facts))
	}
	q := f.values()
	if t := resp.GetNextPageToken(); t != "" {
		more := f.values()
		more.Set("page", t)
		data.More = "/?" + more.Encode()
	}
	data.Subscribe = absolute(r, "/events.ics", q)
	h.render(w, code, p)
}

func (h *Handler) row(l *localizer, res *eventv1.EventListing, facts *directoryFacts) listingRow {
	ev, ss := res.GetEvent(), res.GetSession()
	id := strings.TrimPrefix(ev.GetName(), "events/")
	row := listingRow{
		EventURL:    "/events/" + id,
		RegisterURL: "/" + ss.GetName() + "/register",
		Title:       eventTitle(l, ev),
		Category:    l.Category(ev.GetCategory().String()),
		Date:        l.Date(ss.GetStartTime().AsTime(), ss.GetTimeZone()),
		Time: l.T("format.range", l.Time(ss.GetStartTime().AsTime(), ss.GetTimeZone()),
			l.Time(ss.GetEndTime().AsTime(), ss.GetTimeZone())),
		Venue:     venueName(ev, l),
		VenueLang: l.otherLang(ev.GetLanguageCode()),
		SeatsLeft: ss.GetSeatsLeft(),
		Waiting:   ss.GetWaitlistCount(),
	}
	if res.DistanceMeters != nil {
		row.Distance = l.T("listing.away", l.Distance(res.GetDistanceMeters()))
	}
	for _, code := range ev.GetLanguages() {
		row.Languages = append(row.Languages, l.LanguageName(code))
	}
	for _, a := range ev.GetAccessibilityFeatures() {
		row.Features = append(row.Features, l.featureShown(a, ev.GetLanguageCode()))
	}
	return row
}

func venueName(ev *eventv1.Event, l *localizer) string {
	if v := ev.GetVenue(); v != nil {
		if v.GetDisplayName() != "" {
			return v.GetDisplayName()
		}
		if a := v.GetAddress(); a != nil {
			return a.GetAddress_1() + ", " + a.GetCity()
		}
	}
	return l.T("event.online")
}

// absolute is the full address of path on this site, for links copied into other apps.
func absolute(r *http.Request, path string, q url.Values) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: path, RawQuery: q.Encode()}
	return u.String()
}

// listingCalendar serves the listing's filters as an iCalendar feed to subscribe to.
func (h *Handler) listingCalendar(w http.ResponseWriter, r *http.Request) {
	ctx := h.callContext(r)
	facts, ok := h.names(ctx, w, r)
	if !ok {
		return
	}
	l := h.i18n.localizer(h.i18n.choose(r))
	errs := formErrors{}
	f := parseListing(r.URL.Query())
	f.Page = ""
	req := h.searchRequest(f, facts, l, errs)
	if len(errs) > 0 {
		h.fail(w, r, http.StatusBadRequest, "error.summary")
		return
	}
	req.PageSize = 0
	req.LanguageCode = l.Lang() // the feed in the page's language, where events have it
	body, err := h.events.SearchEventsCalendar(ctx, req)
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	w.Header().Set("Content-Type", body.GetContentType())
	w.Header().Set("Content-Disposition", `inline; filename="human-connection-events.ics"`)
	_, _ = w.Write(body.GetData())
}
