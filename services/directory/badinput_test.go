package directory_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// Every bad input is INVALID_ARGUMENT naming the field, and stores nothing.
func TestBadInputNamesTheField(t *testing.T) {
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	c, ctx := dir.Client, ctxT(t)
	org := mustOrg(t, c, "riverdale", "Riverdale CHC")
	okService := func() *directoryv1.Service {
		return &directoryv1.Service{Organization: org.GetName(), DisplayName: "Meal delivery"}
	}
	tests := []struct {
		name  string
		call  func(context.Context) error
		field string
	}{
		{"empty name", func(ctx context.Context) error {
			_, err := c.CreateOrganization(ctx, &directoryv1.CreateOrganizationRequest{Organization: &directoryv1.Organization{}})
			return err
		}, "organization.display_name"},
		{"oversized name", func(ctx context.Context) error {
			_, err := c.CreateOrganization(ctx, &directoryv1.CreateOrganizationRequest{Organization: &directoryv1.Organization{DisplayName: strings.Repeat("x", 201)}})
			return err
		}, "organization.display_name"},
		{"missing resource", func(ctx context.Context) error {
			_, err := c.CreateService(ctx, &directoryv1.CreateServiceRequest{})
			return err
		}, "service"},
		{"latitude 91", func(ctx context.Context) error {
			_, err := c.CreateLocation(ctx, &directoryv1.CreateLocationRequest{Location: &directoryv1.Location{
				Organization: org.GetName(), DisplayName: "Clinic", Latitude: ptr(91), Longitude: ptr(-79)}})
			return err
		}, "location.latitude"},
		{"longitude without latitude", func(ctx context.Context) error {
			_, err := c.CreateLocation(ctx, &directoryv1.CreateLocationRequest{Location: &directoryv1.Location{
				Organization: org.GetName(), DisplayName: "Clinic", Longitude: ptr(-79)}})
			return err
		}, "location"},
		{"search latitude 91", func(ctx context.Context) error {
			_, err := c.SearchServices(ctx, &directoryv1.SearchServicesRequest{Near: &directoryv1.GeoCircle{Latitude: 91, Longitude: 0, RadiusMeters: 10}})
			return err
		}, "near.latitude"},
		{"negative page size", func(ctx context.Context) error {
			_, err := c.ListServices(ctx, &directoryv1.ListServicesRequest{PageSize: -1})
			return err
		}, "page_size"},
		{"garbage page token", func(ctx context.Context) error {
			_, err := c.ListServices(ctx, &directoryv1.ListServicesRequest{PageToken: "not-a-token"})
			return err
		}, "page_token"},
		{"bad filter", func(ctx context.Context) error {
			_, err := c.ListServices(ctx, &directoryv1.ListServicesRequest{Filter: `colour = "red"`})
			return err
		}, "filter"},
		{"unknown taxonomy term", func(ctx context.Context) error {
			s := okService()
			s.TaxonomyTerms = []string{"taxonomyTerms/no-such-term"}
			_, err := c.CreateService(ctx, &directoryv1.CreateServiceRequest{Service: s})
			return err
		}, "service.taxonomy_terms[0]"},
		{"unknown organization", func(ctx context.Context) error {
			s := okService()
			s.Organization = "organizations/nowhere"
			_, err := c.CreateService(ctx, &directoryv1.CreateServiceRequest{Service: s})
			return err
		}, "service.organization"},
		{"malformed organization reference", func(ctx context.Context) error {
			s := okService()
			s.Organization = "nowhere"
			_, err := c.CreateService(ctx, &directoryv1.CreateServiceRequest{Service: s})
			return err
		}, "service.organization"},
		{"age range inverted", func(ctx context.Context) error {
			s := okService()
			s.MinimumAge, s.MaximumAge = 65, 18
			_, err := c.CreateService(ctx, &directoryv1.CreateServiceRequest{Service: s})
			return err
		}, "service"},
		{"bad language tag", func(ctx context.Context) error {
			s := okService()
			s.Languages = []string{"english!"}
			_, err := c.CreateService(ctx, &directoryv1.CreateServiceRequest{Service: s})
			return err
		}, "service.languages[0]"},
		{"unknown enum value", func(ctx context.Context) error {
			s := okService()
			s.Status = 42
			_, err := c.CreateService(ctx, &directoryv1.CreateServiceRequest{Service: s})
			return err
		}, "service.status"},
		{"bad name in get", func(ctx context.Context) error {
			_, err := c.GetService(ctx, &directoryv1.GetServiceRequest{Name: "organizations/x"})
			return err
		}, "name"},
		{"update emptying a required field", func(ctx context.Context) error {
			_, err := c.UpdateOrganization(ctx, &directoryv1.UpdateOrganizationRequest{
				Organization: &directoryv1.Organization{Name: org.GetName()},
				UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
			return err
		}, "organization.display_name"},
		{"update with bad name", func(ctx context.Context) error {
			_, err := c.UpdateOrganization(ctx, &directoryv1.UpdateOrganizationRequest{
				Organization: &directoryv1.Organization{Name: "services/x", DisplayName: "x"}})
			return err
		}, "organization.name"},
		{"practitioner without role", func(ctx context.Context) error {
			_, err := c.CreatePractitioner(ctx, &directoryv1.CreatePractitionerRequest{Practitioner: &directoryv1.Practitioner{
				Organization: org.GetName(), GivenName: "Amara", FamilyName: "Osei"}})
			return err
		}, "practitioner.role"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			testenv.WantField(t, tc.call(ctx), tc.field)
		})
	}
	// Nothing was stored by the rejected calls.
	svcs, err := c.ListServices(ctx, &directoryv1.ListServicesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	locs, err := c.ListLocations(ctx, &directoryv1.ListLocationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	orgs, err := c.ListOrganizations(ctx, &directoryv1.ListOrganizationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if svcs.GetTotalSize() != 0 || locs.GetTotalSize() != 0 || orgs.GetTotalSize() != 1 {
		t.Fatalf("rejected calls stored data: %d services, %d locations, %d organizations",
			svcs.GetTotalSize(), locs.GetTotalSize(), orgs.GetTotalSize())
	}
	got, err := c.GetOrganization(ctx, &directoryv1.GetOrganizationRequest{Name: org.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetDisplayName() != "Riverdale CHC" {
		t.Fatalf("rejected update changed the organization: %v", got)
	}
}
