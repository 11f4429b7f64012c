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
	Addr   string
	Client referralv1.ReferralServiceClient
	stop   func()
}

// Start runs a referral service over database dbName, calling the directory and event services
// at the given addresses, with clock now (time.Now when nil). Instances on one dbName are replicas.
func Start(tb testing.TB, dbName, directoryAddr, eventAddr string, now func() time.Time) *Instance {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := referral.Start(ctx, referral.Config{
		GRPCAddr: "127.0.0.1:0", MongoURI: testenv.MongoURI(tb), Database: dbName,
		DirectoryAddr: directoryAddr, EventAddr: eventAddr, ShutdownTimeout: 5 * time.Second,
		SyncInterval: time.Second, ConsumerPoll: 50 * time.Millisecond, Now: now,
		Auth: testenv.OIDC(tb), ClientID: testenv.ReferralClientID, ClientSecret: testenv.TestIssuer(tb).ReferralSecret,
	}, testenv.Logger())
	if err != nil {
		cancel()
		tb.Fatalf("start referral service: %v", err)
	}
	in := &Instance{Addr: svc.Addr()}
	in.stop = testenv.Serve(tb, cancel, func() error { return svc.Run(ctx) })
	in.Client = referralv1.NewReferralServiceClient(testenv.Dial(tb, in.Addr))
	return in
}

// Stop stops the instance and waits for it; stopping twice is harmless.
func (in *Instance) Stop() { in.stop() }
