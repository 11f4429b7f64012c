package directory_test

import (
	"context"
	"strings"

	"google.golang.org/grpc/metadata"

	"github.com/socialrx/socialrx/services/platform/auth"
)

// adminID manages the directory in the tests.
var adminID = auth.Identity{Subject: "practitioners/admin", Roles: []string{auth.RoleDirectoryAdmin}}

// as returns ctx acting as id, replacing any identity ctx had; auth.Anonymous for the public.
// It is the one place the tests say how an identity travels.
func as(ctx context.Context, id auth.Identity) context.Context {
	md, _ := metadata.FromOutgoingContext(ctx)
	md = md.Copy()
	for _, k := range []string{auth.HeaderSubject, auth.HeaderOrganization, auth.HeaderRoles} {
		md.Delete(k)
	}
	if !id.IsAnonymous() {
		md.Set(auth.HeaderSubject, id.Subject)
		md.Set(auth.HeaderOrganization, id.Organization)
		md.Set(auth.HeaderRoles, strings.Join(id.Roles, ","))
	}
	return metadata.NewOutgoingContext(ctx, md)
}
