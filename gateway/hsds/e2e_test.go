package hsds

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/socialrx/socialrx/gateway/hsds/hsdstest"

	"github.com/socialrx/socialrx/gateway/hsds/importer"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

const (
	exOrg     = hsdstest.ExampleOrganization
	exService = hsdstest.ExampleService
)

// pageSchema is the response schema of an HSDS list endpoint in openapi.json.
func pageSchema(path string) string {
	return hsdstest.OpenAPIURL + "#/paths/~1" + path + "/get/responses/200/content/application~1json/schema"
}

// The read API against a real directory service on the embedded database: the HSDS example is
// imported, and the same records come out of /hsds and validate against the HSDS schemas.
func TestServeThroughRealDirectory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Importing changes the directory, which needs a directory administrator.
	ctx = testenv.WithIdentity(ctx, auth.Identity{Subject: "practitioners/admin", Roles: []string{auth.RoleDirectoryAdmin}})
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	doc, err := os.ReadFile(filepath.Join(hsdstest.Testdata(), "examples", "service_full.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The example's coordinates (latitude 100, longitude 101) are impossible; use real ones.
	doc = bytes.ReplaceAll(doc, []byte(`"latitude": 100`), []byte(`"latitude": 43.65`))
	doc = bytes.ReplaceAll(doc, []byte(`"longitude": 101`), []byte(`"longitude": -79.38`))
	im := &importer.Importer{Client: dir.Client, Logger: testenv.Logger()}
	report, err := im.Import(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	if report.Count(importer.OutcomeRejected) != 0 || report.Count(importer.OutcomeCreated) == 0 {
		t.Fatalf("import: %+v", report.Records)
	}

	srv := httptest.NewServer(http.StripPrefix("/hsds", NewHandler(dir.Client, testenv.Logger())))
	defer srv.Close()
	get := func(path string) (int, any) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("GET %s: not JSON: %s", path, raw)
		}
		return resp.StatusCode, v
	}
	checks := []struct {
		path, schema string
	}{
		{"/hsds/services", pageSchema("services")},
		{"/hsds/services?search=" + "service&per_page=5", pageSchema("services")},
		{"/hsds/services?proximity=5000&latitude=43.65&longitude=-79.38", pageSchema("services")},
		{"/hsds/services/" + exService, hsdstest.Compiled + "service.json"},
		{"/hsds/organizations", pageSchema("organizations")},
		{"/hsds/organizations/" + exOrg, hsdstest.Compiled + "organization.json"},
		{"/hsds/service_at_locations", pageSchema("service_at_locations")},
	}
	for _, c := range checks {
		code, v := get(c.path)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d %v", c.path, code, v)
		}
		if err := hsdstest.Schema(t, c.schema).Validate(v); err != nil {
			t.Fatalf("GET %s does not validate against %s: %v", c.path, c.schema, err)
		}
	}
	// The published schemas have no compiled taxonomy_term file: check each term against its
	// definition and the envelope by its fields.
	code, v := get("/hsds/taxonomy_terms")
	page, _ := v.(map[string]any)
	contents, _ := page["contents"].([]any)
	if code != http.StatusOK || len(contents) == 0 || page["total_items"] != float64(len(contents)) {
		t.Fatalf("taxonomy terms: %d %v", code, v)
	}
	for _, term := range contents {
		if err := hsdstest.Schema(t, hsdstest.SpecBase+"service_with_definitions.json#/definitions/taxonomy_term").Validate(term); err != nil {
			t.Fatalf("taxonomy term %v: %v", term, err)
		}
	}

	// The page envelope counts what the directory holds, and proximity excludes far services.
	_, v = get("/hsds/services")
	if page := v.(map[string]any); page["total_items"] != float64(1) || page["empty"] != false {
		t.Fatalf("services page: %v", page)
	}
	_, v = get("/hsds/services?proximity=1000&latitude=45.42&longitude=-75.69")
	if page := v.(map[string]any); page["total_items"] != float64(0) || page["empty"] != true {
		t.Fatalf("a service 350 km away matched proximity 1 km: %v", page)
	}
	if code, _ := get("/hsds/services/00000000-0000-4000-8000-000000000000"); code != http.StatusNotFound {
		t.Fatalf("unknown service: %d, want 404", code)
	}
	if code, _ := get("/hsds/services?page=0"); code != http.StatusBadRequest {
		t.Fatalf("page=0: %d, want 400", code)
	}
}

// A reader's Accept-Language chooses the language of the HSDS records among the directory's
// texts, and the records still validate.
func TestServeInTheReadersLanguage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ctx = testenv.WithIdentity(ctx, auth.Identity{Subject: "practitioners/admin", Roles: []string{auth.RoleDirectoryAdmin}})
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	org, err := dir.Client.CreateOrganization(ctx, &directoryv1.CreateOrganizationRequest{OrganizationId: exOrg, Organization: &directoryv1.Organization{
		DisplayName: "Good Neighbours Seniors Network", Description: "Volunteers who keep older adults connected.",
		Translations: []*directoryv1.LocalizedText{{LanguageCode: "fr", DisplayName: "Réseau d’aînés Good Neighbours",
			Description: "Des bénévoles qui gardent les aînés en lien."}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dir.Client.CreateService(ctx, &directoryv1.CreateServiceRequest{ServiceId: exService, Service: &directoryv1.Service{
		Organization: org.GetName(), DisplayName: "Friendly calls", Description: "A weekly call from a volunteer.",
		Languages: []string{"en", "fr"},
		Translations: []*directoryv1.LocalizedText{{LanguageCode: "fr", DisplayName: "Appels amicaux",
			Description: "Un appel d’un bénévole chaque semaine."}}}}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.StripPrefix("/hsds", NewHandler(dir.Client, testenv.Logger())))
	defer srv.Close()
	get := func(path, accept string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if accept != "" {
			req.Header.Set("Accept-Language", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		return v
	}
	for _, tc := range []struct{ accept, service, org string }{
		{"", "Friendly calls", "Good Neighbours Seniors Network"},
		{"fr-CA,fr;q=0.9", "Appels amicaux", "Réseau d’aînés Good Neighbours"},
		{"pa", "Friendly calls", "Good Neighbours Seniors Network"},
	} {
		svc := get("/hsds/services/"+exService, tc.accept)
		if svc["name"] != tc.service {
			t.Errorf("Accept-Language %q: service name %v, want %q", tc.accept, svc["name"], tc.service)
		}
		if err := hsdstest.Schema(t, hsdstest.Compiled+"service.json").Validate(svc); err != nil {
			t.Fatalf("Accept-Language %q: service does not validate: %v", tc.accept, err)
		}
		o := get("/hsds/organizations/"+exOrg, tc.accept)
		if o["name"] != tc.org {
			t.Errorf("Accept-Language %q: organisation name %v, want %q", tc.accept, o["name"], tc.org)
		}
		if err := hsdstest.Schema(t, hsdstest.Compiled+"organization.json").Validate(o); err != nil {
			t.Fatalf("Accept-Language %q: organisation does not validate: %v", tc.accept, err)
		}
	}
}
