package document

import (
	"math"
	"strconv"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"google.golang.org/protobuf/types/known/timestamppb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
)

// Related holds the resources a service refers to, by resource name, so that ExportService can
// nest them. A name missing from a map is exported as a bare id.
type Related struct {
	Organizations map[string]*directoryv1.Organization
	Locations     map[string]*directoryv1.Location
	TaxonomyTerms map[string]*directoryv1.TaxonomyTerm
}

// HSDS status strings of a service.
var serviceStatusNames = map[directoryv1.ServiceStatus]string{
	directoryv1.ServiceStatus_SERVICE_STATUS_ACTIVE:             "active",
	directoryv1.ServiceStatus_SERVICE_STATUS_INACTIVE:           "inactive",
	directoryv1.ServiceStatus_SERVICE_STATUS_DEFUNCT:            "defunct",
	directoryv1.ServiceStatus_SERVICE_STATUS_TEMPORARILY_CLOSED: "temporarily closed",
}

// HSDS location_type strings.
var locationTypeNames = map[directoryv1.LocationType]string{
	directoryv1.LocationType_LOCATION_TYPE_PHYSICAL: "physical",
	directoryv1.LocationType_LOCATION_TYPE_POSTAL:   "postal",
	directoryv1.LocationType_LOCATION_TYPE_VIRTUAL:  "virtual",
}

// ExportOrganization maps an organization to HSDS, without nested locations or services.
func ExportOrganization(o *directoryv1.Organization) Organization {
	id := ResourceID(o.GetName())
	out := Organization{
		ID:            id,
		Name:          o.GetDisplayName(),
		AlternateName: o.GetAlternateName(),
		Description:   o.GetDescription(),
		Email:         o.GetEmail(),
		Website:       o.GetWebsite(),
		LegalStatus:   o.GetLegalStatus(),
		Phones:        exportPhones("organization", id, o.GetPhones()),
	}
	if p := o.GetParentOrganization(); p != "" {
		out.ParentOrganizationID = ResourceID(p)
	}
	return out
}

// ExportServiceBasic maps the one-to-one fields of a service to HSDS, as in HSDS list
// responses: no phones, schedules, locations or other nested arrays.
func ExportServiceBasic(s *directoryv1.Service) Service {
	id := ResourceID(s.GetName())
	status, ok := serviceStatusNames[s.GetStatus()]
	if !ok {
		status = "active" // UNSPECIFIED is stored as active
	}
	out := Service{
		ID:                     id,
		Name:                   s.GetDisplayName(),
		AlternateName:          s.GetAlternateName(),
		Description:            s.GetDescription(),
		URL:                    s.GetUrl(),
		Email:                  s.GetEmail(),
		Status:                 status,
		ApplicationProcess:     s.GetApplicationProcess(),
		EligibilityDescription: s.GetEligibilityDescription(),
		MinimumAge:             positiveAge(s.GetMinimumAge()),
		MaximumAge:             positiveAge(s.GetMaximumAge()),
		LastModified:           formatTime(s.GetUpdateTime()),
	}
	if org := s.GetOrganization(); org != "" {
		out.OrganizationID = ResourceID(org)
	}
	out.FeesDescription, _ = exportCost(id, s.GetCost())
	return out
}

// ExportService maps a service to a fully nested HSDS service, taking its organization,
// locations and taxonomy terms from rel.
func ExportService(s *directoryv1.Service, rel Related) Service {
	out := ExportServiceBasic(s)
	id := out.ID
	if org, ok := rel.Organizations[s.GetOrganization()]; ok && org != nil {
		o := ExportOrganization(org)
		out.Organization = &o
	}
	out.Phones = exportPhones("service", id, s.GetPhones())
	if d := s.GetScheduleDescription(); d != "" {
		out.Schedules = []Schedule{{ID: childID("service", id, "schedule", "0"), Description: d}}
	}
	for i, area := range s.GetServiceAreas() {
		out.ServiceAreas = append(out.ServiceAreas, ServiceArea{
			ID:   childID("service", id, "service_area", itoa(i)),
			Name: area,
		})
	}
	out.Languages = exportLanguages("service", id, s.GetLanguages())
	_, out.CostOptions = exportCost(id, s.GetCost())
	for _, name := range s.GetTaxonomyTerms() {
		termID := ResourceID(name)
		attr := Attribute{
			ID:             childID("service", id, "attribute", termID),
			LinkID:         id,
			LinkEntity:     "service",
			TaxonomyTermID: termID,
		}
		if t, ok := rel.TaxonomyTerms[name]; ok && t != nil {
			term := ExportTaxonomyTerm(t)
			attr.TaxonomyTerm = &term
		}
		out.Attributes = append(out.Attributes, attr)
	}
	for _, name := range s.GetLocations() {
		locID := ResourceID(name)
		sal := ServiceAtLocation{ID: serviceAtLocationID(id, locID), ServiceID: id, LocationID: locID}
		if l, ok := rel.Locations[name]; ok && l != nil {
			loc := ExportLocation(l)
			sal.Location = &loc
		}
		out.ServiceAtLocations = append(out.ServiceAtLocations, sal)
	}
	return out
}

// ExportServiceAtLocation maps a service delivered at one of its locations to an HSDS
// service_at_location with the nested service and location. l may be nil when the location is
// not known; the result then carries only its id.
func ExportServiceAtLocation(s *directoryv1.Service, l *directoryv1.Location, locationName string, rel Related) ServiceAtLocation {
	svc := ExportService(s, rel)
	// The pair is the record here; repeating every location inside the service adds nothing.
	svc.ServiceAtLocations = nil
	locID := ResourceID(locationName)
	out := ServiceAtLocation{
		ID:         serviceAtLocationID(svc.ID, locID),
		ServiceID:  svc.ID,
		LocationID: locID,
		Service:    &svc,
	}
	if l != nil {
		loc := ExportLocation(l)
		out.Location = &loc
	}
	return out
}

// ExportLocation maps a location to HSDS.
func ExportLocation(l *directoryv1.Location) Location {
	id := ResourceID(l.GetName())
	locType, ok := locationTypeNames[l.GetLocationType()]
	if !ok {
		locType = "physical" // UNSPECIFIED is stored as physical
	}
	out := Location{
		ID:             id,
		LocationType:   locType,
		Name:           l.GetDisplayName(),
		Description:    l.GetDescription(),
		Transportation: l.GetTransportation(),
		Languages:      exportLanguages("location", id, l.GetLanguages()),
	}
	if org := l.GetOrganization(); org != "" {
		out.OrganizationID = ResourceID(org)
	}
	if l.Latitude != nil && l.Longitude != nil {
		lat, lng := l.GetLatitude(), l.GetLongitude()
		out.Latitude, out.Longitude = &lat, &lng
	}
	if a := l.GetAddress(); a != nil && hasAddress(a) {
		country := a.GetCountry()
		if country == "" {
			country = "CA" // the directory's default country
		}
		out.Addresses = []Address{{
			ID:            childID("location", id, "address", "0"),
			Address1:      a.GetAddress_1(),
			Address2:      a.GetAddress_2(),
			City:          a.GetCity(),
			StateProvince: a.GetRegion(),
			PostalCode:    a.GetPostalCode(),
			Country:       country,
			AddressType:   locType,
		}}
	}
	for i, text := range l.GetAccessibility() {
		out.Accessibility = append(out.Accessibility, Accessibility{
			ID:          childID("location", id, "accessibility", itoa(i)),
			Description: text,
		})
	}
	return out
}

// ExportTaxonomyTerm maps a taxonomy term to HSDS.
func ExportTaxonomyTerm(t *directoryv1.TaxonomyTerm) TaxonomyTerm {
	out := TaxonomyTerm{
		ID:          ResourceID(t.GetName()),
		Code:        t.GetCode(),
		Name:        t.GetDisplayName(),
		Description: t.GetDescription(),
		Taxonomy:    t.GetTaxonomy(),
		Language:    t.GetLanguage(),
	}
	if p := t.GetParent(); p != "" {
		out.ParentID = ResourceID(p)
	}
	return out
}

func hasAddress(a *directoryv1.Address) bool {
	return a.GetAddress_1() != "" || a.GetAddress_2() != "" || a.GetCity() != "" ||
		a.GetRegion() != "" || a.GetPostalCode() != ""
}

func exportPhones(parentKind, parentID string, phones []*directoryv1.Phone) []Phone {
	var out []Phone
	for i, p := range phones {
		out = append(out, Phone{
			ID:          childID(parentKind, parentID, "phone", itoa(i)),
			Number:      p.GetNumber(),
			Type:        p.GetType(),
			Description: p.GetDescription(),
		})
	}
	return out
}

// exportLanguages turns BCP-47 tags into HSDS languages. HSDS wants an ISO 639 code, so the
// code is the tag's base language and the name, in English, keeps the region ("Canadian French").
func exportLanguages(parentKind, parentID string, tags []string) []Language {
	var out []Language
	for i, tag := range tags {
		lang := Language{ID: childID(parentKind, parentID, "language", itoa(i)), Code: tag}
		if t, err := language.Parse(tag); err == nil {
			base, _ := t.Base()
			lang.Code = base.String()
			lang.Name = display.English.Tags().Name(t)
		}
		out = append(out, lang)
	}
	return out
}

// exportCost maps the directory's single cost to HSDS: a free service says so in
// fees_description, a priced one gets a cost option with the amount in major units.
func exportCost(serviceID string, c *directoryv1.CostOption) (feesDescription string, options []CostOption) {
	if c == nil {
		return "", nil
	}
	currency := c.GetCurrency()
	if currency == "" {
		currency = "CAD" // the directory's default currency
	}
	switch {
	case c.GetFree():
		feesDescription = "Free"
		if d := c.GetDescription(); d != "" {
			// An amount of zero keeps the words without contradicting "Free".
			zero := 0.0
			options = []CostOption{{ID: childID("service", serviceID, "cost_option", "0"),
				Currency: currency, Amount: &zero, AmountDescription: d}}
		}
	case c.GetAmountMinor() > 0:
		amount := float64(c.GetAmountMinor()) / math.Pow10(minorUnitDigits(currency))
		options = []CostOption{{ID: childID("service", serviceID, "cost_option", "0"),
			Currency: currency, Amount: &amount, AmountDescription: c.GetDescription()}}
	default:
		feesDescription = c.GetDescription()
	}
	return feesDescription, options
}

// minorUnitDigits is the number of decimal digits of a currency's minor unit (ISO 4217).
func minorUnitDigits(currency string) int {
	switch strings.ToUpper(currency) {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
		"VND", "VUV", "XAF", "XOF", "XPF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	}
	return 2
}

func positiveAge(age int32) *float64 {
	if age <= 0 {
		return nil // 0 means "not limited"
	}
	v := float64(age)
	return &v
}

// formatTime writes a timestamp as HSDS wants it: RFC 3339 in UTC with milliseconds.
func formatTime(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return ""
	}
	return ts.AsTime().UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

func itoa(i int) string { return strconv.Itoa(i) }
