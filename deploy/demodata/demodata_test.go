package demodata

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"buf.build/go/protovalidate"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// allRequests is every Create request Directory sends, in order.
func allRequests() []proto.Message {
	var msgs []proto.Message
	for _, r := range taxonomyTermRequests() {
		msgs = append(msgs, r)
	}
	for _, r := range organizationRequests() {
		msgs = append(msgs, r)
	}
	for _, r := range locationRequests() {
		msgs = append(msgs, r)
	}
	for _, r := range serviceRequests() {
		msgs = append(msgs, r)
	}
	for _, r := range practitionerRequests() {
		msgs = append(msgs, r)
	}
	return msgs
}

func TestRequestsValidate(t *testing.T) {
	for _, m := range allRequests() {
		if err := protovalidate.Validate(m); err != nil {
			t.Errorf("%v: %v", m, err)
		}
	}
}

func TestRequestIDs(t *testing.T) {
	check := func(kind, name, id, reqID, sentName string) {
		t.Helper()
		if want := requestID(kind, id); reqID != want {
			t.Errorf("%s: request_id %q, want %q", name, reqID, want)
		}
		if !strings.HasSuffix(name, "/"+id) || strings.Count(name, "/") != 1 {
			t.Errorf("%s: id %q does not match the name", name, id)
		}
		if sentName != "" {
			t.Errorf("%s: name must be left empty on create, got %q", name, sentName)
		}
	}
	for i, r := range taxonomyTermRequests() {
		check("taxonomy-term", taxonomyTerms[i].GetName(), r.GetTaxonomyTermId(), r.GetRequestId(), r.GetTaxonomyTerm().GetName())
	}
	for i, r := range organizationRequests() {
		check("organization", organizations[i].GetName(), r.GetOrganizationId(), r.GetRequestId(), r.GetOrganization().GetName())
	}
	for i, r := range locationRequests() {
		check("location", locations[i].GetName(), r.GetLocationId(), r.GetRequestId(), r.GetLocation().GetName())
	}
	for i, r := range serviceRequests() {
		check("service", services[i].GetName(), r.GetServiceId(), r.GetRequestId(), r.GetService().GetName())
	}
	for i, r := range practitionerRequests() {
		check("practitioner", practitioners[i].GetName(), r.GetPractitionerId(), r.GetRequestId(), r.GetPractitioner().GetName())
	}
	// Building requests must not touch the tables.
	if organizations[0].GetName() == "" {
		t.Error("request building cleared the table's name")
	}
}

// nameSet returns the set of names and reports duplicates.
func nameSet[M interface{ GetName() string }](t *testing.T, kind string, records []M) map[string]bool {
	t.Helper()
	set := make(map[string]bool, len(records))
	for _, r := range records {
		if set[r.GetName()] {
			t.Errorf("duplicate %s %q", kind, r.GetName())
		}
		set[r.GetName()] = true
	}
	return set
}

func TestUniqueIDsAndReferences(t *testing.T) {
	terms := nameSet(t, "taxonomy term", taxonomyTerms)
	orgs := nameSet(t, "organization", organizations)
	locs := nameSet(t, "location", locations)
	nameSet(t, "service", services)
	nameSet(t, "practitioner", practitioners)

	locOrg := map[string]string{}
	for _, l := range locations {
		locOrg[l.GetName()] = l.GetOrganization()
		if !orgs[l.GetOrganization()] {
			t.Errorf("location %q: unknown organization %q", l.GetName(), l.GetOrganization())
		}
	}
	for _, o := range organizations {
		if p := o.GetParentOrganization(); p != "" && !orgs[p] {
			t.Errorf("organization %q: unknown parent %q", o.GetName(), p)
		}
	}
	for _, tt := range taxonomyTerms {
		if p := tt.GetParent(); p != "" && !terms[p] {
			t.Errorf("taxonomy term %q: unknown parent %q", tt.GetName(), p)
		}
	}
	for _, s := range services {
		if !orgs[s.GetOrganization()] {
			t.Errorf("service %q: unknown organization %q", s.GetName(), s.GetOrganization())
		}
		if len(s.GetLocations()) == 0 || len(s.GetTaxonomyTerms()) == 0 {
			t.Errorf("service %q: needs at least one location and taxonomy term", s.GetName())
		}
		for _, l := range s.GetLocations() {
			if !locs[l] {
				t.Errorf("service %q: unknown location %q", s.GetName(), l)
			} else if locOrg[l] != s.GetOrganization() {
				t.Errorf("service %q: location %q belongs to %q", s.GetName(), l, locOrg[l])
			}
		}
		for _, tt := range s.GetTaxonomyTerms() {
			if !terms[tt] {
				t.Errorf("service %q: unknown taxonomy term %q", s.GetName(), tt)
			}
		}
	}
	for _, p := range practitioners {
		if !orgs[p.GetOrganization()] {
			t.Errorf("practitioner %q: unknown organization %q", p.GetName(), p.GetOrganization())
		}
	}
}

// ontarioPostal matches an Ontario postal code (forward sortation areas K, L, M, N, P).
var ontarioPostal = regexp.MustCompile(`^[KLMNP][0-9][ABCEGHJ-NPRSTV-Z] [0-9][ABCEGHJ-NPRSTV-Z][0-9]$`)

func TestLocationsInOntario(t *testing.T) {
	virtuals := 0
	for _, l := range locations {
		if l.GetLocationType() == directoryv1.LocationType_LOCATION_TYPE_VIRTUAL {
			virtuals++
			if l.Latitude != nil || l.Longitude != nil || l.GetAddress() != nil {
				t.Errorf("virtual location %q has coordinates or an address", l.GetName())
			}
			continue
		}
		if l.Latitude == nil || l.Longitude == nil {
			t.Errorf("physical location %q has no coordinates", l.GetName())
			continue
		}
		if lat, lng := l.GetLatitude(), l.GetLongitude(); lat < 41.6 || lat > 56.9 || lng < -95.2 || lng > -74.3 {
			t.Errorf("location %q at (%v, %v) is outside Ontario", l.GetName(), lat, lng)
		}
		a := l.GetAddress()
		if a.GetAddress_1() == "" || a.GetCity() == "" || a.GetRegion() != "ON" || a.GetCountry() != "CA" {
			t.Errorf("location %q: incomplete address %v", l.GetName(), a)
		}
		if !ontarioPostal.MatchString(a.GetPostalCode()) {
			t.Errorf("location %q: postal code %q is not an Ontario postal code", l.GetName(), a.GetPostalCode())
		}
		if len(l.GetAccessibility()) == 0 || len(l.GetLanguages()) == 0 || l.GetTransportation() == "" {
			t.Errorf("location %q: needs accessibility, languages and transportation", l.GetName())
		}
	}
	if virtuals != 1 {
		t.Errorf("got %d virtual locations, want 1", virtuals)
	}
}

func TestTaxonomyCoverage(t *testing.T) {
	activities := []string{
		"art-on-prescription", "community-cooking-class", "nature-on-prescription", "storytelling-circle",
		"music-and-dance", "photography-walk", "community-gardening", "culture-on-prescription",
		"outdoor-picnic", "community-service",
	}
	programmes := []string{"friendly-calls", "meal-delivery", "transportation", "health-equipment-loan", "social-prescribing"}

	byName := map[string]*directoryv1.TaxonomyTerm{}
	for _, tt := range taxonomyTerms {
		byName[tt.GetName()] = tt
		if prefixTaxonomyTerm+tt.GetCode() != tt.GetName() {
			t.Errorf("taxonomy term %q: code %q differs from id", tt.GetName(), tt.GetCode())
		}
	}
	used := map[string]int{}
	for _, s := range services {
		for _, tt := range s.GetTaxonomyTerms() {
			used[tt]++
		}
	}
	for taxonomy, codes := range map[string][]string{TaxonomyActivity: activities, TaxonomyProgramme: programmes} {
		for _, c := range codes {
			name := prefixTaxonomyTerm + c
			tt := byName[name]
			if tt == nil {
				t.Errorf("missing taxonomy term %q", name)
				continue
			}
			if tt.GetTaxonomy() != taxonomy {
				t.Errorf("taxonomy term %q: taxonomy %q, want %q", name, tt.GetTaxonomy(), taxonomy)
			}
			if used[name] == 0 {
				t.Errorf("no service uses taxonomy term %q", name)
			}
		}
	}
	if want := len(activities) + len(programmes); len(taxonomyTerms) != want {
		t.Errorf("got %d taxonomy terms, want %d", len(taxonomyTerms), want)
	}
}

func TestShape(t *testing.T) {
	centres := map[string]bool{}
	partners := 0
	for _, o := range organizations {
		if o.GetMemberCentre() {
			centres[o.GetName()] = true
		} else {
			partners++
		}
	}
	if len(centres) != 5 || partners != 2 {
		t.Errorf("got %d centres and %d partners, want 5 and 2", len(centres), partners)
	}

	linkWorkerService := map[string]bool{}
	closed, paid := 0, 0
	for _, s := range services {
		if s.GetDisplayName() == "Social prescribing link worker" {
			linkWorkerService[s.GetOrganization()] = true
		}
		switch s.GetStatus() {
		case directoryv1.ServiceStatus_SERVICE_STATUS_ACTIVE:
		case directoryv1.ServiceStatus_SERVICE_STATUS_TEMPORARILY_CLOSED:
			closed++
		default:
			t.Errorf("service %q: unexpected status %v", s.GetName(), s.GetStatus())
		}
		if c := s.GetCost(); c == nil {
			t.Errorf("service %q: no cost", s.GetName())
		} else if !c.GetFree() {
			paid++
			if c.GetAmountMinor() <= 0 || c.GetCurrency() != "CAD" {
				t.Errorf("service %q: paid service needs an amount in CAD", s.GetName())
			}
		}
		if s.GetDescription() == "" || s.GetEligibilityDescription() == "" || s.GetScheduleDescription() == "" ||
			len(s.GetLanguages()) == 0 || len(s.GetAccessibility()) == 0 {
			t.Errorf("service %q: missing description, eligibility, schedule, languages or accessibility", s.GetName())
		}
	}
	if len(services) < 14 || closed != 1 || paid != 1 {
		t.Errorf("got %d services, %d temporarily closed, %d paid; want >= 14, 1, 1", len(services), closed, paid)
	}

	linkWorkers := map[string]bool{}
	roles := map[directoryv1.PractitionerRole]int{}
	for _, p := range practitioners {
		roles[p.GetRole()]++
		switch p.GetRole() {
		case directoryv1.PractitionerRole_PRACTITIONER_ROLE_LINK_WORKER:
			linkWorkers[p.GetOrganization()] = true
		case directoryv1.PractitionerRole_PRACTITIONER_ROLE_CLINICIAN:
			if !centres[p.GetOrganization()] {
				t.Errorf("clinician %q is not at a centre", p.GetName())
			}
		case directoryv1.PractitionerRole_PRACTITIONER_ROLE_EVENT_HOST:
			if centres[p.GetOrganization()] {
				t.Errorf("event host %q is not at a partner", p.GetName())
			}
		}
		if !strings.HasSuffix(p.GetEmail(), ".example.org") {
			t.Errorf("practitioner %q: email %q is not on an example domain", p.GetName(), p.GetEmail())
		}
	}
	for c := range centres {
		if !linkWorkers[c] || !linkWorkerService[c] {
			t.Errorf("centre %q needs a link worker and a link worker service", c)
		}
	}
	if roles[directoryv1.PractitionerRole_PRACTITIONER_ROLE_CLINICIAN] != 3 ||
		roles[directoryv1.PractitionerRole_PRACTITIONER_ROLE_EVENT_HOST] != 2 || len(practitioners) < 8 {
		t.Errorf("unexpected practitioner roles %v", roles)
	}
}

func TestExportedNamesExist(t *testing.T) {
	all := map[string]bool{}
	for _, m := range taxonomyTerms {
		all[m.GetName()] = true
	}
	for _, m := range organizations {
		all[m.GetName()] = true
	}
	for _, m := range locations {
		all[m.GetName()] = true
	}
	for _, m := range services {
		all[m.GetName()] = true
	}
	for _, m := range practitioners {
		all[m.GetName()] = true
	}
	exported := []string{
		TermArtOnPrescription, TermCommunityCookingClass, TermNatureOnPrescription, TermStorytellingCircle,
		TermMusicAndDance, TermPhotographyWalk, TermCommunityGardening, TermCultureOnPrescription,
		TermOutdoorPicnic, TermCommunityService,
		TermFriendlyCalls, TermMealDelivery, TermTransportation, TermHealthEquipmentLoan, TermSocialPrescribing,
		OrgRiverdaleCHC, OrgAlbionCHC, OrgRideauVanierCHC, OrgCrownPointCHC, OrgPortArthurCHC,
		OrgGoodNeighbours, OrgHamiltonFood,
		LocRiverdaleGerrard, LocRiverdaleParkEast, LocAlbionHeights, LocRideauVanierMontreal, LocCrownPointBarton,
		LocPortArthurRedRiver, LocPortArthurBoulevard, LocGoodNeighboursPape, LocGoodNeighboursPhone,
		LocHamiltonFoodJamesN, LocGageParkGarden,
		SvcRiverdaleLinkWorker, SvcAlbionLinkWorker, SvcRideauVanierLinkWorker, SvcCrownPointLinkWorker,
		SvcPortArthurLinkWorker, SvcFriendlyCalls, SvcTransportation, SvcVolunteerTogether, SvcMealDelivery,
		SvcCommunityGarden, SvcOutdoorPicnics, SvcHealthEquipmentLoan, SvcWalkingGroup, SvcCulturePass,
		SvcArtStudio, SvcPhotographyWalk, SvcCookingClass, SvcStorytellingCircle, SvcMusicAndMovement,
		LinkWorkerRiverdale, LinkWorkerAlbion, LinkWorkerRideauVanier, LinkWorkerCrownPoint, LinkWorkerPortArthur,
		ClinicianRiverdale, ClinicianAlbion, ClinicianCrownPoint, HostGoodNeighbours, HostHamiltonFood,
		ModeratorNetwork, DirectoryAdminNetwork,
	}
	for _, n := range exported {
		if !all[n] {
			t.Errorf("exported name %q has no record", n)
		}
	}
	if len(exported) != len(all) {
		t.Errorf("%d exported names for %d records", len(exported), len(all))
	}
}

func TestMain(m *testing.M) { testenv.Main(m) }

// Loading into a real directory stores every record once; loading again stores nothing new.
func TestDirectoryLoadsIntoRealServerIdempotently(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	want := Summary{
		Organizations: len(organizations),
		Services:      len(services),
		Locations:     len(locations),
		TaxonomyTerms: len(taxonomyTerms),
		Practitioners: len(practitioners),
	}
	for round := range 2 {
		got, err := Directory(as(ctx, adminID), dir.Client)
		if err != nil {
			t.Fatalf("load %d: %v", round, err)
		}
		if got != want {
			t.Fatalf("load %d: %+v, want %+v", round, got, want)
		}
	}
	counts := Summary{}
	orgs, err := dir.Client.ListOrganizations(ctx, &directoryv1.ListOrganizationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	counts.Organizations = int(orgs.GetTotalSize())
	svcs, err := dir.Client.ListServices(ctx, &directoryv1.ListServicesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	counts.Services = int(svcs.GetTotalSize())
	locs, err := dir.Client.ListLocations(ctx, &directoryv1.ListLocationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	counts.Locations = int(locs.GetTotalSize())
	terms, err := dir.Client.ListTaxonomyTerms(ctx, &directoryv1.ListTaxonomyTermsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	counts.TaxonomyTerms = int(terms.GetTotalSize())
	people, err := dir.Client.ListPractitioners(ctx, &directoryv1.ListPractitionersRequest{})
	if err != nil {
		t.Fatal(err)
	}
	counts.Practitioners = int(people.GetTotalSize())
	if counts != want {
		t.Fatalf("directory holds %+v after two loads, want %+v", counts, want)
	}
	// The demo's own ids are what later loaders refer to.
	if _, err := dir.Client.GetService(ctx, &directoryv1.GetServiceRequest{Name: SvcMealDelivery}); err != nil {
		t.Fatalf("get %s: %v", SvcMealDelivery, err)
	}
}

// A failing create is reported naming the record and keeping the gRPC status.
func TestDirectoryErrorNamesRecord(t *testing.T) {
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	dir.Stop()
	_, err := Directory(context.Background(), dir.Client)
	if err == nil {
		t.Fatal("want an error")
	}
	if !strings.Contains(err.Error(), `create taxonomy term "`) {
		t.Errorf("error %q does not name the record", err)
	}
	var st interface{ GRPCStatus() *status.Status }
	if !errors.As(err, &st) || st.GRPCStatus().Code() != codes.Unavailable {
		t.Errorf("error %q does not wrap the gRPC status", err)
	}
}

// Every demo organisation, programme and event has its French text beside its English.
func TestDemoDataInFrench(t *testing.T) {
	for _, o := range organizations {
		if tr := o.GetTranslations(); o.GetLanguageCode() != "en" || len(tr) != 1 || tr[0].GetLanguageCode() != "fr" || tr[0].GetDisplayName() == "" || tr[0].GetDescription() == "" {
			t.Errorf("organisation %s: %q with %v, want English with a French name and description", o.GetName(), o.GetLanguageCode(), tr)
		}
	}
	for _, s := range services {
		if tr := s.GetTranslations(); s.GetLanguageCode() != "en" || len(tr) != 1 || tr[0].GetLanguageCode() != "fr" || tr[0].GetDisplayName() == "" || tr[0].GetDescription() == "" {
			t.Errorf("service %s: %q with %v, want English with a French name and description", s.GetName(), s.GetLanguageCode(), tr)
		}
	}
	for _, e := range demoEvents(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)) {
		ev := e.create.GetEvent()
		if tr := ev.GetTranslations(); ev.GetLanguageCode() != "en" || len(tr) != 1 || tr[0].GetLanguageCode() != "fr" || tr[0].GetTitle() == "" || tr[0].GetDescription() == "" {
			t.Errorf("event %s: %q with %v, want English with a French title and description", e.name, ev.GetLanguageCode(), tr)
		}
	}
}
