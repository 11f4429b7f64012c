package gateway

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/dynamicpb"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
)

// checkNamed fails unless err is INVALID_ARGUMENT whose BadRequest names a field.
func checkNamed(t *testing.T, err error) {
	t.Helper()
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument {
		t.Fatalf("got %v, want INVALID_ARGUMENT", err)
	}
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok && len(br.GetFieldViolations()) > 0 && br.GetFieldViolations()[0].GetField() != "" {
			return
		}
	}
	t.Fatalf("%v names no field", err)
}

func eventRoute(t testing.TB, key string) *route {
	t.Helper()
	routes, err := newRouteTable(slog.New(slog.DiscardHandler), eventv1.EventService_ServiceDesc.ServiceName)
	if err != nil {
		t.Fatal(err)
	}
	rt := routes.routes[key]
	if rt == nil {
		t.Fatalf("no route %s", key)
	}
	return rt
}

// A body the edge accepts is one JSON value that protojson decodes strictly into the request,
// with no NUL in its strings; a body it refuses is INVALID_ARGUMENT naming a field.
func FuzzDecodeBody(f *testing.F) {
	register := eventRoute(f, "POST /v1/{parent=events/*/sessions/*}/registrations")
	cancel := eventRoute(f, "POST /v1/{name=events/*/sessions/*/registrations/*}:cancel")
	f.Fuzz(func(t *testing.T, wholeBody bool, data []byte) {
		rt := register
		if wholeBody {
			rt = cancel
		}
		err := rt.decodeBody(data)
		if err != nil {
			checkNamed(t, err)
			return
		}
		if !json1(data) {
			t.Fatalf("accepted %q, which is not exactly one JSON value", data)
		}
		wrapped := data
		if rt.body != "*" {
			wrapped = []byte(`{"registration":` + string(data) + `}`)
		}
		msg := dynamicpb.NewMessage(rt.input)
		if err := protojson.Unmarshal(wrapped, msg); err != nil {
			t.Fatalf("accepted %q, which protojson refuses: %v", data, err)
		}
		if p := findNUL(msg, ""); p != "" {
			t.Fatalf("accepted %q with a NUL in %s", data, p)
		}
	})
}

// json1 reports whether data is exactly one JSON value, by a decoder other than the edge's scan.
func json1(data []byte) bool {
	var v any
	dec := jsonDecoder(data)
	if dec.Decode(&v) != nil {
		return false
	}
	return len(bytes.TrimSpace(data[dec.InputOffset():])) == 0
}

// A query string the edge accepts parses, and every name and value is UTF-8 without NUL; one
// it refuses, or whose parameters a route does not take, is INVALID_ARGUMENT naming a field.
func FuzzCheckQueryString(f *testing.F) {
	search := eventRoute(f, "GET /v1/events:search")
	f.Fuzz(func(t *testing.T, raw string) {
		err := checkQueryString(raw)
		if err != nil {
			checkNamed(t, err)
			return
		}
		q, perr := url.ParseQuery(raw)
		if perr != nil {
			t.Fatalf("accepted %q, which does not parse: %v", raw, perr)
		}
		for k, vs := range q {
			for _, v := range append([]string{k}, vs...) {
				if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
					t.Fatalf("accepted %q with %q", raw, v)
				}
			}
			if !search.queryAllowed(k) {
				continue
			}
			if strings.Trim(k, ".") != k || strings.Contains(k, "..") {
				t.Fatalf("route takes the malformed parameter %q", k)
			}
		}
	})
}

func jsonDecoder(data []byte) *json.Decoder { return json.NewDecoder(bytes.NewReader(data)) }
