// Package store keeps the directory's documents in MongoDB: one collection per resource kind,
// versioned through docstore, every change on the "changes" feed that keeps read models fresh.
// Documents are this package's own BSON structs; conversion to and from the API protos lives in
// convert.go.
package store

import (
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
)

// Phone is a telephone number.
type Phone struct {
	Number      string `bson:"number"`
	Type        string `bson:"type,omitempty"`
	Description string `bson:"description,omitempty"`
}

// Organization is a stored organisation.
type Organization struct {
	docstore.Meta      `bson:",inline"`
	DisplayName        string  `bson:"display_name"`
	AlternateName      string  `bson:"alternate_name,omitempty"`
	Description        string  `bson:"description,omitempty"`
	Email              string  `bson:"email,omitempty"`
	Website            string  `bson:"website,omitempty"`
	Phones             []Phone `bson:"phones,omitempty"`
	MemberCentre       bool    `bson:"member_centre"`
	LegalStatus        string  `bson:"legal_status,omitempty"`
	ParentOrganization string  `bson:"parent_organization,omitempty"`
	// Language is that of DisplayName, AlternateName and Description, BCP-47; empty is English.
	Language     string `bson:"language,omitempty"`
	Translations []Text `bson:"translations,omitempty"`
}

// Text is the name and description of an organisation or service in one more language.
type Text struct {
	Language      string `bson:"language"`
	DisplayName   string `bson:"display_name"`
	AlternateName string `bson:"alternate_name,omitempty"`
	Description   string `bson:"description,omitempty"`
}

// Cost is what a service costs.
type Cost struct {
	Free        bool   `bson:"free"`
	AmountMinor int64  `bson:"amount_minor,omitempty"`
	Currency    string `bson:"currency,omitempty"`
	Description string `bson:"description,omitempty"`
}

// Service is a stored programme or service.
type Service struct {
	docstore.Meta          `bson:",inline"`
	Organization           string   `bson:"organization"`
	DisplayName            string   `bson:"display_name"`
	AlternateName          string   `bson:"alternate_name,omitempty"`
	Description            string   `bson:"description,omitempty"`
	URL                    string   `bson:"url,omitempty"`
	Email                  string   `bson:"email,omitempty"`
	Status                 string   `bson:"status"`
	EligibilityDescription string   `bson:"eligibility_description,omitempty"`
	MinimumAge             int32    `bson:"minimum_age,omitempty"`
	MaximumAge             int32    `bson:"maximum_age,omitempty"`
	Languages              []string `bson:"languages,omitempty"`
	ApplicationProcess     string   `bson:"application_process,omitempty"`
	Cost                   *Cost    `bson:"cost,omitempty"`
	TaxonomyTerms          []string `bson:"taxonomy_terms,omitempty"`
	Locations              []string `bson:"locations,omitempty"`
	Accessibility          []string `bson:"accessibility,omitempty"`
	Phones                 []Phone  `bson:"phones,omitempty"`
	ServiceAreas           []string `bson:"service_areas,omitempty"`
	ScheduleDescription    string   `bson:"schedule_description,omitempty"`
	// Language is that of DisplayName, AlternateName and Description, BCP-47; empty is English.
	Language     string `bson:"language,omitempty"`
	Translations []Text `bson:"translations,omitempty"`
}

// Address is a postal address.
type Address struct {
	Address1   string `bson:"address_1,omitempty"`
	Address2   string `bson:"address_2,omitempty"`
	City       string `bson:"city,omitempty"`
	Region     string `bson:"region,omitempty"`
	PostalCode string `bson:"postal_code,omitempty"`
	Country    string `bson:"country,omitempty"`
}

// Location is a stored place.
type Location struct {
	docstore.Meta  `bson:",inline"`
	Organization   string   `bson:"organization"`
	DisplayName    string   `bson:"display_name"`
	Description    string   `bson:"description,omitempty"`
	LocationType   string   `bson:"location_type"`
	Address        *Address `bson:"address,omitempty"`
	Latitude       *float64 `bson:"latitude,omitempty"`
	Longitude      *float64 `bson:"longitude,omitempty"`
	Accessibility  []string `bson:"accessibility,omitempty"`
	Languages      []string `bson:"languages,omitempty"`
	Transportation string   `bson:"transportation,omitempty"`
}

// TaxonomyTerm is a stored taxonomy term.
type TaxonomyTerm struct {
	docstore.Meta `bson:",inline"`
	Code          string `bson:"code"`
	DisplayName   string `bson:"display_name"`
	Description   string `bson:"description,omitempty"`
	Parent        string `bson:"parent,omitempty"`
	Taxonomy      string `bson:"taxonomy"`
	Language      string `bson:"language,omitempty"`
}

// Practitioner is a stored practitioner.
type Practitioner struct {
	docstore.Meta `bson:",inline"`
	Organization  string `bson:"organization"`
	GivenName     string `bson:"given_name"`
	FamilyName    string `bson:"family_name"`
	Role          string `bson:"role"`
	Email         string `bson:"email,omitempty"`
	Phone         string `bson:"phone,omitempty"`
	Title         string `bson:"title,omitempty"`
}
