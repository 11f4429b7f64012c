package demodata

import (
	"context"

	"github.com/socialrx/socialrx/services/platform/auth"
)

// As returns ctx acting as id. The launcher decides how an identity travels (today identity
// headers; a token from the identity provider once calls are authenticated), so the loaders
// act as the demo people themselves and the timelines name them.
type As func(ctx context.Context, id auth.Identity) context.Context

// Moderator is the demo moderator who publishes the demo events.
const Moderator = "practitioners/demo-moderator"

func asHost(ctx context.Context, as As, org, contact string) context.Context {
	subject := contact
	if subject == "" {
		subject = "services/demo-loader"
	}
	return as(ctx, auth.Identity{Subject: subject, Organization: org, Roles: []string{auth.RoleEventHost}})
}

func asModerator(ctx context.Context, as As) context.Context {
	return as(ctx, auth.Identity{Subject: Moderator, Roles: []string{auth.RoleModerator}})
}

func asClinician(ctx context.Context, as As, practitioner, org string) context.Context {
	return as(ctx, auth.Identity{Subject: practitioner, Organization: org, Roles: []string{auth.RoleClinician}})
}

func asLinkWorker(ctx context.Context, as As, practitioner, org string) context.Context {
	return as(ctx, auth.Identity{Subject: practitioner, Organization: org, Roles: []string{auth.RoleLinkWorker}})
}
