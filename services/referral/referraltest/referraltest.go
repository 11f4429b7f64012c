// Package referraltest starts a real referral service for tests.
package referraltest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral"
)

// Options say how to run the instance.
type Options struct {
	// Database is required; instances on one database are replicas.
	Database string
	// Logger receives the service's logs; discarded below errors when nil.
	Logger *slog.Logger
	// Addr to listen on; a free loopback port when empty.
	Addr string
	// DirectoryAddr and EventAddr are the services the instance calls.
	DirectoryAddr, EventAddr string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Configure changes the test configuration before the start (the reconciler's, say).
	Configure func(*referral.Config)
	// ClientSecret replaces the service's own client secret at the test issuer.
	ClientSecret string
}

// Instance is a running referral service.
type Instance struct {
	*testenv.Running
	Client  referralv1.ReferralServiceClient
	Service *referral.Service
}

// Test settings of the reconciler.
const (
	ReconcileInterval = 200 * time.Millisecond
	ReconcileGrace    = time.Second
)

// Start runs a referral service until the test ends; it follows the event feed every 50 ms.
func Start(tb testing.TB, o Options) *Instance {
	tb.Helper()
	cfg := referral.Config{Config: testenv.ServiceConfig(tb, o.Addr, o.Database),
		DirectoryAddr: o.DirectoryAddr, EventAddr: o.EventAddr, ConsumerPoll: 50 * time.Millisecond, Now: o.Now,
		ClientID: testenv.ReferralClientID, ClientSecret: testenv.TestIssuer(tb).ReferralSecret,
		ReconcileInterval: ReconcileInterval, ReconcileGrace: ReconcileGrace}
	if o.ClientSecret != "" {
		cfg.ClientSecret = o.ClientSecret
	}
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	var svc *referral.Service
	r := testenv.StartService(tb, "referral service", func(ctx context.Context) (*referral.Service, error) {
		var err error
		svc, err = referral.Start(ctx, cfg, testenv.LoggerOr(o.Logger))
		return svc, err
	})
	return &Instance{Running: r, Client: referralv1.NewReferralServiceClient(r.Conn), Service: svc}
}

// Configure is a change to the test configuration (Options.Configure).
type Configure = func(*referral.Config)

// LoopbackWebhooks lets webhooks deliver to plain http receivers on loopback, as a test's are,
// and polls and retries in milliseconds.
func LoopbackWebhooks(c *referral.Config) {
	c.Webhooks.Guard.AllowInsecureLoopback = true
	c.Webhooks.Poll = 20 * time.Millisecond
	c.Webhooks.RetryBase = 20 * time.Millisecond
	c.Webhooks.RetryMax = 200 * time.Millisecond
}
