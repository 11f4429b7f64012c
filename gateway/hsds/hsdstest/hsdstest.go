// Package hsdstest is what the HSDS packages' tests share: Open Referral's published examples
// and HSDS 3.0 schemas (kept once, in gateway/hsds/document/testdata) and a schema validator
// that never reaches the network. Only tests import it.
package hsdstest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Where the HSDS 3.0 documents live; openapi.json refers to the schemas by these URLs.
const (
	SpecBase   = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
	Compiled   = SpecBase + "compiled/"
	OpenAPIURL = SpecBase + "openapi.json"
)

// Ids of the records in the published examples.
const (
	ExampleOrganization = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
	ExampleService      = "ac148810-d857-441c-9679-408f346de14b"
	ExampleLocation     = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
	ExampleTerm         = "3f7b145d-84af-42d7-8fae-eaca714b02b2"
)

// schemaFiles maps the URL of each HSDS document to its copy in testdata/schema.
var schemaFiles = map[string]string{
	Compiled + "service.json":                  "service.json",
	Compiled + "service_list.json":             "service_list.json",
	Compiled + "organization.json":             "organization.json",
	Compiled + "organization_list.json":        "organization_list.json",
	Compiled + "service_at_location.json":      "service_at_location.json",
	Compiled + "service_at_location_list.json": "service_at_location_list.json",
	SpecBase + "service_with_definitions.json": "service_with_definitions.json",
	OpenAPIURL: "openapi.json",
}

// Testdata is the folder of the examples and schemas, wherever the test runs from.
func Testdata() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "document", "testdata")
}

// Example returns the published example file name (e.g. "service_full.json").
func Example(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(Testdata(), "examples", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// WithValidCoordinates replaces the examples' impossible coordinates (latitude 100, longitude
// 101) with real ones, so that their location and service can be imported.
func WithValidCoordinates(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte(`"latitude": 100`), []byte(`"latitude": 43.65`))
	return bytes.ReplaceAll(b, []byte(`"longitude": 101`), []byte(`"longitude": -79.38`))
}

// offline refuses every URL: all HSDS documents are registered as resources, so a load means
// a reference that has no local copy, and the tests must not reach the network.
type offline struct{}

func (offline) Load(url string) (any, error) { return nil, fmt.Errorf("no local copy of %s", url) }

// UUIDPattern matches a lower-case UUID, as HSDS ids are.
var UUIDPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// compiler compiles the HSDS schemas, asserting formats. The one deviation from HSDS allowed is
// the service_at_location id "<service uuid>:<location uuid>": the directory has no such record,
// so its id names the pair.
var compiler = sync.OnceValues(func() (*jsonschema.Compiler, error) {
	c := jsonschema.NewCompiler()
	c.UseLoader(offline{})
	c.AssertFormat()
	c.RegisterFormat(&jsonschema.Format{Name: "uuid", Validate: func(v any) error {
		s, ok := v.(string)
		if !ok {
			return nil
		}
		svc, loc, pair := strings.Cut(s, ":")
		if UUIDPattern.MatchString(s) || pair && UUIDPattern.MatchString(svc) && UUIDPattern.MatchString(loc) {
			return nil
		}
		return errors.New("not a uuid")
	}})
	for url, file := range schemaFiles {
		f, err := os.Open(filepath.Join(Testdata(), "schema", file))
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

var (
	schemaMu    sync.Mutex
	schemaCache = map[string]*jsonschema.Schema{}
)

// Schema returns the compiled HSDS schema at loc (a URL above, with a fragment if need be).
func Schema(tb testing.TB, loc string) *jsonschema.Schema {
	tb.Helper()
	c, err := compiler()
	if err != nil {
		tb.Fatalf("load HSDS schemas: %v", err)
	}
	schemaMu.Lock()
	defer schemaMu.Unlock()
	if s, ok := schemaCache[loc]; ok {
		return s
	}
	s, err := c.Compile(loc)
	if err != nil {
		tb.Fatalf("compile %s: %v", loc, err)
	}
	schemaCache[loc] = s
	return s
}
