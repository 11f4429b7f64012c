package web

import (
	"context"
	"net/http"
	"slices"

	"google.golang.org/grpc/metadata"
)

// Session is the person using the web app. The public's session has an empty Token and a zero
// Person; a signed-in person's carries the bearer token the services verify.
type Session interface {
	// Token is the OAuth 2.0 bearer access token of the signed-in person, or "".
	Token() string
	// Person is who is signed in, for the pages to choose what to offer; the services decide
	// what the person may do from the token.
	Person() Person
}

// Person is a signed-in person as the pages see them.
type Person struct {
	// Subject is the caller's resource name, e.g. "practitioners/nimmi-fernando".
	Subject string
	// Name is what the page calls them.
	Name string
	// Organization is their organisation, `organizations/{organization}`.
	Organization string
	// Roles are the auth roles ("event_host", "moderator", ...).
	Roles []string
}

// SignedIn reports whether p is a signed-in person rather than the public.
func (p Person) SignedIn() bool { return p.Subject != "" }

// Has reports whether p holds role.
func (p Person) Has(role string) bool { return slices.Contains(p.Roles, role) }

// Sessions finds the session of a request. Sign-in provides an implementation that reads its
// session cookie; without one everyone is the public.
type Sessions interface {
	Session(r *http.Request) Session
}

type publicSession struct{}

func (publicSession) Token() string  { return "" }
func (publicSession) Person() Person { return Person{} }

type publicSessions struct{}

func (publicSessions) Session(*http.Request) Session { return publicSession{} }

// callContext is the context of every gRPC call made for r: it carries the signed-in person's
// bearer token as `authorization` metadata, and nothing for the public.
func (h *Handler) callContext(r *http.Request) context.Context {
	ctx := r.Context()
	s := h.sessions.Session(r)
	if tok := s.Token(); tok != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
	}
	return ctx
}

// person is who is signed in for r.
func (h *Handler) person(r *http.Request) Person { return h.sessions.Session(r).Person() }
