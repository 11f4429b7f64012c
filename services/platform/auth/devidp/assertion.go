package devidp

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// SMART Backend Services limits on a client assertion.
const (
	maxAssertionLifetime = 5 * time.Minute
	assertionTypeJWT     = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
)

type assertedKey struct{}

// assertedClient is the client whose assertion was verified for this request, if any.
func assertedClient(ctx context.Context) string {
	id, _ := ctx.Value(assertedKey{}).(string)
	return id
}

// jtiCache remembers the jti of every accepted assertion until it expires, so none is used twice.
type jtiCache struct {
	mu   sync.Mutex
	seen map[string]time.Time // "<client>\x00<jti>" -> expiry
}

// claim records jti for client until exp; it reports false when it was already recorded.
func (c *jtiCache) claim(client, jti string, exp, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.seen {
		if now.After(e) {
			delete(c.seen, k)
		}
	}
	k := client + "\x00" + jti
	if _, ok := c.seen[k]; ok {
		return false
	}
	c.seen[k] = exp
	return true
}

// clientAssertions authenticates client credentials requests that carry a client assertion
// (private_key_jwt) before the provider sees them: the library's verifier checks signature
// against the client's registered key, audience (the token endpoint), expiry and iss = sub; this
// adds the SMART Backend Services rules, a lifetime of at most five minutes and a jti used once.
// The request then goes on with the assertion replaced by the verified client id.
func (p *Provider) clientAssertions(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != tokenPath || r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			writeOAuthError(w, oidc.ErrInvalidRequest().WithDescription("malformed form"))
			return
		}
		assertion := r.PostForm.Get("client_assertion")
		if assertion == "" && r.PostForm.Get("client_assertion_type") == "" {
			next.ServeHTTP(w, r)
			return
		}
		if r.PostForm.Get("grant_type") != string(oidc.GrantTypeClientCredentials) ||
			r.PostForm.Get("client_assertion_type") != assertionTypeJWT || assertion == "" {
			writeOAuthError(w, oidc.ErrInvalidClient().WithDescription("client assertions are accepted for client_credentials with type "+assertionTypeJWT))
			return
		}
		ctx := op.ContextWithIssuer(r.Context(), p.issuer)
		verifier := op.NewJWTProfileVerifier(p.storage, p.issuer+tokenPath, maxAssertionLifetime, time.Second)
		req, err := op.VerifyJWTAssertion(ctx, assertion, verifier)
		if err != nil {
			writeOAuthError(w, oidc.ErrInvalidClient().WithDescription("client assertion not accepted"))
			return
		}
		iat, exp := req.IssuedAt.AsTime(), req.ExpiresAt.AsTime()
		switch {
		case req.IssuedAt == 0 || exp.Sub(iat) > maxAssertionLifetime:
			writeOAuthError(w, oidc.ErrInvalidClient().WithDescription("client assertion must have iat and live at most 5 minutes"))
			return
		case req.JWTID == "":
			writeOAuthError(w, oidc.ErrInvalidClient().WithDescription("client assertion has no jti"))
			return
		case r.PostForm.Get("client_id") != "" && r.PostForm.Get("client_id") != req.Issuer:
			writeOAuthError(w, oidc.ErrInvalidClient().WithDescription("client_id does not match the client assertion"))
			return
		case !p.jtis.claim(req.Issuer, req.JWTID, exp, time.Now()):
			writeOAuthError(w, oidc.ErrInvalidClient().WithDescription("client assertion jti already used"))
			return
		}
		for _, f := range []*map[string][]string{(*map[string][]string)(&r.PostForm), (*map[string][]string)(&r.Form)} {
			delete(*f, "client_assertion")
			delete(*f, "client_assertion_type")
			(*f)["client_id"] = []string{req.Issuer}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), assertedKey{}, req.Issuer)))
	})
}

func writeOAuthError(w http.ResponseWriter, err *oidc.Error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnauthorized)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": string(err.ErrorType), "error_description": err.Description})
}
