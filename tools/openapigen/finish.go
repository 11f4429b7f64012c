package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// The security schemes of base.yaml; a token from any of them is the same bearer JWT.
var signedIn = openapi3.SecurityRequirements{
	{"bearerAuth": {}},
	{"oauth2ClientCredentials": {}},
	{"openIdConnect": {}},
}

// errorResponses are the components/responses of base.yaml, by HTTP status.
var errorResponses = map[string]string{
	"400": "BadRequest",
	"401": "Unauthenticated",
	"403": "PermissionDenied",
	"404": "NotFound",
	"409": "Conflict",
	"413": "PayloadTooLarge",
	"429": "TooManyRequests",
	"500": "Internal",
	"503": "Unavailable",
	"504": "GatewayTimeout",
}

// finish completes every operation once all documents are merged.
func (m *merger) finish() error {
	ids := map[string]int{}
	for _, g := range m.fromProtos {
		ids[lowerFirst(g.method)]++
	}
	known := map[string]bool{}
	for _, g := range m.fromProtos {
		known[g.service+"/"+g.method] = true
	}
	for _, list := range [][]string{m.extra.Public, m.extra.Optional} {
		for _, name := range list {
			if !known[name] {
				return fmt.Errorf("operations.yaml names %s, which no proto serves over REST", name)
			}
		}
	}
	usedExamples := map[string]bool{}
	seenIDs := map[string]string{}
	for _, path := range m.doc.Paths.InMatchingOrder() {
		item := m.doc.Paths.Value(path)
		for _, method := range sortedMethods(item) {
			op := item.GetOperation(method)
			if g, ok := m.fromProtos[op]; ok {
				op.OperationID = lowerFirst(g.method)
				if ids[op.OperationID] > 1 {
					// Two services with one method name: the service tells them apart.
					op.OperationID = lowerFirst(g.service) + g.method
				}
				op.Extensions = map[string]any{"x-grpc-method": g.String()}
				m.secure(op, g)
				describePathParameters(op, path)
				m.fixResponses(op)
			}
			if where, dup := seenIDs[op.OperationID]; dup {
				return fmt.Errorf("operation id %s of %s %s is also that of %s", op.OperationID, method, path, where)
			}
			seenIDs[op.OperationID] = method + " " + path
			if ex, ok := m.extra.Examples[op.OperationID]; ok {
				if op.RequestBody == nil || op.RequestBody.Value.Content.Get("application/json") == nil {
					return fmt.Errorf("example for %s, which takes no JSON body", op.OperationID)
				}
				op.RequestBody.Value.Content.Get("application/json").Example = ex
				usedExamples[op.OperationID] = true
			}
			m.addErrors(op, method, path)
		}
	}
	for id := range m.extra.Examples {
		if !usedExamples[id] {
			return fmt.Errorf("operations.yaml has an example for %s, which is no operation", id)
		}
	}
	m.tags()
	return m.pruneSchemas()
}

var schemaRef = regexp.MustCompile(`"#/components/schemas/([^"]+)"`)

// pruneSchemas drops the schemas no operation reaches: messages grpc-gateway flattens into
// query parameters (GeoCircle), enums only used there, google.api.HttpBody once it is answered
// as its own content type.
func (m *merger) pruneSchemas() error {
	b, err := json.Marshal([]any{m.doc.Paths, m.doc.Components.Responses, m.doc.Components.Parameters, m.doc.Components.RequestBodies})
	if err != nil {
		return err
	}
	used := map[string]bool{}
	queue := schemaRef.FindAllSubmatch(b, -1)
	for len(queue) > 0 {
		name := string(queue[0][1])
		queue = queue[1:]
		if used[name] {
			continue
		}
		used[name] = true
		s, err := json.Marshal(m.doc.Components.Schemas[name])
		if err != nil {
			return err
		}
		queue = append(queue, schemaRef.FindAllSubmatch(s, -1)...)
	}
	for name := range m.doc.Components.Schemas {
		if !used[name] {
			delete(m.doc.Components.Schemas, name)
		}
	}
	return nil
}

func sortedMethods(item *openapi3.PathItem) []string {
	var ms []string
	for method := range item.Operations() {
		ms = append(ms, method)
	}
	slices.Sort(ms)
	return ms
}

// secure says who may call op: anyone (public), anyone with more for a token (optional), or
// only a caller with a token.
func (m *merger) secure(op *openapi3.Operation, g grpcMethod) {
	name := g.service + "/" + g.method
	switch {
	case slices.Contains(m.extra.Public, name):
		op.Security = &openapi3.SecurityRequirements{}
	case slices.Contains(m.extra.Optional, name):
		reqs := append(openapi3.SecurityRequirements{{}}, signedIn...)
		op.Security = &reqs
	default:
		reqs := slices.Clone(signedIn)
		op.Security = &reqs
	}
}

// describePathParameters says what each path variable is: one id segment of the resource name.
func describePathParameters(op *openapi3.Operation, path string) {
	for _, p := range op.Parameters {
		if p.Value == nil || p.Value.In != openapi3.ParameterInPath || p.Value.Description != "" {
			continue
		}
		p.Value.Description = fmt.Sprintf("The %s id, a segment of the resource name in %s.", p.Value.Name, path)
	}
}

// fixResponses describes the success answers grpc-gateway gives: google.api.HttpBody is sent as
// its own content type (iCalendar here), and a server stream as newline-separated JSON objects
// each holding a result or, at the end, an error.
func (m *merger) fixResponses(op *openapi3.Operation) {
	ok := op.Responses.Value("200")
	if ok == nil || ok.Value == nil {
		return
	}
	media := ok.Value.Content.Get("application/json")
	if media == nil || media.Schema == nil {
		return
	}
	desc := "OK."
	switch s := media.Schema; {
	case s.Ref == "#/components/schemas/google.api.HttpBody":
		desc = "The iCalendar (RFC 5545) feed."
		ok.Value.Content = openapi3.Content{"text/calendar": &openapi3.MediaType{
			Schema: openapi3.NewStringSchema().NewRef(),
		}}
	case ok.Value.Description != nil && strings.Contains(*ok.Value.Description, "(streaming responses)"):
		desc = "A stream of JSON objects, one per line: each holds a `result`, or an `error` that ends the stream."
		if s.Value != nil {
			s.Value.Title = ""
			s.Value.Properties["error"] = openapi3.NewSchemaRef("#/components/schemas/Status", m.doc.Components.Schemas["Status"].Value)
		}
	}
	ok.Value.Description = &desc
}

// addErrors adds the AIP-193 error answers an operation can give that it does not list yet.
func (m *merger) addErrors(op *openapi3.Operation, method, path string) {
	codes := []string{"429", "500"} // the edge's rate limit, and any failure
	if strings.HasPrefix(path, "/v1/") || strings.HasPrefix(path, "/hsds/") {
		codes = append(codes, "400", "404", "503", "504")
		if strings.HasPrefix(path, "/v1/") {
			// A token sent to a public method is still verified (grpc-gateway forwards it).
			codes = append(codes, "401")
		}
		if op.Security == nil || len(*op.Security) > 0 {
			codes = append(codes, "403")
		}
		if method != http.MethodGet {
			codes = append(codes, "409")
		}
		if op.RequestBody != nil {
			codes = append(codes, "413")
		}
	}
	for _, c := range codes {
		if op.Responses.Value(c) == nil {
			name := errorResponses[c]
			op.Responses.Set(c, &openapi3.ResponseRef{Ref: "#/components/responses/" + name, Value: m.doc.Components.Responses[name].Value})
		}
	}
}

// tags lists the resource tags in the order of the protos, then base.yaml's own.
func (m *merger) tags() {
	services := []string{}
	for _, name := range m.tagOrder {
		if !slices.Contains(services, m.tagOf[name]) {
			services = append(services, m.tagOf[name])
		}
	}
	slices.SortStableFunc(m.tagOrder, func(a, b string) int {
		if d := slices.Index(services, m.tagOf[a]) - slices.Index(services, m.tagOf[b]); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	var tags openapi3.Tags
	for _, name := range m.tagOrder {
		desc, ok := m.extra.Tags[name]
		if !ok {
			desc = fmt.Sprintf("%s, served by the %s.", name, m.tagOf[name])
		}
		tags = append(tags, &openapi3.Tag{Name: name, Description: strings.TrimSpace(desc)})
	}
	m.doc.Tags = append(tags, m.doc.Tags...)
}
