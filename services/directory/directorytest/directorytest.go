// Package directorytest starts a real directory service for tests of the directory itself and
// of the services and gateway that call it.
package directorytest

import (
	"context"
	"log/slog"
	"testing"

	"google.golang.org/grpc"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory"
	"github.com/socialrx/socialrx/services/platform/grpctls"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// Options say how to run the instance.
type Options struct {
	// Database is required; instances on one database are replicas.
	Database string
	// Configure changes the test configuration before the start.
	Configure func(*directory.Config)
	// Logger receives the service's logs; discarded below errors when nil.
	Logger *slog.Logger
	// Dial options of the test's own connection, Client (its TLS credentials, say).
	Dial []grpc.DialOption
	// Addr to listen on; a free loopback port when empty.
	Addr string
	// TLS of the listener and ClientTLS of the service's own calls, when set: what another
	// service's tests need to run beside it over TLS without reaching into its Config.
	TLS       grpctls.Server
	ClientTLS grpctls.Client
}

// Instance is a running directory service.
type Instance struct {
	*testenv.Running
	Client directoryv1.DirectoryServiceClient
}

// Start runs a directory service until the test ends.
func Start(tb testing.TB, o Options) *Instance {
	tb.Helper()
	cfg := directory.Config{Config: testenv.ServiceConfig(tb, o.Addr, o.Database)}
	cfg.TLS, cfg.ClientTLS = o.TLS, o.ClientTLS
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	r := testenv.StartService(tb, "directory", func(ctx context.Context) (*directory.Service, error) {
		return directory.Start(ctx, cfg, testenv.LoggerOr(o.Logger))
	}, o.Dial...)
	return &Instance{Running: r, Client: directoryv1.NewDirectoryServiceClient(r.Conn)}
}
