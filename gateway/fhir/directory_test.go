package fhir_test

import (
	"context"
	"net/http"
	"testing"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// The directory as Organization, Location and HealthcareService: read, and search by name, type
// and near.
func TestDirectory(t *testing.T) {
	s := start(t, 1)
	admin := testenv.As(context.Background(), t, adminID)
	lat, lng := 43.6677, -79.3534
	if _, err := s.dir.Client.CreateLocation(admin, &directoryv1.CreateLocationRequest{LocationId: "chc-main", Location: &directoryv1.Location{
		Organization: referraltest.CHC, DisplayName: "Riverdale CHC, Broadview", LocationType: directoryv1.LocationType_LOCATION_TYPE_PHYSICAL,
		Address:  &directoryv1.Address{Address_1: "955 Queen St E", City: "Toronto", Region: "ON", PostalCode: "M4M 3P3", Country: "CA"},
		Latitude: &lat, Longitude: &lng}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.dir.Client.CreateService(admin, &directoryv1.CreateServiceRequest{ServiceId: "friendly-calls", Service: &directoryv1.Service{
		Organization: referraltest.CHC, DisplayName: "Friendly calls", Description: "A weekly call from a volunteer.",
		Status: directoryv1.ServiceStatus_SERVICE_STATUS_ACTIVE, Locations: []string{"locations/chc-main"}}}); err != nil {
		t.Fatal(err)
	}
	emr := s.as(emrToken(t, ""))
	org := emr.do(t, "GET", "/Organization/chc", "").must(t, http.StatusOK, "read Organization")
	if getS(org.body, "name") != "Riverdale CHC" || org.header.Get("ETag") == "" {
		t.Fatalf("Organization: %s", org.raw)
	}
	loc := emr.do(t, "GET", "/Location/chc-main", "").must(t, http.StatusOK, "read Location")
	if get(loc.body, "position.latitude") != lat || getS(loc.body, "managingOrganization.reference") != "Organization/chc" ||
		getS(loc.body, "address.postalCode") != "M4M 3P3" {
		t.Fatalf("Location: %s", loc.raw)
	}
	hs := emr.do(t, "GET", "/HealthcareService/friendly-calls", "").must(t, http.StatusOK, "read HealthcareService")
	if getS(hs.body, "providedBy.reference") != "Organization/chc" || getS(hs.body, "location.0.reference") != "Location/chc-main" || get(hs.body, "active") != true {
		t.Fatalf("HealthcareService: %s", hs.raw)
	}
	if a := emr.do(t, "GET", "/Organization/nowhere", ""); a.status != http.StatusNotFound {
		t.Fatalf("a missing Organization: %d", a.status)
	}
	count := func(path string) int {
		t.Helper()
		a := emr.do(t, "GET", path, "").must(t, http.StatusOK, path)
		entries, _ := get(a.body, "entry").([]any)
		return len(entries)
	}
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/Organization?name=Riverdale", 1},
		{"/Organization?name=Nowhere", 0},
		{"/Location?type=physical&near=43.67|-79.35|2|km", 1},
		{"/Location?near=45.42|-75.70|10|km", 0},
		{"/Location?type=virtual", 0},
		{"/HealthcareService?name=calls", 1},
		{"/HealthcareService?near=43.67|-79.35|2|km&organization=Organization/chc", 1},
		{"/HealthcareService?near=45.42|-75.70|10|km", 0},
	} {
		if got := count(tc.path); got != tc.want {
			t.Errorf("%s: %d entries, want %d", tc.path, got, tc.want)
		}
	}
	bad := emr.do(t, "GET", "/Location?near=91|0|1|km", "")
	if code, expr := bad.issue(); bad.status != http.StatusBadRequest || code != "invalid" || expr != "near" {
		t.Fatalf("near with latitude 91: %d %s", bad.status, bad.raw)
	}
}
