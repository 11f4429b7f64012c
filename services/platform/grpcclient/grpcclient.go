// Package grpcclient dials another socialrx service the one way every caller should: balanced
// round robin over all its replicas, skipping any whose gRPC health is not SERVING (a draining or
// cut-off replica), retrying UNAVAILABLE on another replica, with a deadline on every unary call,
// traced and measured.
package grpcclient

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	_ "google.golang.org/grpc/health" // client-side health checking, named in the service config
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"

	"github.com/socialrx/socialrx/services/platform/grpctls"
	"github.com/socialrx/socialrx/services/platform/metrics"
	"github.com/socialrx/socialrx/services/platform/tracing"
)

// DefaultCallTimeout bounds a unary call whose context has no deadline of its own.
const DefaultCallTimeout = 10 * time.Second

// serviceConfig balances over every address, watches each replica's health for service and
// retries UNAVAILABLE (a replica stopping, or one that lost its database) with backoff; gRPC
// sends each attempt through the balancer, so the retry reaches another replica.
const serviceConfig = `{
  "loadBalancingConfig": [{"round_robin": {}}],%s
  "methodConfig": [{
    "name": [{}],
    "retryPolicy": {
      "maxAttempts": 4,
      "initialBackoff": "0.05s",
      "maxBackoff": "0.5s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
}`

// Options are what a caller adds.
type Options struct {
	// Metrics receives grpc_client_* metrics; none when nil.
	Metrics *metrics.Registry
	// CallTimeout replaces DefaultCallTimeout.
	CallTimeout time.Duration
	// Unary interceptors the caller adds; they see the call's deadline.
	Unary []grpc.UnaryClientInterceptor
	// Dial options the caller adds (per-call credentials, say).
	Dial []grpc.DialOption
	// TLS, when configured, makes every connection TLS, never plaintext.
	TLS grpctls.Client
	// IgnoreHealth balances over every replica whatever its health: for asking replicas that
	// do not serve why (a balanced connection never sends them a call).
	IgnoreHealth bool
}

var schemes atomic.Int64

// Dial connects to service (a fully-qualified gRPC service name, for health checks) at target:
// one host:port, several separated by commas (each a replica), or any gRPC target such as
// dns:///event.socialrx.svc:9091, whose every address is a replica. Connections are made lazily.
func Dial(target, service string, o Options) (*grpc.ClientConn, error) {
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	creds, err := o.TLS.Credentials()
	if err != nil {
		return nil, err
	}
	healthCheck := fmt.Sprintf("\n  \"healthCheckConfig\": {\"serviceName\": %q},", service)
	if o.IgnoreHealth {
		healthCheck = ""
	}
	opts := []grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithDefaultServiceConfig(fmt.Sprintf(serviceConfig, healthCheck)),
		grpc.WithStatsHandler(tracing.ClientHandler()),
		// Reconnect to a restarted replica within a second or so rather than gRPC's 2 minutes.
		grpc.WithConnectParams(grpc.ConnectParams{Backoff: backoff.Config{
			BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: time.Second,
		}, MinConnectTimeout: 2 * time.Second}),
	}
	unary := append([]grpc.UnaryClientInterceptor{deadline(o.CallTimeout)}, o.Unary...)
	var stream []grpc.StreamClientInterceptor
	if o.Metrics != nil {
		unary = append(unary, o.Metrics.GRPCClient().UnaryClientInterceptor())
		stream = append(stream, o.Metrics.GRPCClient().StreamClientInterceptor())
	}
	opts = append(opts, grpc.WithChainUnaryInterceptor(unary...), grpc.WithChainStreamInterceptor(stream...))
	opts = append(opts, o.Dial...)

	if addrs := strings.Split(target, ","); len(addrs) > 1 {
		r := manual.NewBuilderWithScheme(fmt.Sprintf("socialrx-replicas-%d", schemes.Add(1)))
		var state resolver.State
		for _, a := range addrs {
			if a = strings.TrimSpace(a); a != "" {
				// Each replica's certificate is checked against its own host, not the scheme's.
				host, _, err := net.SplitHostPort(a)
				if err != nil {
					host = a
				}
				state.Addresses = append(state.Addresses, resolver.Address{Addr: a, ServerName: host})
			}
		}
		r.InitialState(state)
		opts = append(opts, grpc.WithResolvers(r))
		target = r.Scheme() + ":///replicas"
	}
	conn, err := grpc.NewClient(target, opts...)
	if err != nil {
		return nil, err
	}
	return conn, nil
}

// deadline gives a unary call without a deadline one, so no call waits forever on a peer.
func deadline(d time.Duration) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}
