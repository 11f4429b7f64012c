package referral_test

import (
	"context"
	"net/http"

	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// The callers of the tests.
var (
	clinicianID   = auth.Identity{Subject: clinician, Organization: clinic, Roles: []string{auth.RoleClinician}}
	linkWorkerID  = auth.Identity{Subject: linkWorker, Organization: chc, Roles: []string{auth.RoleLinkWorker}}
	linkWorker2ID = auth.Identity{Subject: linkWorker2, Organization: chc, Roles: []string{auth.RoleLinkWorker}}
	hostID        = auth.Identity{Subject: "practitioners/host-chc", Organization: chc, Roles: []string{auth.RoleEventHost}}
	moderatorID   = auth.Identity{Subject: "practitioners/mod", Roles: []string{auth.RoleModerator}}
	adminID       = auth.Identity{Subject: "practitioners/admin", Roles: []string{auth.RoleDirectoryAdmin}}
	privacyID     = auth.Identity{Subject: "practitioners/privacy", Organization: clinic, Roles: []string{auth.RolePrivacyOfficer}}
)

// as returns ctx acting as id with a token of the test issuer, replacing any identity ctx had;
// auth.Anonymous for the public. It is the one place the tests say how an identity travels.
func as(ctx context.Context, id auth.Identity) context.Context { return testenv.WithIdentity(ctx, id) }

// asHTTP makes req a request of id.
func asHTTP(req *http.Request, id auth.Identity) *http.Request {
	if !id.IsAnonymous() {
		req.Header.Set("Authorization", "Bearer "+testenv.Bearer(id))
	}
	return req
}

// lw acts as the link worker of the receiving organisation.
func lw(ctx context.Context) context.Context { return as(ctx, linkWorkerID) }

// host acts as the host of the world's event.
func host(ctx context.Context) context.Context { return as(ctx, hostID) }
