// Package gatewaytest starts the real REST gateway in front of services started by a test.
package gatewaytest

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// Start serves the gateway for cfg's backends on a loopback port until the test ends and
// returns its base URL ("http://127.0.0.1:port"). Rate limiting is off unless cfg sets a rate.
func Start(tb testing.TB, cfg gateway.Config) string {
	tb.Helper()
	return StartLogged(tb, cfg, testenv.Logger())
}

// StartLogged is Start logging to logger, for tests that inspect what the gateway logs.
func StartLogged(tb testing.TB, cfg gateway.Config, logger *slog.Logger) string {
	tb.Helper()
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 5 * time.Second
	}
	if cfg.RateLimit == 0 {
		// Tests and benchmarks send from one address faster than any person would; the limit
		// is tested on its own, with a rate the test sets.
		cfg.RateLimit = -1
	}
	ctx, cancel := context.WithCancel(context.Background())
	gw, err := gateway.New(ctx, cfg, logger)
	if err != nil {
		cancel()
		tb.Fatalf("start gateway: %v", err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		tb.Fatalf("listen: %v", err)
	}
	testenv.Serve(tb, cancel, func() error { return gw.Serve(ctx, lis) })
	return "http://" + lis.Addr().String()
}
