package readmodel

import (
	"slices"
	"sort"

	"github.com/socialrx/socialrx/services/directory/internal/store"
	"github.com/socialrx/socialrx/services/platform/aip/filtering"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
)

// Page is one page of a listing in resource-id order.
type Page[P any] struct {
	Items []P
	// Total is the number of items matching the filter, across all pages.
	Total int
	// More is true when items remain after this page.
	More bool
}

// list pages through t in id order: items after the id `after`, skipping skip, at most limit.
func list[T any, P docstore.Doc[T]](t *table[T, P], match func(P) bool, after string, skip, limit int) Page[P] {
	var page Page[P]
	ids := t.ids()
	start := 0
	if after != "" {
		start = sort.Search(len(ids), func(i int) bool { return ids[i] > after })
	}
	for i, id := range ids {
		d := t.docs[id]
		if !match(d) {
			continue
		}
		page.Total++
		if i < start {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		if len(page.Items) < limit {
			page.Items = append(page.Items, d)
		} else {
			page.More = true
		}
	}
	return page
}

func matcher[P any](f *filtering.Filter, record func(P) filtering.Record) func(P) bool {
	return func(d P) bool { return f.Match(record(d)) }
}

// Organizations lists organisations matching f.
func (ix *Index) Organizations(f *filtering.Filter, after string, skip, limit int) Page[*store.Organization] {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return list(ix.organizations, matcher(f, organizationRecord), after, skip, limit)
}

// Services lists services matching f.
func (ix *Index) Services(f *filtering.Filter, after string, skip, limit int) Page[*store.Service] {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return list(ix.services, matcher(f, serviceRecord), after, skip, limit)
}

// Locations lists locations matching f.
func (ix *Index) Locations(f *filtering.Filter, after string, skip, limit int) Page[*store.Location] {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return list(ix.locations, matcher(f, locationRecord), after, skip, limit)
}

// TaxonomyTerms lists taxonomy terms matching f.
func (ix *Index) TaxonomyTerms(f *filtering.Filter, after string, skip, limit int) Page[*store.TaxonomyTerm] {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return list(ix.terms, matcher(f, taxonomyTermRecord), after, skip, limit)
}

// Practitioners lists practitioners matching f.
func (ix *Index) Practitioners(f *filtering.Filter, after string, skip, limit int) Page[*store.Practitioner] {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return list(ix.practitioners, matcher(f, practitionerRecord), after, skip, limit)
}

// References counts the services, locations, practitioners and child organisations that refer to
// the organisation named org.
func (ix *Index) References(org string) int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	n := 0
	for _, s := range ix.services.docs {
		if s.Organization == org {
			n++
		}
	}
	for _, l := range ix.locations.docs {
		if l.Organization == org {
			n++
		}
	}
	for _, p := range ix.practitioners.docs {
		if p.Organization == org {
			n++
		}
	}
	for _, o := range ix.organizations.docs {
		if o.ParentOrganization == org {
			n++
		}
	}
	return n
}

// Circle is a search area.
type Circle struct {
	Latitude, Longitude, RadiusMeters float64
}

// SearchQuery selects services; zero fields do not restrict.
type SearchQuery struct {
	Words         []string // each must occur, in English or French, in name, alternate name or description
	TaxonomyTerms []string // resource names; all must be present
	Language      string   // BCP-47; "fr" matches "fr" and "fr-CA"
	Organization  string
	Statuses      []string // stored status names
	Near          *Circle
	Filter        *filtering.Filter
}

// Match is one search result.
type Match struct {
	Service         *store.Service
	Distance        float64 // metres; only with Near
	NearestLocation string  // resource name; only with Near
}

// Filter schemas of the List methods (AIP-160).
var (
	OrganizationFilter = filtering.Schema{
		"display_name":        {Kind: filtering.String},
		"member_centre":       {Kind: filtering.Bool},
		"parent_organization": {Kind: filtering.String},
		"update_time":         {Kind: filtering.Timestamp},
		"create_time":         {Kind: filtering.Timestamp},
	}
	ServiceFilter = filtering.Schema{
		"display_name":   {Kind: filtering.String},
		"organization":   {Kind: filtering.String},
		"status":         {Kind: filtering.Enum, Values: []string{"ACTIVE", "INACTIVE", "DEFUNCT", "TEMPORARILY_CLOSED"}},
		"languages":      {Kind: filtering.StringList},
		"taxonomy_terms": {Kind: filtering.StringList},
		"locations":      {Kind: filtering.StringList},
		"minimum_age":    {Kind: filtering.Int},
		"maximum_age":    {Kind: filtering.Int},
		"update_time":    {Kind: filtering.Timestamp},
		"create_time":    {Kind: filtering.Timestamp},
	}
	LocationFilter = filtering.Schema{
		"display_name":  {Kind: filtering.String},
		"organization":  {Kind: filtering.String},
		"location_type": {Kind: filtering.Enum, Values: []string{"PHYSICAL", "POSTAL", "VIRTUAL"}},
		"languages":     {Kind: filtering.StringList},
		"update_time":   {Kind: filtering.Timestamp},
		"create_time":   {Kind: filtering.Timestamp},
	}
	TaxonomyTermFilter = filtering.Schema{
		"code":         {Kind: filtering.String},
		"display_name": {Kind: filtering.String},
		"taxonomy":     {Kind: filtering.String},
		"parent":       {Kind: filtering.String},
		"language":     {Kind: filtering.String},
		"update_time":  {Kind: filtering.Timestamp},
		"create_time":  {Kind: filtering.Timestamp},
	}
	PractitionerFilter = filtering.Schema{
		"organization": {Kind: filtering.String},
		"role":         {Kind: filtering.Enum, Values: []string{"CLINICIAN", "LINK_WORKER", "EVENT_HOST", "ADMIN"}},
		"given_name":   {Kind: filtering.String},
		"family_name":  {Kind: filtering.String},
		"update_time":  {Kind: filtering.Timestamp},
		"create_time":  {Kind: filtering.Timestamp},
	}
)

func metaField(m *docstore.Meta, field string) (any, bool) {
	switch field {
	case "update_time":
		return m.UpdateTime, true
	case "create_time":
		return m.CreateTime, true
	}
	return nil, false
}

func organizationRecord(d *store.Organization) filtering.Record {
	return func(field string) (any, bool) {
		switch field {
		case "display_name":
			return d.DisplayName, true
		case "member_centre":
			return d.MemberCentre, true
		case "parent_organization":
			return d.ParentOrganization, d.ParentOrganization != ""
		}
		return metaField(&d.Meta, field)
	}
}

func serviceRecord(d *store.Service) filtering.Record {
	return func(field string) (any, bool) {
		switch field {
		case "display_name":
			return d.DisplayName, true
		case "organization":
			return d.Organization, true
		case "status":
			return d.Status, true
		case "languages":
			return d.Languages, true
		case "taxonomy_terms":
			return d.TaxonomyTerms, true
		case "locations":
			return d.Locations, true
		case "minimum_age":
			return int64(d.MinimumAge), true
		case "maximum_age":
			return int64(d.MaximumAge), true
		}
		return metaField(&d.Meta, field)
	}
}

func locationRecord(d *store.Location) filtering.Record {
	return func(field string) (any, bool) {
		switch field {
		case "display_name":
			return d.DisplayName, true
		case "organization":
			return d.Organization, true
		case "location_type":
			return d.LocationType, true
		case "languages":
			return d.Languages, true
		}
		return metaField(&d.Meta, field)
	}
}

func taxonomyTermRecord(d *store.TaxonomyTerm) filtering.Record {
	return func(field string) (any, bool) {
		switch field {
		case "code":
			return d.Code, true
		case "display_name":
			return d.DisplayName, true
		case "taxonomy":
			return d.Taxonomy, true
		case "parent":
			return d.Parent, d.Parent != ""
		case "language":
			return d.Language, true
		}
		return metaField(&d.Meta, field)
	}
}

func practitionerRecord(d *store.Practitioner) filtering.Record {
	return func(field string) (any, bool) {
		switch field {
		case "organization":
			return d.Organization, true
		case "role":
			return d.Role, true
		case "given_name":
			return d.GivenName, true
		case "family_name":
			return d.FamilyName, true
		}
		return metaField(&d.Meta, field)
	}
}

// LocationReferences counts the services delivered at the location named loc.
func (ix *Index) LocationReferences(loc string) int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	n := 0
	for _, s := range ix.services.docs {
		if slices.Contains(s.Locations, loc) {
			n++
		}
	}
	return n
}

// TermReferences counts the services classified with, and the terms narrower than, term.
func (ix *Index) TermReferences(term string) int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	n := 0
	for _, s := range ix.services.docs {
		if slices.Contains(s.TaxonomyTerms, term) {
			n++
		}
	}
	for _, t := range ix.terms.docs {
		if t.Parent == term {
			n++
		}
	}
	return n
}

func find[T any, P docstore.Doc[T]](ix *Index, t *table[T, P], id string) (P, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	d, ok := t.docs[id]
	return d, ok
}

// Organization returns the organisation with id.
func (ix *Index) Organization(id string) (*store.Organization, bool) {
	return find(ix, ix.organizations, id)
}

// Service returns the service with id.
func (ix *Index) Service(id string) (*store.Service, bool) { return find(ix, ix.services, id) }

// Location returns the location with id.
func (ix *Index) Location(id string) (*store.Location, bool) { return find(ix, ix.locations, id) }

// TaxonomyTerm returns the taxonomy term with id.
func (ix *Index) TaxonomyTerm(id string) (*store.TaxonomyTerm, bool) { return find(ix, ix.terms, id) }

// Practitioner returns the practitioner with id.
func (ix *Index) Practitioner(id string) (*store.Practitioner, bool) {
	return find(ix, ix.practitioners, id)
}
