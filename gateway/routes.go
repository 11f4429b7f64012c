package gateway

import (
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/socialrx/socialrx/gateway/httperror"
	"github.com/socialrx/socialrx/services/platform/apierror"
)

// route is what the gateway knows of one REST binding of an RPC, read from its google.api.http
// rule: the request message, which of its fields the path and the body fill, and so which
// query parameters it can take.
type route struct {
	input      protoreflect.MessageDescriptor
	body       string          // "" (no body), "*" (the whole request) or a field name
	pathFields map[string]bool // field paths bound by path variables, e.g. "organization.name"
}

// routeTable maps "METHOD template" (the template as runtime.Pattern prints it) to its route.
type routeTable struct {
	routes map[string]*route
	logger *slog.Logger
}

// shortVariable matches a path variable without a pattern, "{name}", which Pattern prints
// as "{name=*}".
var shortVariable = regexp.MustCompile(`\{([^=}]+)\}`)

// pathVariable matches the field path of every path variable of a template.
var pathVariable = regexp.MustCompile(`\{([^=}]+)`)

// newRouteTable reads the HTTP rules of the named gRPC services from the registered descriptors.
func newRouteTable(logger *slog.Logger, services ...string) (*routeTable, error) {
	t := &routeTable{routes: map[string]*route{}, logger: logger}
	for _, name := range services {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
		if err != nil {
			return nil, fmt.Errorf("find service %s: %w", name, err)
		}
		sd, ok := d.(protoreflect.ServiceDescriptor)
		if !ok {
			return nil, fmt.Errorf("%s is not a service", name)
		}
		for i := range sd.Methods().Len() {
			m := sd.Methods().Get(i)
			rule, _ := proto.GetExtension(m.Options(), annotations.E_Http).(*annotations.HttpRule)
			if rule == nil {
				continue
			}
			for _, r := range append([]*annotations.HttpRule{rule}, rule.GetAdditionalBindings()...) {
				method, template := ruleBinding(r)
				if method == "" {
					continue
				}
				rt := &route{input: m.Input(), body: r.GetBody(), pathFields: map[string]bool{}}
				for _, v := range pathVariable.FindAllStringSubmatch(template, -1) {
					rt.pathFields[v[1]] = true
				}
				t.routes[method+" "+shortVariable.ReplaceAllString(template, "{$1=*}")] = rt
			}
		}
	}
	return t, nil
}

func ruleBinding(r *annotations.HttpRule) (method, template string) {
	switch p := r.GetPattern().(type) {
	case *annotations.HttpRule_Get:
		return http.MethodGet, p.Get
	case *annotations.HttpRule_Post:
		return http.MethodPost, p.Post
	case *annotations.HttpRule_Put:
		return http.MethodPut, p.Put
	case *annotations.HttpRule_Patch:
		return http.MethodPatch, p.Patch
	case *annotations.HttpRule_Delete:
		return http.MethodDelete, p.Delete
	case *annotations.HttpRule_Custom:
		return p.Custom.GetKind(), p.Custom.GetPath()
	}
	return "", ""
}

// middleware checks each request routed by the grpc-gateway mux against its route before the
// generated handler decodes it: path variables must be valid UTF-8, every query parameter must
// name a field the route reads from the query, and a body must be one strict JSON value of the
// right type (see decodeBody).
func (t *routeTable) middleware(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, pathParams map[string]string) {
		pat, ok := runtime.HTTPPattern(r.Context())
		rt := t.routes[r.Method+" "+pat.String()]
		if !ok || rt == nil {
			// Every registered route has a rule; a route without one would go unchecked, so it is
			// refused (the corpus test sends requests to every route).
			t.logger.Error("no HTTP rule for a registered route", "method", r.Method, "pattern", pat.String())
			httperror.Write(w, apierror.Internal())
			return
		}
		if err := rt.checkPath(pathParams); err != nil {
			httperror.Write(w, err)
			return
		}
		if err := rt.checkQuery(r); err != nil {
			httperror.Write(w, err)
			return
		}
		switch tooLarge, err := rt.checkBody(r); {
		case tooLarge:
			bodyTooLarge(w)
			return
		case err != nil:
			httperror.Write(w, err)
			return
		}
		next(w, r, pathParams)
	}
}

func (rt *route) checkPath(pathParams map[string]string) error {
	if len(pathParams) == 1 { // the usual case, e.g. {name}: nothing to order
		for k, v := range pathParams {
			return checkText(k, v)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(pathParams)) {
		if err := checkText(k, pathParams[k]); err != nil {
			return err
		}
	}
	return nil
}

// checkText refuses text that is not valid UTF-8 or holds a NUL character.
func checkText(field, v string) error {
	if !utf8.ValidString(v) {
		return apierror.Field(field, "must be valid UTF-8")
	}
	if strings.IndexByte(v, 0) >= 0 {
		return apierror.Field(field, "must not contain NUL characters")
	}
	return nil
}

// checkQuery refuses, naming the parameter, one the route does not read, a parameter of one
// value given more than once, and a value that is no value of the parameter's enum.
func (rt *route) checkQuery(r *http.Request) error {
	if r.URL.RawQuery == "" {
		return nil
	}
	q := r.URL.Query()
	for _, k := range slices.Sorted(maps.Keys(q)) {
		fd := rt.queryField(k)
		if fd == nil {
			return apierror.Field(printable(k), "unknown query parameter")
		}
		if !fd.IsList() && len(q[k]) > 1 {
			return apierror.Field(k, "given more than once; send one value")
		}
		if fd.Kind() == protoreflect.EnumKind {
			for _, v := range q[k] {
				if !enumValue(fd.Enum(), v) {
					return apierror.Field(k, fmt.Sprintf("%q is not a value of %s", printable(v), fd.Enum().Name()))
				}
			}
		}
	}
	return nil
}

// enumValue reports whether v names a value of ed, or is the number of one, as grpc-gateway
// reads enums from the query.
func enumValue(ed protoreflect.EnumDescriptor, v string) bool {
	if ed.Values().ByName(protoreflect.Name(v)) != nil {
		return true
	}
	n, err := strconv.ParseInt(v, 10, 32)
	return err == nil && ed.Values().ByNumber(protoreflect.EnumNumber(n)) != nil
}

// queryField is the field the route reads key into from the query, as grpc-gateway's
// PopulateQueryParameters does: a dotted path of field names (proto or JSON) to a scalar,
// enum, repeated scalar or well-known type, not bound by the path or the body. It is nil when
// the route reads no such parameter.
func (rt *route) queryField(key string) protoreflect.FieldDescriptor {
	if rt.body == "*" {
		return nil
	}
	var leaf protoreflect.FieldDescriptor
	md := rt.input
	segs := strings.Split(key, ".")
	names := make([]string, 0, len(segs))
	for i, seg := range segs {
		fd := fieldByName(md, seg)
		if fd == nil || fd.IsMap() {
			return nil
		}
		leaf = fd
		names = append(names, string(fd.Name()))
		isMessage := fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind
		last := i == len(segs)-1
		switch {
		case last && isMessage && !wellKnown(fd.Message()):
			return nil
		case !last && (!isMessage || fd.IsList() || wellKnown(fd.Message())):
			return nil
		case !last:
			md = fd.Message()
		}
	}
	path := strings.Join(names, ".")
	for p := range rt.pathFields {
		if path == p || strings.HasPrefix(path, p+".") {
			return nil
		}
	}
	if rt.body != "" && (path == rt.body || strings.HasPrefix(path, rt.body+".")) {
		return nil
	}
	return leaf
}

// fieldByName finds a field by its proto name or its JSON name.
func fieldByName(md protoreflect.MessageDescriptor, name string) protoreflect.FieldDescriptor {
	if md == nil {
		return nil
	}
	if fd := md.Fields().ByName(protoreflect.Name(name)); fd != nil {
		return fd
	}
	return md.Fields().ByJSONName(name)
}

// wellKnown reports whether md is a google.protobuf type with its own JSON form (Timestamp,
// Duration, FieldMask, wrappers, Struct...), which JSON and query values set as a whole.
func wellKnown(md protoreflect.MessageDescriptor) bool {
	return md.ParentFile().Package() == "google.protobuf"
}

// printable makes a caller's parameter name safe to echo in an error: valid UTF-8, bounded.
func printable(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > 64 {
		s = strings.ToValidUTF8(s[:64], "") + "…"
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}
