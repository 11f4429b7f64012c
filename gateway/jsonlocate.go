package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

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
