package gateway_test

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/socialrx/socialrx/gateway/openapi"
)

// The security the OpenAPI document states agrees with what the anonymous caller of the REST
// matrix (authz_test.go) gets from the real services: an operation that answers 401 to nobody
// signed in needs a token, one that answers 200 or 404 to them is open to anyone.
func TestOpenAPISecurityAgreesWithTheMatrix(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	if err != nil {
		t.Fatal(err)
	}
	find := func(method, target string) *openapi3.Operation {
		target, _, _ = strings.Cut(target, "?")
		for path, item := range doc.Paths.Map() {
			if op := item.GetOperation(method); op != nil && pathMatches(path, target) {
				return op
			}
		}
		return nil
	}
	checked := 0
	for _, row := range restMatrix {
		op := find(row.method, row.path)
		if op == nil {
			t.Errorf("%s %s of the matrix is not in the OpenAPI document", row.method, row.path)
			continue
		}
		anonymous := op.Security != nil && (len(*op.Security) == 0 || len((*op.Security)[0]) == 0)
		switch anon := strings.Fields(row.want)[0]; anon {
		case "401":
			checked++
			if anonymous {
				t.Errorf("%s (%s %s) answers 401 to the anonymous caller, but the document lets anyone call it", op.OperationID, row.method, row.path)
			}
		case "200", "404":
			checked++
			if !anonymous {
				t.Errorf("%s (%s %s) answers %s to the anonymous caller, but the document asks for a token", op.OperationID, row.method, row.path, anon)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d rows checked", checked)
	}
}

// pathMatches reports whether target, e.g. /v1/events/draft:submit, is a path of the template
// /v1/events/{event}:submit.
func pathMatches(template, target string) bool {
	ts, gs := strings.Split(template, "/"), strings.Split(target, "/")
	if len(ts) != len(gs) {
		return false
	}
	for i := range ts {
		t, tVerb, _ := strings.Cut(ts[i], ":")
		g, gVerb, _ := strings.Cut(gs[i], ":")
		if tVerb != gVerb || (t != g && (g == "" || !strings.HasPrefix(t, "{"))) {
			return false
		}
	}
	return true
}
