package fhir

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	c4 "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	d4 "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	hspb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/healthcare_service_go_proto"
	locpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/location_go_proto"
	orgpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/organization_go_proto"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
)

// Code systems of the directory's own terms.
const (
	systemLocationType = socialrxBase + "CodeSystem/location-type"
	systemTaxonomy     = socialrxBase + "CodeSystem/taxonomy-term"
)

// directoryReaders are the directory's resources the facade reads.
var directoryReaders = map[string]readOne{
	"Organization": readDirectory("organizations/", func(h *Handler, c *call, name string) (proto.Message, string, time.Time, error) {
		o, err := h.directory.GetOrganization(c.ctx, &directoryv1.GetOrganizationRequest{Name: name})
		return organizationOf(o), o.GetEtag(), o.GetUpdateTime().AsTime(), err
	}),
	"Location": readDirectory("locations/", func(h *Handler, c *call, name string) (proto.Message, string, time.Time, error) {
		l, err := h.directory.GetLocation(c.ctx, &directoryv1.GetLocationRequest{Name: name})
		return locationOf(l), l.GetEtag(), l.GetUpdateTime().AsTime(), err
	}),
	"HealthcareService": readDirectory("services/", func(h *Handler, c *call, name string) (proto.Message, string, time.Time, error) {
		s, err := h.directory.GetService(c.ctx, &directoryv1.GetServiceRequest{Name: name})
		return healthcareServiceOf(s), s.GetEtag(), s.GetUpdateTime().AsTime(), err
	}),
}

// readDirectory reads the directory's resource collection/rid with get.
func readDirectory(collection string, get func(*Handler, *call, string) (proto.Message, string, time.Time, error)) readOne {
	return func(c *call, h *Handler, rid string) (proto.Message, string, time.Time, *problem) {
		if !idPattern.MatchString(rid) {
			return nil, "", time.Time{}, notFound("", "no such resource")
		}
		res, version, updated, err := get(h, c, collection+rid)
		if err != nil {
			return nil, "", time.Time{}, fromRPC(err, "", false, nil)
		}
		return res, version, updated, nil
	}
}

func dirMeta(etag string, updated interface{ AsTime() time.Time }) *d4.Meta {
	m := &d4.Meta{}
	if etag != "" {
		m.VersionId = id(etag)
	}
	if t := updated.AsTime(); !t.IsZero() && t.Unix() > 0 {
		m.LastUpdated = &d4.Instant{ValueUs: t.UnixMicro(), Timezone: "Z", Precision: d4.Instant_MILLISECOND}
	}
	return m
}

func organizationOf(o *directoryv1.Organization) *orgpb.Organization {
	out := &orgpb.Organization{
		Id:     id(lastSegment(o.GetName())),
		Meta:   dirMeta(o.GetEtag(), o.GetUpdateTime()),
		Active: &d4.Boolean{Value: true},
		Name:   str(o.GetDisplayName()),
	}
	if a := o.GetAlternateName(); a != "" {
		out.Alias = []*d4.String{str(a)}
	}
	if e := o.GetEmail(); e != "" {
		out.Telecom = append(out.Telecom, &d4.ContactPoint{System: &d4.ContactPoint_SystemCode{Value: c4.ContactPointSystemCode_EMAIL}, Value: str(e)})
	}
	if w := o.GetWebsite(); w != "" {
		out.Telecom = append(out.Telecom, &d4.ContactPoint{System: &d4.ContactPoint_SystemCode{Value: c4.ContactPointSystemCode_URL}, Value: str(w)})
	}
	if p := o.GetParentOrganization(); p != "" {
		out.PartOf = ref("Organization", lastSegment(p))
	}
	return out
}

func locationOf(l *directoryv1.Location) *locpb.Location {
	out := &locpb.Location{
		Id:                   id(lastSegment(l.GetName())),
		Meta:                 dirMeta(l.GetEtag(), l.GetUpdateTime()),
		Status:               &locpb.Location_StatusCode{Value: c4.LocationStatusCode_ACTIVE},
		Mode:                 &locpb.Location_ModeCode{Value: c4.LocationModeCode_INSTANCE},
		Name:                 str(l.GetDisplayName()),
		ManagingOrganization: ref("Organization", lastSegment(l.GetOrganization())),
	}
	if d := l.GetDescription(); d != "" {
		out.Description = str(d)
	}
	if t := l.GetLocationType(); t != directoryv1.LocationType_LOCATION_TYPE_UNSPECIFIED {
		c := enumCode(t.String(), "LOCATION_TYPE_")
		out.Type = []*d4.CodeableConcept{concept(systemLocationType, c, c)}
	}
	if a := l.GetAddress(); a != nil {
		addr := &d4.Address{}
		for _, line := range []string{a.GetAddress_1(), a.GetAddress_2()} {
			if line != "" {
				addr.Line = append(addr.Line, str(line))
			}
		}
		for _, f := range []struct {
			v   string
			dst **d4.String
		}{{a.GetCity(), &addr.City}, {a.GetRegion(), &addr.State}, {a.GetPostalCode(), &addr.PostalCode}, {a.GetCountry(), &addr.Country}} {
			if f.v != "" {
				*f.dst = str(f.v)
			}
		}
		out.Address = addr
	}
	if l.Latitude != nil && l.Longitude != nil {
		out.Position = &locpb.Location_Position{
			Latitude:  &d4.Decimal{Value: strconv.FormatFloat(l.GetLatitude(), 'f', -1, 64)},
			Longitude: &d4.Decimal{Value: strconv.FormatFloat(l.GetLongitude(), 'f', -1, 64)},
		}
	}
	return out
}

func healthcareServiceOf(s *directoryv1.Service) *hspb.HealthcareService {
	out := &hspb.HealthcareService{
		Id:         id(lastSegment(s.GetName())),
		Meta:       dirMeta(s.GetEtag(), s.GetUpdateTime()),
		Active:     &d4.Boolean{Value: s.GetStatus() == directoryv1.ServiceStatus_SERVICE_STATUS_ACTIVE},
		ProvidedBy: ref("Organization", lastSegment(s.GetOrganization())),
		Name:       str(s.GetDisplayName()),
	}
	if d := s.GetDescription(); d != "" {
		out.Comment = str(d)
	}
	for _, t := range s.GetTaxonomyTerms() {
		out.Type = append(out.Type, &d4.CodeableConcept{Coding: []*d4.Coding{coding(systemTaxonomy, lastSegment(t), "")}})
	}
	for _, l := range s.GetLocations() {
		out.Location = append(out.Location, ref("Location", lastSegment(l)))
	}
	for _, lang := range s.GetLanguages() {
		out.Communication = append(out.Communication, &d4.CodeableConcept{Coding: []*d4.Coding{coding("urn:ietf:bcp:47", lang, "")}})
	}
	if e := s.GetEmail(); e != "" {
		out.Telecom = append(out.Telecom, &d4.ContactPoint{System: &d4.ContactPoint_SystemCode{Value: c4.ContactPointSystemCode_EMAIL}, Value: str(e)})
	}
	return out
}

// directorySearch is one directory type's search: its parameters and how it runs.
type directorySearch struct {
	params []string
	run    func(c *call, h *Handler, q url.Values, size int32) ([]proto.Message, string, int, *problem)
}

var directorySearches = map[string]directorySearch{
	"Organization": {params: []string{"name", "_count", pageTokenParam}, run: searchOrganizations},
	"Location":     {params: []string{"name", "type", "near", "organization", "_count", pageTokenParam}, run: searchLocations},
	"HealthcareService": {params: []string{"name", "type", "near", "organization", "_count", pageTokenParam},
		run: searchServices},
}

// searchDirectory serves a search of the directory's resources, answering a searchset.
func (h *Handler) searchDirectory(w http.ResponseWriter, c *call, typ string, d directorySearch) *problem {
	if !scopeGrants(c.id, typ, permSearch) {
		return needScope(typ, permSearch)
	}
	q := c.r.URL.Query()
	for k, vs := range q {
		if !slices.Contains(d.params, k) {
			return unsupported(k, "%s is not a search parameter of %s; this server takes %s", printable(k), typ, strings.Join(d.params, ", "))
		}
		if len(vs) > 1 {
			return unsupported(k, "%s is given more than once; send one value", k)
		}
	}
	size, p := count(q)
	if p != nil {
		return p
	}
	res, next, total, p := d.run(c, h, q, size)
	if p != nil {
		return p
	}
	out := make([]matched, 0, len(res))
	for _, r := range res {
		out = append(out, matched{res: r})
	}
	return h.write(w, c, http.StatusOK, h.searchset(c, typ, q, out, next, total), "", time.Time{})
}

func pageErr(err error) *problem {
	return fromRPC(err, "", false, func(f string) string {
		return map[string]string{"page_token": pageTokenParam, "page_size": "_count", "query": "name"}[f]
	})
}

// nameFilter is a case-sensitive prefix match of display_name, as far as AIP-160 goes.
func nameFilter(q url.Values) []string {
	if n := q.Get("name"); n != "" {
		return []string{fmt.Sprintf("display_name = %q", strings.ReplaceAll(n, "*", "")+"*")}
	}
	return nil
}

func orgFilter(q url.Values) ([]string, *problem) {
	o := q.Get("organization")
	if o == "" {
		return nil, nil
	}
	id, ok := strings.CutPrefix(o, "Organization/")
	if !ok || !idPattern.MatchString(id) {
		return nil, invalid("organization", "organization must be Organization/[id]")
	}
	return []string{fmt.Sprintf("organization = %q", "organizations/"+id)}, nil
}

func searchOrganizations(c *call, h *Handler, q url.Values, size int32) ([]proto.Message, string, int, *problem) {
	resp, err := h.directory.ListOrganizations(c.ctx, &directoryv1.ListOrganizationsRequest{
		Filter: strings.Join(nameFilter(q), " AND "), PageSize: size, PageToken: q.Get(pageTokenParam)})
	if err != nil {
		return nil, "", 0, pageErr(err)
	}
	var out []proto.Message
	for _, o := range resp.GetOrganizations() {
		out = append(out, organizationOf(o))
	}
	return out, resp.GetNextPageToken(), int(resp.GetTotalSize()), nil
}

func searchLocations(c *call, h *Handler, q url.Values, size int32) ([]proto.Message, string, int, *problem) {
	filter := nameFilter(q)
	of, p := orgFilter(q)
	if p != nil {
		return nil, "", 0, p
	}
	filter = append(filter, of...)
	if t := q.Get("type"); t != "" {
		code := strings.TrimPrefix(t, systemLocationType+"|")
		v, ok := directoryv1.LocationType_value["LOCATION_TYPE_"+strings.ToUpper(code)]
		if !ok || v == 0 {
			return nil, "", 0, invalid("type", "%q is not a location type: physical, postal or virtual (%s)", printable(t), systemLocationType)
		}
		filter = append(filter, "location_type = "+strings.ToUpper(code))
	}
	near, p := nearOf(q.Get("near"))
	if p != nil {
		return nil, "", 0, p
	}
	resp, err := h.directory.ListLocations(c.ctx, &directoryv1.ListLocationsRequest{
		Filter: strings.Join(filter, " AND "), PageSize: size, PageToken: q.Get(pageTokenParam)})
	if err != nil {
		return nil, "", 0, pageErr(err)
	}
	total := int(resp.GetTotalSize())
	var out []proto.Message
	for _, l := range resp.GetLocations() {
		if near != nil {
			// The directory lists locations without geography; the page is filtered here.
			total = -1
			if l.Latitude == nil || l.Longitude == nil || distance(near.GetLatitude(), near.GetLongitude(), l.GetLatitude(), l.GetLongitude()) > near.GetRadiusMeters() {
				continue
			}
		}
		out = append(out, locationOf(l))
	}
	return out, resp.GetNextPageToken(), total, nil
}

func searchServices(c *call, h *Handler, q url.Values, size int32) ([]proto.Message, string, int, *problem) {
	req := &directoryv1.SearchServicesRequest{Query: q.Get("name"), PageSize: size, PageToken: q.Get(pageTokenParam)}
	if o := q.Get("organization"); o != "" {
		id, ok := strings.CutPrefix(o, "Organization/")
		if !ok || !idPattern.MatchString(id) {
			return nil, "", 0, invalid("organization", "organization must be Organization/[id]")
		}
		req.Organization = "organizations/" + id
	}
	if t := q.Get("type"); t != "" {
		for code := range strings.SplitSeq(t, ",") {
			code = strings.TrimPrefix(code, systemTaxonomy+"|")
			if !idPattern.MatchString(code) {
				return nil, "", 0, invalid("type", "%q is not a taxonomy term of %s", printable(code), systemTaxonomy)
			}
			req.TaxonomyTerms = append(req.TaxonomyTerms, "taxonomyTerms/"+code)
		}
	}
	near, p := nearOf(q.Get("near"))
	if p != nil {
		return nil, "", 0, p
	}
	req.Near = near
	resp, err := h.directory.SearchServices(c.ctx, req)
	if err != nil {
		return nil, "", 0, fromRPC(err, "", false, func(f string) string {
			return map[string]string{"page_token": pageTokenParam, "page_size": "_count", "query": "name", "taxonomy_terms": "type", "near": "near"}[strings.SplitN(f, "[", 2)[0]]
		})
	}
	var out []proto.Message
	for _, m := range resp.GetResults() {
		out = append(out, healthcareServiceOf(m.GetService()))
	}
	return out, resp.GetNextPageToken(), int(resp.GetTotalSize()), nil
}

// nearOf reads near=[latitude]|[longitude]|[distance]|[units] (units km, the default, or m).
func nearOf(v string) (*directoryv1.GeoCircle, *problem) {
	if v == "" {
		return nil, nil
	}
	parts := strings.Split(v, "|")
	if len(parts) < 3 || len(parts) > 4 {
		return nil, invalid("near", "near is latitude|longitude|distance|units, e.g. 43.66|-79.35|5|km")
	}
	var f [3]float64
	for i := range 3 {
		x, err := strconv.ParseFloat(parts[i], 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, invalid("near", "near is latitude|longitude|distance|units, e.g. 43.66|-79.35|5|km")
		}
		f[i] = x
	}
	if f[0] < -90 || f[0] > 90 || f[1] < -180 || f[1] > 180 || f[2] <= 0 {
		return nil, invalid("near", "latitude must be within ±90, longitude within ±180 and the distance positive")
	}
	meters := f[2] * 1000
	if len(parts) == 4 {
		switch parts[3] {
		case "km", "":
		case "m":
			meters = f[2]
		default:
			return nil, invalid("near", "the units of near are km or m")
		}
	}
	return &directoryv1.GeoCircle{Latitude: f[0], Longitude: f[1], RadiusMeters: meters}, nil
}

// distance is the great-circle distance in meters.
func distance(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371000
	rad := math.Pi / 180
	dlat, dlng := (lat2-lat1)*rad, (lng2-lng1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlng/2)*math.Sin(dlng/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}
