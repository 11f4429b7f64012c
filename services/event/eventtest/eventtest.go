// Package eventtest starts a real event service for tests of the event service and of the
// services and gateway that call it, with a clock the test can move.
package eventtest

import (
	"context"
	"sync"
	"testing"
	"time"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// Clock is a settable clock shared by the instances of a test.
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

// Instance is a running event service.
type Instance struct {
	Addr   string
	Client eventv1.EventServiceClient
	stop   func()
}

// Start runs an event service on a loopback port over database dbName, calling the directory at
// directoryAddr, with clock (time.Now when nil). Instances on one dbName are replicas.
func Start(tb testing.TB, dbName, directoryAddr string, clock *Clock) *Instance {
	tb.Helper()
	return StartAt(tb, dbName, directoryAddr, "127.0.0.1:0", clock)
}

// StartAt is Start listening on addr, e.g. the address of an instance that was stopped, so that
// clients of the old instance reach the new one.
func StartAt(tb testing.TB, dbName, directoryAddr, addr string, clock *Clock) *Instance {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := event.Config{
		GRPCAddr:        addr,
		MongoURI:        testenv.MongoURI(tb),
		Database:        dbName,
		DirectoryAddr:   directoryAddr,
		ShutdownTimeout: 5 * time.Second,
		SyncInterval:    time.Second,
		Auth:            testenv.OIDC(tb),
	}
	if clock != nil {
		cfg.Now = clock.Now
	}
	svc, err := event.Start(ctx, cfg, testenv.Logger())
	if err != nil {
		cancel()
		tb.Fatalf("start event service: %v", err)
	}
	in := &Instance{Addr: svc.Addr()}
	in.stop = testenv.Serve(tb, cancel, func() error { return svc.Run(ctx) })
	in.Client = eventv1.NewEventServiceClient(testenv.Dial(tb, in.Addr))
	return in
}

// Stop stops the instance and waits for it; stopping twice is harmless.
func (in *Instance) Stop() { in.stop() }
