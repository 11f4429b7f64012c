// Command openapigen writes socialrx's REST contract, one OpenAPI 3.1 document: it converts the
// Swagger 2.0 documents protoc-gen-openapiv2 writes for each proto file (bin/openapiv2) with
// kin-openapi's openapi2conv, merges them into the hand-written part (gateway/openapi/source),
// and adds what the protos do not say: operation ids, tags per resource, security per
// operation, the gateway's AIP-193 error responses and request examples. `make generate` runs
// it; the output is committed and embedded by the gateway.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"
)

func main() {
	in := flag.String("in", "bin/openapiv2", "folder of protoc-gen-openapiv2's *.swagger.json documents")
	base := flag.String("base", "gateway/openapi/source/base.yaml", "hand-written part of the document")
	ops := flag.String("operations", "gateway/openapi/source/operations.yaml", "what the protos do not say about each operation")
	out := flag.String("out", "gateway/openapi/socialrx.openapi.json", "document to write")
	version := flag.String("version", "", "info.version: the module's release version")
	flag.Parse()
	if err := run(*in, *base, *ops, *out, *version); err != nil {
		fmt.Fprintln(os.Stderr, "openapigen:", err)
		os.Exit(1)
	}
}

func run(in, basePath, opsPath, out, version string) error {
	if version == "" {
		return errors.New("-version is required")
	}
	// base.yaml says "openapi: 3.1.0": the converted schemas are valid JSON Schema 2020-12 as
	// they are (protoc-gen-openapiv2 writes no nullable or boolean exclusiveMinimum).
	doc, err := openapi3.NewLoader().LoadFromFile(basePath)
	if err != nil {
		return fmt.Errorf("load %s: %w", basePath, err)
	}
	doc.Info.Version = version
	var extra operations
	if err := readYAML(opsPath, &extra); err != nil {
		return err
	}
	files, err := swaggerFiles(in)
	if err != nil {
		return err
	}
	trees := make([]map[string]any, len(files))
	for i, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &trees[i]); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	m := &merger{doc: doc, extra: extra, fromProtos: map[*openapi3.Operation]grpcMethod{}, renames: schemaNames(trees)}
	for i, f := range files {
		if err := m.add(trees[i]); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	if err := m.finish(); err != nil {
		return err
	}
	ctx := context.Background()
	if err := doc.Validate(ctx, openapi3.EnableExamplesValidation()); err != nil {
		return fmt.Errorf("the merged document is not valid: %w", err)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(b, '\n'), 0o644)
}

// operations is gateway/openapi/source/operations.yaml.
type operations struct {
	// Public operations may be called by anyone and a token changes nothing; Optional ones may
	// be called by anyone and a token may show more. Both by gRPC method, "Service/Method".
	Public   []string `yaml:"public"`
	Optional []string `yaml:"optional"`
	// Tags describes the tags of resource collections, by tag name.
	Tags map[string]string `yaml:"tags"`
	// Examples are request bodies, by operation id.
	Examples map[string]any `yaml:"examples"`
}

func readYAML(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func swaggerFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".swagger.json") {
			files = append(files, p)
		}
		return err
	})
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("no *.swagger.json under %s: run buf generate first", dir)
	}
	slices.Sort(files)
	return files, err
}

// grpcMethod is the gRPC method behind an operation, e.g. {"socialrx.referral.v1", "ReferralService", "CreateReferral"}.
type grpcMethod struct{ pkg, service, method string }

func (g grpcMethod) String() string { return g.pkg + "." + g.service + "/" + g.method }

type merger struct {
	doc        *openapi3.T
	extra      operations
	fromProtos map[*openapi3.Operation]grpcMethod
	renames    map[string]string // full proto name -> schema name
	// serviceTags are the gRPC services' descriptions, by service name.
	serviceTags map[string]string
	// tagOrder is the resource tags, by service (in file order), then by name.
	tagOrder []string
	tagOf    map[string]string // resource tag -> gRPC service
}

// add converts one protoc-gen-openapiv2 document and merges it into the document.
func (m *merger) add(root map[string]any) error {
	pkg := protoPackage(root)
	b, err := json.Marshal(rewrite(root, m.renames))
	if err != nil {
		return err
	}
	var v2 openapi2.T
	if err := json.Unmarshal(b, &v2); err != nil {
		return err
	}
	if len(v2.Paths) == 0 {
		return nil // a file of messages only: its schemas come with the services that use them
	}
	v3, err := openapi2conv.ToV3(&v2)
	if err != nil {
		return fmt.Errorf("convert to OpenAPI 3: %w", err)
	}
	if m.serviceTags == nil {
		m.serviceTags, m.tagOf = map[string]string{}, map[string]string{}
	}
	for _, t := range v2.Tags {
		m.serviceTags[t.Name] = t.Description
	}
	if m.doc.Components.Schemas == nil {
		m.doc.Components.Schemas = openapi3.Schemas{}
	}
	for name, s := range v3.Components.Schemas {
		if have, ok := m.doc.Components.Schemas[name]; ok {
			if !sameJSON(have, s) {
				return fmt.Errorf("schema %s is defined twice, differently", name)
			}
			continue
		}
		m.doc.Components.Schemas[name] = s
	}
	for _, p := range v3.Paths.InMatchingOrder() {
		item := v3.Paths.Value(p)
		have := m.doc.Paths.Value(p)
		if have == nil {
			have = &openapi3.PathItem{}
			m.doc.Paths.Set(p, have)
		}
		for _, method := range sortedMethods(item) {
			op := item.GetOperation(method)
			if have.GetOperation(method) != nil {
				return fmt.Errorf("%s %s is served twice", method, p)
			}
			service, rpc, ok := strings.Cut(op.OperationID, "_")
			if !ok {
				return fmt.Errorf("%s %s: operation id %q is not Service_Method", method, p, op.OperationID)
			}
			m.fromProtos[op] = grpcMethod{pkg: pkg, service: service, method: strings.TrimRight(rpc, "0123456789")}
			tag := resourceTag(p)
			op.Tags = []string{tag}
			if _, ok := m.tagOf[tag]; !ok {
				m.tagOf[tag] = service
				m.tagOrder = append(m.tagOrder, tag)
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				// openapi2conv notes the Swagger body parameter's name, which protoc-gen-openapiv2
				// takes from the HTTP rule's body: a request field, or "body" for the whole request.
				// It is kept as the field the body fills, "*" for the whole request.
				ext := op.RequestBody.Value.Extensions
				field, _ := ext["x-originalParamName"].(string)
				delete(ext, "x-originalParamName")
				if field == "body" {
					field = "*"
				}
				if field != "" {
					ext["x-grpc-body"] = field
				}
			}
			have.SetOperation(method, op)
		}
	}
	return nil
}

// protoPackage is the proto package of a generated document, read off its schema names
// ("socialrx.event.v1.Event" under the fqn naming strategy).
func protoPackage(root map[string]any) string {
	defs, _ := root["definitions"].(map[string]any)
	for name := range defs {
		if strings.HasPrefix(name, "socialrx.") {
			parts := strings.SplitN(name, ".", 4)
			if len(parts) == 4 {
				return strings.Join(parts[:3], ".")
			}
		}
	}
	return ""
}

// schemaNames shortens the full proto names of the schemas of every document:
// "socialrx.referral.v1.Referral" becomes "Referral", the request body grpc-gateway makes up,
// "socialrx.event.v1.EventService.CancelEventBody", "CancelEventBody". A short name two proto
// packages share keeps its service in front: "DirectoryGeoCircle", "EventGeoCircle".
func schemaNames(trees []map[string]any) map[string]string {
	short := map[string]string{}
	owners := map[string]map[string]bool{} // short name -> packages
	for _, root := range trees {
		defs, _ := root["definitions"].(map[string]any)
		for full := range defs {
			s, pkg := shortName(full)
			short[full] = s
			if owners[s] == nil {
				owners[s] = map[string]bool{}
			}
			owners[s][pkg] = true
		}
	}
	renames := map[string]string{}
	for full, s := range short {
		if _, pkg := shortName(full); len(owners[s]) > 1 && pkg != "" {
			s = upperFirst(strings.Split(pkg, ".")[1]) + s
		}
		renames[full] = s
	}
	return renames
}

// shortName is the schema name of a full proto name without its package, and the package.
func shortName(full string) (name, pkg string) {
	if !strings.HasPrefix(full, "socialrx.") {
		return full, "" // google.protobuf.Any, google.api.HttpBody
	}
	parts := strings.Split(full, ".")
	rest := parts[3:]
	if len(rest) > 1 && strings.HasSuffix(rest[0], "Service") {
		rest = rest[1:]
	}
	return strings.Join(rest, ""), strings.Join(parts[:3], ".")
}

// rewrite renames the definitions and their references, and turns a reference with siblings
// (a description beside a $ref, which openapi2conv would drop, as Swagger 2.0 ignores it) into
// an allOf that keeps them.
func rewrite(v any, renames map[string]string) any {
	switch v := v.(type) {
	case map[string]any:
		if defs, ok := v["definitions"].(map[string]any); ok {
			renamed := map[string]any{}
			for k, d := range defs {
				renamed[renames[k]] = rewrite(d, renames)
			}
			v["definitions"] = renamed
		}
		for k, e := range v {
			if k != "definitions" {
				v[k] = rewrite(e, renames)
			}
		}
		if ref, ok := v["$ref"].(string); ok {
			if name, ok := strings.CutPrefix(ref, "#/definitions/"); ok {
				if n, ok := renames[name]; ok {
					ref = "#/definitions/" + n
				}
			}
			delete(v, "$ref")
			delete(v, "type") // "type": "object" beside a reference says nothing more
			if len(v) == 0 {
				return map[string]any{"$ref": ref}
			}
			v["allOf"] = []any{map[string]any{"$ref": ref}}
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = rewrite(e, renames)
		}
	}
	return v
}

// resourceTag is the tag of an operation: the resource collection its path names last, e.g.
// "Sessions" for /v1/events/{event}/sessions/{session}:cancel.
func resourceTag(path string) string {
	path, _, _ = strings.Cut(path, ":")
	segs := strings.Split(strings.Trim(path, "/"), "/")
	coll := ""
	for i, s := range segs {
		if i == 0 || strings.HasPrefix(s, "{") {
			continue // the version, or an id
		}
		coll = s
	}
	return humanize(coll)
}

// humanize turns "taxonomyTerms" into "Taxonomy terms".
func humanize(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return upperFirst(b.String())
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}
