package grpcclient_test

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/socialrx/socialrx/services/platform/grpcclient"
)

const service = "socialrx.test.v1.TestService"

// replica is a server whose health for service the test sets, and which answers a health check
// for its own name, so a call shows which replica served it.
type replica struct {
	addr   string
	health *health.Server
}

func startReplica(t *testing.T, name string) *replica {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	hs.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return &replica{addr: lis.Addr().String(), health: hs}
}

func (r *replica) serving(ok bool) {
	st := healthpb.HealthCheckResponse_NOT_SERVING
	if ok {
		st = healthpb.HealthCheckResponse_SERVING
	}
	r.health.SetServingStatus(service, st)
}

// Calls go only to replicas whose health is SERVING, and follow a change of health.
func TestCallsGoOnlyToServingReplicas(t *testing.T) {
	a, b := startReplica(t, "a"), startReplica(t, "b")
	a.serving(false)
	b.serving(true)
	conn, err := grpcclient.Dial(a.addr+","+b.addr, service, grpcclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := healthpb.NewHealthClient(conn)

	// onlyTo waits until 20 calls in a row reach replica name, failing after a few seconds.
	onlyTo := func(name string) {
		t.Helper()
		inARow := 0
		for deadline := time.Now().Add(5 * time.Second); inARow < 20; {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: name})
			cancel()
			if err != nil {
				inARow = 0
			} else {
				inARow++
			}
			if time.Now().After(deadline) {
				t.Fatalf("calls did not all go to replica %s (last error: %v)", name, err)
			}
		}
	}
	onlyTo("b")
	a.serving(true)
	b.serving(false)
	onlyTo("a")
}

// A call without a deadline of its own gets one.
func TestEveryUnaryCallHasADeadline(t *testing.T) {
	var got time.Duration
	observe := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if d, ok := ctx.Deadline(); ok {
			got = time.Until(d)
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	r := startReplica(t, "a")
	r.serving(true)
	conn, err := grpcclient.Dial(r.addr, service, grpcclient.Options{CallTimeout: 3 * time.Second,
		Unary: []grpc.UnaryClientInterceptor{observe}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{Service: "a"}); err != nil {
		t.Fatal(err)
	}
	if got <= 0 || got > 3*time.Second {
		t.Fatalf("deadline of a call without one: %s from now, want at most 3s", got)
	}
}
