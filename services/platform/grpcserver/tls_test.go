package grpcserver_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/socialrx/socialrx/services/platform/grpcclient"
	"github.com/socialrx/socialrx/services/platform/grpcserver"
	"github.com/socialrx/socialrx/services/platform/grpctls"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// A TLS listener refuses plaintext, while its health listener answers the kubelet's plaintext
// probes; a client given the CA reaches every replica of a list, each checked by its own host.
func TestTLSListenerAndPlaintextHealth(t *testing.T) {
	ca := testenv.NewCA(t, "socialrx")
	server := ca.Issue(t, "server", "127.0.0.1")
	client := ca.Issue(t, "client", "client")
	srv, err := grpcserver.New(grpcserver.Config{Addr: "127.0.0.1:0", HealthAddr: "127.0.0.1:0", ShutdownTimeout: time.Second,
		TLS: grpctls.Server{Cert: server.CertFile, Key: server.KeyFile, ClientCA: ca.File}}, testenv.Logger(), anonymous{})
	if err != nil {
		t.Fatal(err)
	}
	srv.SetServing("", true)
	ctx, cancel := context.WithCancel(context.Background())
	testenv.Serve(t, cancel, func() error { return srv.Run(ctx) })

	check := func(conn *grpc.ClientConn) (healthpb.HealthCheckResponse_ServingStatus, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		return resp.GetStatus(), err
	}
	if st, err := check(testenv.Dial(t, srv.HealthAddr())); err != nil || st != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("plaintext health listener: %v, %v; want SERVING", st, err)
	}
	if _, err := check(testenv.Dial(t, srv.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))); status.Code(err) != codes.Unavailable {
		t.Errorf("plaintext call to the TLS listener: %v, want UNAVAILABLE", err)
	}
	conn, err := grpcclient.Dial(srv.Addr()+","+srv.Addr(), "", grpcclient.Options{
		TLS: grpctls.Client{CA: ca.File, Cert: client.CertFile, Key: client.KeyFile}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	if st, err := check(conn); err != nil || st != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("mutual TLS through grpcclient: %v, %v; want SERVING", st, err)
	}
}

// A TLS setting that cannot work stops the start, naming the variable.
func TestTLSMisconfigurationStopsTheStart(t *testing.T) {
	ca := testenv.NewCA(t, "socialrx")
	pair := ca.Issue(t, "server", "127.0.0.1")
	tests := []struct {
		name string
		tls  grpctls.Server
	}{
		{"certificate without key", grpctls.Server{Cert: pair.CertFile}},
		{"client CA alone", grpctls.Server{ClientCA: ca.File}},
		{"missing certificate file", grpctls.Server{Cert: pair.CertFile + ".gone", Key: pair.KeyFile}},
		{"key of another certificate", grpctls.Server{Cert: pair.CertFile, Key: ca.Issue(t, "other").KeyFile}},
		{"client CA that is no certificate", grpctls.Server{Cert: pair.CertFile, Key: pair.KeyFile, ClientCA: pair.KeyFile}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := grpcserver.New(grpcserver.Config{Addr: "127.0.0.1:0", TLS: tc.tls}, testenv.Logger(), anonymous{})
			if err == nil {
				t.Fatalf("started on %s", srv.Addr())
			}
			if !strings.Contains(err.Error(), "GRPC_TLS_") {
				t.Errorf("error %q names no GRPC_TLS_ variable", err)
			}
		})
	}
}
