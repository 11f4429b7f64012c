package benchmarks

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/gateway/gatewaytest"
	"github.com/socialrx/socialrx/gateway/web"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/event/eventtest"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// fhirWorld is the seeded directory with a health system whose EMR refers to the centre of
// referraltest, the services, the gateway with its FHIR facade, and the EMR's token.
type fhirWorld struct {
	referrals referralv1.ReferralServiceClient
	base      string
	token     string
	ctx       context.Context // gRPC calls with the EMR's token
	seq       atomic.Int64
}

var emrID = auth.Identity{Subject: "clients/" + testenv.SystemClientID, Organization: testenv.SystemClientOrg,
	Roles: []string{auth.RoleSystem}, ClientID: testenv.SystemClientID, Scopes: testenv.SystemClientScopes}

func newFHIRWorld(b *testing.B) *fhirWorld {
	b.Helper()
	ctx := context.Background()
	dir := directorytest.Start(b, directorytest.Options{Database: testenv.DatabaseName(b)})
	admin := as(ctx, adminID)
	referraltest.SeedDirectory(admin, b, dir.Client)
	if _, err := dir.Client.CreateOrganization(admin, &directoryv1.CreateOrganizationRequest{OrganizationId: "test-health-system",
		Organization: &directoryv1.Organization{DisplayName: "Test Health System"}}); err != nil {
		b.Fatal(err)
	}
	if _, err := dir.Client.CreatePractitioner(admin, &directoryv1.CreatePractitionerRequest{PractitionerId: "dr-ng", Practitioner: &directoryv1.Practitioner{
		Organization: testenv.SystemClientOrg, GivenName: "Lin", FamilyName: "Ng", Role: directoryv1.PractitionerRole_PRACTITIONER_ROLE_CLINICIAN}}); err != nil {
		b.Fatal(err)
	}
	events := eventtest.Start(b, eventtest.Options{Database: testenv.DatabaseName(b), DirectoryAddr: dir.Addr})
	ref := referraltest.Start(b, referraltest.Options{Database: testenv.DatabaseName(b), DirectoryAddr: dir.Addr, EventAddr: events.Addr})
	base := gatewaytest.Start(b, gateway.Config{DirectoryAddr: dir.Addr, EventAddr: events.Addr, ReferralAddr: ref.Addr,
		Web: web.Config{Access: testenv.OIDC(b)}})
	w := &fhirWorld{referrals: ref.Client, base: base}
	w.renew(b)
	return w
}

// renew takes a new token for the EMR: one lasts ten minutes, a run on a busy machine longer.
func (w *fhirWorld) renew(b *testing.B) {
	w.token = testenv.Token(b, emrID)
	w.ctx = metadata.AppendToOutgoingContext(context.Background(), auth.MetadataAuthorization, "Bearer "+w.token)
}

// bundle is the inbound referral of the facade's tests, with identifier id.
func bundle(id string) string {
	return `{"resourceType": "Bundle", "type": "transaction", "entry": [
  {"fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000001", "request": {"method": "POST", "url": "Patient"},
   "resource": {"resourceType": "Patient", "name": [{"family": "Okafor", "given": ["Margaret"]}], "birthDate": "1948-03-14"}},
  {"fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000002", "request": {"method": "POST", "url": "ServiceRequest"},
   "resource": {"resourceType": "ServiceRequest", "status": "active", "intent": "order",
    "identifier": [{"system": "urn:oid:2.16.840.1.113883.3.9999", "value": "` + id + `"}],
    "subject": {"reference": "urn:uuid:00000000-0000-4000-8000-000000000001"},
    "requester": {"reference": "Practitioner/dr-ng"}, "performer": [{"reference": "Organization/chc"}],
    "reasonCode": [{"coding": [{"system": "https://socialrx.org/fhir/CodeSystem/need", "code": "loneliness"}]}]}},
  {"fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000003", "request": {"method": "POST", "url": "Task"},
   "resource": {"resourceType": "Task", "status": "requested", "intent": "order",
    "focus": {"reference": "urn:uuid:00000000-0000-4000-8000-000000000002"},
    "for": {"reference": "urn:uuid:00000000-0000-4000-8000-000000000001"}}},
  {"fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000004", "request": {"method": "POST", "url": "Consent"},
   "resource": {"resourceType": "Consent", "status": "active", "dateTime": "` + consentTime().UTC().Format(time.RFC3339) + `",
    "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
    "category": [{"text": "share details"}], "patient": {"reference": "urn:uuid:00000000-0000-4000-8000-000000000001"},
    "policyRule": {"text": "socialrx consent to share"},
    "provision": {"type": "permit", "action": [{"coding": [{"system": "https://socialrx.org/fhir/CodeSystem/consent-scope", "code": "share-with-link-worker"}]}]}}}]}`
}

// send posts one Bundle and returns the referral's id.
func (w *fhirWorld) send() (string, error) {
	b, err := w.do(http.MethodPost, "/", bundle(fmt.Sprintf("bench-%d", w.seq.Add(1))))
	if err != nil {
		return "", err
	}
	s := string(b)
	i := strings.Index(s, `"location":"Task/`)
	if i < 0 {
		return "", fmt.Errorf("no Task in %.200s", s)
	}
	s = s[i+len(`"location":"Task/`):]
	return s[:strings.IndexByte(s, '/')], nil
}

func (w *fhirWorld) do(method, path, body string) ([]byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, w.base+"/fhir/r4"+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+w.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %s %.300s", method, path, resp.Status, out)
	}
	return out, nil
}

// benchSeconds is how long each side of a comparison runs: FHIR_BENCH_SECONDS, 3 by default.
func benchSeconds() time.Duration {
	if n, err := strconv.Atoi(os.Getenv("FHIR_BENCH_SECONDS")); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 3 * time.Second
}

// BenchmarkFHIRAgainstGRPC reports the p50 of a Task read and of a Task search through the
// FHIR facade against the same gRPC call (GetReferral, ListReferrals), with 1 and 16 clients,
// and their ratio; and the inbound Bundle against CreateReferral and SubmitReferral.
//
//	go test -run='^$' -bench=FHIRAgainstGRPC -benchtime=1x ./deploy/benchmarks/
func BenchmarkFHIRAgainstGRPC(b *testing.B) {
	w := newFHIRWorld(b)
	var ids []string
	for range 20 {
		id, err := w.send()
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	filter := `receiving_organization = "organizations/chc" AND status = REQUESTED`
	ops := []struct {
		name       string
		grpc, fhir func(i int) error
	}{
		{"task-read",
			func(i int) error {
				_, err := w.referrals.GetReferral(w.ctx, &referralv1.GetReferralRequest{Name: "referrals/" + ids[i%len(ids)]})
				return err
			},
			func(i int) error { _, err := w.do(http.MethodGet, "/Task/"+ids[i%len(ids)], ""); return err }},
		{"task-search",
			func(int) error {
				_, err := w.referrals.ListReferrals(w.ctx, &referralv1.ListReferralsRequest{Filter: filter, PageSize: 10})
				return err
			},
			func(int) error {
				_, err := w.do(http.MethodGet, "/Task?owner=Organization/chc&status=requested&_count=10", "")
				return err
			}},
	}
	d := benchSeconds()
	for _, op := range ops {
		for _, clients := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/clients=%d", op.name, clients), func(b *testing.B) {
				w.renew(b)
				_, g, err := testenv.Concurrent(clients, d, op.grpc)
				if err != nil {
					b.Fatal(err)
				}
				_, f, err := testenv.Concurrent(clients, d, op.fhir)
				if err != nil {
					b.Fatal(err)
				}
				report(b, g, f)
			})
		}
	}
	b.Run("inbound/clients=1", func(b *testing.B) {
		w.renew(b)
		n := 20
		g, err := testenv.Sequential(n, func(int) error {
			r, err := w.referrals.CreateReferral(w.ctx, &referralv1.CreateReferralRequest{
				RequestId: fmt.Sprintf("grpc-%d", w.seq.Add(1)),
				Referral: &referralv1.Referral{Subject: &referralv1.Subject{GivenName: "Margaret", FamilyName: "Okafor", DateOfBirth: "1948-03-14"},
					ReferringPractitioner: "practitioners/dr-ng", ReferringOrganization: testenv.SystemClientOrg, ReceivingOrganization: referraltest.CHC,
					Needs:   []referralv1.Need{referralv1.Need_NEED_LONELINESS},
					Consent: &referralv1.Consent{GrantedBy: "subject", GrantTime: timestamppb.New(consentTime()), Scope: []string{"share-with-link-worker"}}}})
			if err != nil {
				return err
			}
			_, err = w.referrals.SubmitReferral(w.ctx, &referralv1.SubmitReferralRequest{Name: r.GetName()})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		f, err := testenv.Sequential(n, func(int) error { _, err := w.send(); return err })
		if err != nil {
			b.Fatal(err)
		}
		report(b, g, f)
	})
}

func report(b *testing.B, g, f testenv.Latency) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(g.P50), "grpc-p50-ms")
	b.ReportMetric(ms(f.P50), "fhir-p50-ms")
	b.ReportMetric(ms(f.P50)/ms(g.P50), "p50-ratio")
	b.Logf("gRPC %s; FHIR %s", g, f)
}
