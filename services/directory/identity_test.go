package directory_test

import (
	"context"

	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// adminID manages the directory in the tests.
var adminID = auth.Identity{Subject: "practitioners/admin", Roles: []string{auth.RoleDirectoryAdmin}}

// as returns ctx acting as id with a token of the test issuer, replacing any identity ctx had;
// auth.Anonymous for the public. It is the one place the tests say how an identity travels.
func as(ctx context.Context, id auth.Identity) context.Context { return testenv.WithIdentity(ctx, id) }
