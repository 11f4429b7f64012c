package gateway_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/gateway/gatewaytest"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/event/eventtest"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// stack is a directory service and the real gateway in front of it.
type stack struct {
	dir       *directorytest.Instance
	events    *eventtest.Instance
	referrals *referraltest.Instance
	base      string
	id        auth.Identity
}

// The callers of the tests.
var (
	adminID     = auth.Identity{Subject: "practitioners/admin", Roles: []string{auth.RoleDirectoryAdmin}}
	moderatorID = auth.Identity{Subject: "practitioners/mod", Roles: []string{auth.RoleModerator}}
	serviceID   = auth.Identity{Subject: "services/referral", Roles: []string{auth.RoleService}}
)

// as returns the stack calling as id (auth.Anonymous for the public). It is the one place the
// tests say how an identity travels over HTTP.
func (s *stack) as(id auth.Identity) *stack {
	c := *s
	c.id = id
	return &c
}

func (s *stack) identityHeaders() map[string]string {
	if s.id.IsAnonymous() {
		return nil
	}
	return map[string]string{"Authorization": "Bearer " + testenv.Bearer(s.id)}
}

func start(t *testing.T) *stack { return startWith(t, gateway.Config{}) }

// startWith starts the stack with the gateway limits of cfg.
func startWith(t *testing.T, cfg gateway.Config) *stack {
	t.Helper()
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	events := eventtest.Start(t, eventtest.Options{Database: testenv.DatabaseName(t), DirectoryAddr: dir.Addr})
	referrals := referraltest.Start(t, referraltest.Options{Database: testenv.DatabaseName(t), DirectoryAddr: dir.Addr, EventAddr: events.Addr})
	cfg.DirectoryAddr, cfg.EventAddr, cfg.ReferralAddr = dir.Addr, events.Addr, referrals.Addr
	base := gatewaytest.Start(t, cfg)
	return &stack{dir: dir, events: events, referrals: referrals, base: base, id: auth.Anonymous}
}

type response struct {
	status      int
	body        map[string]any
	raw         []byte
	contentType string
}

func (s *stack) do(t *testing.T, method, path, body string, headers ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range s.identityHeaders() {
		req.Header.Set(k, v)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, raw: raw, contentType: resp.Header.Get("Content-Type")}
	if len(bytes.TrimSpace(raw)) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("%s %s: body is not JSON: %s", method, path, raw)
		}
	}
	return r
}

// errorInfo returns status, reason and field of an AIP-193 error body.
func errorInfo(r response) (status, reason, field string) {
	e, _ := r.body["error"].(map[string]any)
	status, _ = e["status"].(string)
	details, _ := e["details"].([]any)
	for _, d := range details {
		m, _ := d.(map[string]any)
		if m["@type"] == "type.googleapis.com/google.rpc.ErrorInfo" {
			reason, _ = m["reason"].(string)
			md, _ := m["metadata"].(map[string]any)
			field, _ = md["field"].(string)
		}
	}
	return status, reason, field
}

func TestRESTOrganizationLifecycle(t *testing.T) {
	s := start(t).as(adminID)
	created := s.do(t, "POST", "/v1/organizations?organizationId=riverdale&requestId=req-1",
		`{"displayName": "Riverdale Community Health Centre", "memberCentre": true}`)
	if created.status != http.StatusOK || created.body["name"] != "organizations/riverdale" {
		t.Fatalf("create: %d %s", created.status, created.raw)
	}
	etag := created.body["etag"].(string)

	// The same request id again returns the first result.
	repeat := s.do(t, "POST", "/v1/organizations?organizationId=riverdale&requestId=req-1",
		`{"displayName": "Riverdale Community Health Centre", "memberCentre": true}`)
	if repeat.status != http.StatusOK || !bytes.Equal(repeat.raw, created.raw) {
		t.Fatalf("repeat create: %d %s, want %s", repeat.status, repeat.raw, created.raw)
	}

	got := s.do(t, "GET", "/v1/organizations/riverdale", "")
	if got.status != http.StatusOK || got.body["displayName"] != "Riverdale Community Health Centre" {
		t.Fatalf("get: %d %s", got.status, got.raw)
	}

	patched := s.do(t, "PATCH", "/v1/organizations/riverdale?updateMask=description",
		`{"description": "Primary care.", "etag": "`+etag+`"}`)
	if patched.status != http.StatusOK || patched.body["description"] != "Primary care." {
		t.Fatalf("patch: %d %s", patched.status, patched.raw)
	}

	stale := s.do(t, "PATCH", "/v1/organizations/riverdale?updateMask=description",
		`{"description": "Stale.", "etag": "`+etag+`"}`)
	st, reason, _ := errorInfo(stale)
	if stale.status != http.StatusConflict || st != "ABORTED" || reason != "ETAG_MISMATCH" {
		t.Fatalf("stale patch: %d %s", stale.status, stale.raw)
	}

	missing := s.do(t, "GET", "/v1/organizations/nowhere", "")
	if st, reason, _ := errorInfo(missing); missing.status != http.StatusNotFound || st != "NOT_FOUND" || reason != "NOT_FOUND" {
		t.Fatalf("get missing: %d %s", missing.status, missing.raw)
	}

	if del := s.do(t, "DELETE", "/v1/organizations/riverdale", ""); del.status != http.StatusOK {
		t.Fatalf("delete: %d %s", del.status, del.raw)
	}
	if again := s.do(t, "GET", "/v1/organizations/riverdale", ""); again.status != http.StatusNotFound {
		t.Fatalf("get after delete: %d %s", again.status, again.raw)
	}
}

func TestRESTBadInputIs400NamingTheField(t *testing.T) {
	s := start(t).as(adminID)
	if r := s.do(t, "POST", "/v1/organizations?organizationId=org1", `{"displayName": "Org"}`); r.status != http.StatusOK {
		t.Fatalf("setup: %d %s", r.status, r.raw)
	}
	tests := []struct {
		name, method, path, body, field string
	}{
		{"empty name", "POST", "/v1/organizations", `{"displayName": ""}`, "organization.display_name"},
		{"oversized name", "POST", "/v1/organizations", `{"displayName": "` + strings.Repeat("n", 201) + `"}`, "organization.display_name"},
		{"latitude 91", "POST", "/v1/locations", `{"organization": "organizations/org1", "displayName": "Clinic", "latitude": 91, "longitude": -79}`, "location.latitude"},
		{"negative page size", "GET", "/v1/services?pageSize=-1", "", "page_size"},
		{"page size not a number", "GET", "/v1/services?pageSize=abc", "", "page_size"},
		{"garbage page token", "GET", "/v1/services?pageToken=garbage", "", "page_token"},
		{"unknown taxonomy term", "POST", "/v1/services", `{"organization": "organizations/org1", "displayName": "Walks", "taxonomyTerms": ["taxonomyTerms/nope"]}`, "service.taxonomy_terms[0]"},
		{"malformed JSON body", "POST", "/v1/organizations", `{"displayName": `, "organization.display_name"},
		{"wrong JSON type", "POST", "/v1/organizations", `{"displayName": 42}`, "organization.display_name"},
		{"unknown JSON field", "POST", "/v1/organizations", `{"displayName": "x", "colour": "red"}`, "organization.colour"},
		{"bad search radius", "GET", "/v1/services:search?near.latitude=43&near.longitude=-79&near.radiusMeters=0", "", "near.radius_meters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do(t, tc.method, tc.path, tc.body)
			st, _, field := errorInfo(r)
			if r.status != http.StatusBadRequest || st != "INVALID_ARGUMENT" || field != tc.field {
				t.Fatalf("%d status=%q field=%q, want 400 INVALID_ARGUMENT field %q: %s", r.status, st, field, tc.field, r.raw)
			}
		})
	}
	if r := s.do(t, "GET", "/v1/services", ""); r.status != http.StatusOK || r.body["totalSize"] != nil {
		t.Fatalf("bad requests stored services: %d %s", r.status, r.raw)
	}
}

func TestOpenAPIAndHealth(t *testing.T) {
	s := start(t)
	r := s.do(t, "GET", "/openapi.json", "")
	if r.status != http.StatusOK {
		t.Fatalf("openapi: %d", r.status)
	}
	paths, _ := r.body["paths"].(map[string]any)
	for _, p := range []string{"/v1/organizations", "/v1/services:search", "/v1/services/{service}",
		"/v1/events:search", "/v1/events/{event}/sessions/{session}/registrations",
		"/v1/referrals", "/v1/referrals/{referral}:bookEvent"} {
		if _, ok := paths[p]; !ok {
			t.Fatalf("OpenAPI document lacks path %s", p)
		}
	}
	h := s.do(t, "GET", "/healthz", "")
	if h.status != http.StatusOK || h.body["status"] != "ok" {
		t.Fatalf("healthz with the directory up: %d %s", h.status, h.raw)
	}
	if b := h.body["backends"].(map[string]any); b["event"] != "SERVING" || b["referral"] != "SERVING" {
		t.Fatalf("healthz does not report the event service: %s", h.raw)
	}
	s.dir.Stop()
	h = s.do(t, "GET", "/healthz", "")
	if h.status != http.StatusServiceUnavailable || h.body["status"] != "unavailable" {
		t.Fatalf("healthz with the directory down: %d %s", h.status, h.raw)
	}
	if why, _ := h.body["reasons"].(map[string]any); why == nil || why["directory"] == nil || why["directory"] == "" {
		t.Fatalf("healthz with the directory down does not say why: %s", h.raw)
	}
	down := s.do(t, "GET", "/v1/organizations", "")
	if st, _, _ := errorInfo(down); down.status != http.StatusServiceUnavailable || st != "UNAVAILABLE" {
		t.Fatalf("call with the directory down: %d %s", down.status, down.raw)
	}
}
