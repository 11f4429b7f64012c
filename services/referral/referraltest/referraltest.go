// Package referraltest starts a real referral service for tests.
package referraltest

import (
	"context"
	"testing"
	"time"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral"
)

// Instance is a running referral service.
type Instance struct {
	Addr    string
	Client  referralv1.ReferralServiceClient
	Service *referral.Service
	stop    func()
}

// Start runs a referral service over database dbName, calling the directory and event services
// at the given addresses, with clock now (time.Now when nil). Instances on one dbName are replicas.
// The reconciler settles bookings left for ReconcileGrace every ReconcileInterval.
func Start(tb testing.TB, dbName, directoryAddr, eventAddr string, now func() time.Time) *Instance {
	tb.Helper()
	return StartConfig(tb, dbName, directoryAddr, eventAddr, func(c *referral.Config) { c.Now = now })
}

// Test settings of the reconciler.
const (
	ReconcileInterval = 200 * time.Millisecond
	ReconcileGrace    = time.Second
)

// StartConfig is Start with the test configuration changed by set.
func StartConfig(tb testing.TB, dbName, directoryAddr, eventAddr string, set func(*referral.Config)) *Instance {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := referral.Config{
		GRPCAddr: "127.0.0.1:0", MongoURI: testenv.MongoURI(tb), Database: dbName,
		DirectoryAddr: directoryAddr, EventAddr: eventAddr, ShutdownTimeout: 5 * time.Second,
		SyncInterval: time.Second, ConsumerPoll: 50 * time.Millisecond,
		ReconcileInterval: ReconcileInterval, ReconcileGrace: ReconcileGrace,
	}
	set(&cfg)
	svc, err := referral.Start(ctx, cfg, testenv.Logger())
	if err != nil {
		cancel()
		tb.Fatalf("start referral service: %v", err)
	}
	in := &Instance{Addr: svc.Addr(), Service: svc}
	in.stop = testenv.Serve(tb, cancel, func() error { return svc.Run(ctx) })
	in.Client = referralv1.NewReferralServiceClient(testenv.Dial(tb, in.Addr))
	return in
}

// Stop stops the instance and waits for it; stopping twice is harmless.
func (in *Instance) Stop() { in.stop() }
