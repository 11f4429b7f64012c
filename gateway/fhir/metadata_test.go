package fhir_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
)

// The CapabilityStatement lists exactly what works, and the SMART configuration names the
// issuer's token endpoint.
func TestMetadataAndSMARTConfiguration(t *testing.T) {
	s := start(t, 1)
	anon := s.as("")
	cs := anon.do(t, "GET", "/metadata", "").must(t, http.StatusOK, "metadata")
	if cs.body["resourceType"] != "CapabilityStatement" || cs.body["fhirVersion"] != "4.0.1" || cs.body["kind"] != "instance" {
		t.Fatalf("metadata: %s", cs.raw)
	}
	type offer struct{ interactions, params []string }
	got := map[string]offer{}
	for _, r := range get(cs.body, "rest.0.resource").([]any) {
		var o offer
		for _, i := range get(r, "interaction").([]any) {
			o.interactions = append(o.interactions, getS(i, "code"))
		}
		if ps, ok := get(r, "searchParam").([]any); ok {
			for _, p := range ps {
				o.params = append(o.params, getS(p, "name"))
			}
		}
		got[getS(r, "type")] = o
	}
	want := map[string]offer{
		"Task":              {[]string{"read", "vread", "update", "patch", "search-type"}, []string{"owner", "status", "_lastUpdated"}},
		"ServiceRequest":    {[]string{"read", "vread", "search-type"}, []string{"subject", "status", "_lastUpdated"}},
		"Patient":           {[]string{"read", "vread", "search-type"}, []string{"family", "given", "birthdate"}},
		"Consent":           {[]string{"read", "vread"}, nil},
		"Goal":              {[]string{"read", "vread"}, nil},
		"Observation":       {[]string{"read", "vread"}, nil},
		"Procedure":         {[]string{"read", "vread"}, nil},
		"Organization":      {[]string{"read", "vread", "search-type"}, []string{"name"}},
		"Location":          {[]string{"read", "vread", "search-type"}, []string{"name", "type", "near", "organization"}},
		"HealthcareService": {[]string{"read", "vread", "search-type"}, []string{"name", "type", "near", "organization"}},
		"Subscription":      {[]string{"create", "read", "delete", "search-type"}, []string{"status"}},
	}
	for typ, w := range want {
		g, ok := got[typ]
		if !ok || !equal(g.interactions, w.interactions) || !equal(g.params, w.params) {
			t.Errorf("%s: interactions %v params %v, want %v %v", typ, g.interactions, g.params, w.interactions, w.params)
		}
	}
	for typ := range got {
		if _, ok := want[typ]; !ok {
			t.Errorf("CapabilityStatement offers %s, which no test reads", typ)
		}
	}
	if getS(cs.body, "rest.0.interaction.0.code") != "transaction" || getS(cs.body, "rest.0.security.service.0.coding.0.code") != "SMART-on-FHIR" {
		t.Fatalf("system interaction or security: %s", cs.raw)
	}
	smart := anon.do(t, "GET", "/.well-known/smart-configuration", "").must(t, http.StatusOK, "smart configuration")
	if te, _ := smart.body["token_endpoint"].(string); te == "" || te != testIssuerTokenURL(t) {
		t.Fatalf("token endpoint %q, want the issuer's", smart.body["token_endpoint"])
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Both validators find what is wrong: a Task without its required intent, with a status that is
// no Task status and an element R4 does not have.
func TestValidatorsFindErrors(t *testing.T) {
	bad := []byte(`{"resourceType": "Task", "status": "sent", "colour": "red"}`)
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Unmarshal(bad); err == nil {
		t.Fatal("the library's validation took an invalid Task")
	}
	errs, _, err := schemaErrors(filepath.Join(repoRoot(t), schemaPackage), []json.RawMessage{bad, []byte(`{"resourceType": "Task", "status": "requested", "intent": "order"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if len(errs[0]) == 0 || len(errs[1]) != 0 {
		t.Fatalf("schema errors %v for the invalid Task and %v for a valid one", errs[0], errs[1])
	}
}
