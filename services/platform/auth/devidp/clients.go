package devidp

import (
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Client is an OAuth2 client registered at the development provider. Exactly one way of
// authenticating applies: a public client signs users in with authorization code + PKCE
// (RedirectURIs); a confidential one uses client credentials with Secret or, SMART Backend
// Services style, with a client assertion signed by the key whose public half is PublicKey.
type Client struct {
	ID           string
	RedirectURIs []string
	Secret       string
	PublicKey    *jose.JSONWebKey
	// Subject, Organization and Roles are what a client credentials token says about the client.
	Subject      string
	Organization string
	Roles        []string
	// Scopes are the scopes a client credentials token may grant, e.g. SMART "system/Task.rs":
	// the token carries those asked for that are among them, or all of them when none is asked
	// for.
	Scopes []string
}

// grant returns the scopes of c a client credentials request asking for requested gets.
func (c Client) grant(requested []string) []string {
	if len(requested) == 0 {
		return append([]string(nil), c.Scopes...)
	}
	var out []string
	for _, r := range requested {
		if slices.Contains(c.Scopes, r) && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// opClient adapts a Client to op.Client.
type opClient struct {
	c        Client
	lifetime time.Duration
}

var _ op.Client = opClient{}

func (c opClient) GetID() string                    { return c.c.ID }
func (c opClient) RedirectURIs() []string           { return c.c.RedirectURIs }
func (c opClient) PostLogoutRedirectURIs() []string { return nil }
func (c opClient) ApplicationType() op.ApplicationType {
	if c.public() {
		return op.ApplicationTypeNative
	}
	return op.ApplicationTypeWeb
}
func (c opClient) public() bool { return c.c.Secret == "" && c.c.PublicKey == nil }
func (c opClient) AuthMethod() oidc.AuthMethod {
	switch {
	case c.c.PublicKey != nil:
		return oidc.AuthMethodPrivateKeyJWT
	case c.c.Secret != "":
		return oidc.AuthMethodBasic
	}
	return oidc.AuthMethodNone
}
func (c opClient) ResponseTypes() []oidc.ResponseType {
	if c.public() {
		return []oidc.ResponseType{oidc.ResponseTypeCode}
	}
	return nil
}
func (c opClient) GrantTypes() []oidc.GrantType {
	if c.public() {
		return []oidc.GrantType{oidc.GrantTypeCode}
	}
	return []oidc.GrantType{oidc.GrantTypeClientCredentials}
}
func (c opClient) LoginURL(id string) string           { return loginPath + "?authRequestID=" + id }
func (c opClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }
func (c opClient) IDTokenLifetime() time.Duration      { return c.lifetime }

// DevMode allows http redirect URIs on loopback, which is what a laptop has.
func (c opClient) DevMode() bool { return true }
func (c opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c opClient) IsScopeAllowed(string) bool           { return false }
func (c opClient) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c opClient) ClockSkew() time.Duration             { return 0 }

// User is a person who can sign in at the development provider.
type User struct {
	// Subject is the user's resource name, e.g. "practitioners/<id>", the sub of their tokens.
	Subject      string
	Name         string
	Title        string
	Organization string
	Roles        []string
}
