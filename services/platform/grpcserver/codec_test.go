package grpcserver_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/grpcserver"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// rawCodec sends the bytes it is given as the request, so a test can send what no client
// library would encode, and keeps the response's bytes.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	b, ok := v.(*[]byte)
	if !ok {
		return nil, errors.New("rawCodec sends *[]byte")
	}
	return mem.BufferSlice{mem.SliceBuffer(*b)}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	b, ok := v.(*[]byte)
	if !ok {
		return errors.New("rawCodec receives *[]byte")
	}
	*b = data.Materialize()
	return nil
}

// startServer runs a grpcserver with its health service on a loopback port.
func startServer(t *testing.T) *grpc.ClientConn {
	t.Helper()
	srv, err := grpcserver.New(grpcserver.Config{Addr: "127.0.0.1:0", ShutdownTimeout: time.Second}, testenv.Logger(), anonymous{})
	if err != nil {
		t.Fatal(err)
	}
	srv.SetServing("", true)
	ctx, cancel := context.WithCancel(context.Background())
	testenv.Serve(t, cancel, func() error { return srv.Run(ctx) })
	return testenv.Dial(t, srv.Addr())
}

// checkMalformed checks that err is INVALID_ARGUMENT, reason MALFORMED_MESSAGE, naming field.
func checkMalformed(t *testing.T, err error, field string) {
	t.Helper()
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument {
		t.Fatalf("got %v, want INVALID_ARGUMENT", err)
	}
	if r := apierror.Reason(err); r != grpcserver.ReasonMalformedMessage {
		t.Errorf("reason %q, want %s", r, grpcserver.ReasonMalformedMessage)
	}
	var got []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				got = append(got, v.GetField())
			}
		}
	}
	if len(got) != 1 || got[0] != field {
		t.Errorf("field violations %v, want [%s]", got, field)
	}
}

// grpc.health.v1.HealthCheckRequest has one field, `string service = 1`.
func TestMalformedMessagesAreInvalidArgument(t *testing.T) {
	conn := startServer(t)
	tests := []struct {
		name  string
		raw   []byte
		field string // "" when the call succeeds
	}{
		{"well formed", []byte{0x0a, 0x00}, ""},
		{"empty message", []byte{}, ""},
		{"invalid UTF-8 in a string", []byte{0x0a, 0x03, 0xff, 0xfe, 0xfd}, "service"},
		{"length past the end", []byte{0x0a, 0x05, 'a'}, "service"},
		{"truncated tag", []byte{0xff}, "request"},
		{"truncated varint of an unknown field", []byte{0x10, 0xff}, "#2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			req, resp := tc.raw, []byte(nil)
			err := conn.Invoke(ctx, "/grpc.health.v1.Health/Check", &req, &resp, grpc.ForceCodecV2(rawCodec{}))
			if tc.field == "" {
				// SERVING is field 1 = 1.
				if err != nil || string(resp) != "\x08\x01" {
					t.Fatalf("got %x, %v; want SERVING", resp, err)
				}
				return
			}
			checkMalformed(t, err, tc.field)
		})
	}
}

func TestMalformedStreamMessageIsInvalidArgument(t *testing.T) {
	conn := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	desc := &grpc.StreamDesc{StreamName: "Watch", ServerStreams: true}
	stream, err := conn.NewStream(ctx, desc, "/grpc.health.v1.Health/Watch", grpc.ForceCodecV2(rawCodec{}))
	if err != nil {
		t.Fatal(err)
	}
	req := []byte{0x0a, 0x02, 0xc3, 0x28} // an invalid two-byte UTF-8 sequence
	if err := stream.SendMsg(&req); err != nil {
		t.Fatal(err)
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatal(err)
	}
	var resp []byte
	checkMalformed(t, stream.RecvMsg(&resp), "service")
}

// anonymous lets every call in as the public: these tests are about the codec, not identity.
type anonymous struct{}

func (anonymous) Authenticate(context.Context, metadata.MD) (auth.Identity, error) {
	return auth.Anonymous, nil
}
