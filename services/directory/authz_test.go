package directory_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

var directoryCallers = []struct {
	col string
	id  auth.Identity
}{
	{"anon", auth.Anonymous},
	{"admin", adminID},
	{"clin", auth.Identity{Subject: "practitioners/dr", Organization: "organizations/org", Roles: []string{auth.RoleClinician}}},
	{"lw", auth.Identity{Subject: "practitioners/lw", Organization: "organizations/org", Roles: []string{auth.RoleLinkWorker}}},
	{"host", auth.Identity{Subject: "practitioners/host", Organization: "organizations/org", Roles: []string{auth.RoleEventHost}}},
	{"mod", auth.Identity{Subject: "practitioners/mod", Roles: []string{auth.RoleModerator}}},
	{"sys", auth.Identity{Subject: "clients/his", Organization: "organizations/org", Roles: []string{auth.RoleSystem}}},
	{"priv", auth.Identity{Subject: "practitioners/po", Roles: []string{auth.RolePrivacyOfficer}}},
	{"svc", auth.Identity{Subject: "services/referral", Roles: []string{auth.RoleService}}},
}

// Every directory RPC for every caller, written out: the public reads and searches the
// directory; only a directory administrator changes it, anonymous callers are asked to sign in,
// other roles are refused — even for their own organisation.
//
//	columns: anon admin clin lw host mod sys priv svc
var directoryMatrix = map[string]string{
	"Create": "U OK P P P P P P P",
	"Get":    "OK OK OK OK OK OK OK OK OK",
	"List":   "OK OK OK OK OK OK OK OK OK",
	"Update": "U OK P P P P P P P",
	"Delete": "U OK P P P P P P P",
	"Search": "OK OK OK OK OK OK OK OK OK",
}

// kindCalls are the standard methods of one kind of resource, on resource id.
type kindCalls struct {
	create, get, list, update, del func(ctx context.Context, id string) error
}

func directoryKinds(c directoryv1.DirectoryServiceClient) map[string]kindCalls {
	lat, lng := 43.66, -79.35
	mask := func(p string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: []string{p}} }
	return map[string]kindCalls{
		"Organization": {
			create: func(ctx context.Context, id string) error {
				_, err := c.CreateOrganization(ctx, &directoryv1.CreateOrganizationRequest{OrganizationId: id, Organization: &directoryv1.Organization{DisplayName: "Org " + id}})
				return err
			},
			get: func(ctx context.Context, id string) error {
				_, err := c.GetOrganization(ctx, &directoryv1.GetOrganizationRequest{Name: "organizations/" + id})
				return err
			},
			list: func(ctx context.Context, _ string) error {
				_, err := c.ListOrganizations(ctx, &directoryv1.ListOrganizationsRequest{})
				return err
			},
			update: func(ctx context.Context, id string) error {
				_, err := c.UpdateOrganization(ctx, &directoryv1.UpdateOrganizationRequest{Organization: &directoryv1.Organization{
					Name: "organizations/" + id, Description: "Changed."}, UpdateMask: mask("description")})
				return err
			},
			del: func(ctx context.Context, id string) error {
				_, err := c.DeleteOrganization(ctx, &directoryv1.DeleteOrganizationRequest{Name: "organizations/" + id})
				return err
			},
		},
		"Service": {
			create: func(ctx context.Context, id string) error {
				_, err := c.CreateService(ctx, &directoryv1.CreateServiceRequest{ServiceId: id, Service: &directoryv1.Service{
					Organization: "organizations/org", DisplayName: "Walks " + id}})
				return err
			},
			get: func(ctx context.Context, id string) error {
				_, err := c.GetService(ctx, &directoryv1.GetServiceRequest{Name: "services/" + id})
				return err
			},
			list: func(ctx context.Context, _ string) error {
				_, err := c.ListServices(ctx, &directoryv1.ListServicesRequest{})
				return err
			},
			update: func(ctx context.Context, id string) error {
				_, err := c.UpdateService(ctx, &directoryv1.UpdateServiceRequest{Service: &directoryv1.Service{
					Name: "services/" + id, Description: "Changed."}, UpdateMask: mask("description")})
				return err
			},
			del: func(ctx context.Context, id string) error {
				_, err := c.DeleteService(ctx, &directoryv1.DeleteServiceRequest{Name: "services/" + id})
				return err
			},
		},
		"Location": {
			create: func(ctx context.Context, id string) error {
				_, err := c.CreateLocation(ctx, &directoryv1.CreateLocationRequest{LocationId: id, Location: &directoryv1.Location{
					Organization: "organizations/org", DisplayName: "Hall " + id, Latitude: &lat, Longitude: &lng}})
				return err
			},
			get: func(ctx context.Context, id string) error {
				_, err := c.GetLocation(ctx, &directoryv1.GetLocationRequest{Name: "locations/" + id})
				return err
			},
			list: func(ctx context.Context, _ string) error {
				_, err := c.ListLocations(ctx, &directoryv1.ListLocationsRequest{})
				return err
			},
			update: func(ctx context.Context, id string) error {
				_, err := c.UpdateLocation(ctx, &directoryv1.UpdateLocationRequest{Location: &directoryv1.Location{
					Name: "locations/" + id, Description: "Changed."}, UpdateMask: mask("description")})
				return err
			},
			del: func(ctx context.Context, id string) error {
				_, err := c.DeleteLocation(ctx, &directoryv1.DeleteLocationRequest{Name: "locations/" + id})
				return err
			},
		},
		"TaxonomyTerm": {
			create: func(ctx context.Context, id string) error {
				_, err := c.CreateTaxonomyTerm(ctx, &directoryv1.CreateTaxonomyTermRequest{TaxonomyTermId: id, TaxonomyTerm: &directoryv1.TaxonomyTerm{
					Code: "code-" + id, DisplayName: "Term " + id, Taxonomy: "socialrx-activity"}})
				return err
			},
			get: func(ctx context.Context, id string) error {
				_, err := c.GetTaxonomyTerm(ctx, &directoryv1.GetTaxonomyTermRequest{Name: "taxonomyTerms/" + id})
				return err
			},
			list: func(ctx context.Context, _ string) error {
				_, err := c.ListTaxonomyTerms(ctx, &directoryv1.ListTaxonomyTermsRequest{})
				return err
			},
			update: func(ctx context.Context, id string) error {
				_, err := c.UpdateTaxonomyTerm(ctx, &directoryv1.UpdateTaxonomyTermRequest{TaxonomyTerm: &directoryv1.TaxonomyTerm{
					Name: "taxonomyTerms/" + id, Description: "Changed."}, UpdateMask: mask("description")})
				return err
			},
			del: func(ctx context.Context, id string) error {
				_, err := c.DeleteTaxonomyTerm(ctx, &directoryv1.DeleteTaxonomyTermRequest{Name: "taxonomyTerms/" + id})
				return err
			},
		},
		"Practitioner": {
			create: func(ctx context.Context, id string) error {
				_, err := c.CreatePractitioner(ctx, &directoryv1.CreatePractitionerRequest{PractitionerId: id, Practitioner: &directoryv1.Practitioner{
					Organization: "organizations/org", GivenName: "Sam", FamilyName: "Lee", Role: directoryv1.PractitionerRole_PRACTITIONER_ROLE_CLINICIAN}})
				return err
			},
			get: func(ctx context.Context, id string) error {
				_, err := c.GetPractitioner(ctx, &directoryv1.GetPractitionerRequest{Name: "practitioners/" + id})
				return err
			},
			list: func(ctx context.Context, _ string) error {
				_, err := c.ListPractitioners(ctx, &directoryv1.ListPractitionersRequest{})
				return err
			},
			update: func(ctx context.Context, id string) error {
				_, err := c.UpdatePractitioner(ctx, &directoryv1.UpdatePractitionerRequest{Practitioner: &directoryv1.Practitioner{
					Name: "practitioners/" + id, GivenName: "Samantha"}, UpdateMask: mask("given_name")})
				return err
			},
			del: func(ctx context.Context, id string) error {
				_, err := c.DeletePractitioner(ctx, &directoryv1.DeletePractitionerRequest{Name: "practitioners/" + id})
				return err
			},
		},
	}
}

// Every directory RPC (25 standard methods of five kinds and SearchServices) × every role.
func TestAuthorizationMatrix(t *testing.T) {
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	admin := ctxT(t)
	if _, err := dir.Client.CreateOrganization(admin, &directoryv1.CreateOrganizationRequest{OrganizationId: "org",
		Organization: &directoryv1.Organization{DisplayName: "Riverdale CHC"}}); err != nil {
		t.Fatal(err)
	}
	kinds := directoryKinds(dir.Client)
	n, cells := 0, 0
	for _, kind := range []string{"Organization", "Service", "Location", "TaxonomyTerm", "Practitioner"} {
		k := kinds[kind]
		for _, m := range []struct {
			method string
			call   func(context.Context, string) error
		}{{"Create", k.create}, {"Get", k.get}, {"List", k.list}, {"Update", k.update}, {"Delete", k.del}} {
			want := strings.Fields(directoryMatrix[m.method])
			shared := ""
			for i, caller := range directoryCallers {
				n++
				id := shared
				if m.method == "Create" || id == "" || want[i] == "OK" {
					id = fmt.Sprintf("m%d", n)
					if m.method != "Create" {
						if err := k.create(admin, id); err != nil {
							t.Fatalf("fixture %s %s: %v", kind, id, err)
						}
					}
					if want[i] != "OK" {
						shared = id
					}
				}
				if got := testenv.Outcome(true, m.call(as(ctxT(t), caller.id), id)); got != want[i] {
					t.Errorf("%s%s as %s: %s, want %s", m.method, kind, caller.col, got, want[i])
				}
				cells++
			}
		}
	}
	want := strings.Fields(directoryMatrix["Search"])
	for i, caller := range directoryCallers {
		_, err := dir.Client.SearchServices(as(ctxT(t), caller.id), &directoryv1.SearchServicesRequest{Query: "walks"})
		if got := testenv.Outcome(true, err); got != want[i] {
			t.Errorf("SearchServices as %s: %s, want %s", caller.col, got, want[i])
		}
		cells++
	}
	fmt.Printf("directory authorization matrix: 26 RPCs × %d callers = %d cells\n", len(directoryCallers), cells)
}
