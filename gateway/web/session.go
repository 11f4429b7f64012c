package web

import (
	"context"
	"net/http"

	"google.golang.org/grpc/metadata"
)

// Session is the person using the web app. The public's session has an empty Token; a signed-in
// person's carries the bearer token the services verify.
type Session interface {
	// Token is the OAuth 2.0 bearer access token of the signed-in person, or "".
	Token() string
}

// Sessions finds the session of a request. Sign-in provides an implementation that reads its
// session cookie; without one everyone is the public.
type Sessions interface {
	Session(r *http.Request) Session
}

type publicSession struct{}

func (publicSession) Token() string { return "" }

type publicSessions struct{}

func (publicSessions) Session(*http.Request) Session { return publicSession{} }

// callContext is the context of every gRPC call made for r: it carries the signed-in person's
// bearer token as `authorization` metadata, and nothing for the public.
func (h *Handler) callContext(r *http.Request) context.Context {
	ctx := r.Context()
	if tok := h.sessions.Session(r).Token(); tok != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
	}
	return ctx
}
