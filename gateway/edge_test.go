package gateway_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// violations returns the fields named in the BadRequest of an AIP-193 error body.
func violations(r response) []string {
	e, _ := r.body["error"].(map[string]any)
	details, _ := e["details"].([]any)
	var fields []string
	for _, d := range details {
		m, _ := d.(map[string]any)
		if m["@type"] != "type.googleapis.com/google.rpc.BadRequest" {
			continue
		}
		vs, _ := m["fieldViolations"].([]any)
		for _, v := range vs {
			fv, _ := v.(map[string]any)
			f, _ := fv["field"].(string)
			fields = append(fields, f)
		}
	}
	return fields
}

// The bad inputs of the trust-boundary issue, each refused with 400 naming what is wrong.
func TestEdgeRefusesBadInputNamingTheField(t *testing.T) {
	s := start(t).as(adminID)
	if r := s.do(t, "POST", "/v1/organizations?organizationId=org1", `{"displayName": "Org"}`); r.status != http.StatusOK {
		t.Fatalf("setup: %d %s", r.status, r.raw)
	}
	s = s.as(auth.Identity{Subject: "practitioners/host-1", Organization: "organizations/org1", Roles: []string{auth.RoleEventHost}})
	if r := s.do(t, "POST", "/v1/events?eventId=tea", `{"title": "Tea", "category": "EVENT_CATEGORY_OTHER",
		"hostOrganization": "organizations/org1", "onlineUrl": "https://meet.example.org/tea"}`); r.status != http.StatusOK {
		t.Fatalf("setup event: %d %s", r.status, r.raw)
	}
	tests := []struct {
		name, method, path, body string
		headers                  []string
		field                    string
	}{
		{"invalid UTF-8 in a path variable", "GET", "/v1/referrals/%FF%FE%FD", "", nil, "name"},
		{"invalid UTF-8 in a nested path", "GET", "/v1/events/tea/sessions/%C3%28", "", nil, "name"},
		{"NUL in a path variable", "GET", "/v1/organizations/a%00b", "", nil, "name"},
		{"invalid UTF-8 in a query value", "GET", "/v1/referrals?pageToken=%FF%FE", "", nil, "pageToken"},
		{"invalid UTF-8 in an HSDS query value", "GET", "/hsds/services?search=%FF%FE", "", nil, "search"},
		{"invalid UTF-8 in a query name", "GET", "/v1/services?%FF=1", "", nil, "\uFFFD"},
		{"NUL in a query value", "GET", "/v1/services?query=a%00b", "", nil, "query"},
		{"malformed escape in a query value", "GET", "/v1/services?query=%zz", "", nil, "query"},
		{"semicolon separator", "GET", "/v1/services?query=a;pageSize=1", "", nil, "query"},
		{"unknown query parameter", "GET", "/v1/services?colour=red", "", nil, "colour"},
		{"query parameter without a name", "GET", "/v1/services?=red", "", nil, "query"},
		{"query parameter bound by the path", "GET", "/v1/organizations/org1?name=organizations/x", "", nil, "name"},
		{"query parameter on a whole-body method", "POST", "/v1/events/tea:submit?etag=x", `{}`, nil, "etag"},
		{"nested unknown query parameter", "GET", "/v1/services:search?near.altitude=3", "", nil, "near.altitude"},
		{"DELETE with an unknown query parameter", "DELETE", "/v1/organizations/org1?force=true", "", nil, "force"},
		{"object field given a string", "POST", "/v1/events", `{"title": "x", "venue": "a-string"}`, nil, "event.venue"},
		{"time that is not a time", "POST", "/v1/events/tea/sessions", `{"startTime": "not-a-time"}`, nil, "session.start_time"},
		{"number given a string", "POST", "/v1/events/tea/sessions", `{"capacity": "many"}`, nil, "session.capacity"},
		{"enum given an unknown name", "POST", "/v1/events", `{"category": "EVENT_CATEGORY_PARTY"}`, nil, "event.category"},
		{"nested wrong type", "POST", "/v1/events/tea/sessions/s1/registrations", `{"person": {"givenName": 7}}`, nil, "registration.person.given_name"},
		{"array element of the wrong type", "POST", "/v1/events", `{"languages": ["en", 3]}`, nil, "event.languages[1]"},
		{"unknown field", "POST", "/v1/organizations", `{"displayName": "x", "colour": "red"}`, nil, "organization.colour"},
		{"unknown nested field", "POST", "/v1/events/tea/sessions/s1/registrations", `{"person": {"shoeSize": 9}}`, nil, "registration.person.shoeSize"},
		{"duplicate field", "POST", "/v1/organizations", `{"displayName": "x", "displayName": "y"}`, nil, "organization.display_name"},
		{"trailing garbage", "POST", "/v1/organizations", `{"displayName": "x"} garbage`, nil, "organization"},
		{"two JSON values", "POST", "/v1/organizations", `{"displayName": "x"}{"displayName": "y"}`, nil, "organization"},
		{"trailing garbage on a whole-body method", "POST", "/v1/events/tea:submit", `{}]`, nil, "body"},
		{"truncated JSON", "POST", "/v1/organizations", `{"displayName": "x", "description": "y`, nil, "organization.description"},
		{"invalid UTF-8 in a JSON string", "POST", "/v1/organizations", "{\"displayName\": \"\xff\xfe\"}", nil, "organization.display_name"},
		{"NUL in a name", "POST", "/v1/organizations", `{"displayName": "Riverdale\u0000CHC"}`, nil, "organization.display_name"},
		{"NUL in a nested name", "POST", "/v1/events/tea/sessions/s1/registrations", `{"person": {"givenName": "A\u0000"}}`, nil, "registration.person.given_name"},
		{"NUL in a repeated string", "POST", "/v1/events", `{"tags": ["ok", "b\u0000d"]}`, nil, "event.tags[1]"},
		{"text/plain", "POST", "/v1/organizations", `{"displayName": "x"}`, []string{"Content-Type", "text/plain"}, "Content-Type"},
		{"form encoding", "POST", "/v1/organizations", `displayName=x`, []string{"Content-Type", "application/x-www-form-urlencoded"}, "Content-Type"},
		{"JSON with another charset", "POST", "/v1/organizations", `{"displayName": "x"}`, []string{"Content-Type", "application/json; charset=latin1"}, "Content-Type"},
		{"body on a method without one", "DELETE", "/v1/organizations/org1", `{"etag": "x"}`, nil, "body"},
		{"form POST to a GET method", "POST", "/v1/organizations/org1", `name=x%FF`, []string{"Content-Type", "application/x-www-form-urlencoded"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do(t, tc.method, tc.path, tc.body, tc.headers...)
			st, _, _ := errorInfo(r)
			got := violations(r)
			if tc.field == "" {
				if r.status != http.StatusMethodNotAllowed || st != "UNIMPLEMENTED" {
					t.Fatalf("%d %s, want 405 UNIMPLEMENTED: %s", r.status, st, r.raw)
				}
				return
			}
			if r.status != http.StatusBadRequest || st != "INVALID_ARGUMENT" || len(got) != 1 || got[0] != tc.field {
				t.Fatalf("%d %s, fields %q; want 400 INVALID_ARGUMENT naming %q: %s", r.status, st, got, tc.field, r.raw)
			}
		})
	}
	if r := s.do(t, "GET", "/v1/nowhere", ""); r.status != http.StatusNotFound {
		t.Fatalf("unknown path: %d %s", r.status, r.raw)
	} else if st, reason, _ := errorInfo(r); st != "NOT_FOUND" || reason != "NOT_FOUND" {
		t.Fatalf("unknown path: %s", r.raw)
	}
	// What the edge accepts still works, spelled either way.
	accepted := []struct {
		name, method, path, body string
		status                   int
	}{
		{"JSON with charset", "PATCH", "/v1/events/tea?updateMask=title", `{"title": "Tea and talk"}`, http.StatusOK},
		{"snake_case query", "GET", "/v1/services?page_size=5", "", http.StatusOK},
		{"camelCase query", "GET", "/v1/services?pageSize=5", "", http.StatusOK},
		{"nested query", "GET", "/v1/services:search?near.latitude=43&near.longitude=-79&near.radiusMeters=1000", "", http.StatusOK},
		{"repeated query", "GET", "/v1/services:search?taxonomyTerms=taxonomyTerms/a&taxonomyTerms=taxonomyTerms/b", "", http.StatusOK},
		{"UTF-8 text", "GET", "/v1/services:search?query=caf%C3%A9", "", http.StatusOK},
		// The service, not the edge, refuses to submit an event without sessions.
		{"empty body on a whole-body method", "POST", "/v1/events/tea:submit", "", http.StatusBadRequest},
	}
	for _, tc := range accepted {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do(t, tc.method, tc.path, tc.body, "Content-Type", "application/json; charset=UTF-8")
			if st, _, _ := errorInfo(r); r.status != tc.status || st == "INVALID_ARGUMENT" {
				t.Fatalf("%d %s, want %d", r.status, r.raw, tc.status)
			}
		})
	}
}

// rawRequest writes head to the gateway, then body bytes from fill in the background, and
// returns the response status, its Retry-After, and how many body bytes were written when the
// response arrived.
func rawRequest(t *testing.T, base, head string, fill func(w io.Writer) error) (status int, written int64) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	go func() { _ = fill(countingWriter{conn, &n}) }()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, n.Load()
}

type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// A 20 MB body is refused with 413 without the gateway reading it: by its announced length,
// or, sent in chunks, once it passes the limit.
func TestEdgeRefusesLargeBodiesWithoutReadingThem(t *testing.T) {
	const size = 20 << 20
	s := start(t)
	chunk := []byte(`{"displayName": "` + strings.Repeat("x", 64<<10-18) + `"}`)[:64<<10]
	tests := []struct {
		name string
		head string
		fill func(w io.Writer) error
	}{
		{"announced length", "POST /v1/organizations HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: " +
			strconv.Itoa(size) + "\r\n\r\n",
			func(w io.Writer) error {
				for sent := 0; sent < size; sent += len(chunk) {
					if _, err := w.Write(chunk); err != nil {
						return err
					}
				}
				return nil
			}},
		{"chunked", "POST /v1/organizations HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
			func(w io.Writer) error {
				for sent := 0; sent < size; sent += len(chunk) {
					if _, err := fmt.Fprintf(w, "%x\r\n%s\r\n", len(chunk), chunk); err != nil {
						return err
					}
				}
				_, err := io.WriteString(w, "0\r\n\r\n")
				return err
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, written := rawRequest(t, s.base, tc.head, tc.fill)
			if status != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413", status)
			}
			if written >= size {
				t.Fatalf("the whole body (%d bytes) was sent before the answer", written)
			}
			t.Logf("%d of %d body bytes were sent when the 413 arrived", written, size)
		})
	}
	over := s.do(t, "POST", "/v1/organizations", `{"displayName": "`+strings.Repeat("x", gateway.DefaultMaxBodyBytes)+`"}`)
	if st, reason, _ := errorInfo(over); over.status != http.StatusRequestEntityTooLarge || st != "RESOURCE_EXHAUSTED" || reason != gateway.ReasonBodyTooLarge {
		t.Fatalf("body over the limit: %d %s", over.status, over.raw)
	}
}

func TestEdgeRateLimitsEachCaller(t *testing.T) {
	s, _ := startLimited(t, gateway.Config{RateLimit: 0.5, RateBurst: 3})
	get := func(headers ...string) response { return s.do(t, "GET", "/v1/organizations", "", headers...) }
	for i := range 3 {
		if r := get(); r.status != http.StatusOK {
			t.Fatalf("request %d within the burst: %d %s", i+1, r.status, r.raw)
		}
	}
	limited := get()
	st, reason, _ := errorInfo(limited)
	if limited.status != http.StatusTooManyRequests || st != "RESOURCE_EXHAUSTED" || reason != gateway.ReasonRateLimited {
		t.Fatalf("request over the burst: %d %s", limited.status, limited.raw)
	}
	req, err := http.NewRequest("GET", s.base+"/v1/organizations", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != http.StatusTooManyRequests || err != nil || retry < 1 || retry > 2 {
		t.Fatalf("429 with Retry-After %q (%v), want 1 or 2 seconds at 0.5 requests/s", resp.Header.Get("Retry-After"), err)
	}
	// A verified caller has a bucket of its own; health checks are never limited.
	tok := testenv.Bearer(auth.Identity{Subject: "practitioners/another-caller"})
	if r := get("Authorization", "Bearer "+tok); r.status == http.StatusTooManyRequests {
		t.Fatalf("a caller with its own credential was limited: %s", r.raw)
	}
	if r := s.do(t, "GET", "/healthz", ""); r.status != http.StatusOK {
		t.Fatalf("healthz while limited: %d %s", r.status, r.raw)
	}
}
