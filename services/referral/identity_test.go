package referral_test

import (
	"context"

	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// The callers of the tests.
var (
	clinicianID   = referraltest.ClinicianID
	linkWorkerID  = referraltest.LinkWorkerID
	linkWorker2ID = referraltest.LinkWorker2ID
	hostID        = referraltest.HostID
	moderatorID   = auth.Identity{Subject: "practitioners/mod", Roles: []string{auth.RoleModerator}}
	adminID       = auth.Identity{Subject: "practitioners/admin", Roles: []string{auth.RoleDirectoryAdmin}}
	privacyID     = auth.Identity{Subject: "practitioners/privacy", Organization: clinic, Roles: []string{auth.RolePrivacyOfficer}}
)

// as returns ctx acting as id with a token of the test issuer, replacing any identity ctx had;
// auth.Anonymous for the public. It is the one place the tests say how an identity travels.
func as(ctx context.Context, id auth.Identity) context.Context { return testenv.WithIdentity(ctx, id) }

// lw acts as the link worker of the receiving organisation.
func lw(ctx context.Context) context.Context { return as(ctx, linkWorkerID) }

// host acts as the host of the world's event.
func host(ctx context.Context) context.Context { return as(ctx, hostID) }
