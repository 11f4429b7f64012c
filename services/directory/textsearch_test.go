package directory_test

import (
	"fmt"
	"slices"
	"testing"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// Text search analyses English and French: plurals and other inflections find their stem, and
// accents do not matter either way.
func TestSearchServicesStemsAndFoldsAccents(t *testing.T) {
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	c, ctx := dir.Client, ctxT(t)
	org := mustOrg(t, c, "vanier", "Centre de santé Vanier")
	for _, s := range []*directoryv1.Service{
		{DisplayName: "Jardin communautaire", Description: "Cultiver des légumes ensemble, au parc.", Languages: []string{"fr"}},
		{DisplayName: "Café des aînés", Description: "Rencontres du mardi autour d'un café.", Languages: []string{"fr"}},
		{DisplayName: "Gardening club", Description: "Neighbours growing vegetables in raised beds.", Languages: []string{"en"}},
		{DisplayName: "Friendly calls", Description: "A weekly phone call.", Languages: []string{"en"}},
	} {
		s.Organization = org.GetName()
		if _, err := c.CreateService(ctx, &directoryv1.CreateServiceRequest{Service: s}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"jardins communautaires", []string{"Jardin communautaire"}},
		{"Jardin", []string{"Jardin communautaire"}},
		{"cafe", []string{"Café des aînés"}},
		{"AINES", []string{"Café des aînés"}},
		{"légume", []string{"Jardin communautaire"}},
		{"garden", []string{"Gardening club"}},
		{"vegetable", []string{"Gardening club"}},
		{"the neighbour", []string{"Gardening club"}}, // a stop word restricts nothing
		{"calling", []string{"Friendly calls"}},
		{"jardin garden", nil}, // every word must match
		{"piano", nil},
	} {
		t.Run(tc.query, func(t *testing.T) {
			resp, err := c.SearchServices(ctx, &directoryv1.SearchServicesRequest{Query: tc.query})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range resp.GetResults() {
				got = append(got, r.GetService().GetDisplayName())
			}
			if !slices.Equal(got, tc.want) || int(resp.GetTotalSize()) != len(tc.want) {
				t.Fatalf("%q found %v (total %d), want %v", tc.query, got, resp.GetTotalSize(), tc.want)
			}
		})
	}
}

// Results ranked alike are ordered by name and then id, so paging through them returns every
// service exactly once, in the same order as one big page.
func TestSearchServicesPagesAreStable(t *testing.T) {
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	c, ctx := dir.Client, ctxT(t)
	org := mustOrg(t, c, "riverdale", "Riverdale CHC")
	lat, lng := 43.66, -79.35
	loc, err := c.CreateLocation(ctx, &directoryv1.CreateLocationRequest{Location: &directoryv1.Location{
		Organization: org.GetName(), DisplayName: "Hall", Latitude: &lat, Longitude: &lng}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 23 {
		if _, err := c.CreateService(ctx, &directoryv1.CreateServiceRequest{Service: &directoryv1.Service{
			Organization: org.GetName(), DisplayName: fmt.Sprintf("Walk %d", i%3), Description: "A walk.",
			Locations: []string{loc.GetName()}}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, req := range []*directoryv1.SearchServicesRequest{
		{Query: "walk"},
		{Near: &directoryv1.GeoCircle{Latitude: lat, Longitude: lng, RadiusMeters: 1000}},
	} {
		req.PageSize = 100
		whole, err := c.SearchServices(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(whole.GetResults()) != 23 {
			t.Fatalf("%v: %d results, want 23", req, len(whole.GetResults()))
		}
		var paged []string
		req.PageSize = 5
		for {
			page, err := c.SearchServices(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page.GetResults() {
				paged = append(paged, r.GetService().GetName())
			}
			if page.GetNextPageToken() == "" {
				break
			}
			req.PageToken = page.GetNextPageToken()
		}
		for i, r := range whole.GetResults() {
			if i >= len(paged) || paged[i] != r.GetService().GetName() {
				t.Fatalf("%v: page order %v differs from %d-th of one page", req, paged, i)
			}
			if i > 0 && r.GetService().GetDisplayName() < whole.GetResults()[i-1].GetService().GetDisplayName() {
				t.Fatalf("results not ordered by name: %v", whole.GetResults())
			}
		}
		if len(paged) != 23 {
			t.Fatalf("paging returned %d services, want 23", len(paged))
		}
	}
}
