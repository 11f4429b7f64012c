package server

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/internal/domain"
	"github.com/socialrx/socialrx/services/directory/internal/store"
	"github.com/socialrx/socialrx/services/platform/protoconv"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
)

// The API form of each stored document, and back: the one place directory protos meet documents.

func times(m *docstore.Meta) (*timestamppb.Timestamp, *timestamppb.Timestamp) {
	return timestamppb.New(m.CreateTime), timestamppb.New(m.UpdateTime)
}

func phonesToProto(in []store.Phone) []*directoryv1.Phone {
	var out []*directoryv1.Phone
	for _, p := range in {
		out = append(out, &directoryv1.Phone{Number: p.Number, Type: p.Type, Description: p.Description})
	}
	return out
}

func phonesFromProto(in []*directoryv1.Phone) []store.Phone {
	var out []store.Phone
	for _, p := range in {
		out = append(out, store.Phone{Number: p.GetNumber(), Type: p.GetType(), Description: p.GetDescription()})
	}
	return out
}

func textsToProto(in []store.Text) []*directoryv1.LocalizedText {
	var out []*directoryv1.LocalizedText
	for _, t := range in {
		out = append(out, &directoryv1.LocalizedText{LanguageCode: t.Language, DisplayName: t.DisplayName,
			AlternateName: t.AlternateName, Description: t.Description})
	}
	return out
}

func textsFromProto(in []*directoryv1.LocalizedText) []store.Text {
	var out []store.Text
	for _, t := range in {
		out = append(out, store.Text{Language: t.GetLanguageCode(), DisplayName: t.GetDisplayName(),
			AlternateName: t.GetAlternateName(), Description: t.GetDescription()})
	}
	return out
}

// organizationToProto converts a stored organisation to its API form.
func organizationToProto(d *store.Organization) *directoryv1.Organization {
	ct, ut := times(&d.Meta)
	return &directoryv1.Organization{
		Name:               store.OrganizationsPrefix + d.ID,
		DisplayName:        d.DisplayName,
		AlternateName:      d.AlternateName,
		Description:        d.Description,
		Email:              d.Email,
		Website:            d.Website,
		Phones:             phonesToProto(d.Phones),
		MemberCentre:       d.MemberCentre,
		LegalStatus:        d.LegalStatus,
		ParentOrganization: d.ParentOrganization,
		LanguageCode:       d.Language,
		Translations:       textsToProto(d.Translations),
		CreateTime:         ct,
		UpdateTime:         ut,
		Etag:               d.Etag(),
	}
}

// organizationFromProto copies the writable fields of p into d.
func organizationFromProto(d *store.Organization, p *directoryv1.Organization) {
	d.DisplayName = p.GetDisplayName()
	d.AlternateName = p.GetAlternateName()
	d.Description = p.GetDescription()
	d.Email = p.GetEmail()
	d.Website = p.GetWebsite()
	d.Phones = phonesFromProto(p.GetPhones())
	d.MemberCentre = p.GetMemberCentre()
	d.LegalStatus = p.GetLegalStatus()
	d.ParentOrganization = p.GetParentOrganization()
	d.Language = p.GetLanguageCode()
	d.Translations = textsFromProto(p.GetTranslations())
}

// serviceToProto converts a stored service to its API form.
func serviceToProto(d *store.Service) *directoryv1.Service {
	ct, ut := times(&d.Meta)
	p := &directoryv1.Service{
		Name:                   store.ServicesPrefix + d.ID,
		Organization:           d.Organization,
		DisplayName:            d.DisplayName,
		AlternateName:          d.AlternateName,
		Description:            d.Description,
		Url:                    d.URL,
		Email:                  d.Email,
		Status:                 protoconv.ParseEnum[directoryv1.ServiceStatus](d.Status),
		EligibilityDescription: d.EligibilityDescription,
		MinimumAge:             d.MinimumAge,
		MaximumAge:             d.MaximumAge,
		Languages:              d.Languages,
		ApplicationProcess:     d.ApplicationProcess,
		TaxonomyTerms:          d.TaxonomyTerms,
		Locations:              d.Locations,
		Accessibility:          d.Accessibility,
		Phones:                 phonesToProto(d.Phones),
		ServiceAreas:           d.ServiceAreas,
		ScheduleDescription:    d.ScheduleDescription,
		LanguageCode:           d.Language,
		Translations:           textsToProto(d.Translations),
		CreateTime:             ct,
		UpdateTime:             ut,
		Etag:                   d.Etag(),
	}
	if c := d.Cost; c != nil {
		p.Cost = &directoryv1.CostOption{Free: c.Free, AmountMinor: c.AmountMinor, Currency: c.Currency, Description: c.Description}
	}
	return p
}

// serviceFromProto copies the writable fields of p into d; an unspecified status becomes ACTIVE.
func serviceFromProto(d *store.Service, p *directoryv1.Service) {
	d.Organization = p.GetOrganization()
	d.DisplayName = p.GetDisplayName()
	d.AlternateName = p.GetAlternateName()
	d.Description = p.GetDescription()
	d.URL = p.GetUrl()
	d.Email = p.GetEmail()
	d.Status = protoconv.EnumName(p.GetStatus())
	if d.Status == "" {
		d.Status = domain.DefaultServiceStatus
	}
	d.EligibilityDescription = p.GetEligibilityDescription()
	d.MinimumAge = p.GetMinimumAge()
	d.MaximumAge = p.GetMaximumAge()
	d.Languages = p.GetLanguages()
	d.ApplicationProcess = p.GetApplicationProcess()
	d.Cost = nil
	if c := p.GetCost(); c != nil {
		cur := c.GetCurrency()
		if cur == "" && !c.GetFree() {
			cur = "CAD"
		}
		d.Cost = &store.Cost{Free: c.GetFree(), AmountMinor: c.GetAmountMinor(), Currency: cur, Description: c.GetDescription()}
	}
	d.TaxonomyTerms = p.GetTaxonomyTerms()
	d.Locations = p.GetLocations()
	d.Accessibility = p.GetAccessibility()
	d.Phones = phonesFromProto(p.GetPhones())
	d.ServiceAreas = p.GetServiceAreas()
	d.ScheduleDescription = p.GetScheduleDescription()
	d.Language = p.GetLanguageCode()
	d.Translations = textsFromProto(p.GetTranslations())
}

// locationToProto converts a stored location to its API form.
func locationToProto(d *store.Location) *directoryv1.Location {
	ct, ut := times(&d.Meta)
	p := &directoryv1.Location{
		Name:           store.LocationsPrefix + d.ID,
		Organization:   d.Organization,
		DisplayName:    d.DisplayName,
		Description:    d.Description,
		LocationType:   protoconv.ParseEnum[directoryv1.LocationType](d.LocationType),
		Latitude:       d.Latitude,
		Longitude:      d.Longitude,
		Accessibility:  d.Accessibility,
		Languages:      d.Languages,
		Transportation: d.Transportation,
		CreateTime:     ct,
		UpdateTime:     ut,
		Etag:           d.Etag(),
	}
	if a := d.Address; a != nil {
		p.Address = &directoryv1.Address{Address_1: a.Address1, Address_2: a.Address2, City: a.City,
			Region: a.Region, PostalCode: a.PostalCode, Country: a.Country}
	}
	return p
}

// locationFromProto copies the writable fields of p into d; an unspecified type becomes PHYSICAL and an
// empty country CA.
func locationFromProto(d *store.Location, p *directoryv1.Location) {
	d.Organization = p.GetOrganization()
	d.DisplayName = p.GetDisplayName()
	d.Description = p.GetDescription()
	d.LocationType = protoconv.EnumName(p.GetLocationType())
	if d.LocationType == "" {
		d.LocationType = domain.DefaultLocationType
	}
	d.Address = nil
	if a := p.GetAddress(); a != nil {
		country := a.GetCountry()
		if country == "" {
			country = "CA"
		}
		d.Address = &store.Address{Address1: a.GetAddress_1(), Address2: a.GetAddress_2(), City: a.GetCity(),
			Region: a.GetRegion(), PostalCode: a.GetPostalCode(), Country: country}
	}
	d.Latitude, d.Longitude = nil, nil
	if p.Latitude != nil && p.Longitude != nil {
		lat, lng := p.GetLatitude(), p.GetLongitude()
		d.Latitude, d.Longitude = &lat, &lng
	}
	d.Accessibility = p.GetAccessibility()
	d.Languages = p.GetLanguages()
	d.Transportation = p.GetTransportation()
}

// taxonomyTermToProto converts a stored taxonomy term to its API form.
func taxonomyTermToProto(d *store.TaxonomyTerm) *directoryv1.TaxonomyTerm {
	ct, ut := times(&d.Meta)
	return &directoryv1.TaxonomyTerm{
		Name:        store.TaxonomyTermsPrefix + d.ID,
		Code:        d.Code,
		DisplayName: d.DisplayName,
		Description: d.Description,
		Parent:      d.Parent,
		Taxonomy:    d.Taxonomy,
		Language:    d.Language,
		CreateTime:  ct,
		UpdateTime:  ut,
		Etag:        d.Etag(),
	}
}

// taxonomyTermFromProto copies the writable fields of p into d; an empty language becomes "en".
func taxonomyTermFromProto(d *store.TaxonomyTerm, p *directoryv1.TaxonomyTerm) {
	d.Code = p.GetCode()
	d.DisplayName = p.GetDisplayName()
	d.Description = p.GetDescription()
	d.Parent = p.GetParent()
	d.Taxonomy = p.GetTaxonomy()
	d.Language = p.GetLanguage()
	if d.Language == "" {
		d.Language = "en"
	}
}

// practitionerToProto converts a stored practitioner to its API form.
func practitionerToProto(d *store.Practitioner) *directoryv1.Practitioner {
	ct, ut := times(&d.Meta)
	return &directoryv1.Practitioner{
		Name:         store.PractitionersPrefix + d.ID,
		Organization: d.Organization,
		GivenName:    d.GivenName,
		FamilyName:   d.FamilyName,
		Role:         protoconv.ParseEnum[directoryv1.PractitionerRole](d.Role),
		Email:        d.Email,
		Phone:        d.Phone,
		Title:        d.Title,
		CreateTime:   ct,
		UpdateTime:   ut,
		Etag:         d.Etag(),
	}
}

// practitionerFromProto copies the writable fields of p into d.
func practitionerFromProto(d *store.Practitioner, p *directoryv1.Practitioner) {
	d.Organization = p.GetOrganization()
	d.GivenName = p.GetGivenName()
	d.FamilyName = p.GetFamilyName()
	d.Role = protoconv.EnumName(p.GetRole())
	d.Email = p.GetEmail()
	d.Phone = p.GetPhone()
	d.Title = p.GetTitle()
}
