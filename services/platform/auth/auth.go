// Package auth carries the caller's identity from request metadata into handlers. The
// Authenticator is the seam where a real identity provider (OIDC/JWT, mTLS) plugs in; handlers
// only ever read the Identity from their context.
package auth

import (
	"context"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/socialrx/socialrx/services/platform/apierror"
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
	// RolePrivacyOfficer reads the audit trail of personal data.
	RolePrivacyOfficer = "privacy_officer"
	// RoleService is a socialrx service calling another one (internal only).
	RoleService = "service"
)

// Roles lists every role, for tests and documentation.
var Roles = []string{RoleClinician, RoleLinkWorker, RoleEventHost, RoleModerator, RoleDirectoryAdmin,
	RoleSystem, RolePrivacyOfficer, RoleService}

// Identity is who is calling: a practitioner, a service account or the anonymous public.
type Identity struct {
	// Subject identifies the caller, e.g. "practitioners/abc" or "services/referral".
	Subject string
	// Organization is the caller's organisation resource name, when known.
	Organization string
	// Roles granted to the caller.
	Roles []string
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

// Metadata keys of the development authenticator.
const (
	HeaderSubject      = "x-socialrx-subject"
	HeaderOrganization = "x-socialrx-organization"
	HeaderRoles        = "x-socialrx-roles"
)

// Header trusts identity headers set by a trusted front end (the gateway, or a test). It is the
// embedded default for local use; production deployments put a verifying Authenticator here.
type Header struct{}

// Authenticate reads the x-socialrx-* headers; with none it returns Anonymous.
func (Header) Authenticate(_ context.Context, md metadata.MD) (Identity, error) {
	subject := first(md, HeaderSubject)
	if subject == "" {
		return Anonymous, nil
	}
	if len(subject) > 200 {
		return Identity{}, apierror.New(codes.Unauthenticated, apierror.ReasonUnauthenticated,
			"subject header too long", nil)
	}
	id := Identity{Subject: subject, Organization: first(md, HeaderOrganization)}
	for _, r := range strings.Split(first(md, HeaderRoles), ",") {
		if r = strings.TrimSpace(r); r != "" {
			id.Roles = append(id.Roles, r)
		}
	}
	return id, nil
}

func first(md metadata.MD, key string) string {
	if v := md.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
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
