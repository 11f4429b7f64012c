package hsds

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// The importer and the read API against a real directory service on the embedded database: an
// HSDS document goes in, the same records come out of /hsds and validate against the schemas.
func TestImportThenServeThroughRealDirectory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	im := &Importer{Client: dir.Client, Logger: testenv.Logger()}

	doc := withValidCoordinates(readExample(t, "service_full.json"))
	first, err := im.Import(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	if first.Count(OutcomeRejected) != 0 || first.Count(OutcomeCreated) == 0 {
		t.Fatalf("first import: %+v", first.Records)
	}
	second, err := im.Import(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	if second.Count(OutcomeCreated) != 0 || second.Count(OutcomeAlreadyPresent) != first.Count(OutcomeCreated) {
		t.Fatalf("second import created records again: %+v", second.Records)
	}
	list, err := dir.Client.ListServices(ctx, &directoryv1.ListServicesRequest{})
	if err != nil || list.GetTotalSize() != 1 {
		t.Fatalf("directory holds %d services after two imports, want 1 (%v)", list.GetTotalSize(), err)
	}

	// Impossible coordinates are rejected with a reason naming the field; nothing is stored.
	bad, err := im.Import(ctx, readExample(t, "organization_full.json"))
	if err != nil {
		t.Fatal(err)
	}
	if bad.Count(OutcomeRejected) == 0 {
		t.Fatalf("import with latitude 100 rejected nothing: %+v", bad.Records)
	}
	for _, r := range bad.Records {
		if r.Outcome == OutcomeRejected && r.Reason == "" {
			t.Fatalf("rejection without a reason: %+v", r)
		}
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
