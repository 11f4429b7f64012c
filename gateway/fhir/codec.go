package fhir

import (
	"fmt"
	"time"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	d4 "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	bcrpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
)

// codec reads and writes FHIR JSON through the library: the unmarshaller checks what it reads
// against R4 (cardinality, value sets bound as required, primitives' formats, reference types).
type codec struct {
	marshal   *jsonformat.Marshaller
	unmarshal *jsonformat.Unmarshaller
}

func newCodec() (*codec, error) {
	m, err := jsonformat.NewMarshaller(false, "", "", fhirversion.R4)
	if err != nil {
		return nil, err
	}
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	if err != nil {
		return nil, err
	}
	// Bound the nesting a caller can make the reader descend into.
	u.MaxNestingDepth = 32
	return &codec{marshal: m, unmarshal: u}, nil
}

// encode writes one resource as FHIR JSON.
func (c *codec) encode(r proto.Message) ([]byte, error) {
	return c.marshal.MarshalResource(r)
}

// decode reads one resource and returns it unwrapped from its ContainedResource.
func (c *codec) decode(b []byte) (proto.Message, error) {
	m, err := c.unmarshal.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	cr, ok := m.(*bcrpb.ContainedResource)
	if !ok {
		return nil, fmt.Errorf("not a resource")
	}
	return unwrap(cr), nil
}

// wrap puts a resource in a ContainedResource, as Bundle entries hold them.
func wrap(r proto.Message) *bcrpb.ContainedResource {
	cr := &bcrpb.ContainedResource{}
	m := cr.ProtoReflect()
	oneof := m.Descriptor().Oneofs().Get(0)
	want := r.ProtoReflect().Descriptor().FullName()
	for i := range oneof.Fields().Len() {
		f := oneof.Fields().Get(i)
		if f.Message() != nil && f.Message().FullName() == want {
			m.Set(f, protoreflect.ValueOfMessage(r.ProtoReflect()))
			return cr
		}
	}
	panic(fmt.Sprintf("fhir: %s is not a resource", want))
}

// unwrap returns the resource a ContainedResource holds, nil for none.
func unwrap(cr *bcrpb.ContainedResource) proto.Message {
	m := cr.ProtoReflect()
	f := m.WhichOneof(m.Descriptor().Oneofs().Get(0))
	if f == nil {
		return nil
	}
	return m.Get(f).Message().Interface()
}

// resourceType is the FHIR name of a resource proto, e.g. "Task".
func resourceType(r proto.Message) string {
	return string(r.ProtoReflect().Descriptor().Name())
}

func str(s string) *d4.String { return &d4.String{Value: s} }

func code(s string) *d4.Code { return &d4.Code{Value: s} }

func uri(s string) *d4.Uri { return &d4.Uri{Value: s} }

func id(s string) *d4.Id { return &d4.Id{Value: s} }

func instant(ts *timestamppb.Timestamp) *d4.Instant {
	return &d4.Instant{ValueUs: ts.AsTime().UnixMicro(), Timezone: "Z", Precision: d4.Instant_MILLISECOND}
}

func dateTime(ts *timestamppb.Timestamp) *d4.DateTime {
	return &d4.DateTime{ValueUs: ts.AsTime().UnixMicro(), Timezone: "Z", Precision: d4.DateTime_SECOND}
}

// date reads a YYYY-MM-DD date.
func date(s string) *d4.Date {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil
	}
	return &d4.Date{ValueUs: t.UnixMicro(), Timezone: "UTC", Precision: d4.Date_DAY}
}

// timeOf is the time of a FHIR dateTime, in UTC.
func timeOf(dt *d4.DateTime) time.Time { return time.UnixMicro(dt.GetValueUs()).UTC() }

// coding is a code of a code system.
func coding(system, c, display string) *d4.Coding {
	out := &d4.Coding{System: uri(system), Code: code(c)}
	if display != "" {
		out.Display = str(display)
	}
	return out
}

// concept is a CodeableConcept of one coding and its text.
func concept(system, c, display string) *d4.CodeableConcept {
	cc := &d4.CodeableConcept{Coding: []*d4.Coding{coding(system, c, display)}}
	if display != "" {
		cc.Text = str(display)
	}
	return cc
}

// ref is a relative reference "Type/id", in the library's typed form.
func ref(typ, rid string) *d4.Reference {
	r := &d4.Reference{Reference: &d4.Reference_Uri{Uri: str(typ + "/" + rid)}}
	if err := jsonformat.NormalizeReference(r); err != nil {
		panic(fmt.Sprintf("fhir: reference %s/%s: %v", typ, rid, err))
	}
	return r
}

// refString is what a reference says, "Type/id", "urn:uuid:..." or an absolute URL.
func refString(r *d4.Reference) string {
	if r == nil {
		return ""
	}
	c := proto.Clone(r).(*d4.Reference)
	if err := jsonformat.DenormalizeReference(c); err != nil {
		return ""
	}
	return c.GetUri().GetValue()
}

func timeOfMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
