package protoconv

import (
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// prefix is what every value name of the enum starts with, read off its zero value
// (SERVICE_STATUS_UNSPECIFIED gives SERVICE_STATUS_), as AIP-126 has enums declare it.
func prefix(d protoreflect.EnumDescriptor) string {
	zero := d.Values().ByNumber(0)
	if zero == nil {
		return ""
	}
	name := string(zero.Name())
	if i := strings.LastIndexByte(name, '_'); i >= 0 {
		return name[:i+1]
	}
	return ""
}

// EnumName is e's stored form: its value name without the enum's prefix, "" for the zero value
// and for a number the enum does not declare.
func EnumName(e protoreflect.Enum) string {
	if e.Number() == 0 {
		return ""
	}
	v := e.Descriptor().Values().ByNumber(e.Number())
	if v == nil {
		return ""
	}
	return strings.TrimPrefix(string(v.Name()), prefix(e.Descriptor()))
}

// ParseEnum is the value of E whose stored form is s; a full value name is accepted too. Anything
// else gives the zero value (UNSPECIFIED).
func ParseEnum[E interface {
	~int32
	protoreflect.Enum
}](s string) E {
	var zero E
	if s == "" {
		return zero
	}
	values := zero.Descriptor().Values()
	v := values.ByName(protoreflect.Name(prefix(zero.Descriptor()) + s))
	if v == nil {
		v = values.ByName(protoreflect.Name(s))
	}
	if v == nil {
		return zero
	}
	return E(v.Number())
}
