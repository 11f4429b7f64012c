package openapi

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

var (
	//go:embed reference.html
	referenceHTML string
	//go:embed reference.css
	referenceCSS string
)

// Reference serves the API reference page, rendered once from Spec: every operation by tag with
// its parameters, body, example, answers and who may call it, and every schema. The page is one
// self-contained document: no script, its stylesheet inline and allowed by its hash alone.
func Reference() http.Handler {
	page, err := renderReference(Spec)
	if err != nil {
		// Spec is embedded and checked by the tests; a page that cannot be rendered is a build error.
		panic("render the API reference: " + err.Error())
	}
	sum := sha256.Sum256([]byte(referenceCSS))
	csp := "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
		"img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		_, _ = w.Write(page)
	})
}

type refPage struct {
	Title, Version, Description string
	CSS                         template.CSS
	Tags                        []refTag
	Schemas                     []refSchema
}

type refTag struct {
	Name, Description, DocsURL, DocsText string
	Operations                           []refOperation
}

type refOperation struct {
	ID, Method, Path, Summary, Access, GRPC string
	Parameters                              []refField
	Body, BodyField, Example                string
	Responses                               []refField
}

type refField struct {
	Name, In, Type, Description string
	Required                    bool
}

type refSchema struct {
	Name, Description string
	Fields            []refField
	Enum              []string
}

// methodOrder is the order of a path's operations on the page.
var methodOrder = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

var backticks = regexp.MustCompile("`([^`]+)`")

// text renders the Markdown of the document's descriptions as far as the page needs: the text
// escaped, `code` as code.
func text(s string) template.HTML {
	return template.HTML(backticks.ReplaceAllString(template.HTMLEscapeString(s), "<code>$1</code>")) // escaped first
}

func renderReference(spec []byte) ([]byte, error) {
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		return nil, err
	}
	p := refPage{Title: doc.Info.Title, Version: doc.Info.Version, Description: doc.Info.Description,
		CSS: template.CSS(referenceCSS)} // embedded, not input
	byTag := map[string]*refTag{}
	for _, t := range doc.Tags {
		rt := &refTag{Name: t.Name, Description: t.Description}
		if t.ExternalDocs != nil {
			rt.DocsURL, rt.DocsText = t.ExternalDocs.URL, t.ExternalDocs.Description
		}
		byTag[t.Name] = rt
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for _, method := range methodOrder {
			op := item.GetOperation(method)
			if op == nil || len(op.Tags) == 0 || byTag[op.Tags[0]] == nil {
				continue
			}
			byTag[op.Tags[0]].Operations = append(byTag[op.Tags[0]].Operations, operation(method, path, op))
		}
	}
	for _, t := range doc.Tags {
		rt := byTag[t.Name]
		slices.SortFunc(rt.Operations, func(a, b refOperation) int {
			if c := strings.Compare(a.Path, b.Path); c != 0 {
				return c
			}
			return slices.Index(methodOrder, a.Method) - slices.Index(methodOrder, b.Method)
		})
		p.Tags = append(p.Tags, *rt)
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range doc.Components.Schemas {
			if !yield(n) {
				return
			}
		}
	}) {
		s := doc.Components.Schemas[name].Value
		rs := refSchema{Name: name, Description: s.Description}
		for _, e := range s.Enum {
			if v, ok := e.(string); ok {
				rs.Enum = append(rs.Enum, v)
			}
		}
		for _, f := range slices.Sorted(func(yield func(string) bool) {
			for n := range s.Properties {
				if !yield(n) {
					return
				}
			}
		}) {
			ps := s.Properties[f]
			rs.Fields = append(rs.Fields, refField{Name: f, Type: typeOf(ps), Description: describe(ps),
				Required: slices.Contains(s.Required, f)})
		}
		p.Schemas = append(p.Schemas, rs)
	}
	t, err := template.New("reference").Funcs(template.FuncMap{"text": text}).Parse(referenceHTML)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func operation(method, path string, op *openapi3.Operation) refOperation {
	o := refOperation{ID: op.OperationID, Method: method, Path: path, Summary: op.Summary, Access: access(op)}
	o.GRPC, _ = op.Extensions["x-grpc-method"].(string)
	for _, prm := range op.Parameters {
		v := prm.Value
		o.Parameters = append(o.Parameters, refField{Name: v.Name, In: v.In, Type: typeOf(v.Schema),
			Description: v.Description, Required: v.Required})
	}
	if rb := op.RequestBody; rb != nil {
		if mt := rb.Value.Content.Get("application/json"); mt != nil {
			o.Body = typeOf(mt.Schema)
			o.BodyField, _ = rb.Value.Extensions["x-grpc-body"].(string)
			if mt.Example != nil {
				b, _ := json.MarshalIndent(mt.Example, "", "  ")
				o.Example = string(b)
			}
		}
	}
	for _, code := range slices.Sorted(func(yield func(string) bool) {
		for c := range op.Responses.Map() {
			if !yield(c) {
				return
			}
		}
	}) {
		r := op.Responses.Value(code)
		f := refField{Name: code}
		if r.Value != nil && r.Value.Description != nil {
			f.Description = *r.Value.Description
		}
		if r.Value != nil {
			for ct, mt := range r.Value.Content {
				f.Type = ct + " " + typeOf(mt.Schema)
			}
		}
		o.Responses = append(o.Responses, f)
	}
	return o
}

// access says who may call op, from its security requirements.
func access(op *openapi3.Operation) string {
	switch {
	case op.Security == nil:
		return "token"
	case len(*op.Security) == 0:
		return "public"
	case slices.ContainsFunc(*op.Security, func(r openapi3.SecurityRequirement) bool { return len(r) == 0 }):
		return "public; a token may show more"
	}
	return "token: bearer JWT (person or client credentials)"
}

// typeOf names a schema: its component name, or its type ("array of Referral").
func typeOf(s *openapi3.SchemaRef) string {
	if s == nil {
		return ""
	}
	if s.Ref != "" {
		return s.Ref[strings.LastIndex(s.Ref, "/")+1:]
	}
	v := s.Value
	switch {
	case v == nil:
		return ""
	case len(v.AllOf) == 1:
		return typeOf(v.AllOf[0])
	case v.Type.Is("array"):
		return "array of " + typeOf(v.Items)
	case v.Type == nil:
		return "any"
	case v.Format != "":
		return v.Type.Slice()[0] + " (" + v.Format + ")"
	}
	return strings.Join(v.Type.Slice(), ", ")
}

func describe(s *openapi3.SchemaRef) string {
	if s == nil || s.Value == nil {
		return ""
	}
	return s.Value.Description
}
