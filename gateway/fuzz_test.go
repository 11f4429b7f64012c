package gateway

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/socialrx/socialrx/gateway/httperror"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
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
			if search.queryField(k) == nil {
				continue
			}
			if strings.Trim(k, ".") != k || strings.Contains(k, "..") {
				t.Fatalf("route takes the malformed parameter %q", k)
			}
		}
	})
}

func jsonDecoder(data []byte) *json.Decoder { return json.NewDecoder(bytes.NewReader(data)) }

// A request the edge and the route checks let through has path variables and query parameters
// of valid UTF-8 without NUL, all of them read by the route; one they refuse is a 400 naming the
// field (or a 404 for no route).
func FuzzPathAndQuery(f *testing.F) {
	routes, err := newRouteTable(slog.New(slog.DiscardHandler), referralv1.ReferralService_ServiceDesc.ServiceName)
	if err != nil {
		f.Fatal(err)
	}
	// What GET /v1/referrals reads from the query (ListReferralsRequest); GET
	// /v1/referrals/{referral} reads nothing.
	listParams := []string{"page_size", "pageSize", "page_token", "pageToken", "filter", "follow_up_overdue", "followUpOverdue"}
	mux := runtime.NewServeMux(runtime.WithMiddlewares(routes.middleware), runtime.WithDisablePathLengthFallback())
	var got map[string]string
	for _, p := range []string{"/v1/{name=referrals/*}", "/v1/referrals"} {
		if err := mux.HandlePath("GET", p, func(w http.ResponseWriter, r *http.Request, params map[string]string) {
			got = params
			w.WriteHeader(http.StatusOK)
		}); err != nil {
			f.Fatal(err)
		}
	}
	h := &edge{next: mux, maxBody: DefaultMaxBodyBytes}
	f.Fuzz(func(t *testing.T, path, query string) {
		r, err := http.NewRequest("GET", "http://gw/v1/"+path+"?"+query, nil)
		if err != nil {
			return // not a URL a client can send
		}
		got = nil
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		switch rec.Code {
		case http.StatusOK:
			for k, v := range got {
				if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
					t.Fatalf("%s reached the backend with %s=%q", r.URL, k, v)
				}
			}
			q, err := url.ParseQuery(r.URL.RawQuery)
			if err != nil {
				t.Fatalf("%s reached the backend with an unparsable query: %v", r.URL, err)
			}
			for k := range q {
				if got["name"] != "" || !slices.Contains(listParams, k) {
					t.Fatalf("%s reached the backend with the unknown parameter %q", r.URL, k)
				}
			}
		case http.StatusNotFound:
		case http.StatusBadRequest:
			var body httperror.Body
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(rec.Body.String(), `"fieldViolations":[{"field":"`) ||
				strings.Contains(rec.Body.String(), `"fieldViolations":[{"field":""`) {
				t.Fatalf("%s: 400 naming no field: %s", r.URL, rec.Body)
			}
		default:
			t.Fatalf("%s: %d %s", r.URL, rec.Code, rec.Body)
		}
	})
}
