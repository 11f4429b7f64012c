// Package eventtest starts a real event service for tests of the event service and of the
// services and gateway that call it.
package eventtest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"google.golang.org/grpc"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// Options say how to run the instance.
type Options struct {
	// Database is required; instances on one database are replicas.
	Database string
	// Configure changes the test configuration before the start.
	Configure func(*event.Config)
	// Logger receives the service's logs; discarded below errors when nil.
	Logger *slog.Logger
	// Dial options of the test's own connection, Client (its TLS credentials, say).
	Dial []grpc.DialOption
	// Addr to listen on; a free loopback port when empty. Restart an instance on the address of
	// one that stopped so that its clients reach the new one.
	Addr string
	// DirectoryAddr is the directory service the instance calls.
	DirectoryAddr string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Instance is a running event service.
type Instance struct {
	*testenv.Running
	Client eventv1.EventServiceClient
}

// Start runs an event service until the test ends.
func Start(tb testing.TB, o Options) *Instance {
	tb.Helper()
	cfg := event.Config{Config: testenv.ServiceConfig(tb, o.Addr, o.Database), DirectoryAddr: o.DirectoryAddr, Now: o.Now}
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	r := testenv.StartService(tb, "event service", func(ctx context.Context) (*event.Service, error) {
		return event.Start(ctx, cfg, testenv.LoggerOr(o.Logger))
	}, o.Dial...)
	return &Instance{Running: r, Client: eventv1.NewEventServiceClient(r.Conn)}
}
