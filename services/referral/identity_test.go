package referral_test

import (
	"context"
	"net/http"
	"strings"

	"google.golang.org/grpc/metadata"

	"github.com/socialrx/socialrx/services/platform/auth"
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

// identityHeaders is how an identity travels, in gRPC metadata and HTTP headers alike. It is
// the one place to change when calls carry tokens instead.
func identityHeaders(id auth.Identity) map[string]string {
	if id.IsAnonymous() {
		return nil
	}
	return map[string]string{auth.HeaderSubject: id.Subject, auth.HeaderOrganization: id.Organization,
		auth.HeaderRoles: strings.Join(id.Roles, ",")}
}

// as returns ctx acting as id, replacing any identity ctx had; auth.Anonymous for the public.
func as(ctx context.Context, id auth.Identity) context.Context {
	md, _ := metadata.FromOutgoingContext(ctx)
	md = md.Copy()
	for _, k := range []string{auth.HeaderSubject, auth.HeaderOrganization, auth.HeaderRoles} {
		md.Delete(k)
	}
	for k, v := range identityHeaders(id) {
		md.Set(k, v)
	}
	return metadata.NewOutgoingContext(ctx, md)
}

// asHTTP makes req a request of id.
func asHTTP(req *http.Request, id auth.Identity) *http.Request {
	for k, v := range identityHeaders(id) {
		req.Header.Set(k, v)
	}
	return req
}

// lw acts as the link worker of the receiving organisation.
func lw(ctx context.Context) context.Context { return as(ctx, linkWorkerID) }

// host acts as the host of the world's event.
func host(ctx context.Context) context.Context { return as(ctx, hostID) }
