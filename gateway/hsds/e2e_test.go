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
