package document

import (
	"fmt"
	"math"
	"strings"

	"golang.org/x/text/language"
	"google.golang.org/protobuf/proto"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
)

// organizationProto maps the fields of an HSDS organization.
func organizationProto(o *Organization) (*directoryv1.Organization, error) {
	name := strings.TrimSpace(o.Name)
	if name == "" {
		return nil, fieldErr("name", "required")
	}
	out := &directoryv1.Organization{
		Name:          OrganizationsPrefix + o.ID,
		DisplayName:   name,
		AlternateName: strings.TrimSpace(o.AlternateName),
		Description:   strings.TrimSpace(o.Description),
		Email:         strings.TrimSpace(o.Email),
		Website:       strings.TrimSpace(o.Website),
		LegalStatus:   strings.TrimSpace(o.LegalStatus),
	}
	if out.Website == "" {
		out.Website = strings.TrimSpace(o.URI)
	}
	if pid := o.ParentOrganizationID; pid != "" {
		if err := checkID(pid); err != nil {
			return nil, within("parent_organization_id", err)
		}
		if pid == o.ID {
			return nil, fieldErr("parent_organization_id", "an organization cannot be its own parent")
		}
		out.ParentOrganization = OrganizationsPrefix + pid
	}
	var err error
	if out.Phones, err = phonesProto(o.Phones); err != nil {
		return nil, err
	}
	return out, nil
}

// HSDS status strings, lower case.
var serviceStatuses = map[string]directoryv1.ServiceStatus{
	"active":             directoryv1.ServiceStatus_SERVICE_STATUS_ACTIVE,
	"inactive":           directoryv1.ServiceStatus_SERVICE_STATUS_INACTIVE,
	"defunct":            directoryv1.ServiceStatus_SERVICE_STATUS_DEFUNCT,
	"temporarily closed": directoryv1.ServiceStatus_SERVICE_STATUS_TEMPORARILY_CLOSED,
}

// serviceProto maps the fields of an HSDS service, without its organization, locations and
// taxonomy terms.
func serviceProto(s *Service) (*directoryv1.Service, error) {
	name := strings.TrimSpace(s.Name)
	if name == "" {
		return nil, fieldErr("name", "required")
	}
	out := &directoryv1.Service{
		Name:                   ServicesPrefix + s.ID,
		DisplayName:            name,
		AlternateName:          strings.TrimSpace(s.AlternateName),
		Description:            strings.TrimSpace(s.Description),
		Url:                    strings.TrimSpace(s.URL),
		Email:                  strings.TrimSpace(s.Email),
		EligibilityDescription: strings.TrimSpace(s.EligibilityDescription),
		ApplicationProcess:     strings.TrimSpace(s.ApplicationProcess),
	}
	if st := strings.ToLower(strings.TrimSpace(s.Status)); st != "" {
		status, ok := serviceStatuses[st]
		if !ok {
			return nil, fieldErr("status", "%q is not an HSDS status: want active, inactive, defunct or temporarily closed", s.Status)
		}
		out.Status = status
	}
	var err error
	if out.MinimumAge, err = ageProto("minimum_age", s.MinimumAge); err != nil {
		return nil, err
	}
	if out.MaximumAge, err = ageProto("maximum_age", s.MaximumAge); err != nil {
		return nil, err
	}
	if out.MaximumAge != 0 && out.MaximumAge < out.MinimumAge {
		return nil, fieldErr("maximum_age", "must not be below minimum_age")
	}
	if out.Languages, err = languagesProto(s.Languages); err != nil {
		return nil, err
	}
	if out.Phones, err = phonesProto(s.Phones); err != nil {
		return nil, err
	}
	out.ScheduleDescription = scheduleDescription(s.Schedules)
	for _, a := range s.ServiceAreas {
		area := strings.TrimSpace(a.Name)
		if area == "" {
			area = strings.TrimSpace(a.Description)
		}
		if area != "" {
			out.ServiceAreas = append(out.ServiceAreas, area)
		}
	}
	if out.Cost, err = costProto(s.FeesDescription, s.CostOptions); err != nil {
		return nil, err
	}
	return out, nil
}

func ageProto(field string, age *float64) (int32, error) {
	if age == nil {
		return 0, nil
	}
	if *age < 0 || *age > 130 || *age != math.Trunc(*age) {
		return 0, fieldErr(field, "must be a whole number of years from 0 to 130")
	}
	return int32(*age), nil
}

// scheduleDescription puts schedules into words: their descriptions, or for a schedule without
// one its days and hours.
func scheduleDescription(schedules []Schedule) string {
	var parts []string
	for _, s := range schedules {
		d := strings.TrimSpace(s.Description)
		if d == "" {
			var words []string
			if s.ByDay != "" {
				words = append(words, s.ByDay)
			}
			if s.OpensAt != "" || s.ClosesAt != "" {
				words = append(words, s.OpensAt+"-"+s.ClosesAt)
			}
			d = strings.Join(words, " ")
		}
		if d != "" {
			parts = append(parts, d)
		}
	}
	return strings.Join(parts, "; ")
}

// costProto maps HSDS fees to the directory's single cost: the first cost option with an
// amount gives the price (an amount of zero means free), and "Free" in fees_description means
// free.
func costProto(fees string, options []CostOption) (*directoryv1.CostOption, error) {
	fees = strings.TrimSpace(fees)
	var out directoryv1.CostOption
	var words []string
	for i, o := range options {
		if o.Amount == nil {
			continue
		}
		amount := *o.Amount
		if amount < 0 {
			return nil, fieldErr(fmt.Sprintf("cost_options[%d].amount", i), "must not be negative")
		}
		currency := strings.ToUpper(strings.TrimSpace(o.Currency))
		if currency != "" && !isLetters(currency, 3) {
			return nil, fieldErr(fmt.Sprintf("cost_options[%d].currency", i), "%q is not an ISO 4217 currency code", o.Currency)
		}
		minor := math.Round(amount * math.Pow10(minorUnitDigits(currency)))
		if minor > 100_000_000 {
			return nil, fieldErr(fmt.Sprintf("cost_options[%d].amount", i), "too large")
		}
		out.AmountMinor, out.Currency, out.Free = int64(minor), currency, minor == 0
		for _, w := range []string{o.Option, o.AmountDescription} {
			if w = strings.TrimSpace(w); w != "" {
				words = append(words, w)
			}
		}
		break
	}
	if strings.EqualFold(fees, "free") {
		out.Free, out.AmountMinor = true, 0
	} else if fees != "" {
		words = append(words, fees)
	}
	out.Description = strings.Join(words, "; ")
	if !out.Free && out.AmountMinor == 0 && out.Description == "" {
		return nil, nil
	}
	return &out, nil
}

func isLetters(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// phonesProto maps HSDS phones. Quotes around a number, a leftover of CSV exports, are dropped,
// and an extension is written after the number as " x123".
func phonesProto(phones []Phone) ([]*directoryv1.Phone, error) {
	var out []*directoryv1.Phone
	for i, p := range phones {
		number := strings.Trim(strings.TrimSpace(p.Number), `"'`)
		number = strings.TrimSpace(number)
		if number == "" {
			return nil, fieldErr(fmt.Sprintf("phones[%d].number", i), "required")
		}
		if p.Extension != nil {
			number += fmt.Sprintf(" x%g", *p.Extension)
		}
		out = append(out, &directoryv1.Phone{
			Number:      number,
			Type:        strings.TrimSpace(p.Type),
			Description: strings.TrimSpace(p.Description),
		})
	}
	return out, nil
}

// languagesProto maps HSDS languages to BCP-47 tags, from their ISO 639 codes.
func languagesProto(langs []Language) ([]string, error) {
	var out []string
	for i, l := range langs {
		field := fmt.Sprintf("languages[%d].code", i)
		code := strings.TrimSpace(l.Code)
		if code == "" {
			return nil, fieldErr(field, "required: an ISO 639 language code")
		}
		tag, err := language.Parse(code)
		if err != nil {
			return nil, fieldErr(field, "%q is not an ISO 639 language code", l.Code)
		}
		out = appendUnique(out, tag.String())
	}
	return out, nil
}

// HSDS location_type strings.
var locationTypes = map[string]directoryv1.LocationType{
	"physical": directoryv1.LocationType_LOCATION_TYPE_PHYSICAL,
	"postal":   directoryv1.LocationType_LOCATION_TYPE_POSTAL,
	"virtual":  directoryv1.LocationType_LOCATION_TYPE_VIRTUAL,
}

// locationProto maps an HSDS location; orgID is used when it names no organization of its own.
func locationProto(l *Location, orgID string) (*directoryv1.Location, error) {
	out := &directoryv1.Location{
		Name:           LocationsPrefix + l.ID,
		Description:    strings.TrimSpace(l.Description),
		Transportation: strings.TrimSpace(l.Transportation),
	}
	// HSDS does not require a location's name but the directory does: fall back to what
	// people would call it.
	for _, n := range []string{l.Name, l.AlternateName} {
		if out.DisplayName = strings.TrimSpace(n); out.DisplayName != "" {
			break
		}
	}
	if out.DisplayName == "" && len(l.Addresses) > 0 {
		out.DisplayName = strings.TrimSpace(l.Addresses[0].Address1)
	}
	if out.DisplayName == "" {
		return nil, fieldErr("name", "required")
	}
	org := l.OrganizationID
	if org == "" {
		org = orgID
	}
	if org == "" {
		return nil, fieldErr("organization_id", "required: a location must belong to an organization")
	}
	if err := checkID(org); err != nil {
		return nil, within("organization_id", err)
	}
	out.Organization = OrganizationsPrefix + org
	if t := strings.ToLower(strings.TrimSpace(l.LocationType)); t != "" {
		lt, ok := locationTypes[t]
		if !ok {
			return nil, fieldErr("location_type", "%q is not an HSDS location type: want physical, postal or virtual", l.LocationType)
		}
		out.LocationType = lt
	}
	switch {
	case l.Latitude == nil && l.Longitude == nil:
	case l.Latitude == nil:
		return nil, fieldErr("latitude", "required with longitude")
	case l.Longitude == nil:
		return nil, fieldErr("longitude", "required with latitude")
	case *l.Latitude < -90 || *l.Latitude > 90:
		return nil, fieldErr("latitude", "must be from -90 to 90 degrees, got %g", *l.Latitude)
	case *l.Longitude < -180 || *l.Longitude > 180:
		return nil, fieldErr("longitude", "must be from -180 to 180 degrees, got %g", *l.Longitude)
	default:
		out.Latitude, out.Longitude = proto.Float64(*l.Latitude), proto.Float64(*l.Longitude)
	}
	if i := pickAddress(l.Addresses, l.LocationType); i >= 0 {
		a := l.Addresses[i]
		country := strings.ToUpper(strings.TrimSpace(a.Country))
		if country != "" && !isLetters(country, 2) {
			return nil, fieldErr(fmt.Sprintf("addresses[%d].country", i), "%q is not an ISO 3166-1 alpha-2 country code", a.Country)
		}
		region := strings.TrimSpace(a.StateProvince)
		if region == "" {
			region = strings.TrimSpace(a.Region)
		}
		out.Address = &directoryv1.Address{
			Address_1:  strings.TrimSpace(a.Address1),
			Address_2:  strings.TrimSpace(a.Address2),
			City:       strings.TrimSpace(a.City),
			Region:     region,
			PostalCode: strings.TrimSpace(a.PostalCode),
			Country:    country,
		}
	}
	for _, a := range l.Accessibility {
		text := strings.TrimSpace(a.Description)
		if text == "" {
			text = strings.TrimSpace(a.Details)
		}
		if text != "" {
			out.Accessibility = append(out.Accessibility, text)
		}
	}
	var err error
	if out.Languages, err = languagesProto(l.Languages); err != nil {
		return nil, err
	}
	return out, nil
}

// pickAddress chooses the one address the directory keeps: the first of the location's own
// type, else the first; -1 when there is none.
func pickAddress(addresses []Address, locationType string) int {
	for i, a := range addresses {
		if strings.EqualFold(a.AddressType, locationType) {
			return i
		}
	}
	if len(addresses) > 0 {
		return 0
	}
	return -1
}

// defaultTaxonomy names the taxonomy of a term that names none; the directory needs one.
const defaultTaxonomy = "uncategorised"

// taxonomyTermProto maps an HSDS taxonomy term.
func taxonomyTermProto(t *TaxonomyTerm) (*directoryv1.TaxonomyTerm, error) {
	name := strings.TrimSpace(t.Name)
	if name == "" {
		return nil, fieldErr("name", "required")
	}
	out := &directoryv1.TaxonomyTerm{
		Name:        TaxonomyTermsPrefix + t.ID,
		Code:        strings.TrimSpace(t.Code),
		DisplayName: name,
		Description: strings.TrimSpace(t.Description),
		Taxonomy:    strings.TrimSpace(t.Taxonomy),
	}
	if out.Code == "" {
		out.Code = t.ID // HSDS does not require a code but the directory does; the id is unique
	}
	if out.Taxonomy == "" && t.TaxonomyDetail != nil {
		out.Taxonomy = strings.TrimSpace(t.TaxonomyDetail.Name)
	}
	if out.Taxonomy == "" {
		out.Taxonomy = defaultTaxonomy
	}
	if lang := strings.TrimSpace(t.Language); lang != "" {
		tag, err := language.Parse(lang)
		if err != nil {
			return nil, fieldErr("language", "%q is not a language code", t.Language)
		}
		out.Language = tag.String()
	}
	if pid := t.ParentID; pid != "" {
		if err := checkID(pid); err != nil {
			return nil, within("parent_id", err)
		}
		if pid == t.ID {
			return nil, fieldErr("parent_id", "a term cannot be its own parent")
		}
		out.Parent = TaxonomyTermsPrefix + pid
	}
	return out, nil
}
