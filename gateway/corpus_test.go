package gateway_test

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/gateway/openapi"
)

// corpusCase is one malformed request made from the OpenAPI document.
type corpusCase struct {
	op, kind       string // "POST /v1/events", "unknown field"
	method, target string
	body           string
	contentType    string
	wantStatus     int
	wantField      func(string) bool // the field a 400 must name
	wantDesc       string            // what wantField accepts, for failure messages
}

func exactly(name string) (func(string) bool, string) {
	return func(f string) bool { return f == name }, name
}

// snake is the proto name of a JSON field name ("startTime" → "start_time").
func snake(jsonName string) string {
	var b strings.Builder
	for _, r := range jsonName {
		if unicode.IsUpper(r) {
			b.WriteByte('_')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// resolve is the schema s stands for; the loader resolved its references, and a reference with
// a description of its own is an allOf of one.
func resolve(s *openapi3.SchemaRef) *openapi3.Schema {
	if s == nil || s.Value == nil {
		return nil
	}
	if v := s.Value; len(v.AllOf) == 1 && v.Type == nil {
		return resolve(v.AllOf[0])
	}
	return s.Value
}

// wrongValue is a JSON value of the wrong type for a field of schema s.
func wrongValue(s *openapi3.SchemaRef) string {
	v := resolve(s)
	switch {
	case v == nil:
		return `"a-string"`
	case len(v.Enum) > 0:
		return `true`
	case v.Type.Is("string"):
		switch v.Format {
		case "date-time":
			return `"not-a-time"`
		case "int64", "uint64":
			return `"not-a-number"`
		case "byte":
			return `"%%%"`
		}
		return `12345`
	case v.Type.Is("integer"), v.Type.Is("number"):
		return `"not-a-number"`
	case v.Type.Is("boolean"):
		return `"yes"`
	case v.Type.Is("array"):
		return `"not-an-array"`
	}
	return `"a-string"`
}

// isPlainString reports whether s is a string field without a format of its own.
func isPlainString(s *openapi3.SchemaRef) bool {
	v := resolve(s)
	return v != nil && v.Type.Is("string") && v.Format == "" && len(v.Enum) == 0
}

// buildCorpus makes, for every /v1 operation of the document (the grpc-gateway routes),
// requests with malformed JSON, a wrong type in each body field, invalid UTF-8 in each path and
// query parameter, an oversize body, an unknown field, an unknown query parameter, a wrong
// content type, trailing garbage, and a NUL in each string field.
func buildCorpus(t *testing.T, maxBody int) []corpusCase {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	if err != nil {
		t.Fatalf("parse the OpenAPI document: %v", err)
	}
	var out []corpusCase
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		if !strings.HasPrefix(path, "/v1/") {
			continue
		}
		ops := doc.Paths.Value(path).Operations()
		for _, method := range slices.Sorted(maps.Keys(ops)) {
			out = append(out, operationCases(method, path, ops[method], maxBody)...)
		}
	}
	return out
}

func operationCases(method, path string, op *openapi3.Operation, maxBody int) []corpusCase {
	opName := method + " " + path
	var pathParams, queryParams []string
	for _, p := range op.Parameters {
		switch p.Value.In {
		case "path":
			pathParams = append(pathParams, p.Value.Name)
		case "query":
			queryParams = append(queryParams, p.Value.Name)
		}
	}
	var body *openapi3.SchemaRef
	bodyField := ""
	if rb := op.RequestBody; rb != nil && rb.Value.Content.Get("application/json") != nil {
		body = rb.Value.Content.Get("application/json").Schema
		bodyField, _ = rb.Value.Extensions["x-grpc-body"].(string)
	}
	// target fills the path parameters with valid ids, or bad in the one named.
	target := func(bad, value string) string {
		t := path
		for _, p := range pathParams {
			v := "x1"
			if p == bad {
				v = value
			}
			t = strings.ReplaceAll(t, "{"+p+"}", v)
		}
		return t
	}
	var cases []corpusCase
	add := func(kind, target, body, contentType string, status int, want func(string) bool, desc string) {
		cases = append(cases, corpusCase{op: opName, kind: kind, method: method, target: target, body: body,
			contentType: contentType, wantStatus: status, wantField: want, wantDesc: desc})
	}
	for _, p := range pathParams {
		// Path parameters all fill a resource name: `name`, `parent`, or `<resource>.name` on updates.
		add("invalid UTF-8 in path parameter "+p, target(p, "%FF%FE%FD"), "", "", http.StatusBadRequest,
			func(f string) bool { return f == "name" || f == "parent" || strings.HasSuffix(f, ".name") }, "name, parent or <resource>.name")
	}
	for _, q := range queryParams {
		want, desc := exactly(q)
		add("invalid UTF-8 in query parameter "+q, target("", "")+"?"+q+"=%FF%FE", "", "", http.StatusBadRequest, want, desc)
	}
	want, desc := exactly("unknownParamX")
	add("unknown query parameter", target("", "")+"?unknownParamX=1", "", "", http.StatusBadRequest, want, desc)
	oversize := `{"x": "` + strings.Repeat("x", maxBody) + `"}`
	add("oversize body", target("", ""), oversize, "application/json", http.StatusRequestEntityTooLarge, nil, "")
	if body == nil {
		return cases
	}
	prefix := snake(bodyField)
	if bodyField == "*" {
		prefix = "" // the whole request is the body
	}
	whole := func() (func(string) bool, string) {
		if prefix == "" {
			return exactly("body")
		}
		return exactly(prefix)
	}
	var props []string
	var schema *openapi3.Schema
	if schema = resolve(body); schema != nil {
		for name := range schema.Properties {
			props = append(props, name)
		}
		slices.Sort(props)
	}
	if len(props) > 0 {
		want, desc := exactly(join(prefix, snake(props[0])))
		add("malformed JSON", target("", ""), `{"`+props[0]+`": `, "application/json", http.StatusBadRequest, want, desc)
	} else {
		want, desc := whole()
		add("malformed JSON", target("", ""), `{`, "application/json", http.StatusBadRequest, want, desc)
	}
	for _, p := range props {
		want, desc := exactly(join(prefix, snake(p)))
		add("wrong type in "+p, target("", ""), `{"`+p+`": `+wrongValue(schema.Properties[p])+`}`, "application/json",
			http.StatusBadRequest, want, desc)
		if isPlainString(schema.Properties[p]) {
			add("NUL in "+p, target("", ""), `{"`+p+`": "a\u0000b"}`, "application/json", http.StatusBadRequest, want, desc)
		}
	}
	want, desc = exactly(join(prefix, "unknownFieldX"))
	add("unknown field", target("", ""), `{"unknownFieldX": 1}`, "application/json", http.StatusBadRequest, want, desc)
	want, desc = exactly("Content-Type")
	add("wrong content type", target("", ""), `{}`, "text/plain", http.StatusBadRequest, want, desc)
	want, desc = whole()
	add("trailing garbage", target("", ""), `{} trailing`, "application/json", http.StatusBadRequest, want, desc)
	return cases
}

// Every operation of the OpenAPI document × every kind of bad input: no answer is a 5xx, and
// every 400 names, in its BadRequest, the field or parameter at fault.
func TestBadInputCorpusFromOpenAPI(t *testing.T) {
	const maxBody = 64 << 10
	s := startWith(t, gateway.Config{MaxBodyBytes: maxBody})
	corpus := buildCorpus(t, maxBody)
	ops := map[string]bool{}
	byStatus := map[int]int{}
	named, wholeBody, failures := 0, 0, 0
	for _, c := range corpus {
		ops[c.op] = true
		headers := []string{"Content-Type", c.contentType}
		if c.contentType == "" {
			headers = nil
		}
		r := s.do(t, c.method, c.target, c.body, headers...)
		byStatus[r.status]++
		fields := violations(r)
		ok := r.status == c.wantStatus && r.status < 500
		if ok && r.status == http.StatusBadRequest {
			st, _, _ := errorInfo(r)
			ok = st == "INVALID_ARGUMENT" && len(fields) > 0 && fields[0] != "" && c.wantField(fields[0])
			if ok {
				named++
				if fields[0] == "body" {
					wholeBody++
				}
			}
		}
		if !ok {
			failures++
			t.Errorf("%s, %s: %d fields %q, want %d naming %s: %.300s", c.op, c.kind, r.status, fields, c.wantStatus, c.wantDesc, r.raw)
		}
	}
	var counts []string
	for _, code := range slices.Sorted(func(yield func(int) bool) {
		for c := range byStatus {
			if !yield(c) {
				return
			}
		}
	}) {
		counts = append(counts, fmt.Sprintf("%d×%d", byStatus[code], code))
	}
	t.Logf("bad-input corpus: %d requests over %d operations; answers %s; %d of the 400s name the expected field "+
		"(%d of them `body`: a whole-request body that is not one JSON value); %d failures",
		len(corpus), len(ops), strings.Join(counts, ", "), named, wholeBody, failures)
	if len(ops) < 70 {
		t.Fatalf("the corpus covers %d operations; the OpenAPI document has more than 70", len(ops))
	}
}
