package hsds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/socialrx/socialrx/gateway/hsds/importer"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// directoryTestdata holds the HSDS examples and schemas, kept once beside the directory's
// import and export code.
const directoryTestdata = "document/testdata"

// The HSDS documents; openapi.json refers to the schemas by these URLs.
const (
	specBase   = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
	compiled   = specBase + "compiled/"
	openapiURL = specBase + "openapi.json"
	exOrg      = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
	exService  = "ac148810-d857-441c-9679-408f346de14b"
)

var schemaFiles = map[string]string{
	compiled + "service.json":                  "service.json",
	compiled + "service_list.json":             "service_list.json",
	compiled + "organization.json":             "organization.json",
	compiled + "organization_list.json":        "organization_list.json",
	compiled + "service_at_location.json":      "service_at_location.json",
	compiled + "service_at_location_list.json": "service_at_location_list.json",
	specBase + "service_with_definitions.json": "service_with_definitions.json",
	openapiURL: "openapi.json",
}

// offline refuses every URL: every HSDS document is registered, and tests must not reach the network.
type offline struct{}

func (offline) Load(url string) (any, error) { return nil, fmt.Errorf("no local copy of %s", url) }

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// hsdsCompiler compiles the HSDS schemas, asserting formats; the one deviation allowed is the
// service_at_location id "<service uuid>:<location uuid>".
var hsdsCompiler = sync.OnceValues(func() (*jsonschema.Compiler, error) {
	c := jsonschema.NewCompiler()
	c.UseLoader(offline{})
	c.AssertFormat()
	c.RegisterFormat(&jsonschema.Format{Name: "uuid", Validate: func(v any) error {
		s, ok := v.(string)
		if !ok {
			return nil
		}
		svc, loc, pair := strings.Cut(s, ":")
		if uuidPattern.MatchString(s) || pair && uuidPattern.MatchString(svc) && uuidPattern.MatchString(loc) {
			return nil
		}
		return errors.New("not a uuid")
	}})
	for url, file := range schemaFiles {
		f, err := os.Open(filepath.Join(directoryTestdata, "schema", file))
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if err := c.AddResource(url, doc); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
	}
	return c, nil
})

func hsdsSchema(t *testing.T, loc string) *jsonschema.Schema {
	t.Helper()
	c, err := hsdsCompiler()
	if err != nil {
		t.Fatalf("load HSDS schemas: %v", err)
	}
	s, err := c.Compile(loc)
	if err != nil {
		t.Fatalf("compile %s: %v", loc, err)
	}
	return s
}

// pageSchema is the response schema of an HSDS list endpoint in openapi.json.
func pageSchema(path string) string {
	return openapiURL + "#/paths/~1" + path + "/get/responses/200/content/application~1json/schema"
}

// The read API against a real directory service on the embedded database: the HSDS example is
// imported, and the same records come out of /hsds and validate against the HSDS schemas.
func TestServeThroughRealDirectory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Importing changes the directory, which needs a directory administrator.
	ctx = testenv.WithIdentity(ctx, auth.Identity{Subject: "practitioners/admin", Roles: []string{auth.RoleDirectoryAdmin}})
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	doc, err := os.ReadFile(filepath.Join(directoryTestdata, "examples", "service_full.json"))
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
		{"/hsds/services/" + exService, compiled + "service.json"},
		{"/hsds/organizations", pageSchema("organizations")},
		{"/hsds/organizations/" + exOrg, compiled + "organization.json"},
		{"/hsds/service_at_locations", pageSchema("service_at_locations")},
	}
	for _, c := range checks {
		code, v := get(c.path)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d %v", c.path, code, v)
		}
		if err := hsdsSchema(t, c.schema).Validate(v); err != nil {
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
		if err := hsdsSchema(t, specBase+"service_with_definitions.json#/definitions/taxonomy_term").Validate(term); err != nil {
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
