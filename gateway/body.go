package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/socialrx/socialrx/services/platform/apierror"
)

// checkBody reads the request body (bounded by the edge's MaxBytesReader), refuses it unless it
// is exactly one JSON value of the route's body type sent as application/json, and puts it back
// for the generated handler. tooLarge reports a body over the limit.
func (rt *route) checkBody(r *http.Request) (tooLarge bool, err error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return false, nil
	}
	if r.ContentLength > 0 {
		// Refuse a wrong type before reading what may be a large body.
		if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
			return false, err
		}
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return true, err
		}
		return false, apierror.Field("body", "could not be read")
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	if len(bytes.TrimSpace(data)) == 0 {
		return false, nil
	}
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return false, err
	}
	if rt.body == "" {
		return false, apierror.Field("body", "this method takes no request body")
	}
	return false, rt.decodeBody(data)
}

// checkContentType accepts application/json with, at most, a UTF-8 charset.
func checkContentType(ct string) error {
	const want = `must be "application/json" for a request with a body`
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return apierror.Field("Content-Type", want)
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return apierror.Field("Content-Type", want+`, with no parameter but charset=utf-8`)
		}
	}
	return nil
}

// decodeBody decodes data strictly as the route's body: one JSON value and nothing after it, no
// duplicate or unknown fields, values of the fields' types and no NUL in strings. An error is
// INVALID_ARGUMENT naming the field by its path in the request message, as the services name the
// fields they refuse ("organization.display_name", "items[2]").
func (rt *route) decodeBody(data []byte) error {
	root, prefix := rt.bodyRoot()
	if p := scanJSON(data); p != nil {
		return apierror.Field(fieldPath(root, prefix, p.path), p.description)
	}
	wrapped := data
	if rt.body != "*" {
		// Decoding {"<body field>": body} into the request names fields from the request down.
		fd := rt.input.Fields().ByName(protoreflect.Name(rt.body))
		wrapped = slices.Concat([]byte(`{"`+fd.JSONName()+`":`), data, []byte("}"))
	}
	msg := dynamicpb.NewMessage(rt.input)
	if err := (protojson.UnmarshalOptions{}).Unmarshal(wrapped, msg); err != nil {
		path, desc := locate(rt.input, wrapped, "")
		if path == "" {
			path, desc = orBody(prefix), "is not valid for this method"
		}
		return apierror.Field(path, desc)
	}
	if path := findNUL(msg, ""); path != "" {
		return apierror.Field(path, "must not contain NUL characters")
	}
	return nil
}

// bodyRoot is the message the body decodes into and the field path of the body in the request.
func (rt *route) bodyRoot() (protoreflect.MessageDescriptor, string) {
	if rt.body == "*" {
		return rt.input, ""
	}
	fd := rt.input.Fields().ByName(protoreflect.Name(rt.body))
	if fd.Kind() == protoreflect.MessageKind && !fd.IsList() && !fd.IsMap() {
		return fd.Message(), rt.body
	}
	return nil, rt.body
}

func orBody(path string) string {
	if path == "" {
		return "body" // the whole request is the body and no field was reached
	}
	return path
}

// jsonStep is one step into a JSON document: an object key or an array index.
type jsonStep struct {
	key   string
	index int // -1 for a key
}

type jsonProblem struct {
	path        []jsonStep
	description string
}

// scanJSON checks that data is one syntactically valid JSON value with no duplicate keys and
// nothing after it, and says where it is not.
func scanJSON(data []byte) *jsonProblem {
	type frame struct {
		object    bool
		expectKey bool
		key       string
		index     int
		seen      map[string]bool
	}
	var stack []*frame
	path := func() []jsonStep {
		var p []jsonStep
		for _, f := range stack {
			switch {
			case f.object && f.key != "":
				p = append(p, jsonStep{key: f.key, index: -1})
			case !f.object && f.index >= 0:
				p = append(p, jsonStep{index: f.index})
			}
		}
		return p
	}
	startValue := func() {
		if n := len(stack); n > 0 && !stack[n-1].object {
			stack[n-1].index++
		}
	}
	endValue := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].expectKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	done := false
	for {
		tok, err := dec.Token()
		if err == io.EOF && done {
			return nil
		}
		if err != nil {
			if done {
				return &jsonProblem{description: "must be one JSON value with nothing after it"}
			}
			return &jsonProblem{path: path(), description: "is not valid JSON"}
		}
		if done {
			return &jsonProblem{description: "must be one JSON value with nothing after it"}
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				startValue()
				stack = append(stack, &frame{object: d == '{', expectKey: d == '{', index: -1, seen: map[string]bool{}})
			case '}', ']':
				stack = stack[:len(stack)-1]
				endValue()
			}
		} else if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expectKey {
			f := stack[n-1]
			f.key, f.expectKey = tok.(string), false
			if f.seen[f.key] {
				return &jsonProblem{path: path(), description: "is given more than once"}
			}
			f.seen[f.key] = true
			continue
		} else {
			startValue()
			endValue()
		}
		done = len(stack) == 0
	}
}

// fieldPath renders JSON steps from the body message md as a field path of the request.
func fieldPath(md protoreflect.MessageDescriptor, prefix string, steps []jsonStep) string {
	path := prefix
	var mapField bool
	for _, s := range steps {
		switch {
		case s.index >= 0:
			path += "[" + strconv.Itoa(s.index) + "]"
		case mapField:
			path += "[" + strconv.Quote(printable(s.key)) + "]"
			mapField = false
		default:
			fd := fieldByName(md, s.key)
			name := printable(s.key)
			md = nil
			if fd != nil {
				name = string(fd.Name())
				mapField = fd.IsMap()
				if fd.Kind() == protoreflect.MessageKind && !fd.IsMap() {
					md = fd.Message()
				} else if fd.IsMap() && fd.MapValue().Kind() == protoreflect.MessageKind {
					md = fd.MapValue().Message()
				}
			}
			if path != "" {
				path += "."
			}
			path += name
		}
	}
	return orBody(path)
}

// locate finds the field of a JSON object that protojson refuses to decode into md, by decoding
// its fields one at a time, and says what that field must be. It returns "" when every field
// decodes alone (the fields conflict, e.g. two members of a oneof).
func locate(md protoreflect.MessageDescriptor, raw []byte, path string) (string, string) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return path, "must be an object"
	}
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		fd := fieldByName(md, key)
		if fd == nil {
			return join(path, printable(key)), "unknown field"
		}
		sub := join(path, string(fd.Name()))
		if decodes(md, key, obj[key]) {
			continue
		}
		value := obj[key]
		switch {
		case fd.IsMap():
			return sub, "must be an object of " + expectation(fd.MapValue())
		case fd.IsList():
			var elems []json.RawMessage
			if json.Unmarshal(value, &elems) != nil {
				return sub, "must be an array"
			}
			for i, e := range elems {
				if decodes(md, key, slices.Concat([]byte("["), e, []byte("]"))) {
					continue
				}
				at := fmt.Sprintf("%s[%d]", sub, i)
				if isPlainMessage(fd) && bytes.HasPrefix(bytes.TrimSpace(e), []byte("{")) {
					if p, d := locate(fd.Message(), e, at); p != "" {
						return p, d
					}
				}
				return at, expectation(fd)
			}
		case isPlainMessage(fd) && bytes.HasPrefix(bytes.TrimSpace(value), []byte("{")):
			if p, d := locate(fd.Message(), value, sub); p != "" {
				return p, d
			}
		}
		if fd.Kind() == protoreflect.StringKind && bytes.HasPrefix(bytes.TrimSpace(value), []byte(`"`)) {
			return sub, "must be valid UTF-8"
		}
		return sub, expectation(fd)
	}
	return "", ""
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// decodes reports whether {key: value} alone decodes into md.
func decodes(md protoreflect.MessageDescriptor, key string, value []byte) bool {
	single := slices.Concat([]byte(strconv.Quote(key)+":"), value)
	single = slices.Concat([]byte("{"), single, []byte("}"))
	return protojson.Unmarshal(single, dynamicpb.NewMessage(md)) == nil
}

func isPlainMessage(fd protoreflect.FieldDescriptor) bool {
	return fd.Kind() == protoreflect.MessageKind && !wellKnown(fd.Message())
}

// expectation says what JSON a field takes.
func expectation(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return "must be a string"
	case protoreflect.BoolKind:
		return "must be true or false"
	case protoreflect.BytesKind:
		return "must be base64"
	case protoreflect.EnumKind:
		return fmt.Sprintf("must be one of the values of %s", fd.Enum().Name())
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return "must be a number"
	case protoreflect.MessageKind, protoreflect.GroupKind:
		switch fd.Message().FullName() {
		case "google.protobuf.Timestamp":
			return `must be an RFC 3339 date-time such as "2024-01-31T09:00:00Z"`
		case "google.protobuf.Duration":
			return `must be a duration in seconds such as "1.5s"`
		case "google.protobuf.FieldMask":
			return `must be a comma-separated list of field paths`
		}
		if wellKnown(fd.Message()) {
			return "must be a " + string(fd.Message().Name())
		}
		return "must be an object"
	}
	return "must be a whole number in range"
}

// findNUL returns the path of the first string in m that holds a NUL character, or "".
func findNUL(m protoreflect.Message, path string) string {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if !m.Has(fd) {
			continue
		}
		sub := join(path, string(fd.Name()))
		v := m.Get(fd)
		switch {
		case fd.IsMap():
			var found string
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				at := sub + "[" + strconv.Quote(printable(k.String())) + "]"
				switch {
				case hasNUL(k.String()):
					found = at
				case fd.MapValue().Kind() == protoreflect.StringKind && hasNUL(mv.String()):
					found = at
				case fd.MapValue().Kind() == protoreflect.MessageKind:
					found = findNUL(mv.Message(), at)
				}
				return found == ""
			})
			if found != "" {
				return found
			}
		case fd.IsList():
			l := v.List()
			for j := range l.Len() {
				at := fmt.Sprintf("%s[%d]", sub, j)
				if fd.Kind() == protoreflect.StringKind && hasNUL(l.Get(j).String()) {
					return at
				}
				if fd.Kind() == protoreflect.MessageKind {
					if p := findNUL(l.Get(j).Message(), at); p != "" {
						return p
					}
				}
			}
		case fd.Kind() == protoreflect.StringKind:
			if hasNUL(v.String()) {
				return sub
			}
		case fd.Kind() == protoreflect.MessageKind:
			if p := findNUL(v.Message(), sub); p != "" {
				return p
			}
		}
	}
	return ""
}

func hasNUL(s string) bool { return strings.IndexByte(s, 0) >= 0 }
