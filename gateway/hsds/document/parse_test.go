package document

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/socialrx/socialrx/gateway/hsds/hsdstest"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
)

// checkProtos reports the records of got that differ from want.
func checkProtos[M proto.Message](t *testing.T, what string, want, got []M) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d %s, want %d", len(got), what, len(want))
		return
	}
	for i := range want {
		if !proto.Equal(want[i], got[i]) {
			t.Errorf("%s[%d]:\ngot  %v\nwant %v", what, i, prototext.Format(got[i]), prototext.Format(want[i]))
		}
	}
}

const (
	exOrg     = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
	exService = "ac148810-d857-441c-9679-408f346de14b"
	exLoc     = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
	exTerm    = "3f7b145d-84af-42d7-8fae-eaca714b02b2"
	exPhone   = "+44 1234 234567 x100"
)

var (
	wantExampleOrg = &directoryv1.Organization{
		Name:          "organizations/" + exOrg,
		DisplayName:   "Example Organization Inc.",
		AlternateName: "Example Org",
		Description:   "Example Org is a non-profit organization dedicated to providing services to qualified beneficiaries",
		Email:         "email@example.com",
		Website:       "http://example.com",
		Phones: []*directoryv1.Phone{{Number: exPhone, Type: "voice",
			Description: "Our main reception phone number. The phones will be available from 0800 (8am) until 1800 (6pm) local time. There may be some slight delays in answering your call if we are busy."}},
		LegalStatus:        "Limited Company",
		ParentOrganization: "organizations/cd09a387-91f4-4555-94ec-e799c35344cd",
	}
	wantExampleTerm = &directoryv1.TaxonomyTerm{
		Name:        "taxonomyTerms/" + exTerm,
		Code:        "code",
		DisplayName: "name",
		Description: "description",
		Parent:      "taxonomyTerms/0bc248fa-dc27-4650-9ba4-8f1a24ef16a2",
		Taxonomy:    "taxonomy",
		Language:    "en", // "eng" in the example, as BCP-47
	}
	wantExampleLocation = &directoryv1.Location{
		Name:         "locations/" + exLoc,
		Organization: "organizations/" + exOrg,
		DisplayName:  "MyCity Civic Center",
		Description:  "MyCity Civic Center is located on Main Street and contains facilities for a number of civic and community services available.",
		LocationType: directoryv1.LocationType_LOCATION_TYPE_PHYSICAL,
		Address: &directoryv1.Address{Address_1: "1-30 Main Street", Address_2: "MyVillage", City: "MyCity",
			Region: "MyState", PostalCode: "ABC 1234", Country: "US"},
		Latitude:       proto.Float64(43.65),
		Longitude:      proto.Float64(-79.38),
		Accessibility:  []string{"The building is equipped with induction loops for hearing aids. Wheelchair access is possible on all levels."},
		Languages:      []string{"ur"},
		Transportation: "MyCity Civic Center is serviced by the number 1 Bus and is a short walk from the Main Street Metro Station",
	}
)

// checkService compares the fields of the example service that Parse maps.
func checkService(t *testing.T, s *directoryv1.Service) {
	t.Helper()
	checks := []struct {
		field     string
		got, want any
	}{
		{"name", s.GetName(), "services/" + exService},
		{"organization", s.GetOrganization(), "organizations/" + exOrg},
		{"display_name", s.GetDisplayName(), "Community Counselling"},
		{"alternate_name", s.GetAlternateName(), "MyCity Counselling Services"},
		{"url", s.GetUrl(), "http://example.com/counselling"},
		{"status", s.GetStatus(), directoryv1.ServiceStatus_SERVICE_STATUS_ACTIVE},
		{"minimum_age", s.GetMinimumAge(), int32(12)},
		{"maximum_age", s.GetMaximumAge(), int32(100)},
		{"languages", strings.Join(s.GetLanguages(), ","), "ur"},
		{"cost.amount_minor", s.GetCost().GetAmountMinor(), int64(3500)},
		{"cost.currency", s.GetCost().GetCurrency(), "GBP"},
		{"cost.free", s.GetCost().GetFree(), false},
		{"cost.description starts with the option", strings.HasPrefix(s.GetCost().GetDescription(), "Under 18s and Over 60s; per 1 hour session; Non-NHS"), true},
		{"taxonomy_terms", strings.Join(s.GetTaxonomyTerms(), ","), "taxonomyTerms/" + exTerm},
		{"locations", strings.Join(s.GetLocations(), ","), "locations/" + exLoc},
		{"phones", s.GetPhones()[0].GetNumber(), exPhone},
		{"service_areas", len(s.GetServiceAreas()), 1},
		{"schedule_description", s.GetScheduleDescription(), "The service is available from 10 am to 6pm weekdays. The service is not available on public holidays."},
		{"eligibility_description", strings.HasPrefix(s.GetEligibilityDescription(), "This service is intended for all people aged 12"), true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("service %s = %#v, want %#v", c.field, c.got, c.want)
		}
	}
}

func TestParseHSDSExamples(t *testing.T) {
	latitudeReason := "latitude: must be from -90 to 90 degrees, got 100"
	tests := []struct {
		name          string
		data          []byte
		wantLocations int
		wantServices  int
		wantRejected  []Rejection
	}{
		{
			name: "service_full.json as published",
			data: hsdstest.Example(t, "service_full.json"),
			wantRejected: []Rejection{
				{KindLocation, exLoc, "MyCity Civic Center", latitudeReason},
				{KindService, exService, "Community Counselling", "location " + exLoc + " was rejected: " + latitudeReason},
			},
		},
		{
			name:          "service_full.json with valid coordinates",
			data:          hsdstest.WithValidCoordinates(hsdstest.Example(t, "service_full.json")),
			wantLocations: 1,
			wantServices:  1,
		},
		{
			name: "organization_full.json as published",
			data: hsdstest.Example(t, "organization_full.json"),
			wantRejected: []Rejection{
				{KindLocation, exLoc, "MyCity Civic Center", latitudeReason},
				{KindService, exService, "Community Counselling", "location " + exLoc + " was rejected: " + latitudeReason},
			},
		},
		{
			name:          "organization_full.json with valid coordinates",
			data:          hsdstest.WithValidCoordinates(hsdstest.Example(t, "organization_full.json")),
			wantLocations: 1,
			wantServices:  1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, rejected := Parse(tt.data)
			if !slices.Equal(tt.wantRejected, rejected) {
				t.Errorf("rejections:\ngot  %+v\nwant %+v", rejected, tt.wantRejected)
			}
			checkProtos(t, "organizations", []*directoryv1.Organization{wantExampleOrg}, b.Organizations)
			checkProtos(t, "taxonomy terms", []*directoryv1.TaxonomyTerm{wantExampleTerm}, b.TaxonomyTerms)
			if len(b.Locations) != tt.wantLocations || len(b.Services) != tt.wantServices {
				t.Fatalf("got %d locations and %d services, want %d and %d",
					len(b.Locations), len(b.Services), tt.wantLocations, tt.wantServices)
			}
			if tt.wantLocations > 0 {
				checkProtos(t, "locations", []*directoryv1.Location{wantExampleLocation}, b.Locations)
			}
			if tt.wantServices > 0 {
				checkService(t, b.Services[0])
			}
		})
	}
}

// Small HSDS documents for the table below.
const (
	goodOrg     = `{"id":"o1","name":"Org One","description":"d"}`
	goodService = `{"id":"s1","name":"Walks","status":"active","organization_id":"o1"}`
)

func TestParse(t *testing.T) {
	type counts struct{ terms, orgs, locs, services int }
	type rejection struct {
		kind   Kind
		id     string
		reason string // a prefix of the reason
	}
	tests := []struct {
		name     string
		data     string
		want     counts
		rejected []rejection
	}{
		{
			name: "one organization",
			data: goodOrg,
			want: counts{orgs: 1},
		},
		{
			name: "one service referring to an organization elsewhere",
			data: goodService,
			want: counts{services: 1},
		},
		{
			name: "array of a service and its organization",
			data: `[` + goodService + `,` + goodOrg + `]`,
			want: counts{orgs: 1, services: 1},
		},
		{
			name: "page envelope",
			data: `{"total_items":2,"page_number":1,"contents":[` + goodOrg + `,` + goodService + `]}`,
			want: counts{orgs: 1, services: 1},
		},
		{
			name: "empty page",
			data: `{"total_items":0,"contents":[]}`,
		},
		{
			name: "organization nested in two services is taken once",
			data: `[{"id":"s1","name":"A","status":"active","organization":` + goodOrg + `},
				{"id":"s2","name":"B","status":"inactive","organization":` + goodOrg + `}]`,
			want: counts{orgs: 1, services: 2},
		},
		{
			name: "service at location",
			data: `{"id":"sal","service":{"id":"s1","name":"Walks","status":"active","organization_id":"o1"},
				"location":{"id":"l1","name":"Park","location_type":"physical"}}`,
			want: counts{locs: 1, services: 1},
		},
		{
			name: "taxonomy term without code or taxonomy",
			data: `{"id":"t1","name":"Walking","description":"d","parent_id":"t0"}`,
			want: counts{terms: 1},
		},
		{
			name:     "malformed JSON",
			data:     `{"id": "o1", "name":`,
			rejected: []rejection{{KindDocument, "", "malformed JSON"}},
		},
		{
			name:     "not an object",
			data:     `42`,
			rejected: []rejection{{KindDocument, "", "not HSDS JSON"}},
		},
		{
			name:     "contents not an array",
			data:     `{"contents":{"id":"o1"}}`,
			rejected: []rejection{{KindDocument, "", "contents: want an array"}},
		},
		{
			name:     "organization without name",
			data:     `{"id":"o1","description":"d"}`,
			rejected: []rejection{{KindOrganization, "o1", "name: required"}},
		},
		{
			name:     "service without name",
			data:     `{"id":"s1","name":"  ","status":"active","organization_id":"o1"}`,
			rejected: []rejection{{KindService, "s1", "name: required"}},
		},
		{
			name:     "service without id",
			data:     `{"name":"Walks","status":"active","organization_id":"o1"}`,
			rejected: []rejection{{KindService, "", "id: required"}},
		},
		{
			name:     "id the directory cannot use",
			data:     `{"id":"o 1","name":"Org"}`,
			rejected: []rejection{{KindOrganization, "o 1", "id: \"o 1\" cannot be a directory id"}},
		},
		{
			name:     "unknown status",
			data:     `{"id":"s1","name":"Walks","status":"paused","organization_id":"o1"}`,
			rejected: []rejection{{KindService, "s1", `status: "paused" is not an HSDS status`}},
		},
		{
			name:     "service without organization",
			data:     `{"id":"s1","name":"Walks","status":"active"}`,
			rejected: []rejection{{KindService, "s1", "organization_id: required"}},
		},
		{
			name:     "latitude 91",
			data:     `{"id":"o1","name":"Org","locations":[{"id":"l1","name":"Park","location_type":"physical","latitude":91,"longitude":0}]}`,
			want:     counts{orgs: 1},
			rejected: []rejection{{KindLocation, "l1", "latitude: must be from -90 to 90 degrees"}},
		},
		{
			name:     "longitude without latitude",
			data:     `{"id":"o1","name":"Org","locations":[{"id":"l1","name":"Park","longitude":12}]}`,
			want:     counts{orgs: 1},
			rejected: []rejection{{KindLocation, "l1", "latitude: required with longitude"}},
		},
		{
			name:     "latitude as a string",
			data:     `{"id":"o1","name":"Org","locations":[{"id":"l1","name":"Park","latitude":"43.6","longitude":-79.4}]}`,
			rejected: []rejection{{KindOrganization, "o1", "locations.latitude: want a JSON number, got string"}},
		},
		{
			name:     "unknown location type",
			data:     `{"id":"o1","name":"Org","locations":[{"id":"l1","name":"Park","location_type":"mobile"}]}`,
			want:     counts{orgs: 1},
			rejected: []rejection{{KindLocation, "l1", `location_type: "mobile" is not an HSDS location type`}},
		},
		{
			name:     "location without name or address",
			data:     `{"id":"o1","name":"Org","locations":[{"id":"l1","location_type":"virtual"}]}`,
			want:     counts{orgs: 1},
			rejected: []rejection{{KindLocation, "l1", "name: required"}},
		},
		{
			name: "service whose organization is rejected",
			data: `{"id":"s1","name":"Walks","status":"active","organization":{"id":"o1","description":"d"}}`,
			rejected: []rejection{
				{KindOrganization, "o1", "name: required"},
				{KindService, "s1", "organization o1 was rejected: name: required"},
			},
		},
		{
			name: "services and locations of a rejected organization",
			data: `{"id":"o1","locations":[{"id":"l1","name":"Park"}],"services":[{"id":"s1","name":"Walks","status":"active"}]}`,
			rejected: []rejection{
				{KindOrganization, "o1", "name: required"},
				{KindLocation, "l1", "organization o1 was rejected: name: required"},
				{KindService, "s1", "organization o1 was rejected: name: required"},
			},
		},
		{
			name: "service whose taxonomy term is rejected",
			data: `{"id":"s1","name":"Walks","status":"active","organization_id":"o1",
				"attributes":[{"id":"a1","taxonomy_term":{"id":"t1","name":"","description":"d"}}]}`,
			rejected: []rejection{
				{KindTaxonomyTerm, "t1", "name: required"},
				{KindService, "s1", "taxonomy_term t1 was rejected: name: required"},
			},
		},
		{
			name:     "organization id differs from the nested organization",
			data:     `{"id":"s1","name":"Walks","status":"active","organization_id":"o2","organization":` + goodOrg + `}`,
			want:     counts{orgs: 1},
			rejected: []rejection{{KindService, "s1", "organization_id: does not match organization.id"}},
		},
		{
			name:     "language without code",
			data:     `{"id":"s1","name":"Walks","status":"active","organization_id":"o1","languages":[{"id":"x","name":"Urdu"}]}`,
			rejected: []rejection{{KindService, "s1", "languages[0].code: required"}},
		},
		{
			name:     "negative cost",
			data:     `{"id":"s1","name":"Walks","status":"active","organization_id":"o1","cost_options":[{"id":"c","amount":-5}]}`,
			rejected: []rejection{{KindService, "s1", "cost_options[0].amount: must not be negative"}},
		},
		{
			name:     "fractional age",
			data:     `{"id":"s1","name":"Walks","status":"active","organization_id":"o1","minimum_age":12.5}`,
			rejected: []rejection{{KindService, "s1", "minimum_age: must be a whole number"}},
		},
		{
			name:     "maximum age below minimum age",
			data:     `{"id":"s1","name":"Walks","status":"active","organization_id":"o1","minimum_age":65,"maximum_age":18}`,
			rejected: []rejection{{KindService, "s1", "maximum_age: must not be below minimum_age"}},
		},
		{
			name:     "phone without number",
			data:     `{"id":"o1","name":"Org","phones":[{"id":"p","number":" "}]}`,
			rejected: []rejection{{KindOrganization, "o1", "phones[0].number: required"}},
		},
		{
			name:     "bad country",
			data:     `{"id":"o1","name":"Org","locations":[{"id":"l1","name":"Park","addresses":[{"id":"a","country":"Canada"}]}]}`,
			want:     counts{orgs: 1},
			rejected: []rejection{{KindLocation, "l1", `addresses[0].country: "Canada" is not an ISO 3166-1`}},
		},
		{
			name: "organizations whose parents form a cycle",
			data: `[{"id":"a","name":"A","parent_organization_id":"b"},{"id":"b","name":"B","parent_organization_id":"a"},
				{"id":"c","name":"C","parent_organization_id":"a"}]`,
			rejected: []rejection{
				{KindOrganization, "a", "parent_organization_id: parents form a cycle"},
				{KindOrganization, "b", "parent_organization_id: parents form a cycle"},
				{KindOrganization, "c", "organization a was rejected"},
			},
		},
		{
			name:     "organization and service fields at once",
			data:     `{"id":"x","name":"X","status":"active","website":"https://x.example"}`,
			rejected: []rejection{{KindDocument, "x", "item 0: has fields of both"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, rejected := Parse([]byte(tt.data))
			got := counts{len(b.TaxonomyTerms), len(b.Organizations), len(b.Locations), len(b.Services)}
			if got != tt.want {
				t.Errorf("got %+v records, want %+v", got, tt.want)
			}
			if len(rejected) != len(tt.rejected) {
				t.Fatalf("got %d rejections, want %d: %+v", len(rejected), len(tt.rejected), rejected)
			}
			for i, want := range tt.rejected {
				r := rejected[i]
				if r.Kind != want.kind || r.ID != want.id || !strings.HasPrefix(r.Reason, want.reason) {
					t.Errorf("rejection %d = %+v, want %s %q with reason starting %q", i, r, want.kind, want.id, want.reason)
				}
			}
		})
	}
}

func TestParseOrdersParentsFirst(t *testing.T) {
	data := `[{"id":"child","name":"Child","parent_organization_id":"mid"},
		{"id":"mid","name":"Mid","parent_organization_id":"root"},
		{"id":"root","name":"Root"},
		{"id":"t2","name":"Sub","description":"","parent_id":"t1"},
		{"id":"t1","name":"Top","description":"","taxonomy":"x"}]`
	b, rejected := Parse([]byte(data))
	if len(rejected) != 0 {
		t.Fatalf("rejected: %+v", rejected)
	}
	var orgs, terms []string
	for _, o := range b.Organizations {
		orgs = append(orgs, ResourceID(o.GetName()))
	}
	for _, term := range b.TaxonomyTerms {
		terms = append(terms, ResourceID(term.GetName()))
	}
	if want := []string{"root", "mid", "child"}; !slices.Equal(orgs, want) {
		t.Errorf("organizations in order %v, want %v", orgs, want)
	}
	if want := []string{"t1", "t2"}; !slices.Equal(terms, want) {
		t.Errorf("taxonomy terms in order %v, want %v", terms, want)
	}
}

func TestParseMapsCost(t *testing.T) {
	tests := []struct {
		name string
		hsds string // fields added to a service
		want *directoryv1.CostOption
	}{
		{"no cost", ``, nil},
		{"free in words", `"fees_description":" free "`, &directoryv1.CostOption{Free: true}},
		{"amount zero is free", `"cost_options":[{"id":"c","amount":0,"amount_description":"donations welcome"}]`,
			&directoryv1.CostOption{Free: true, Description: "donations welcome"}},
		{"amount in dollars", `"cost_options":[{"id":"c","amount":12.5,"currency":"cad"}]`,
			&directoryv1.CostOption{AmountMinor: 1250, Currency: "CAD"}},
		{"amount in yen has no minor unit", `"cost_options":[{"id":"c","amount":500,"currency":"JPY"}]`,
			&directoryv1.CostOption{AmountMinor: 500, Currency: "JPY"}},
		{"words only", `"fees_description":"sliding scale"`, &directoryv1.CostOption{Description: "sliding scale"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := map[string]any{}
			if tt.hsds != "" {
				if err := json.Unmarshal([]byte("{"+tt.hsds+"}"), &fields); err != nil {
					t.Fatal(err)
				}
			}
			fields["id"], fields["name"], fields["status"], fields["organization_id"] = "s1", "Walks", "active", "o1"
			data, _ := json.Marshal(fields)
			b, rejected := Parse(data)
			if len(rejected) != 0 || len(b.Services) != 1 {
				t.Fatalf("got %d services, rejections %+v", len(b.Services), rejected)
			}
			if got := b.Services[0].GetCost(); !proto.Equal(got, tt.want) {
				t.Errorf("cost = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestExportParseRoundTrip checks that a service exported as HSDS comes back the same through
// Parse, apart from what HSDS cannot carry.
func TestExportParseRoundTrip(t *testing.T) {
	exported := ExportService(testService(), testRelated())
	data, err := json.Marshal(exported)
	if err != nil {
		t.Fatal(err)
	}
	b, rejected := Parse(data)
	if len(rejected) != 0 {
		t.Fatalf("rejected: %+v", rejected)
	}
	want := testService()
	want.UpdateTime = nil
	// HSDS language codes are ISO 639, so a region in a tag is not carried.
	want.Languages = []string{"en", "fr"}
	checkProtos(t, "services", []*directoryv1.Service{want}, b.Services)
	wantLoc := testLocation()
	wantLoc.Languages = []string{"en", "fr", "pa"}
	wantLoc.Address.Country = "CA" // the export writes the default country out
	wantVirt := testVirtualLocation()
	checkProtos(t, "locations", []*directoryv1.Location{wantLoc, wantVirt}, b.Locations)
	wantOrg := testOrganization()
	wantOrg.UpdateTime, wantOrg.MemberCentre = nil, false // not HSDS fields
	checkProtos(t, "organizations", []*directoryv1.Organization{wantOrg}, b.Organizations)
	checkProtos(t, "taxonomy terms", []*directoryv1.TaxonomyTerm{testTerm()}, b.TaxonomyTerms)
}
