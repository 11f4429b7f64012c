package directory_test

import (
	"math"
	"testing"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

func ptr(f float64) *float64 { return &f }

func TestSearchServices(t *testing.T) {
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	c, ctx := dir.Client, ctxT(t)
	org := mustOrg(t, c, "riverdale", "Riverdale CHC")
	nature, err := c.CreateTaxonomyTerm(ctx, &directoryv1.CreateTaxonomyTermRequest{TaxonomyTermId: "nature-on-prescription",
		TaxonomyTerm: &directoryv1.TaxonomyTerm{Code: "nature-on-prescription", DisplayName: "Nature on prescription", Taxonomy: "socialrx-activity"}})
	if err != nil {
		t.Fatal(err)
	}
	// Locations due east of a centre point on the equator-free latitude of Toronto: 1, 5 and
	// 30 km away, plus one without coordinates.
	const lat, lng = 43.6629, -79.3957
	kmEast := func(km float64) float64 { return lng + km/(111.320*math.Cos(lat*math.Pi/180)) }
	locs := map[string]*directoryv1.Location{}
	for _, l := range []struct {
		id  string
		km  float64
		geo bool
	}{{"near", 1, true}, {"mid", 5, true}, {"far", 30, true}, {"phone", 0, false}} {
		loc := &directoryv1.Location{Organization: org.GetName(), DisplayName: l.id}
		if l.geo {
			loc.Latitude, loc.Longitude = ptr(lat), ptr(kmEast(l.km))
		} else {
			loc.LocationType = directoryv1.LocationType_LOCATION_TYPE_VIRTUAL
		}
		created, err := c.CreateLocation(ctx, &directoryv1.CreateLocationRequest{LocationId: l.id, Location: loc})
		if err != nil {
			t.Fatalf("location %s: %v", l.id, err)
		}
		locs[l.id] = created
	}
	services := []*directoryv1.Service{
		{DisplayName: "Walking group", Description: "A gentle walk in the park.", Languages: []string{"en", "fr-CA"},
			TaxonomyTerms: []string{nature.GetName()}, Locations: []string{locs["mid"].GetName()}},
		{DisplayName: "Community garden", Description: "Grow vegetables together.", Languages: []string{"en"},
			TaxonomyTerms: []string{nature.GetName()}, Locations: []string{locs["far"].GetName(), locs["near"].GetName()}},
		{DisplayName: "Friendly calls", Description: "A weekly phone call to chat.", Languages: []string{"pa"},
			Locations: []string{locs["phone"].GetName()}},
		{DisplayName: "Riverside walk", Description: "Nature walk by the river.", Languages: []string{"en"},
			Locations: []string{locs["far"].GetName()}, Status: directoryv1.ServiceStatus_SERVICE_STATUS_TEMPORARILY_CLOSED},
	}
	for _, s := range services {
		s.Organization = org.GetName()
		if _, err := c.CreateService(ctx, &directoryv1.CreateServiceRequest{Service: s}); err != nil {
			t.Fatalf("service %s: %v", s.GetDisplayName(), err)
		}
	}

	names := func(resp *directoryv1.SearchServicesResponse) []string {
		var out []string
		for _, r := range resp.GetResults() {
			out = append(out, r.GetService().GetDisplayName())
		}
		return out
	}
	tests := []struct {
		name string
		req  *directoryv1.SearchServicesRequest
		want []string
	}{
		{"words all must match", &directoryv1.SearchServicesRequest{Query: "walk park"}, []string{"Walking group"}},
		{"name match ranks first", &directoryv1.SearchServicesRequest{Query: "walk"}, []string{"Riverside walk", "Walking group"}},
		{"taxonomy term", &directoryv1.SearchServicesRequest{TaxonomyTerms: []string{nature.GetName()}}, []string{"Community garden", "Walking group"}},
		{"language prefix", &directoryv1.SearchServicesRequest{Language: "fr"}, []string{"Walking group"}},
		{"status", &directoryv1.SearchServicesRequest{Statuses: []directoryv1.ServiceStatus{directoryv1.ServiceStatus_SERVICE_STATUS_TEMPORARILY_CLOSED}}, []string{"Riverside walk"}},
		{"filter", &directoryv1.SearchServicesRequest{Filter: `languages:"pa"`}, []string{"Friendly calls"}},
		{"near orders by distance and bounds by radius",
			&directoryv1.SearchServicesRequest{Near: &directoryv1.GeoCircle{Latitude: lat, Longitude: lng, RadiusMeters: 10000}},
			[]string{"Community garden", "Walking group"}},
		{"near with a wide radius",
			&directoryv1.SearchServicesRequest{Near: &directoryv1.GeoCircle{Latitude: lat, Longitude: lng, RadiusMeters: 50000}},
			[]string{"Community garden", "Walking group", "Riverside walk"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := c.SearchServices(ctx, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			got := names(resp)
			if len(got) != len(tc.want) || int(resp.GetTotalSize()) != len(tc.want) {
				t.Fatalf("got %v (total %d), want %v", got, resp.GetTotalSize(), tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}

	// Distances are reported, nearest location first, and agree with the geometry.
	resp, err := c.SearchServices(ctx, &directoryv1.SearchServicesRequest{Near: &directoryv1.GeoCircle{Latitude: lat, Longitude: lng, RadiusMeters: 50000}})
	if err != nil {
		t.Fatal(err)
	}
	wantKm := []float64{1, 5, 30}
	wantLoc := []string{locs["near"].GetName(), locs["mid"].GetName(), locs["far"].GetName()}
	for i, r := range resp.GetResults() {
		if r.DistanceMeters == nil || math.Abs(r.GetDistanceMeters()-wantKm[i]*1000) > 0.01*wantKm[i]*1000 {
			t.Fatalf("result %d distance = %v m, want about %v km", i, r.DistanceMeters, wantKm[i])
		}
		if r.GetNearestLocation() != wantLoc[i] {
			t.Fatalf("result %d nearest location = %s, want %s", i, r.GetNearestLocation(), wantLoc[i])
		}
		if i > 0 && r.GetDistanceMeters() < resp.GetResults()[i-1].GetDistanceMeters() {
			t.Fatal("results not ordered by distance")
		}
	}

	// Paging a search visits each result once.
	first, err := c.SearchServices(ctx, &directoryv1.SearchServicesRequest{PageSize: 3})
	if err != nil || len(first.GetResults()) != 3 || first.GetNextPageToken() == "" {
		t.Fatalf("first page: %v, %v", first, err)
	}
	second, err := c.SearchServices(ctx, &directoryv1.SearchServicesRequest{PageSize: 3, PageToken: first.GetNextPageToken()})
	if err != nil || len(second.GetResults()) != 1 || second.GetNextPageToken() != "" {
		t.Fatalf("second page: %v, %v", second, err)
	}
	if second.GetResults()[0].GetService().GetName() == first.GetResults()[0].GetService().GetName() {
		t.Fatal("second page repeats the first")
	}
}
