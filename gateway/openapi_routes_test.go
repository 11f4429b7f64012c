package gateway

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/socialrx/socialrx/gateway/hsds"
	"github.com/socialrx/socialrx/gateway/openapi"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// gatewayRoutes are the gateway's own endpoints beside grpc-gateway and HSDS (gateway.go).
var gatewayRoutes = []string{"GET /healthz", "GET /openapi.json", "GET /docs"}

var (
	templateVariable = regexp.MustCompile(`\{[^=}]+=([^}]+)\}`) // {name=events/*}
	plainVariable    = regexp.MustCompile(`\{[^}]+\}`)          // {event}, {id}, {name}
)

// served lists what the gateway serves as "METHOD /path/*/with/*/ids": the REST bindings of
// every service it registers (the route table its middleware checks every request against),
// the HSDS API's routes under /hsds and the gateway's own.
func served(t *testing.T) []string {
	t.Helper()
	routes, err := newRouteTable(testenv.Logger(), restServices...)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for key := range routes.routes {
		method, template, _ := strings.Cut(key, " ")
		out = append(out, method+" "+plainVariable.ReplaceAllString(templateVariable.ReplaceAllString(template, "$1"), "*"))
	}
	for _, r := range hsds.Routes() {
		method, path, _ := strings.Cut(r, " ")
		path = strings.TrimSuffix(path, "{$}")
		out = append(out, method+" /hsds"+plainVariable.ReplaceAllString(path, "*"))
	}
	out = append(out, gatewayRoutes...)
	slices.Sort(out)
	return out
}

// documented lists the operations of the OpenAPI document in the same form.
func documented(t *testing.T, doc *openapi3.T) []string {
	t.Helper()
	var out []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+plainVariable.ReplaceAllString(path, "*"))
		}
	}
	slices.Sort(out)
	return out
}

// Every operation the gateway serves is in the OpenAPI document it serves, and every operation of
// the document is served: listed from the mux's own tables, then each one sent to the real
// gateway, which must route it (its backends are down, so a routed request answers 503, or 400
// for an id the gateway itself refuses), not answer that there is no such method.
func TestOpenAPIDocumentMatchesTheMux(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the served document is not valid OpenAPI: %v", err)
	}
	srv, doc2 := served(t), documented(t, doc)
	for _, op := range srv {
		if !slices.Contains(doc2, op) {
			t.Errorf("%s is served but not in the OpenAPI document", op)
		}
	}
	for _, op := range doc2 {
		if !slices.Contains(srv, op) {
			t.Errorf("%s is in the OpenAPI document but not served", op)
		}
	}
	if len(srv) < 80 {
		t.Fatalf("only %d operations served; the mux tables were not read", len(srv))
	}

	// Backends on a port nothing listens on: every call to them fails at once with UNAVAILABLE.
	g, err := New(context.Background(), Config{DirectoryAddr: "127.0.0.1:1", EventAddr: "127.0.0.1:1",
		ReferralAddr: "127.0.0.1:1", RateLimit: -1}, testenv.Logger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.closeBackends)
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		for _, method := range slices.Sorted(maps.Keys(doc.Paths.Value(path).Operations())) {
			target := plainVariable.ReplaceAllString(path, "x1")
			var body *strings.Reader
			if method == http.MethodGet || method == http.MethodDelete {
				body = strings.NewReader("")
			} else {
				body = strings.NewReader("{}")
			}
			req := httptest.NewRequest(method, target, body)
			if body.Len() > 0 {
				req.Header.Set("Content-Type", "application/json")
			}
			rec := httptest.NewRecorder()
			g.Handler().ServeHTTP(rec, req)
			if unrouted(rec) {
				t.Errorf("%s %s (%s %s): the gateway has no such method: %d %.200s", method, path, method, target, rec.Code, rec.Body)
			}
		}
	}
}

// unrouted reports whether an answer says the gateway has no handler for the request: a 405, or
// a 404 from grpc-gateway's routing, the HSDS API's catch-all or the web app.
func unrouted(rec *httptest.ResponseRecorder) bool {
	if rec.Code == http.StatusMethodNotAllowed {
		return true
	}
	if rec.Code != http.StatusNotFound {
		return false
	}
	var body struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(rec.Body.Bytes(), &body) != nil {
		return true // the web app's HTML page
	}
	m := body.Error.Message
	return m == "no REST method at this path" || strings.HasPrefix(m, "no HSDS endpoint")
}
