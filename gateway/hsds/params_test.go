package hsds

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/socialrx/socialrx/gateway/hsds/document"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
)

// checkParamError checks that err is INVALID_ARGUMENT naming param.
func checkParamError(t *testing.T, err error, param string) {
	t.Helper()
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("got %v, want INVALID_ARGUMENT", err)
	}
	if msg := status.Convert(err).Message(); !strings.HasPrefix(msg, param+": ") {
		t.Errorf("message %q does not start with %q", msg, param+": ")
	}
	if got := apierror.ErrorInfo(err).GetMetadata()["field"]; got != param {
		t.Errorf("ErrorInfo field = %q, want %q", got, param)
	}
}

func TestParsePage(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"", 1, false},
		{"1", 1, false},
		{"7", 7, false},
		{"0", 0, true},
		{"-1", 0, true},
		{"abc", 0, true},
		{"1.5", 0, true},
		{"99999999999999999999", 0, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("page=%q", tt.in), func(t *testing.T) {
			got, err := ParsePage(tt.in)
			if tt.wantErr {
				checkParamError(t, err, "page")
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParsePage(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParsePerPage(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"", DefaultPerPage, false},
		{"1", 1, false},
		{"1000", 1000, false},
		{"1001", MaxPerPage, false},
		{"2147483647", MaxPerPage, false},
		{"2147483648", 0, true},
		{"99999999999", 0, true},
		{"99999999999999999999", 0, true},
		{"0", 0, true},
		{"-1", 0, true},
		{"ten", 0, true},
		{" 5", 0, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("per_page=%q", tt.in), func(t *testing.T) {
			got, err := ParsePerPage(tt.in)
			if tt.wantErr {
				checkParamError(t, err, "per_page")
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParsePerPage(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseModifiedAfter(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"", time.Time{}, false},
		{"2024-01-31T09:00:00Z", time.Date(2024, 1, 31, 9, 0, 0, 0, time.UTC), false},
		{"2024-01-31T09:00:00.250-05:00", time.Date(2024, 1, 31, 14, 0, 0, 250_000_000, time.UTC), false},
		{"2024-01-31", time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC), false},
		{"2024-01-31T09:00:00", time.Time{}, true},
		{"31/01/2024", time.Time{}, true},
		{"yesterday", time.Time{}, true},
		{"2024-13-01T00:00:00Z", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("modified_after=%q", tt.in), func(t *testing.T) {
			got, err := ParseModifiedAfter(tt.in)
			if tt.wantErr {
				checkParamError(t, err, "modified_after")
				return
			}
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("ParseModifiedAfter(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseProximity(t *testing.T) {
	tests := []struct {
		name                string
		proximity, lat, lng string
		want                *directoryv1.GeoCircle
		wantParam           string // the parameter named by the error, if any
	}{
		{name: "none", want: nil},
		{name: "5 km around Toronto", proximity: "5000", lat: "43.65", lng: "-79.38",
			want: &directoryv1.GeoCircle{Latitude: 43.65, Longitude: -79.38, RadiusMeters: 5000}},
		{name: "fractional metres", proximity: "250.5", lat: "0", lng: "0",
			want: &directoryv1.GeoCircle{RadiusMeters: 250.5}},
		{name: "largest radius", proximity: "1000000", lat: "-90", lng: "180",
			want: &directoryv1.GeoCircle{Latitude: -90, Longitude: 180, RadiusMeters: 1_000_000}},
		{name: "zero radius", proximity: "0", lat: "43", lng: "-79", wantParam: "proximity"},
		{name: "negative radius", proximity: "-5", lat: "43", lng: "-79", wantParam: "proximity"},
		{name: "radius too large", proximity: "1000001", lat: "43", lng: "-79", wantParam: "proximity"},
		{name: "radius with unit", proximity: "5km", lat: "43", lng: "-79", wantParam: "proximity"},
		{name: "radius not a number", proximity: "NaN", lat: "43", lng: "-79", wantParam: "proximity"},
		{name: "radius infinite", proximity: "Inf", lat: "43", lng: "-79", wantParam: "proximity"},
		{name: "radius without centre", proximity: "5000", wantParam: "latitude"},
		{name: "radius without longitude", proximity: "5000", lat: "43", wantParam: "longitude"},
		{name: "centre without radius", lat: "43", lng: "-79", wantParam: "proximity"},
		{name: "latitude 91", proximity: "5000", lat: "91", lng: "0", wantParam: "latitude"},
		{name: "longitude -181", proximity: "5000", lat: "0", lng: "-181", wantParam: "longitude"},
		{name: "latitude not a number", proximity: "5000", lat: "north", lng: "0", wantParam: "latitude"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProximity(tt.proximity, tt.lat, tt.lng)
			if tt.wantParam != "" {
				checkParamError(t, err, tt.wantParam)
				return
			}
			if err != nil || !proto.Equal(got, tt.want) {
				t.Errorf("ParseProximity = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestParseListParams(t *testing.T) {
	tests := []struct {
		query     string
		want      ListParams
		wantParam string
	}{
		{query: "", want: ListParams{Page: 1, PerPage: 50}},
		{query: "page=3&per_page=20&search=+walking+group+&taxonomy_term_id=nature&organization_id=org-1",
			want: ListParams{Page: 3, PerPage: 20, Search: "walking group", TaxonomyTermID: "nature", OrganizationID: "org-1"}},
		{query: "taxonomy_id=socialrx-activity&parent_id=t1&top_only=true&full_service=1&format=json",
			want: ListParams{Page: 1, PerPage: 50, TaxonomyID: "socialrx-activity", ParentID: "t1", TopOnly: true, FullService: true}},
		{query: "modified_after=2024-05-01T00:00:00Z",
			want: ListParams{Page: 1, PerPage: 50, ModifiedAfter: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)}},
		{query: "proximity=2000&latitude=43.7&longitude=-79.4",
			want: ListParams{Page: 1, PerPage: 50, Near: &directoryv1.GeoCircle{Latitude: 43.7, Longitude: -79.4, RadiusMeters: 2000}}},
		{query: "page=0", wantParam: "page"},
		{query: "page=abc", wantParam: "page"},
		{query: "per_page=-1", wantParam: "per_page"},
		{query: "page=3000000&per_page=1000", wantParam: "page"},
		{query: "modified_after=last+week", wantParam: "modified_after"},
		{query: "proximity=far&latitude=1&longitude=1", wantParam: "proximity"},
		{query: "proximity=1000&postcode=M5V+2R4", wantParam: "postcode"},
		{query: "taxonomy_term_id=not+an+id", wantParam: "taxonomy_term_id"},
		{query: "organization_id=" + strings.Repeat("x", 64), wantParam: "organization_id"},
		{query: "parent_id=a/b", wantParam: "parent_id"},
		{query: "top_only=maybe", wantParam: "top_only"},
		{query: "full_service=yes", wantParam: "full_service"},
		{query: "format=ndjson", wantParam: "format"},
		{query: "search=" + strings.Repeat("a", 201), wantParam: "search"},
		{query: "serach=walk", wantParam: "serach"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseListParams(q)
			if tt.wantParam != "" {
				checkParamError(t, err, tt.wantParam)
				return
			}
			if err != nil {
				t.Fatalf("ParseListParams: %v", err)
			}
			near, wantNear := got.Near, tt.want.Near
			got.Near, tt.want.Near = nil, nil
			if !got.ModifiedAfter.Equal(tt.want.ModifiedAfter) {
				t.Errorf("ModifiedAfter = %v, want %v", got.ModifiedAfter, tt.want.ModifiedAfter)
			}
			got.ModifiedAfter, tt.want.ModifiedAfter = time.Time{}, time.Time{}
			if got != tt.want || !proto.Equal(near, wantNear) {
				t.Errorf("got %+v near %v, want %+v near %v", got, near, tt.want, wantNear)
			}
		})
	}
}

func TestSearchRequest(t *testing.T) {
	tests := []struct {
		name string
		p    ListParams
		want *directoryv1.SearchServicesRequest
	}{
		{"first page", ListParams{Page: 1, PerPage: 50},
			&directoryv1.SearchServicesRequest{PageSize: 50}},
		{"third page of 20", ListParams{Page: 3, PerPage: 20},
			&directoryv1.SearchServicesRequest{PageSize: 20, Skip: 40}},
		{"every filter", ListParams{Page: 2, PerPage: 10, Search: "walk", TaxonomyTermID: "nature", OrganizationID: "o1",
			ModifiedAfter: time.Date(2024, 1, 2, 3, 4, 5, 600_000_000, time.UTC),
			Near:          &directoryv1.GeoCircle{Latitude: 43, Longitude: -79, RadiusMeters: 500}},
			&directoryv1.SearchServicesRequest{
				Query: "walk", TaxonomyTerms: []string{"taxonomyTerms/nature"}, Organization: "organizations/o1",
				Near:     &directoryv1.GeoCircle{Latitude: 43, Longitude: -79, RadiusMeters: 500},
				PageSize: 10, Skip: 10, Filter: `update_time >= "2024-01-02T03:04:05.6Z"`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := searchRequest(tt.p); !proto.Equal(got, tt.want) {
				t.Errorf("searchRequest = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTaxonomyTermFilter(t *testing.T) {
	tests := []struct {
		name string
		p    ListParams
		want string
	}{
		{"none", ListParams{}, ""},
		{"taxonomy", ListParams{TaxonomyID: "socialrx-activity"}, `taxonomy = "socialrx-activity"`},
		{"parent", ListParams{ParentID: "t1", TopOnly: true}, `parent = "taxonomyTerms/t1"`},
		{"top only", ListParams{TopOnly: true}, "NOT parent:*"},
		{"all", ListParams{TaxonomyID: "x", TopOnly: true, ModifiedAfter: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
			`update_time >= "2024-01-01T00:00:00Z" AND taxonomy = "x" AND NOT parent:*`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := taxonomyTermFilter(tt.p); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// decodeError reads an AIP-193 error body.
func decodeError(t *testing.T, b []byte) (code int, st, msg, reason, field string) {
	t.Helper()
	var body struct {
		Error struct {
			Code    int    `json:"code"`
			Status  string `json:"status"`
			Message string `json:"message"`
			Details []struct {
				Type     string            `json:"@type"`
				Reason   string            `json:"reason"`
				Domain   string            `json:"domain"`
				Metadata map[string]string `json:"metadata"`
			} `json:"details"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("error body %s: %v", b, err)
	}
	e := body.Error
	for _, d := range e.Details {
		if d.Type == "type.googleapis.com/google.rpc.ErrorInfo" {
			if d.Domain != apierror.Domain {
				t.Errorf("ErrorInfo domain = %q", d.Domain)
			}
			reason, field = d.Reason, d.Metadata["field"]
		}
	}
	return e.Code, e.Status, e.Message, reason, field
}

// TestHandlerRefusesBadRequests sends requests that fail before the directory is asked, so
// the handler runs without a client.
func TestHandlerRefusesBadRequests(t *testing.T) {
	h := http.StripPrefix("/hsds", NewHandler(nil, nil))
	tests := []struct {
		method, target string
		wantCode       int
		wantField      string
	}{
		{"GET", "/hsds/services?page=0", 400, "page"},
		{"GET", "/hsds/services?page=abc", 400, "page"},
		{"GET", "/hsds/services?per_page=-1", 400, "per_page"},
		{"GET", "/hsds/services?modified_after=yesterday", 400, "modified_after"},
		{"GET", "/hsds/services?proximity=5000", 400, "latitude"},
		{"GET", "/hsds/services?taxonomy_id=x", 400, "taxonomy_id"},
		{"GET", "/hsds/service_at_locations?proximity=1000&postcode=M5V", 400, "postcode"},
		{"GET", "/hsds/organizations?page=-2", 400, "page"},
		{"GET", "/hsds/taxonomy_terms?top_only=perhaps", 400, "top_only"},
		{"GET", "/hsds/services/not%20an%20id", 400, "id"},
		{"GET", "/hsds/services?colour=red", 400, "colour"},
		{"GET", "/hsds/services/s1?full_service=true", 400, "full_service"},
		{"GET", "/hsds/organizations/o1?fullservice=true", 400, "fullservice"},
		{"GET", "/hsds/service_at_locations/s1:l1?x=1", 400, "x"},
		{"GET", "/hsds/organizations/" + strings.Repeat("a", 64), 400, "id"},
		{"GET", "/hsds/taxonomy_terms/-x", 400, "id"},
		{"GET", "/hsds/service_at_locations/only-one-part", 400, "id"},
		{"GET", "/hsds/taxonomies", 404, ""},
		{"POST", "/hsds/services", 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, nil))
			if rec.Code != tt.wantCode {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.wantCode, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			code, _, msg, _, field := decodeError(t, rec.Body.Bytes())
			if code != tt.wantCode || field != tt.wantField {
				t.Errorf("body code %d field %q, want %d %q: %s", code, field, tt.wantCode, tt.wantField, rec.Body)
			}
			if tt.wantField != "" && !strings.HasPrefix(msg, tt.wantField+": ") {
				t.Errorf("message %q does not name %s", msg, tt.wantField)
			}
		})
	}
}

func TestHandlerInfo(t *testing.T) {
	rec := httptest.NewRecorder()
	http.StripPrefix("/hsds", NewHandler(nil, nil)).ServeHTTP(rec, httptest.NewRequest("GET", "/hsds/", nil))
	var info document.APIInfo
	if err := json.Unmarshal(rec.Body.Bytes(), &info); err != nil || rec.Code != 200 {
		t.Fatalf("status %d body %s: %v", rec.Code, rec.Body, err)
	}
	if info.Version != "3.0" || info.Profile == "" {
		t.Errorf("got %+v", info)
	}
}

func TestServiceAtLocationID(t *testing.T) {
	tests := []struct {
		id       string
		svc, loc string
		ok       bool
	}{
		{"s1:l1", "s1", "l1", true},
		{"7f0c2f9e-0b53-4a0e-9c56-0e8f2a3c9d11:1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7081", "7f0c2f9e-0b53-4a0e-9c56-0e8f2a3c9d11", "1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7081", true},
		{"s1", "", "", false},
		{"s1:", "", "", false},
		{":l1", "", "", false},
		{"s1:l1:x", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			svc, loc, ok := splitServiceAtLocationID(tt.id)
			if svc != tt.svc || loc != tt.loc || ok != tt.ok {
				t.Errorf("got %q %q %v", svc, loc, ok)
			}
		})
	}
}
