// Package auth carries the caller's identity from request metadata into handlers. The
// Authenticator turns the request's credentials into an Identity; Verifier is the one that checks
// OAuth2/OIDC bearer tokens. Handlers only ever read the Identity from their context.
package auth

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// Roles a caller may hold. A practitioner holds one of the first three; the others are staff
// and client roles. Services decide with these names through services/platform/policy.
const (
	// RoleClinician refers people: a family doctor or nurse practitioner.
	RoleClinician = "clinician"
	// RoleLinkWorker takes referrals on for a community health centre.
	RoleLinkWorker = "link_worker"
	// RoleEventHost runs a partner organisation's events.
	RoleEventHost = "event_host"
	// RoleModerator publishes or rejects submitted events.
	RoleModerator = "moderator"
	// RoleDirectoryAdmin manages the directory's organisations, services, locations and people.
	RoleDirectoryAdmin = "directory_admin"
	// RoleSystem is another health system, a client of its organisation's referrals.
	RoleSystem = "system"
	// RolePrivacyOfficer reads the audit trail of personal data held by their organisation.
	RolePrivacyOfficer = "privacy_officer"
	// RoleNetworkPrivacyOfficer reads the whole network's audit trail (the Alliance's privacy
	// office). Only the identity provider grants it; no API does.
	RoleNetworkPrivacyOfficer = "network_privacy_officer"
	// RoleService is a socialrx service calling another one (internal only).
	RoleService = "service"
	// RoleCentreManager manages a community health centre: its impact report, never a person's
	// referral.
	RoleCentreManager = "centre_manager"
	// RoleNetworkAnalyst is the Alliance's analyst: the impact report of every centre.
	RoleNetworkAnalyst = "network_analyst"
)

// Roles lists every role, for tests and documentation.
var Roles = []string{RoleClinician, RoleLinkWorker, RoleEventHost, RoleModerator, RoleDirectoryAdmin,
	RoleSystem, RolePrivacyOfficer, RoleNetworkPrivacyOfficer, RoleService, RoleCentreManager, RoleNetworkAnalyst}

// Identity is who is calling: a practitioner, a service account or the anonymous public.
type Identity struct {
	// Subject identifies the caller, e.g. "practitioners/abc" or "services/referral".
	Subject string
	// Organization is the caller's organisation resource name, when known.
	Organization string
	// Roles granted to the caller.
	Roles []string
	// ClientID is the OAuth2 client the caller's token was issued to, when it has one.
	ClientID string
	// Scopes are the OAuth2 scopes the token grants (its "scope" claim), e.g. the SMART
	// "system/Task.rs". They narrow what the roles allow at an API that asks for them (the FHIR
	// facade); they never widen it.
	Scopes []string
}

// Anonymous is the identity of an unauthenticated caller.
var Anonymous = Identity{Subject: "anonymous"}

// IsAnonymous reports whether nobody signed in: the public.
func (id Identity) IsAnonymous() bool { return id.Subject == "" || id.Subject == Anonymous.Subject }

// HasRole reports whether the identity holds role.
func (id Identity) HasRole(role string) bool {
	for _, r := range id.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// HasScope reports whether the identity's token grants scope.
func (id Identity) HasScope(scope string) bool {
	for _, s := range id.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

// Authenticator turns request metadata into an Identity, or returns an UNAUTHENTICATED error.
type Authenticator interface {
	Authenticate(ctx context.Context, md metadata.MD) (Identity, error)
}

type ctxKey struct{}

// NewContext returns ctx carrying id.
func NewContext(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the caller's identity, Anonymous when none was attached.
func FromContext(ctx context.Context) Identity {
	if id, ok := ctx.Value(ctxKey{}).(Identity); ok {
		return id
	}
	return Anonymous
}

// UnaryInterceptor authenticates each unary call and attaches the Identity to its context.
func UnaryInterceptor(a Authenticator) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := authenticate(ctx, a)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamInterceptor authenticates each stream and attaches the Identity to its context.
func StreamInterceptor(a Authenticator) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := authenticate(ss.Context(), a)
		if err != nil {
			return err
		}
		return handler(srv, &contextStream{ServerStream: ss, ctx: ctx})
	}
}

func authenticate(ctx context.Context, a Authenticator) (context.Context, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	id, err := a.Authenticate(ctx, md)
	if err != nil {
		return nil, err
	}
	return NewContext(ctx, id), nil
}

type contextStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *contextStream) Context() context.Context { return s.ctx }
