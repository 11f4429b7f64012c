package event_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/event"
	"github.com/socialrx/socialrx/services/event/eventtest"
	"github.com/socialrx/socialrx/services/platform/grpctls"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// The event service calls the directory over mutual TLS, each with its own certificate of one
// CA; the directory refuses whoever cannot show one, and takes a renewed certificate without
// a restart.
func TestMutualTLSBetweenServices(t *testing.T) {
	ca := testenv.NewCA(t, "socialrx")
	dirPair := ca.Issue(t, "directory", "127.0.0.1", "localhost")
	eventPair := ca.Issue(t, "event", "127.0.0.1", "localhost")
	testPair := ca.Issue(t, "test-client", "test-client")

	mutual := func(p testenv.Pair) (grpctls.Server, grpctls.Client) {
		return grpctls.Server{Cert: p.CertFile, Key: p.KeyFile, ClientCA: ca.File},
			grpctls.Client{CA: ca.File, Cert: p.CertFile, Key: p.KeyFile}
	}
	testCreds := grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{
		RootCAs: ca.Pool(), Certificates: []tls.Certificate{loadPair(t, testPair)}}))

	dirTLS, dirClientTLS := mutual(dirPair)
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t), Dial: []grpc.DialOption{testCreds},
		TLS: dirTLS, ClientTLS: dirClientTLS})
	ev := eventtest.Start(t, eventtest.Options{Database: testenv.DatabaseName(t), DirectoryAddr: dir.Addr, Dial: []grpc.DialOption{testCreds},
		Now: func() time.Time { return start }, Configure: func(c *event.Config) { c.TLS, c.ClientTLS = mutual(eventPair) }})

	// A host write asks the directory for the host organisation, location and practitioner.
	ctx := ctxT(t)
	admin := as(ctx, adminID)
	org, err := dir.Client.CreateOrganization(admin, &directoryv1.CreateOrganizationRequest{OrganizationId: "riverdale-chc",
		Organization: &directoryv1.Organization{DisplayName: "Riverdale Community Health Centre", MemberCentre: true}})
	if err != nil {
		t.Fatalf("create organisation over mutual TLS: %v", err)
	}
	loc, err := dir.Client.CreateLocation(admin, &directoryv1.CreateLocationRequest{LocationId: "riverdale-gerrard",
		Location: &directoryv1.Location{Organization: org.GetName(), DisplayName: "Riverdale CHC",
			Address: &directoryv1.Address{Address_1: "1015 Gerrard St E", City: "Toronto", Region: "ON"}}})
	if err != nil {
		t.Fatal(err)
	}
	host, err := dir.Client.CreatePractitioner(admin, &directoryv1.CreatePractitionerRequest{PractitionerId: "host-amara",
		Practitioner: &directoryv1.Practitioner{Organization: org.GetName(), GivenName: "Amara", FamilyName: "Osei",
			Role: directoryv1.PractitionerRole_PRACTITIONER_ROLE_EVENT_HOST}})
	if err != nil {
		t.Fatal(err)
	}
	created, err := ev.Client.CreateEvent(ctx, &eventv1.CreateEventRequest{EventId: "tea", Event: &eventv1.Event{
		Title: "Storytelling circle", Description: "Share stories over tea.",
		Category:         eventv1.EventCategory_EVENT_CATEGORY_STORYTELLING_CIRCLE,
		HostOrganization: org.GetName(), ContactPractitioner: host.GetName(),
		Venue: &eventv1.Venue{Place: &eventv1.Venue_Location{Location: loc.GetName()}}, Languages: []string{"en"}}})
	if err != nil {
		t.Fatalf("create event, which asks the directory over mutual TLS: %v", err)
	}
	if created.GetHostOrganization() != org.GetName() {
		t.Fatalf("event hosted by %q, want %q", created.GetHostOrganization(), org.GetName())
	}

	other := testenv.NewCA(t, "elsewhere")
	otherPair := other.Issue(t, "intruder", "intruder")
	refused := []struct {
		name  string
		creds credentials.TransportCredentials
	}{
		{"plaintext", insecure.NewCredentials()},
		{"TLS without a client certificate", credentials.NewTLS(&tls.Config{RootCAs: ca.Pool()})},
		{"a client certificate of another CA", credentials.NewTLS(&tls.Config{RootCAs: ca.Pool(),
			Certificates: []tls.Certificate{loadPair(t, otherPair)}})},
		{"a server certificate the client does not trust", credentials.NewTLS(&tls.Config{RootCAs: other.Pool(),
			Certificates: []tls.Certificate{loadPair(t, testPair)}})},
	}
	for _, tc := range refused {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			conn := testenv.Dial(t, dir.Addr, grpc.WithTransportCredentials(tc.creds))
			_, err := directoryv1.NewDirectoryServiceClient(conn).GetOrganization(as(ctxT(t), adminID),
				&directoryv1.GetOrganizationRequest{Name: org.GetName()})
			if status.Code(err) != codes.Unavailable {
				t.Fatalf("got %v, want UNAVAILABLE: the connection must not be made", err)
			}
		})
	}

	t.Run("a renewed certificate is presented without a restart", func(t *testing.T) {
		if got := presented(t, dir.Addr, ca, testPair); got.SerialNumber.Cmp(dirPair.Cert.SerialNumber) != 0 {
			t.Fatalf("directory presents serial %v, want the first certificate's %v", got.SerialNumber, dirPair.Cert.SerialNumber)
		}
		renewed := ca.Issue(t, "directory", "127.0.0.1", "localhost") // over the same files
		if renewed.CertFile != dirPair.CertFile || renewed.Cert.SerialNumber.Cmp(dirPair.Cert.SerialNumber) == 0 {
			t.Fatal("the renewal did not replace the directory's certificate files")
		}
		if got := presented(t, dir.Addr, ca, testPair); got.SerialNumber.Cmp(renewed.Cert.SerialNumber) != 0 {
			t.Fatalf("directory presents serial %v after the renewal, want the renewed %v", got.SerialNumber, renewed.Cert.SerialNumber)
		}
		// and calls over a new connection, which verifies the renewed certificate, work.
		conn := testenv.Dial(t, dir.Addr, testCreds)
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("health over a new connection after the renewal: %v, %v", resp, err)
		}
	})
}

// presented is the certificate the server at addr shows a new TLS connection.
func presented(t *testing.T, addr string, ca *testenv.CA, client testenv.Pair) *x509.Certificate {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := tls.Dialer{Config: &tls.Config{RootCAs: ca.Pool(), Certificates: []tls.Certificate{loadPair(t, client)},
		ServerName: "127.0.0.1", NextProtos: []string{"h2"}}}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatalf("TLS handshake with %s: %v", addr, err)
	}
	defer conn.Close()
	return conn.(*tls.Conn).ConnectionState().PeerCertificates[0]
}

func loadPair(t *testing.T, p testenv.Pair) tls.Certificate {
	t.Helper()
	c, err := tls.LoadX509KeyPair(p.CertFile, p.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
