// Package document is the Open Referral HSDS 3.0 format for the directory: it maps directory
// resources to HSDS JSON objects (export) and HSDS JSON documents to directory records (parse).
// The read-only HSDS HTTP API that serves these objects is gateway/hsds; gateway/hsds/importer
// creates parsed records in the directory.
//
// The directory keeps less than HSDS can express (no contacts, programs, funding, metadata or
// structured schedules), so an export carries what the directory holds and an import keeps what
// the directory can store. HSDS child objects that the directory does not store as records
// (phones, languages, addresses, schedules, service areas, cost options, attributes,
// accessibility) get stable name-based UUIDs derived from their parent, so repeated exports
// give the same ids. HSDS has no place for a service's accessibility or an organization's
// member_centre, so those are not exported, and its ISO 639 language codes drop the region of
// a BCP-47 tag ("fr-CA" is exported as code "fr", named "Canadian French").
package document

// The types below are HSDS 3.0 objects with HSDS field names. They are used both to write the
// API's responses and to read documents for import. Fields the HSDS schema requires have no
// omitempty; optional fields are left out when empty, since the schema forbids null.

// Organization is an HSDS organization.
type Organization struct {
	ID                   string     `json:"id"`
	Name                 string     `json:"name"`
	AlternateName        string     `json:"alternate_name,omitempty"`
	Description          string     `json:"description"`
	Email                string     `json:"email,omitempty"`
	Website              string     `json:"website,omitempty"`
	URI                  string     `json:"uri,omitempty"`
	LegalStatus          string     `json:"legal_status,omitempty"`
	ParentOrganizationID string     `json:"parent_organization_id,omitempty"`
	Phones               []Phone    `json:"phones,omitempty"`
	Locations            []Location `json:"locations,omitempty"`
	Services             []Service  `json:"services,omitempty"`
}

// Service is an HSDS service.
type Service struct {
	ID                     string              `json:"id"`
	OrganizationID         string              `json:"organization_id,omitempty"`
	Name                   string              `json:"name"`
	AlternateName          string              `json:"alternate_name,omitempty"`
	Description            string              `json:"description,omitempty"`
	URL                    string              `json:"url,omitempty"`
	Email                  string              `json:"email,omitempty"`
	Status                 string              `json:"status"`
	ApplicationProcess     string              `json:"application_process,omitempty"`
	FeesDescription        string              `json:"fees_description,omitempty"`
	EligibilityDescription string              `json:"eligibility_description,omitempty"`
	MinimumAge             *float64            `json:"minimum_age,omitempty"`
	MaximumAge             *float64            `json:"maximum_age,omitempty"`
	LastModified           string              `json:"last_modified,omitempty"`
	Phones                 []Phone             `json:"phones,omitempty"`
	Schedules              []Schedule          `json:"schedules,omitempty"`
	ServiceAreas           []ServiceArea       `json:"service_areas,omitempty"`
	ServiceAtLocations     []ServiceAtLocation `json:"service_at_locations,omitempty"`
	Languages              []Language          `json:"languages,omitempty"`
	Organization           *Organization       `json:"organization,omitempty"`
	CostOptions            []CostOption        `json:"cost_options,omitempty"`
	Attributes             []Attribute         `json:"attributes,omitempty"`
}

// ServiceAtLocation is an HSDS service_at_location: a service delivered at a location.
type ServiceAtLocation struct {
	ID          string    `json:"id"`
	ServiceID   string    `json:"service_id,omitempty"`
	LocationID  string    `json:"location_id,omitempty"`
	Description string    `json:"description,omitempty"`
	Location    *Location `json:"location,omitempty"`
	Service     *Service  `json:"service,omitempty"`
}

// Location is an HSDS location.
type Location struct {
	ID             string          `json:"id"`
	LocationType   string          `json:"location_type"`
	OrganizationID string          `json:"organization_id,omitempty"`
	Name           string          `json:"name,omitempty"`
	AlternateName  string          `json:"alternate_name,omitempty"`
	Description    string          `json:"description,omitempty"`
	Transportation string          `json:"transportation,omitempty"`
	Latitude       *float64        `json:"latitude,omitempty"`
	Longitude      *float64        `json:"longitude,omitempty"`
	Languages      []Language      `json:"languages,omitempty"`
	Addresses      []Address       `json:"addresses,omitempty"`
	Accessibility  []Accessibility `json:"accessibility,omitempty"`
}

// Address is an HSDS address. HSDS requires every field but address_2 and region, so they are
// always written, empty when unknown.
type Address struct {
	ID            string `json:"id"`
	Address1      string `json:"address_1"`
	Address2      string `json:"address_2,omitempty"`
	City          string `json:"city"`
	Region        string `json:"region,omitempty"`
	StateProvince string `json:"state_province"`
	PostalCode    string `json:"postal_code"`
	Country       string `json:"country"`
	AddressType   string `json:"address_type"`
}

// Accessibility is an HSDS accessibility entry of a location.
type Accessibility struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
	Details     string `json:"details,omitempty"`
}

// Phone is an HSDS phone.
type Phone struct {
	ID          string   `json:"id"`
	Number      string   `json:"number"`
	Extension   *float64 `json:"extension,omitempty"`
	Type        string   `json:"type,omitempty"`
	Description string   `json:"description,omitempty"`
}

// Language is an HSDS language: an ISO 639 code and its English name.
type Language struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Code string `json:"code,omitempty"`
	Note string `json:"note,omitempty"`
}

// Schedule is an HSDS schedule. The directory keeps schedules in words, so only the description
// is written; the structured fields are read on import to describe a schedule that has none.
type Schedule struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
	ByDay       string `json:"byday,omitempty"`
	OpensAt     string `json:"opens_at,omitempty"`
	ClosesAt    string `json:"closes_at,omitempty"`
}

// ServiceArea is an HSDS service_area, named in words.
type ServiceArea struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
}

// CostOption is an HSDS cost_option. Amount is in major units of the currency (dollars).
type CostOption struct {
	ID                string   `json:"id"`
	Option            string   `json:"option,omitempty"`
	Currency          string   `json:"currency,omitempty"`
	Amount            *float64 `json:"amount,omitempty"`
	AmountDescription string   `json:"amount_description,omitempty"`
}

// Attribute is an HSDS attribute linking a service to a taxonomy term.
type Attribute struct {
	ID             string        `json:"id"`
	LinkID         string        `json:"link_id,omitempty"`
	TaxonomyTermID string        `json:"taxonomy_term_id,omitempty"`
	LinkType       string        `json:"link_type,omitempty"`
	LinkEntity     string        `json:"link_entity,omitempty"`
	Value          string        `json:"value,omitempty"`
	TaxonomyTerm   *TaxonomyTerm `json:"taxonomy_term,omitempty"`
}

// TaxonomyTerm is an HSDS taxonomy_term.
type TaxonomyTerm struct {
	ID             string    `json:"id"`
	Code           string    `json:"code,omitempty"`
	Name           string    `json:"name"`
	Description    string    `json:"description"`
	ParentID       string    `json:"parent_id,omitempty"`
	Taxonomy       string    `json:"taxonomy,omitempty"`
	TaxonomyDetail *Taxonomy `json:"taxonomy_detail,omitempty"`
	Language       string    `json:"language,omitempty"`
	TaxonomyID     string    `json:"taxonomy_id,omitempty"`
}

// Taxonomy is an HSDS taxonomy; it is read on import to name the taxonomy of a term.
type Taxonomy struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Page is the HSDS page envelope of a list endpoint.
type Page[T any] struct {
	TotalItems int  `json:"total_items"`
	TotalPages int  `json:"total_pages"`
	PageNumber int  `json:"page_number"`
	Size       int  `json:"size"`
	FirstPage  bool `json:"first_page"`
	LastPage   bool `json:"last_page"`
	Empty      bool `json:"empty"`
	Contents   []T  `json:"contents"`
}

// NewPage wraps one page of contents, numbered from 1, of perPage items each out of total.
func NewPage[T any](contents []T, pageNumber, perPage, total int) Page[T] {
	if contents == nil {
		contents = []T{} // HSDS wants an array, never null
	}
	totalPages := 0
	if perPage > 0 {
		totalPages = (total + perPage - 1) / perPage
	}
	return Page[T]{
		TotalItems: total,
		TotalPages: totalPages,
		PageNumber: pageNumber,
		Size:       len(contents),
		FirstPage:  pageNumber == 1,
		LastPage:   pageNumber >= totalPages,
		Empty:      len(contents) == 0,
		Contents:   contents,
	}
}

// APIInfo is the body of `GET /`.
type APIInfo struct {
	Version    string `json:"version"`
	Profile    string `json:"profile"`
	OpenAPIURL string `json:"openapi_url,omitempty"`
}
