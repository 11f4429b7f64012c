package directory_test

import (
	"testing"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// Organisations and services carry their name and description in English and French; readers
// ask for a language and get it where the resource has it, else its own, told which.
func TestOrganizationAndServiceTranslations(t *testing.T) {
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	c, ctx := dir.Client, ctxT(t)
	org, err := c.CreateOrganization(ctx, &directoryv1.CreateOrganizationRequest{OrganizationId: "riverdale", Organization: &directoryv1.Organization{
		DisplayName: "Riverdale Community Health Centre", Description: "Primary care and community programmes.",
		Translations: []*directoryv1.LocalizedText{{LanguageCode: "fr", DisplayName: "Centre de santé communautaire Riverdale",
			Description: "Soins primaires et programmes communautaires."}}}})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := c.CreateService(ctx, &directoryv1.CreateServiceRequest{ServiceId: "calls", Service: &directoryv1.Service{
		Organization: org.GetName(), DisplayName: "Friendly calls", Description: "A weekly call from a volunteer.",
		LanguageCode: "en", Languages: []string{"en"},
		Translations: []*directoryv1.LocalizedText{{LanguageCode: "fr-CA", DisplayName: "Appels amicaux",
			Description: "Un appel d’un bénévole chaque semaine."}}}})
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, code       string
		org, svc, svcTag string
	}{
		{"own language", "", "Riverdale Community Health Centre", "Friendly calls", "en"},
		{"French", "fr", "Centre de santé communautaire Riverdale", "Appels amicaux", "fr-CA"},
		{"a language they lack falls back", "pa", "Riverdale Community Health Centre", "Friendly calls", "en"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := c.GetOrganization(ctx, &directoryv1.GetOrganizationRequest{Name: org.GetName(), LanguageCode: tc.code})
			if err != nil {
				t.Fatal(err)
			}
			if o.GetDisplayName() != tc.org {
				t.Fatalf("GetOrganization = %q, want %q", o.GetDisplayName(), tc.org)
			}
			orgs, err := c.ListOrganizations(ctx, &directoryv1.ListOrganizationsRequest{LanguageCode: tc.code})
			if err != nil {
				t.Fatal(err)
			}
			if len(orgs.GetOrganizations()) != 1 || orgs.GetOrganizations()[0].GetDisplayName() != tc.org {
				t.Fatalf("ListOrganizations = %v, want %q", orgs.GetOrganizations(), tc.org)
			}
			s, err := c.GetService(ctx, &directoryv1.GetServiceRequest{Name: svc.GetName(), LanguageCode: tc.code})
			if err != nil {
				t.Fatal(err)
			}
			if s.GetDisplayName() != tc.svc || s.GetLanguageCode() != tc.svcTag || len(s.GetTranslations()) != 1 {
				t.Fatalf("GetService = %q in %q with %d translations, want %q in %q with 1",
					s.GetDisplayName(), s.GetLanguageCode(), len(s.GetTranslations()), tc.svc, tc.svcTag)
			}
			list, err := c.ListServices(ctx, &directoryv1.ListServicesRequest{LanguageCode: tc.code})
			if err != nil {
				t.Fatal(err)
			}
			if len(list.GetServices()) != 1 || list.GetServices()[0].GetDisplayName() != tc.svc {
				t.Fatalf("ListServices = %v, want %q", list.GetServices(), tc.svc)
			}
			found, err := c.SearchServices(ctx, &directoryv1.SearchServicesRequest{LanguageCode: tc.code})
			if err != nil {
				t.Fatal(err)
			}
			if len(found.GetResults()) != 1 || found.GetResults()[0].GetService().GetDisplayName() != tc.svc {
				t.Fatalf("SearchServices = %v, want %q", found.GetResults(), tc.svc)
			}
		})
	}

	t.Run("French words find the service", func(t *testing.T) {
		found, err := c.SearchServices(ctx, &directoryv1.SearchServicesRequest{Query: "bénévole", LanguageCode: "fr"})
		if err != nil {
			t.Fatal(err)
		}
		if len(found.GetResults()) != 1 || found.GetResults()[0].GetService().GetDisplayName() != "Appels amicaux" {
			t.Fatalf("search bénévole = %v, want the friendly calls in French", found.GetResults())
		}
	})

	t.Run("an update in French changes the French text only", func(t *testing.T) {
		if _, err := c.UpdateOrganization(ctx, &directoryv1.UpdateOrganizationRequest{Organization: &directoryv1.Organization{
			Name: org.GetName(), LanguageCode: "fr", DisplayName: "CSC Riverdale"},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}); err != nil {
			t.Fatal(err)
		}
		o, err := c.GetOrganization(ctx, &directoryv1.GetOrganizationRequest{Name: org.GetName()})
		if err != nil {
			t.Fatal(err)
		}
		if o.GetDisplayName() != "Riverdale Community Health Centre" {
			t.Fatalf("English name = %q, want it unchanged", o.GetDisplayName())
		}
		if tr := o.GetTranslations(); len(tr) != 1 || tr[0].GetDisplayName() != "CSC Riverdale" || tr[0].GetDescription() != "Soins primaires et programmes communautaires." {
			t.Fatalf("French text = %v, want the new name beside the old description", tr)
		}
	})

	t.Run("a second text in one language is refused", func(t *testing.T) {
		_, err := c.CreateService(ctx, &directoryv1.CreateServiceRequest{Service: &directoryv1.Service{
			Organization: org.GetName(), DisplayName: "Meals", LanguageCode: "fr",
			Translations: []*directoryv1.LocalizedText{{LanguageCode: "FR", DisplayName: "Repas"}}}})
		testenv.WantField(t, err, "service.translations[0].language_code")
	})
}
