package document

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/socialrx/socialrx/gateway/hsds/hsdstest"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
)

// pageSchema is the response schema of an HSDS list endpoint in openapi.json.
func pageSchema(path string) string {
	return hsdstest.OpenAPIURL + "#/paths/~1" + path + "/get/responses/200/content/application~1json/schema"
}

const (
	orgID     = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
	parentID  = "cd09a387-91f4-4555-94ec-e799c35344cd"
	serviceID = "ac148810-d857-441c-9679-408f346de14b"
	locID     = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
	virtID    = "6e1c3d55-5b7a-4f0e-9a53-0c6b7c1f2a90"
	termID    = "3f7b145d-84af-42d7-8fae-eaca714b02b2"
	rootTerm  = "0bc248fa-dc27-4650-9ba4-8f1a24ef16a2"
)

var updated = timestamppb.New(time.Date(2024, 3, 15, 10, 30, 45, 123_000_000, time.UTC))

func testOrganization() *directoryv1.Organization {
	return &directoryv1.Organization{
		Name:               "organizations/" + orgID,
		DisplayName:        "Parkdale Queen West Community Health Centre",
		AlternateName:      "PQWCHC",
		Description:        "Community health centre serving Parkdale and Queen West.",
		Email:              "info@pqwchc.example.org",
		Website:            "https://pqwchc.example.org",
		Phones:             []*directoryv1.Phone{{Number: "+1 416-537-2455", Type: "voice", Description: "reception"}},
		MemberCentre:       true,
		LegalStatus:        "non-profit corporation",
		ParentOrganization: "organizations/" + parentID,
		UpdateTime:         updated,
	}
}

func testLocation() *directoryv1.Location {
	return &directoryv1.Location{
		Name:         "locations/" + locID,
		Organization: "organizations/" + orgID,
		DisplayName:  "Queen West site",
		Description:  "Enter from the side door.",
		LocationType: directoryv1.LocationType_LOCATION_TYPE_PHYSICAL,
		Address: &directoryv1.Address{
			Address_1: "168 Bathurst St", City: "Toronto", Region: "ON", PostalCode: "M5V 2R4",
		},
		Latitude:       proto.Float64(43.6465),
		Longitude:      proto.Float64(-79.4063),
		Accessibility:  []string{"step-free entrance", "accessible washroom"},
		Languages:      []string{"en", "fr-CA", "pa"},
		Transportation: "Bathurst streetcar, Queen streetcar",
	}
}

func testVirtualLocation() *directoryv1.Location {
	return &directoryv1.Location{
		Name:         "locations/" + virtID,
		Organization: "organizations/" + orgID,
		DisplayName:  "By telephone",
		LocationType: directoryv1.LocationType_LOCATION_TYPE_VIRTUAL,
	}
}

func testTerm() *directoryv1.TaxonomyTerm {
	return &directoryv1.TaxonomyTerm{
		Name:        "taxonomyTerms/" + termID,
		Code:        "nature-on-prescription",
		DisplayName: "Nature on prescription",
		Description: "Time outdoors in green space, in company.",
		Parent:      "taxonomyTerms/" + rootTerm,
		Taxonomy:    "socialrx-activity",
		Language:    "en",
	}
}

func testService() *directoryv1.Service {
	return &directoryv1.Service{
		Name:                   "services/" + serviceID,
		Organization:           "organizations/" + orgID,
		DisplayName:            "Friendly calls",
		AlternateName:          "Telephone befriending",
		Description:            "A weekly call from a trained volunteer.",
		Url:                    "https://pqwchc.example.org/friendly-calls",
		Email:                  "calls@pqwchc.example.org",
		Status:                 directoryv1.ServiceStatus_SERVICE_STATUS_TEMPORARILY_CLOSED,
		EligibilityDescription: "Adults living alone in the catchment area.",
		MinimumAge:             55,
		Languages:              []string{"en", "fr-CA"},
		ApplicationProcess:     "Referral by a clinician or link worker.",
		Cost:                   &directoryv1.CostOption{AmountMinor: 1250, Currency: "CAD", Description: "per month"},
		TaxonomyTerms:          []string{"taxonomyTerms/" + termID},
		Locations:              []string{"locations/" + locID, "locations/" + virtID},
		Phones:                 []*directoryv1.Phone{{Number: "416-555-0100 x12", Type: "voice"}},
		ServiceAreas:           []string{"City of Toronto", "Peel Region"},
		ScheduleDescription:    "Weekdays 9:00-17:00",
		UpdateTime:             updated,
	}
}

func testRelated() Related {
	return Related{
		Organizations: map[string]*directoryv1.Organization{"organizations/" + orgID: testOrganization()},
		Locations: map[string]*directoryv1.Location{
			"locations/" + locID:  testLocation(),
			"locations/" + virtID: testVirtualLocation(),
		},
		TaxonomyTerms: map[string]*directoryv1.TaxonomyTerm{"taxonomyTerms/" + termID: testTerm()},
	}
}

// toJSONValue marshals v and reads it back the way the schema library wants it.
func toJSONValue(t *testing.T, v any) (any, []byte) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return inst, b
}

func TestExportValidatesAgainstHSDSSchemas(t *testing.T) {
	freeService := testService()
	freeService.Cost = &directoryv1.CostOption{Free: true, Description: "donations welcome"}
	freeService.Status = directoryv1.ServiceStatus_SERVICE_STATUS_ACTIVE
	bare := &directoryv1.Service{Name: "services/" + serviceID, DisplayName: "Walking group"}
	bareOrg := &directoryv1.Organization{Name: "organizations/" + orgID, DisplayName: "Walkers"}
	orgWithChildren := ExportOrganization(testOrganization())
	orgWithChildren.Locations = []Location{ExportLocation(testLocation()), ExportLocation(testVirtualLocation())}
	orgWithChildren.Services = []Service{ExportServiceBasic(testService()), ExportServiceBasic(freeService)}
	services := []Service{ExportService(testService(), testRelated()), ExportService(freeService, testRelated())}
	noLocations := &directoryv1.Location{Name: "locations/" + locID, Organization: "organizations/" + orgID, DisplayName: "Somewhere"}

	tests := []struct {
		name   string
		schema string
		value  any
	}{
		{"service fully nested", hsdstest.Compiled + "service.json", ExportService(testService(), testRelated())},
		{"free active service", hsdstest.Compiled + "service.json", ExportService(freeService, testRelated())},
		{"service with only required fields", hsdstest.Compiled + "service.json", ExportService(bare, Related{})},
		{"service whose references are missing", hsdstest.Compiled + "service.json", ExportService(testService(), Related{})},
		{"organization", hsdstest.Compiled + "organization.json", ExportOrganization(testOrganization())},
		{"organization with only required fields", hsdstest.Compiled + "organization.json", ExportOrganization(bareOrg)},
		{"organization with locations and services", hsdstest.Compiled + "organization.json", orgWithChildren},
		{"service list page", pageSchema("services"), NewPage(services, 1, 2, 5)},
		{"empty service list page", pageSchema("services"), NewPage[Service](nil, 3, 50, 0)},
		{"organization list page", pageSchema("organizations"), NewPage([]Organization{ExportOrganization(testOrganization())}, 1, 50, 1)},
		{"service at location", hsdstest.Compiled + "service_at_location.json",
			ExportServiceAtLocation(testService(), testLocation(), "locations/"+locID, testRelated())},
		{"service at unknown location", hsdstest.Compiled + "service_at_location.json",
			ExportServiceAtLocation(testService(), nil, "locations/"+locID, Related{})},
		{"taxonomy term", hsdstest.SpecBase + "service_with_definitions.json#/definitions/taxonomy_term", ExportTaxonomyTerm(testTerm())},
		{"location without address or coordinates", hsdstest.SpecBase + "service_with_definitions.json#/definitions/location", ExportLocation(noLocations)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inst, raw := toJSONValue(t, tt.value)
			if err := hsdstest.Schema(t, tt.schema).Validate(inst); err != nil {
				t.Fatalf("not valid HSDS:\n%s\n%v", raw, err)
			}
			if bytes.Contains(raw, []byte("null")) {
				t.Errorf("output has null: %s", raw)
			}
		})
	}
}

// TestHSDSSchemasRejectBrokenObjects shows that the validation above can fail.
func TestHSDSSchemasRejectBrokenObjects(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		value  any
	}{
		{"service without status", hsdstest.Compiled + "service.json",
			map[string]any{"id": serviceID, "name": "x"}},
		{"organization without description", hsdstest.Compiled + "organization.json",
			map[string]any{"id": orgID, "name": "x"}},
		{"service id not a uuid", hsdstest.Compiled + "service.json",
			map[string]any{"id": "friendly-calls", "name": "x", "status": "active"}},
		{"null alternate name", hsdstest.Compiled + "service.json",
			map[string]any{"id": serviceID, "name": "x", "status": "active", "alternate_name": nil}},
		{"page with a service without name", pageSchema("services"),
			map[string]any{"total_items": 1, "contents": []any{map[string]any{"id": serviceID, "status": "active"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inst, raw := toJSONValue(t, tt.value)
			if err := hsdstest.Schema(t, tt.schema).Validate(inst); err == nil {
				t.Fatalf("broken object passed validation: %s", raw)
			}
		})
	}
}

// jsonAt follows a path of object keys and array indexes through decoded JSON.
func jsonAt(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %v: not an object", path)
			}
			if v, ok = m[k]; !ok {
				return nil
			}
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("at %v: not an array with index %d", path, k)
			}
			v = a[k]
		}
	}
	return v
}

func decoded(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestExportFieldValues(t *testing.T) {
	svc := decoded(t, ExportService(testService(), testRelated()))
	free := testService()
	free.Cost = &directoryv1.CostOption{Free: true}
	free.MinimumAge = 0
	freeSvc := decoded(t, ExportService(free, testRelated()))
	words := testService()
	words.Cost = &directoryv1.CostOption{Description: "sliding scale"}
	wordsSvc := decoded(t, ExportService(words, testRelated()))
	loc := decoded(t, ExportLocation(testLocation()))
	org := decoded(t, ExportOrganization(testOrganization()))
	sal := decoded(t, ExportServiceAtLocation(testService(), testLocation(), "locations/"+locID, testRelated()))
	page := decoded(t, NewPage([]int{1, 2}, 2, 2, 5))

	tests := []struct {
		name string
		doc  any
		path []any
		want any
	}{
		{"service id is the resource id", svc, []any{"id"}, serviceID},
		{"service status in HSDS words", svc, []any{"status"}, "temporarily closed"},
		{"service organization id", svc, []any{"organization_id"}, orgID},
		{"service minimum age", svc, []any{"minimum_age"}, 55.0},
		{"service maximum age 0 is left out", svc, []any{"maximum_age"}, nil},
		{"service last modified with milliseconds", svc, []any{"last_modified"}, "2024-03-15T10:30:45.123Z"},
		{"priced cost amount in dollars", svc, []any{"cost_options", 0, "amount"}, 12.5},
		{"priced cost currency", svc, []any{"cost_options", 0, "currency"}, "CAD"},
		{"priced cost words", svc, []any{"cost_options", 0, "amount_description"}, "per month"},
		{"priced service has no fees description", svc, []any{"fees_description"}, nil},
		{"free service fees description", freeSvc, []any{"fees_description"}, "Free"},
		{"free service has no cost options", freeSvc, []any{"cost_options"}, nil},
		{"free service without minimum age", freeSvc, []any{"minimum_age"}, nil},
		{"cost in words only", wordsSvc, []any{"fees_description"}, "sliding scale"},
		{"language code is ISO 639", svc, []any{"languages", 1, "code"}, "fr"},
		{"language name keeps the region", svc, []any{"languages", 1, "name"}, "Canadian French"},
		{"schedule in words", svc, []any{"schedules", 0, "description"}, "Weekdays 9:00-17:00"},
		{"service area", svc, []any{"service_areas", 1, "name"}, "Peel Region"},
		{"phone number", svc, []any{"phones", 0, "number"}, "416-555-0100 x12"},
		{"attribute term id", svc, []any{"attributes", 0, "taxonomy_term_id"}, termID},
		{"attribute nests the term", svc, []any{"attributes", 0, "taxonomy_term", "code"}, "nature-on-prescription"},
		{"term parent id", svc, []any{"attributes", 0, "taxonomy_term", "parent_id"}, rootTerm},
		{"nested organization name", svc, []any{"organization", "name"}, "Parkdale Queen West Community Health Centre"},
		{"service at location id names the pair", svc, []any{"service_at_locations", 0, "id"}, serviceID + ":" + locID},
		{"service at location nests the location", svc, []any{"service_at_locations", 1, "location", "location_type"}, "virtual"},
		{"location type", loc, []any{"location_type"}, "physical"},
		{"location latitude", loc, []any{"latitude"}, 43.6465},
		{"address province", loc, []any{"addresses", 0, "state_province"}, "ON"},
		{"address default country", loc, []any{"addresses", 0, "country"}, "CA"},
		{"address type follows the location", loc, []any{"addresses", 0, "address_type"}, "physical"},
		{"accessibility", loc, []any{"accessibility", 1, "description"}, "accessible washroom"},
		{"location organization id", loc, []any{"organization_id"}, orgID},
		{"organization parent id", org, []any{"parent_organization_id"}, parentID},
		{"organization legal status", org, []any{"legal_status"}, "non-profit corporation"},
		{"organization website", org, []any{"website"}, "https://pqwchc.example.org"},
		{"service at location service id", sal, []any{"service", "id"}, serviceID},
		{"service at location does not repeat the locations", sal, []any{"service", "service_at_locations"}, nil},
		{"service at location location", sal, []any{"location", "name"}, "Queen West site"},
		{"page total pages", page, []any{"total_pages"}, 3.0},
		{"page not first", page, []any{"first_page"}, false},
		{"page not last", page, []any{"last_page"}, false},
		{"page size", page, []any{"size"}, 2.0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := jsonAt(t, tt.doc, tt.path...); got != tt.want {
				t.Errorf("%v = %#v, want %#v", tt.path, got, tt.want)
			}
		})
	}
}

func TestChildIDsAreStableUUIDs(t *testing.T) {
	a := ExportService(testService(), testRelated())
	b := ExportService(testService(), testRelated())
	ids := map[string]bool{}
	for _, id := range []string{a.Phones[0].ID, a.Languages[0].ID, a.Languages[1].ID, a.Schedules[0].ID,
		a.ServiceAreas[0].ID, a.ServiceAreas[1].ID, a.CostOptions[0].ID, a.Attributes[0].ID} {
		if !hsdstest.UUIDPattern.MatchString(id) {
			t.Errorf("%q is not a lower-case UUID", id)
		}
		if ids[id] {
			t.Errorf("id %q used twice", id)
		}
		ids[id] = true
	}
	if a.Phones[0].ID != b.Phones[0].ID || a.Attributes[0].ID != b.Attributes[0].ID {
		t.Error("child ids differ between exports of the same service")
	}
}
