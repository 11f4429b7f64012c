package gateway_test

import (
	"context"
	"testing"

	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// The callers of the impact scenario.
var (
	clinicianID  = referraltest.ClinicianID
	linkWorkerID = referraltest.LinkWorkerID
)

const chc = referraltest.CHC

// as returns ctx acting as id with a token of the test issuer.
func as(ctx context.Context, id auth.Identity) context.Context { return testenv.WithIdentity(ctx, id) }

// host acts as the receiving centre's event host.
func host(ctx context.Context) context.Context { return as(ctx, referraltest.HostID) }

func mustDo(t testing.TB, f func() error) {
	t.Helper()
	if err := f(); err != nil {
		t.Fatal(err)
	}
}
