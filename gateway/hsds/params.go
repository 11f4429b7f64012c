package hsds

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/socialrx/socialrx/gateway/hsds/document"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
)

// Limits of the HSDS list endpoints.
const (
	// DefaultPerPage is the page size when per_page is not given.
	DefaultPerPage = 50
	// MaxPerPage is the largest page; a larger per_page is cut down to it, as in AIP-158.
	MaxPerPage = 1000
	// MaxProximityMeters is the largest search radius the directory accepts.
	MaxProximityMeters = 1_000_000
	// maxSearchLen is the longest free-text query the directory accepts.
	maxSearchLen = 200
)

// ListParams are the HSDS query parameters of the list endpoints. Each endpoint uses those
// that apply to it.
type ListParams struct {
	// Page is the 1-based page number.
	Page int
	// PerPage is the page size, 1 to MaxPerPage.
	PerPage int
	// Search is free text.
	Search string
	// TaxonomyTermID restricts services to those with this term.
	TaxonomyTermID string
	// TaxonomyID restricts taxonomy terms to this taxonomy.
	TaxonomyID string
	// OrganizationID restricts services to those of this organization.
	OrganizationID string
	// ParentID restricts taxonomy terms to children of this term.
	ParentID string
	// TopOnly restricts taxonomy terms to those without a parent.
	TopOnly bool
	// FullService asks for fully nested services inside an organization.
	FullService bool
	// ModifiedAfter, when not zero, restricts results to those changed at or after it.
	ModifiedAfter time.Time
	// Near, when set, restricts services to those with a location within the circle.
	Near *directoryv1.GeoCircle
}

// Skip is the number of results before the page.
func (p ListParams) Skip() int { return (p.Page - 1) * p.PerPage }

// ParseListParams reads the HSDS query parameters. An error is an INVALID_ARGUMENT status naming
// the parameter.
func ParseListParams(q url.Values) (ListParams, error) {
	var p ListParams
	if err := refuseUnknown(q, listParams...); err != nil {
		return p, err
	}
	var err error
	if p.Page, err = ParsePage(q.Get("page")); err != nil {
		return p, err
	}
	if p.PerPage, err = ParsePerPage(q.Get("per_page")); err != nil {
		return p, err
	}
	// skip travels as an int32.
	if int64(p.Page-1)*int64(p.PerPage) > math.MaxInt32 {
		return p, apierror.Field("page", "too large for per_page")
	}
	p.Search = strings.TrimSpace(q.Get("search"))
	if len(p.Search) > maxSearchLen {
		return p, apierror.Field("search", fmt.Sprintf("must be at most %d bytes", maxSearchLen))
	}
	for _, f := range []struct {
		param string
		dst   *string
	}{
		{"taxonomy_term_id", &p.TaxonomyTermID},
		{"organization_id", &p.OrganizationID},
		{"parent_id", &p.ParentID},
	} {
		v := q.Get(f.param)
		if v != "" && !document.ValidID(v) {
			return p, apierror.Field(f.param, "must be an id of letters, digits, '.', '_' or '-', at most 63 characters")
		}
		*f.dst = v
	}
	p.TaxonomyID = q.Get("taxonomy_id")
	if p.TopOnly, err = parseBool("top_only", q.Get("top_only")); err != nil {
		return p, err
	}
	if p.FullService, err = parseBool("full_service", q.Get("full_service")); err != nil {
		return p, err
	}
	if p.ModifiedAfter, err = ParseModifiedAfter(q.Get("modified_after")); err != nil {
		return p, err
	}
	if q.Get("postcode") != "" {
		// A postcode needs a geocoder or service-area polygons, which the directory has neither of.
		return p, apierror.Field("postcode", "not supported; give latitude and longitude with proximity instead")
	}
	if f := q.Get("format"); f != "" && f != "json" {
		return p, apierror.Field("format", "only json is supported")
	}
	if p.Near, err = ParseProximity(q.Get("proximity"), q.Get("latitude"), q.Get("longitude")); err != nil {
		return p, err
	}
	return p, nil
}

// listParams are the query parameters ParseListParams reads.
var listParams = []string{"page", "per_page", "search", "taxonomy_term_id", "organization_id", "parent_id",
	"taxonomy_id", "top_only", "full_service", "modified_after", "postcode", "format", "proximity", "latitude", "longitude"}

// refuseUnknown refuses a query parameter that is not one of allowed: a misspelt filter would
// otherwise silently widen the results.
func refuseUnknown(q url.Values, allowed ...string) error {
	var unknown []string
	for k := range q {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return apierror.Field(strings.ToValidUTF8(unknown[0], "\uFFFD"), "unknown query parameter")
}

// ParsePage reads `page`: a whole number from 1; 1 when empty.
func ParsePage(s string) (int, error) {
	if s == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, apierror.Field("page", "must be a whole number from 1")
	}
	return n, nil
}

// ParsePerPage reads `per_page`: a whole number from 1; DefaultPerPage when empty. Above
// MaxPerPage it is cut down to it, as the API's page_size is; a number the API's page_size
// (32 bits) cannot hold is refused, as the API refuses it.
func ParsePerPage(s string) (int, error) {
	if s == "" {
		return DefaultPerPage, nil
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 1 {
		return 0, apierror.Field("per_page", "must be a whole number from 1 to 2147483647")
	}
	return min(int(n), MaxPerPage), nil
}

// ParseModifiedAfter reads `modified_after`: an RFC 3339 date-time, or a date meaning its start in
// UTC. The zero time means not given.
func ParseModifiedAfter(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, apierror.Field("modified_after", `must be an RFC 3339 date-time such as "2024-01-31T09:00:00Z"`)
}

// ParseProximity reads `proximity`, which HSDS defines as a distance in metres (a string holding a
// number). HSDS measures it from the centroid of `postcode`; the directory cannot geocode
// postcodes, so the centre is given by the `latitude` and `longitude` parameters (WGS84 degrees)
// instead. All three are needed together; nil when none is given.
func ParseProximity(proximity, latitude, longitude string) (*directoryv1.GeoCircle, error) {
	if proximity == "" && latitude == "" && longitude == "" {
		return nil, nil
	}
	if proximity == "" {
		return nil, apierror.Field("proximity", "required with latitude and longitude: a distance in metres")
	}
	radius, err := strconv.ParseFloat(proximity, 64)
	if err != nil || math.IsNaN(radius) || radius <= 0 || radius > MaxProximityMeters {
		return nil, apierror.Field("proximity", fmt.Sprintf("must be a distance in metres, more than 0 and at most %d", MaxProximityMeters))
	}
	lat, err := parseDegrees("latitude", latitude, 90)
	if err != nil {
		return nil, err
	}
	lng, err := parseDegrees("longitude", longitude, 180)
	if err != nil {
		return nil, err
	}
	return &directoryv1.GeoCircle{Latitude: lat, Longitude: lng, RadiusMeters: radius}, nil
}

func parseDegrees(param, s string, limit float64) (float64, error) {
	if s == "" {
		return 0, apierror.Field(param, "required with proximity: the centre of the search in WGS84 degrees (postcode is not supported)")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < -limit || v > limit {
		return 0, apierror.Field(param, fmt.Sprintf("must be a number of degrees from %g to %g", -limit, limit))
	}
	return v, nil
}

func parseBool(param, s string) (bool, error) {
	if s == "" {
		return false, nil
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return false, apierror.Field(param, "must be true or false")
	}
	return v, nil
}

// updateTimeFilter is the AIP-160 filter for modified_after, or "" for the zero time. HSDS
// asks for results "modified on or after" the time, hence >=.
func updateTimeFilter(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("update_time >= %q", t.UTC().Format(time.RFC3339Nano))
}
