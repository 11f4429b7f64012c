package testenv

import (
	"context"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/socialrx/socialrx/services/platform/service"
)

// Clock is a settable clock that the instances of a test share.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// ServiceConfig is the shared configuration of a service under test: listening on addr (a free
// loopback port when empty), on database dbName of the test database server, refreshing its
// read models every second, stopping within five seconds and accepting the test issuer's tokens.
func ServiceConfig(tb testing.TB, addr, dbName string) service.Config {
	tb.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if dbName == "" {
		tb.Fatal("a service under test needs a database name (testenv.DatabaseName)")
	}
	return service.Config{GRPCAddr: addr, MongoURI: MongoURI(tb), Database: dbName,
		ShutdownTimeout: 5 * time.Second, SyncInterval: time.Second, Auth: OIDC(tb)}
}

// Running is a service started for a test.
type Running struct {
	Addr string
	Conn *grpc.ClientConn
	stop func()
}

// Stop stops the service and waits for it; stopping twice is harmless.
func (r *Running) Stop() { r.stop() }

// StartService starts a service with start, serves it until the test ends and connects to it
// with dial's options (its TLS credentials, say).
func StartService[S interface {
	Addr() string
	Run(context.Context) error
}](tb testing.TB, what string, start func(ctx context.Context) (S, error), dial ...grpc.DialOption) *Running {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := start(ctx)
	if err != nil {
		cancel()
		tb.Fatalf("start %s: %v", what, err)
	}
	r := &Running{Addr: svc.Addr()}
	r.stop = Serve(tb, cancel, func() error { return svc.Run(ctx) })
	r.Conn = Dial(tb, r.Addr, dial...)
	return r
}
