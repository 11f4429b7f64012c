package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
)

type directoryForm struct {
	Query        string
	Term         string
	Language     string
	Organization string
	Near         nearForm
	Page         string
}

func parseDirectory(v url.Values) directoryForm {
	return directoryForm{Query: strings.TrimSpace(v.Get("q")), Term: v.Get("term"), Language: v.Get("lang"),
		Organization: v.Get("org"), Near: parseNear(v), Page: v.Get("page")}
}

func (f directoryForm) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"q": f.Query, "term": f.Term, "lang": f.Language, "org": f.Organization} {
		if s != "" {
			v.Set(k, s)
		}
	}
	f.Near.values(v)
	return v
}

var directoryFields = fieldMap{
	"query":              "q",
	"taxonomy_terms":     "term",
	"language":           "lang",
	"organization":       "centre",
	"near.latitude":      "lat",
	"near.longitude":     "lon",
	"near.radius_meters": "radius",
}

type serviceRow struct {
	URL         string
	Name        shown
	By          shown
	Description shown
	Distance    string
	Status      string
}

type directoryData struct {
	Form         directoryForm
	Centres      []centre
	Terms        []*directoryv1.TaxonomyTerm
	Languages    []string
	Radii        []int
	Rows         []serviceRow
	Total        int32
	More         string
	Searched     bool
	ListingError string
}

func (h *Handler) directorySearch(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(w, r, "directory", "directory")
	p.Title = p.T("directory.title")
	p.Script = true
	ctx := h.callContext(r)
	facts, ok := h.names(ctx, w, r)
	if !ok {
		return
	}
	f := parseDirectory(r.URL.Query())
	d := &directoryData{Form: f, Centres: facts.localCentres(p.localizer), Terms: facts.terms, Languages: filterLanguages, Radii: radiusChoices}
	p.Data = d
	errs := formErrors{}
	req := &directoryv1.SearchServicesRequest{Query: f.Query, Language: f.Language, Organization: f.Organization, LanguageCode: p.Lang(),
		PageSize: 20, PageToken: f.Page}
	if f.Term != "" {
		req.TaxonomyTerms = []string{f.Term}
	}
	if lat, lon, radius, ok := f.Near.point(facts, errs, p.localizer, h); ok {
		req.Near = &directoryv1.GeoCircle{Latitude: lat, Longitude: lon, RadiusMeters: radius}
	}
	if len(errs) > 0 {
		p.Errors = errs
		h.render(w, http.StatusUnprocessableEntity, p)
		return
	}
	resp, err := h.directory.SearchServices(ctx, req)
	if err != nil {
		var code int
		p.Errors, code = h.explain(p.localizer, err, directoryFields)
		if code >= 500 {
			d.ListingError, p.Errors = p.Errors.Form(), nil
		}
		h.render(w, code, p)
		return
	}
	d.Searched = true
	d.Total = resp.GetTotalSize()
	for _, m := range resp.GetResults() {
		s := m.GetService()
		row := serviceRow{
			URL:         "/directory/" + s.GetName(),
			Name:        p.shown(s.GetDisplayName(), s.GetLanguageCode()),
			By:          facts.organizationName(p.localizer, s.GetOrganization()),
			Description: p.shown(excerpt(s.GetDescription(), 220), s.GetLanguageCode()),
			Status:      statusText(p.localizer, s.GetStatus()),
		}
		if m.DistanceMeters != nil {
			row.Distance = p.T("listing.away", p.Distance(m.GetDistanceMeters()))
		}
		d.Rows = append(d.Rows, row)
	}
	if t := resp.GetNextPageToken(); t != "" {
		more := f.values()
		more.Set("page", t)
		d.More = "/directory?" + more.Encode()
	}
	h.render(w, http.StatusOK, p)
}

func statusText(l *localizer, s directoryv1.ServiceStatus) string {
	switch s {
	case directoryv1.ServiceStatus_SERVICE_STATUS_INACTIVE, directoryv1.ServiceStatus_SERVICE_STATUS_DEFUNCT,
		directoryv1.ServiceStatus_SERVICE_STATUS_TEMPORARILY_CLOSED:
		return l.T("programme.status." + s.String())
	}
	return ""
}

// excerpt cuts s at a word boundary near n characters.
func excerpt(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n])
	if i := strings.LastIndex(cut, " "); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

type locationView struct {
	Name      string
	Address   string
	MapURL    string
	Virtual   bool
	Transport string
	Features  []string
}

type phoneView struct {
	Number      string
	Tel         template.URL // tel: links are not among html/template's safe schemes
	Description string
}

type programmeData struct {
	Service     *directoryv1.Service
	Name        shown
	Description shown
	By          shown
	Own         string // lang attribute of the words that have no translation, when not the page's
	Status      string
	Kinds       []string
	Languages   []string
	Features    []shown
	Phones      []phoneView
	Locations   []locationView
	Cost        string
	CostLang    string // the cost's lang attribute when it is the programme's own words
	Ages        string
	BackURL     string
}

func (h *Handler) programme(w http.ResponseWriter, r *http.Request) {
	ctx := h.callContext(r)
	// In the programme's own language, with its translations: the page picks the text in its
	// language and knows the language of what has no translation.
	s, err := h.directory.GetService(ctx, &directoryv1.GetServiceRequest{Name: "services/" + r.PathValue("service")})
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	facts, ok := h.names(ctx, w, r)
	if !ok {
		return
	}
	p := h.newPage(w, r, "programme", "directory")
	l := p.localizer
	d := &programmeData{Service: s, By: facts.organizationName(l, s.GetOrganization()), Own: l.otherLang(s.GetLanguageCode()),
		Status: statusText(l, s.GetStatus()), BackURL: "/directory"}
	d.Name, d.Description = serviceText(l, s)
	p.Title = d.Name.Text
	for _, t := range s.GetTaxonomyTerms() {
		if n := facts.termName(t); n != "" {
			d.Kinds = append(d.Kinds, n)
		}
	}
	for _, c := range s.GetLanguages() {
		d.Languages = append(d.Languages, l.LanguageName(c))
	}
	for _, a := range s.GetAccessibility() {
		d.Features = append(d.Features, l.featureShown(a, s.GetLanguageCode()))
	}
	for _, ph := range s.GetPhones() {
		d.Phones = append(d.Phones, phoneView{Number: ph.GetNumber(), Tel: telURI(ph.GetNumber()), Description: ph.GetDescription()})
	}
	for _, name := range s.GetLocations() {
		loc, err := h.directory.GetLocation(ctx, &directoryv1.GetLocationRequest{Name: name})
		if err != nil {
			continue // a location deleted since the service named it
		}
		v := locationView{Name: loc.GetDisplayName(), Address: formatAddress(loc.GetAddress()), Transport: loc.GetTransportation(),
			Virtual: loc.GetLocationType() == directoryv1.LocationType_LOCATION_TYPE_VIRTUAL}
		if loc.Latitude != nil && loc.Longitude != nil {
			v.MapURL = fmt.Sprintf("https://www.openstreetmap.org/?mlat=%.5f&mlon=%.5f#map=16/%.5f/%.5f",
				loc.GetLatitude(), loc.GetLongitude(), loc.GetLatitude(), loc.GetLongitude())
		}
		for _, a := range loc.GetAccessibility() {
			v.Features = append(v.Features, l.Feature(a))
		}
		d.Locations = append(d.Locations, v)
	}
	if c := s.GetCost(); c != nil {
		switch {
		case c.GetDescription() != "":
			d.Cost, d.CostLang = c.GetDescription(), d.Own
		case c.GetFree() || c.GetAmountMinor() == 0:
			d.Cost = l.T("event.free")
		default:
			d.Cost = l.T("event.price", float64(c.GetAmountMinor())/100)
		}
	}
	switch minAge, maxAge := s.GetMinimumAge(), s.GetMaximumAge(); {
	case maxAge > 0:
		d.Ages = l.T("programme.ages", minAge, maxAge)
	case minAge > 0:
		d.Ages = l.T("programme.ages.min", minAge)
	}
	p.Data = d
	h.render(w, http.StatusOK, p)
}

// telURI is a tel: link for a phone number as written ("416-555-0100 x 12").
func telURI(number string) template.URL {
	var b strings.Builder
	for _, c := range number {
		if (c >= '0' && c <= '9') || c == '+' {
			b.WriteRune(c)
		}
	}
	return template.URL("tel:" + b.String()) // digits and + only
}
