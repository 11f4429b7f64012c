package grpcserver_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/socialrx/socialrx/services/platform/grpcserver"
	"github.com/socialrx/socialrx/services/platform/headers"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// A health check that is not SERVING says why in its trailer; a SERVING one says nothing.
func TestHealthCheckTellsWhyItIsNotServing(t *testing.T) {
	srv, err := grpcserver.New(grpcserver.Config{Addr: "127.0.0.1:0", ShutdownTimeout: time.Second}, testenv.Logger(), anonymous{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	testenv.Serve(t, cancel, func() error { return srv.Run(ctx) })
	client := healthpb.NewHealthClient(testenv.Dial(t, srv.Addr()))
	check := func() (healthpb.HealthCheckResponse_ServingStatus, []string) {
		t.Helper()
		var trailer metadata.MD
		resp, err := client.Check(context.Background(), &healthpb.HealthCheckRequest{Service: "svc"}, grpc.Trailer(&trailer))
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetStatus(), trailer.Get(headers.NotServingReason)
	}
	why := `event: rpc error: code = Unavailable desc = connection refused`
	srv.SetServingBecause("svc", false, why)
	if st, got := check(); st != healthpb.HealthCheckResponse_NOT_SERVING || len(got) != 1 || got[0] != why {
		t.Fatalf("not serving: %s with reason %q, want NOT_SERVING with %q", st, got, why)
	}
	srv.SetServingBecause("svc", true, "")
	if st, got := check(); st != healthpb.HealthCheckResponse_SERVING || len(got) != 0 {
		t.Fatalf("serving: %s with reason %q, want SERVING and no reason", st, got)
	}
}
