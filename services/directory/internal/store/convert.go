package store

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/internal/domain"
	"github.com/socialrx/socialrx/services/platform/protoconv"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
)

// Resource name prefixes.
const (
	OrganizationsPrefix = "organizations/"
	ServicesPrefix      = "services/"
	LocationsPrefix     = "locations/"
	TaxonomyTermsPrefix = "taxonomyTerms/"
	PractitionersPrefix = "practitioners/"
)

func times(m *docstore.Meta) (*timestamppb.Timestamp, *timestamppb.Timestamp) {
	return timestamppb.New(m.CreateTime), timestamppb.New(m.UpdateTime)
}

func phonesToProto(in []Phone) []*directoryv1.Phone {
	var out []*directoryv1.Phone
	for _, p := range in {
		out = append(out, &directoryv1.Phone{Number: p.Number, Type: p.Type, Description: p.Description})
	}
	return out
}

func phonesFromProto(in []*directoryv1.Phone) []Phone {
	var out []Phone
	for _, p := range in {
		out = append(out, Phone{Number: p.GetNumber(), Type: p.GetType(), Description: p.GetDescription()})
	}
	return out
}

// ToProto converts a stored organisation to its API form.
func (d *Organization) ToProto() *directoryv1.Organization {
	ct, ut := times(&d.Meta)
	return &directoryv1.Organization{
		Name:               OrganizationsPrefix + d.ID,
		DisplayName:        d.DisplayName,
		AlternateName:      d.AlternateName,
		Description:        d.Description,
		Email:              d.Email,
		Website:            d.Website,
		Phones:             phonesToProto(d.Phones),
		MemberCentre:       d.MemberCentre,
		LegalStatus:        d.LegalStatus,
		ParentOrganization: d.ParentOrganization,
		CreateTime:         ct,
		UpdateTime:         ut,
		Etag:               d.Etag(),
	}
}

// SetFromProto copies the writable fields of p.
func (d *Organization) SetFromProto(p *directoryv1.Organization) {
	d.DisplayName = p.GetDisplayName()
	d.AlternateName = p.GetAlternateName()
	d.Description = p.GetDescription()
	d.Email = p.GetEmail()
	d.Website = p.GetWebsite()
	d.Phones = phonesFromProto(p.GetPhones())
	d.MemberCentre = p.GetMemberCentre()
	d.LegalStatus = p.GetLegalStatus()
	d.ParentOrganization = p.GetParentOrganization()
}

// ToProto converts a stored service to its API form.
func (d *Service) ToProto() *directoryv1.Service {
	ct, ut := times(&d.Meta)
	p := &directoryv1.Service{
		Name:                   ServicesPrefix + d.ID,
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
		CreateTime:             ct,
		UpdateTime:             ut,
		Etag:                   d.Etag(),
	}
	if c := d.Cost; c != nil {
		p.Cost = &directoryv1.CostOption{Free: c.Free, AmountMinor: c.AmountMinor, Currency: c.Currency, Description: c.Description}
	}
	return p
}

// SetFromProto copies the writable fields of p; an unspecified status becomes ACTIVE.
func (d *Service) SetFromProto(p *directoryv1.Service) {
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
		d.Cost = &Cost{Free: c.GetFree(), AmountMinor: c.GetAmountMinor(), Currency: cur, Description: c.GetDescription()}
	}
	d.TaxonomyTerms = p.GetTaxonomyTerms()
	d.Locations = p.GetLocations()
	d.Accessibility = p.GetAccessibility()
	d.Phones = phonesFromProto(p.GetPhones())
	d.ServiceAreas = p.GetServiceAreas()
	d.ScheduleDescription = p.GetScheduleDescription()
}

// ToProto converts a stored location to its API form.
func (d *Location) ToProto() *directoryv1.Location {
	ct, ut := times(&d.Meta)
	p := &directoryv1.Location{
		Name:           LocationsPrefix + d.ID,
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

// SetFromProto copies the writable fields of p; an unspecified type becomes PHYSICAL and an
// empty country CA.
func (d *Location) SetFromProto(p *directoryv1.Location) {
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
		d.Address = &Address{Address1: a.GetAddress_1(), Address2: a.GetAddress_2(), City: a.GetCity(),
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

// ToProto converts a stored taxonomy term to its API form.
func (d *TaxonomyTerm) ToProto() *directoryv1.TaxonomyTerm {
	ct, ut := times(&d.Meta)
	return &directoryv1.TaxonomyTerm{
		Name:        TaxonomyTermsPrefix + d.ID,
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

// SetFromProto copies the writable fields of p; an empty language becomes "en".
func (d *TaxonomyTerm) SetFromProto(p *directoryv1.TaxonomyTerm) {
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

// ToProto converts a stored practitioner to its API form.
func (d *Practitioner) ToProto() *directoryv1.Practitioner {
	ct, ut := times(&d.Meta)
	return &directoryv1.Practitioner{
		Name:         PractitionersPrefix + d.ID,
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

// SetFromProto copies the writable fields of p.
func (d *Practitioner) SetFromProto(p *directoryv1.Practitioner) {
	d.Organization = p.GetOrganization()
	d.GivenName = p.GetGivenName()
	d.FamilyName = p.GetFamilyName()
	d.Role = protoconv.EnumName(p.GetRole())
	d.Email = p.GetEmail()
	d.Phone = p.GetPhone()
	d.Title = p.GetTitle()
}
