package web

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/platform/language"
)

// The kinds of record a directory administrator manages in the browser: for each, the fields of
// its form, where the service's field violations go, and the directory calls that list, read,
// save and delete one.

// adminFieldDef is one input of a kind's form: its form name, message key, input type ("text",
// "textarea", "select", "checks", "checkbox", "decimal", "email", "url"), the update-mask path it
// changes and, for selects and checks, where its choices come from.
type adminFieldDef struct {
	name, label, typ, path string
	required               bool
	options                string // "orgs", "terms", "locations", "roles"
	lang                   string // the language of the text the field holds, when not the page's
}

// The French text of an organisation or programme: a translation of its own text, which the
// public pages show to people who read the site in French.
var frenchFields = []adminFieldDef{
	{name: "d_fr_display_name", label: "admin.f.fr_display_name", typ: "text", path: "translations", lang: "fr"},
	{name: "d_fr_description", label: "admin.f.fr_description", typ: "textarea", path: "translations", lang: "fr"},
}

func isFrench(code string) bool { return language.Closest([]string{"fr"}, []string{code}) == 0 }

// frenchValues puts the French text among translations into the form's French fields.
func frenchValues(v url.Values, translations []*directoryv1.LocalizedText) url.Values {
	for _, t := range translations {
		if isFrench(t.GetLanguageCode()) {
			v["d_fr_display_name"], v["d_fr_description"] = one(t.GetDisplayName()), one(t.GetDescription())
			break
		}
	}
	return v
}

// savedTranslations are the translations an organisation or programme is saved with: the form's
// French text among those stored. An update of them reads the stored ones first, since it
// replaces the whole list; the etag it sends is the form's, so a version newer than the form is
// refused as a conflict.
func savedTranslations(name string, paths []string, v url.Values, stored func() ([]*directoryv1.LocalizedText, error)) (
	translations []*directoryv1.LocalizedText, bad []string, err error) {
	var current []*directoryv1.LocalizedText
	if name != "" && slices.Contains(paths, "translations") {
		if current, err = stored(); err != nil {
			return nil, nil, err
		}
	}
	translations, bad = withFrench(current, v)
	return translations, bad, nil
}

// withFrench is translations with their French text as the form has it, first, so that the
// directory's refusals of it (translations[0]) go beside the French fields; none when both are
// empty. The other languages, and what the form does not edit of the French text (its regional
// tag, its other name), stay. bad names the French name when a French description comes
// without one.
func withFrench(translations []*directoryv1.LocalizedText, v url.Values) (out []*directoryv1.LocalizedText, bad []string) {
	name, description := v.Get("d_fr_display_name"), v.Get("d_fr_description")
	if name == "" && description != "" {
		return nil, []string{"d_fr_display_name"}
	}
	var fr *directoryv1.LocalizedText
	for _, t := range translations {
		if fr == nil && isFrench(t.GetLanguageCode()) {
			fr = proto.CloneOf(t)
			continue
		}
		out = append(out, t)
	}
	if name == "" {
		return out, nil
	}
	if fr == nil {
		fr = &directoryv1.LocalizedText{LanguageCode: "fr"}
	}
	fr.DisplayName, fr.Description = name, description
	return append([]*directoryv1.LocalizedText{fr}, out...), nil
}

// adminRow is one record of a list page.
type adminRow struct {
	Name, ID, Title, Detail, Etag string
}

// adminKind is what the generic list and form pages need of one kind of record.
type adminKind struct {
	Kind   string // the collection: "organizations"
	fields []adminFieldDef
	paths  fieldMap
	list   func(ctx context.Context, d directoryv1.DirectoryServiceClient, token string) ([]adminRow, string, error)
	get    func(ctx context.Context, d directoryv1.DirectoryServiceClient, name string) (url.Values, string, error)
	// save creates (name "") or updates through mask; bad lists the form fields it could not read.
	save   func(ctx context.Context, d directoryv1.DirectoryServiceClient, name, etag string, v url.Values, mask []string, requestID string) (bad []string, err error)
	remove func(ctx context.Context, d directoryv1.DirectoryServiceClient, name, etag string) error
}

// adminPageSize is how many records a list page shows.
const adminPageSize = 20

var adminKinds = map[string]*adminKind{}

// adminKindOrder is the order of the kinds on the administration pages.
var adminKindOrder = []string{"organizations", "services", "locations", "taxonomyTerms", "practitioners"}

func mask(paths []string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

// words splits a comma-separated list into its trimmed items.
func words(s string) []string {
	var out []string
	for _, w := range strings.Split(s, ",") {
		if w = strings.TrimSpace(w); w != "" {
			out = append(out, w)
		}
	}
	return out
}

func one(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func decimal(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), ",", ".") }

func init() {
	adminKinds["organizations"] = &adminKind{
		Kind: "organizations",
		fields: []adminFieldDef{
			{name: "d_display_name", label: "admin.f.display_name", typ: "text", path: "display_name", required: true},
			{name: "d_description", label: "admin.f.description", typ: "textarea", path: "description"},
			frenchFields[0], frenchFields[1],
			{name: "d_email", label: "admin.f.email", typ: "email", path: "email"},
			{name: "d_website", label: "admin.f.website", typ: "url", path: "website"},
			{name: "d_member", label: "admin.f.member", typ: "checkbox", path: "member_centre"},
		},
		paths: fieldMap{"organization.display_name": "d_display_name", "organization.description": "d_description",
			"organization.email": "d_email", "organization.website": "d_website",
			"organization.translations": "d_fr_display_name", "organization.translations[0].description": "d_fr_description"},
		list: func(ctx context.Context, d directoryv1.DirectoryServiceClient, token string) ([]adminRow, string, error) {
			resp, err := d.ListOrganizations(ctx, &directoryv1.ListOrganizationsRequest{PageSize: adminPageSize, PageToken: token})
			var rows []adminRow
			for _, o := range resp.GetOrganizations() {
				rows = append(rows, adminRow{Name: o.GetName(), Title: o.GetDisplayName(), Detail: o.GetEmail(), Etag: o.GetEtag()})
			}
			return rows, resp.GetNextPageToken(), err
		},
		get: func(ctx context.Context, d directoryv1.DirectoryServiceClient, name string) (url.Values, string, error) {
			o, err := d.GetOrganization(ctx, &directoryv1.GetOrganizationRequest{Name: name})
			v := url.Values{"d_display_name": one(o.GetDisplayName()), "d_description": one(o.GetDescription()),
				"d_email": one(o.GetEmail()), "d_website": one(o.GetWebsite())}
			if o.GetMemberCentre() {
				v["d_member"] = []string{"on"}
			}
			return frenchValues(v, o.GetTranslations()), o.GetEtag(), err
		},
		save: func(ctx context.Context, d directoryv1.DirectoryServiceClient, name, etag string, v url.Values, paths []string, requestID string) ([]string, error) {
			o := &directoryv1.Organization{Name: name, Etag: etag, DisplayName: v.Get("d_display_name"), Description: v.Get("d_description"),
				Email: v.Get("d_email"), Website: v.Get("d_website"), MemberCentre: v.Get("d_member") == "on"}
			translations, bad, err := savedTranslations(name, paths, v, func() ([]*directoryv1.LocalizedText, error) {
				stored, err := d.GetOrganization(ctx, &directoryv1.GetOrganizationRequest{Name: name})
				return stored.GetTranslations(), err
			})
			if bad != nil || err != nil {
				return bad, err
			}
			o.Translations = translations
			if name == "" {
				_, err = d.CreateOrganization(ctx, &directoryv1.CreateOrganizationRequest{Organization: o, RequestId: requestID})
			} else {
				_, err = d.UpdateOrganization(ctx, &directoryv1.UpdateOrganizationRequest{Organization: o, UpdateMask: mask(paths)})
			}
			return nil, err
		},
		remove: func(ctx context.Context, d directoryv1.DirectoryServiceClient, name, etag string) error {
			_, err := d.DeleteOrganization(ctx, &directoryv1.DeleteOrganizationRequest{Name: name, Etag: etag})
			return err
		},
	}

	adminKinds["services"] = &adminKind{
		Kind: "services",
		fields: []adminFieldDef{
			{name: "d_display_name", label: "admin.f.display_name", typ: "text", path: "display_name", required: true},
			{name: "d_org", label: "admin.f.org", typ: "select", path: "organization", options: "orgs"},
			{name: "d_description", label: "admin.f.description", typ: "textarea", path: "description"},
			frenchFields[0], frenchFields[1],
			{name: "d_email", label: "admin.f.email", typ: "email", path: "email"},
			{name: "d_url", label: "admin.f.website", typ: "url", path: "url"},
			{name: "d_languages", label: "admin.f.languages", typ: "text", path: "languages"},
			{name: "d_terms", label: "admin.f.terms", typ: "checks", path: "taxonomy_terms", options: "terms"},
			{name: "d_locations", label: "admin.f.locations", typ: "checks", path: "locations", options: "locations"},
		},
		paths: fieldMap{"service.display_name": "d_display_name", "service.organization": "d_org", "service.description": "d_description",
			"service.email": "d_email", "service.url": "d_url", "service.languages": "d_languages",
			"service.taxonomy_terms": "d_terms", "service.locations": "d_locations",
			"service.translations": "d_fr_display_name", "service.translations[0].description": "d_fr_description"},
		list: func(ctx context.Context, d directoryv1.DirectoryServiceClient, token string) ([]adminRow, string, error) {
			resp, err := d.ListServices(ctx, &directoryv1.ListServicesRequest{PageSize: adminPageSize, PageToken: token})
			var rows []adminRow
			for _, s := range resp.GetServices() {
				rows = append(rows, adminRow{Name: s.GetName(), Title: s.GetDisplayName(), Detail: s.GetOrganization(), Etag: s.GetEtag()})
			}
			return rows, resp.GetNextPageToken(), err
		},
		get: func(ctx context.Context, d directoryv1.DirectoryServiceClient, name string) (url.Values, string, error) {
			s, err := d.GetService(ctx, &directoryv1.GetServiceRequest{Name: name})
			return frenchValues(url.Values{"d_display_name": one(s.GetDisplayName()), "d_org": one(s.GetOrganization()),
				"d_description": one(s.GetDescription()), "d_email": one(s.GetEmail()), "d_url": one(s.GetUrl()),
				"d_languages": one(strings.Join(s.GetLanguages(), ", ")), "d_terms": s.GetTaxonomyTerms(),
				"d_locations": s.GetLocations()}, s.GetTranslations()), s.GetEtag(), err
		},
		save: func(ctx context.Context, d directoryv1.DirectoryServiceClient, name, etag string, v url.Values, paths []string, requestID string) ([]string, error) {
			s := &directoryv1.Service{Name: name, Etag: etag, DisplayName: v.Get("d_display_name"), Organization: v.Get("d_org"),
				Description: v.Get("d_description"), Email: v.Get("d_email"), Url: v.Get("d_url"),
				Languages: words(v.Get("d_languages")), TaxonomyTerms: v["d_terms"], Locations: v["d_locations"]}
			translations, bad, err := savedTranslations(name, paths, v, func() ([]*directoryv1.LocalizedText, error) {
				stored, err := d.GetService(ctx, &directoryv1.GetServiceRequest{Name: name})
				return stored.GetTranslations(), err
			})
			if bad != nil || err != nil {
				return bad, err
			}
			s.Translations = translations
			if name == "" {
				_, err = d.CreateService(ctx, &directoryv1.CreateServiceRequest{Service: s, RequestId: requestID})
			} else {
				_, err = d.UpdateService(ctx, &directoryv1.UpdateServiceRequest{Service: s, UpdateMask: mask(paths)})
			}
			return nil, err
		},
		remove: func(ctx context.Context, d directoryv1.DirectoryServiceClient, name, etag string) error {
			_, err := d.DeleteService(ctx, &directoryv1.DeleteServiceRequest{Name: name, Etag: etag})
			return err
		},
	}

	adminKinds["locations"] = &adminKind{
		Kind: "locations",
		fields: []adminFieldDef{
			{name: "d_display_name", label: "admin.f.display_name", typ: "text", path: "display_name", required: true},
			{name: "d_org", label: "admin.f.org", typ: "select", path: "organization", options: "orgs"},
			{name: "d_description", label: "admin.f.description", typ: "textarea", path: "description"},
			{name: "d_address", label: "admin.f.address", typ: "text", path: "address"},
			{name: "d_city", label: "admin.f.city", typ: "text", path: "address"},
			{name: "d_postal", label: "admin.f.postal", typ: "text", path: "address"},
			{name: "d_latitude", label: "admin.f.latitude", typ: "decimal", path: "latitude"},
			{name: "d_longitude", label: "admin.f.longitude", typ: "decimal", path: "longitude"},
		},
		paths: fieldMap{"location.display_name": "d_display_name", "location.organization": "d_org", "location.description": "d_description",
			"location.address": "d_address", "location.address.city": "d_city", "location.address.postal_code": "d_postal",
			"location.latitude": "d_latitude", "location.longitude": "d_longitude", "location": "d_latitude"},
		list: func(ctx context.Context, d directoryv1.DirectoryServiceClient, token string) ([]adminRow, string, error) {
			resp, err := d.ListLocations(ctx, &directoryv1.ListLocationsRequest{PageSize: adminPageSize, PageToken: token})
			var rows []adminRow
			for _, l := range resp.GetLocations() {
				detail := l.GetAddress().GetCity()
				if l.Latitude != nil && l.Longitude != nil {
					detail = strings.TrimPrefix(fmt.Sprintf("%s · %.5f, %.5f", detail, l.GetLatitude(), l.GetLongitude()), " · ")
				}
				rows = append(rows, adminRow{Name: l.GetName(), Title: l.GetDisplayName(), Detail: detail, Etag: l.GetEtag()})
			}
			return rows, resp.GetNextPageToken(), err
		},
		get: func(ctx context.Context, d directoryv1.DirectoryServiceClient, name string) (url.Values, string, error) {
			l, err := d.GetLocation(ctx, &directoryv1.GetLocationRequest{Name: name})
			v := url.Values{"d_display_name": one(l.GetDisplayName()), "d_org": one(l.GetOrganization()),
				"d_description": one(l.GetDescription()), "d_address": one(l.GetAddress().GetAddress_1()),
				"d_city": one(l.GetAddress().GetCity()), "d_postal": one(l.GetAddress().GetPostalCode())}
			if l.Latitude != nil {
				v["d_latitude"] = []string{strconv.FormatFloat(l.GetLatitude(), 'f', -1, 64)}
			}
			if l.Longitude != nil {
				v["d_longitude"] = []string{strconv.FormatFloat(l.GetLongitude(), 'f', -1, 64)}
			}
			return v, l.GetEtag(), err
		},
		save: func(ctx context.Context, d directoryv1.DirectoryServiceClient, name, etag string, v url.Values, paths []string, requestID string) ([]string, error) {
			l := &directoryv1.Location{Name: name, Etag: etag, DisplayName: v.Get("d_display_name"), Organization: v.Get("d_org"),
				Description: v.Get("d_description")}
			if a, c, p := v.Get("d_address"), v.Get("d_city"), v.Get("d_postal"); a != "" || c != "" || p != "" {
				l.Address = &directoryv1.Address{Address_1: a, City: c, PostalCode: p}
			}
			var bad []string
			coord := func(field string) *float64 {
				s := decimal(v.Get(field))
				if s == "" {
					return nil
				}
				f, err := strconv.ParseFloat(s, 64)
				if err != nil {
					bad = append(bad, field)
					return nil
				}
				return &f
			}
			l.Latitude, l.Longitude = coord("d_latitude"), coord("d_longitude")
			if len(bad) > 0 {
				return bad, nil
			}
			var err error
			if name == "" {
				_, err = d.CreateLocation(ctx, &directoryv1.CreateLocationRequest{Location: l, RequestId: requestID})
			} else {
				_, err = d.UpdateLocation(ctx, &directoryv1.UpdateLocationRequest{Location: l, UpdateMask: mask(paths)})
			}
			return nil, err
		},
		remove: func(ctx context.Context, d directoryv1.DirectoryServiceClient, name, etag string) error {
			_, err := d.DeleteLocation(ctx, &directoryv1.DeleteLocationRequest{Name: name, Etag: etag})
			return err
		},
	}

	adminKinds["taxonomyTerms"] = &adminKind{
		Kind: "taxonomyTerms",
		fields: []adminFieldDef{
			{name: "d_display_name", label: "admin.f.display_name", typ: "text", path: "display_name", required: true},
			{name: "d_code", label: "admin.f.code", typ: "text", path: "code", required: true},
			{name: "d_taxonomy", label: "admin.f.taxonomy", typ: "text", path: "taxonomy", required: true},
			{name: "d_description", label: "admin.f.description", typ: "textarea", path: "description"},
		},
		paths: fieldMap{"taxonomy_term.display_name": "d_display_name", "taxonomy_term.code": "d_code",
			"taxonomy_term.taxonomy": "d_taxonomy", "taxonomy_term.description": "d_description"},
		list: func(ctx context.Context, d directoryv1.DirectoryServiceClient, token string) ([]adminRow, string, error) {
			resp, err := d.ListTaxonomyTerms(ctx, &directoryv1.ListTaxonomyTermsRequest{PageSize: adminPageSize, PageToken: token})
			var rows []adminRow
			for _, t := range resp.GetTaxonomyTerms() {
				rows = append(rows, adminRow{Name: t.GetName(), Title: t.GetDisplayName(), Detail: t.GetTaxonomy() + " · " + t.GetCode(), Etag: t.GetEtag()})
			}
			return rows, resp.GetNextPageToken(), err
		},
		get: func(ctx context.Context, d directoryv1.DirectoryServiceClient, name string) (url.Values, string, error) {
			t, err := d.GetTaxonomyTerm(ctx, &directoryv1.GetTaxonomyTermRequest{Name: name})
			return url.Values{"d_display_name": one(t.GetDisplayName()), "d_code": one(t.GetCode()),
				"d_taxonomy": one(t.GetTaxonomy()), "d_description": one(t.GetDescription())}, t.GetEtag(), err
		},
		save: func(ctx context.Context, d directoryv1.DirectoryServiceClient, name, etag string, v url.Values, paths []string, requestID string) ([]string, error) {
			t := &directoryv1.TaxonomyTerm{Name: name, Etag: etag, DisplayName: v.Get("d_display_name"), Code: v.Get("d_code"),
				Taxonomy: v.Get("d_taxonomy"), Description: v.Get("d_description")}
			var err error
			if name == "" {
				_, err = d.CreateTaxonomyTerm(ctx, &directoryv1.CreateTaxonomyTermRequest{TaxonomyTerm: t, RequestId: requestID})
			} else {
				_, err = d.UpdateTaxonomyTerm(ctx, &directoryv1.UpdateTaxonomyTermRequest{TaxonomyTerm: t, UpdateMask: mask(paths)})
			}
			return nil, err
		},
		remove: func(ctx context.Context, d directoryv1.DirectoryServiceClient, name, etag string) error {
			_, err := d.DeleteTaxonomyTerm(ctx, &directoryv1.DeleteTaxonomyTermRequest{Name: name, Etag: etag})
			return err
		},
	}

	adminKinds["practitioners"] = &adminKind{
		Kind: "practitioners",
		fields: []adminFieldDef{
			{name: "d_given", label: "newref.given", typ: "text", path: "given_name", required: true},
			{name: "d_family", label: "newref.family", typ: "text", path: "family_name", required: true},
			{name: "d_org", label: "admin.f.org", typ: "select", path: "organization", options: "orgs"},
			{name: "d_role", label: "admin.add.role", typ: "select", path: "role", options: "roles"},
			{name: "d_email", label: "admin.add.email", typ: "email", path: "email"},
		},
		paths: fieldMap{"practitioner.given_name": "d_given", "practitioner.family_name": "d_family",
			"practitioner.organization": "d_org", "practitioner.role": "d_role", "practitioner.email": "d_email"},
		list: func(ctx context.Context, d directoryv1.DirectoryServiceClient, token string) ([]adminRow, string, error) {
			resp, err := d.ListPractitioners(ctx, &directoryv1.ListPractitionersRequest{PageSize: adminPageSize, PageToken: token})
			var rows []adminRow
			for _, p := range resp.GetPractitioners() {
				rows = append(rows, adminRow{Name: p.GetName(), Title: p.GetGivenName() + " " + p.GetFamilyName(), Detail: p.GetOrganization(), Etag: p.GetEtag()})
			}
			return rows, resp.GetNextPageToken(), err
		},
		get: func(ctx context.Context, d directoryv1.DirectoryServiceClient, name string) (url.Values, string, error) {
			p, err := d.GetPractitioner(ctx, &directoryv1.GetPractitionerRequest{Name: name})
			return url.Values{"d_given": one(p.GetGivenName()), "d_family": one(p.GetFamilyName()), "d_org": one(p.GetOrganization()),
				"d_role": one(strings.TrimPrefix(p.GetRole().String(), "PRACTITIONER_ROLE_")), "d_email": one(p.GetEmail())}, p.GetEtag(), err
		},
		save: func(ctx context.Context, d directoryv1.DirectoryServiceClient, name, etag string, v url.Values, paths []string, requestID string) ([]string, error) {
			role, ok := directoryv1.PractitionerRole_value["PRACTITIONER_ROLE_"+v.Get("d_role")]
			if !ok || role == 0 {
				return []string{"d_role"}, nil
			}
			p := &directoryv1.Practitioner{Name: name, Etag: etag, GivenName: v.Get("d_given"), FamilyName: v.Get("d_family"),
				Organization: v.Get("d_org"), Role: directoryv1.PractitionerRole(role), Email: v.Get("d_email")}
			var err error
			if name == "" {
				_, err = d.CreatePractitioner(ctx, &directoryv1.CreatePractitionerRequest{Practitioner: p, RequestId: requestID})
			} else {
				_, err = d.UpdatePractitioner(ctx, &directoryv1.UpdatePractitionerRequest{Practitioner: p, UpdateMask: mask(paths)})
			}
			return nil, err
		},
		remove: func(ctx context.Context, d directoryv1.DirectoryServiceClient, name, etag string) error {
			_, err := d.DeletePractitioner(ctx, &directoryv1.DeletePractitionerRequest{Name: name, Etag: etag})
			return err
		},
	}
}
