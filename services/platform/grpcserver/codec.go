package grpcserver

import (
	"context"
	"fmt"
	"sync"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	protocodec "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/socialrx/socialrx/services/platform/apierror"
)

// ReasonMalformedMessage is the ErrorInfo reason of a request message that does not decode.
const ReasonMalformedMessage = "MALFORMED_MESSAGE"

// strictCodec is the server's "proto" codec: grpc-go's own, except that a request message that
// does not decode (truncated bytes, invalid UTF-8 in a string field) is answered
// INVALID_ARGUMENT naming the field, not INTERNAL. grpc-go turns every codec error into
// INTERNAL, so the codec does not fail: it records the error against the (reset) message, and
// the first interceptor of the chain answers with it before any handler sees the message.
type strictCodec struct {
	encoding.CodecV2
	failures sync.Map // request message pointer → its decoding error
}

func newStrictCodec() *strictCodec {
	return &strictCodec{CodecV2: encoding.GetCodecV2(protocodec.Name)}
}

func (c *strictCodec) Name() string { return protocodec.Name }

func (c *strictCodec) Unmarshal(data mem.BufferSlice, v any) error {
	err := c.CodecV2.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	m, ok := v.(proto.Message)
	if !ok {
		return err
	}
	field, desc := locateWire(m.ProtoReflect().Descriptor(), data.Materialize(), "")
	if field == "" {
		field, desc = "request", "is not a valid "+string(m.ProtoReflect().Descriptor().FullName())+" message"
	}
	proto.Reset(m)
	c.failures.Store(m, apierror.InvalidArgument(ReasonMalformedMessage, apierror.FieldViolation{Field: field, Description: desc}))
	return nil
}

// failure returns, once, the decoding error recorded for the request message v.
func (c *strictCodec) failure(v any) error {
	if err, ok := c.failures.LoadAndDelete(v); ok {
		return err.(error)
	}
	return nil
}

// locateWire walks the wire form of a message of type md and returns the path of the first
// field that does not decode, and why; "" when it finds none.
func locateWire(md protoreflect.MessageDescriptor, b []byte, path string) (string, string) {
	seen := map[protowire.Number]int{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return path, "is truncated or malformed"
		}
		b = b[n:]
		fd := md.Fields().ByNumber(num)
		name := fmt.Sprintf("%s#%d", path, num) // an unknown field, kept as unknown by proto
		if fd != nil {
			name = string(fd.Name())
			if path != "" {
				name = path + "." + name
			}
			if fd.IsList() {
				name = fmt.Sprintf("%s[%d]", name, seen[num])
				seen[num]++
			}
		}
		if typ != protowire.BytesType || fd == nil {
			if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
				return name, "is truncated or malformed"
			}
			b = b[n:]
			continue
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return name, "is truncated"
		}
		b = b[n:]
		switch fd.Kind() {
		case protoreflect.StringKind:
			if !utf8.Valid(v) {
				return name, "must be valid UTF-8"
			}
		case protoreflect.MessageKind, protoreflect.GroupKind:
			if p, d := locateWire(fd.Message(), v, name); p != "" {
				return p, d
			}
		}
	}
	return "", ""
}

// failedDecodeUnary answers a request whose message did not decode.
func failedDecodeUnary(c *strictCodec) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if err := c.failure(req); err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

func failedDecodeStream(c *strictCodec) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return handler(srv, &decodeCheckingStream{ServerStream: ss, c: c})
	}
}

type decodeCheckingStream struct {
	grpc.ServerStream
	c *strictCodec
}

func (s *decodeCheckingStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return s.c.failure(m)
}
