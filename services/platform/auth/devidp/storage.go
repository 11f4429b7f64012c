package devidp

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

var errNotFound = errors.New("not found")

// authRequest is one sign-in in progress, from /authorize to the code exchange.
type authRequest struct {
	id       string
	req      oidc.AuthRequest
	audience []string
	subject  string // set when the user signed in
	authTime time.Time
	code     string
}

var _ op.AuthRequest = (*authRequest)(nil)

func (a *authRequest) GetID() string                      { return a.id }
func (a *authRequest) GetACR() string                     { return "" }
func (a *authRequest) GetAMR() []string                   { return []string{"pwd"} }
func (a *authRequest) GetAudience() []string              { return a.audience }
func (a *authRequest) GetAuthTime() time.Time             { return a.authTime }
func (a *authRequest) GetClientID() string                { return a.req.ClientID }
func (a *authRequest) GetNonce() string                   { return a.req.Nonce }
func (a *authRequest) GetRedirectURI() string             { return a.req.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.req.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.req.ResponseMode }
func (a *authRequest) GetScopes() []string                { return a.req.Scopes }
func (a *authRequest) GetState() string                   { return a.req.State }
func (a *authRequest) GetSubject() string                 { return a.subject }
func (a *authRequest) Done() bool                         { return a.subject != "" }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.req.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.req.CodeChallenge, Method: a.req.CodeChallengeMethod}
}

// tokenRequest is what a client credentials or development token is issued for.
type tokenRequest struct {
	subject  string
	audience []string
	scopes   []string
	// client marks a client credentials token, whose scopes the access token carries.
	client bool
}

func (t tokenRequest) GetSubject() string    { return t.subject }
func (t tokenRequest) GetAudience() []string { return t.audience }
func (t tokenRequest) GetScopes() []string   { return t.scopes }

// storage is the provider's op.Storage, all in memory: a restart signs everybody out.
type storage struct {
	audience string
	lifetime time.Duration
	keys     *keyRing
	users    map[string]User
	clients  map[string]Client

	mu       sync.Mutex
	requests map[string]*authRequest
	codes    map[string]string // code -> request id
	// assertedClient marks a request whose client assertion was verified (see assertion.go).
}

var (
	_ op.Storage                        = (*storage)(nil)
	_ op.ClientCredentialsStorage       = (*storage)(nil)
	_ op.CanGetPrivateClaimsFromRequest = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest      = (*storage)(nil)
)

func (s *storage) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &authRequest{id: uuid.NewString(), req: *req, audience: []string{req.ClientID, s.audience}}
	s.requests[a.id] = a
	return a, nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.requests[id]; ok {
		return a, nil
	}
	return nil, errNotFound
}

func (s *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.requests[s.codes[code]]; ok {
		return a, nil
	}
	return nil, errNotFound
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok {
		return errNotFound
	}
	a.code = code
	s.codes[code] = id
	return nil
}

// DeleteAuthRequest is called once a code was exchanged, so a code works once.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.requests[id]; ok {
		delete(s.codes, a.code)
	}
	delete(s.requests, id)
	return nil
}

// signIn completes the sign-in of request id as user, a subject or its short id.
func (s *storage) signIn(id, user string) error {
	subject := userSubject(user)
	if _, ok := s.users[subject]; !ok {
		return fmt.Errorf("no demo user %q", subject)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok {
		return errNotFound
	}
	a.subject, a.authTime = subject, time.Now()
	return nil
}

func (s *storage) CreateAccessToken(context.Context, op.TokenRequest) (string, time.Time, error) {
	return uuid.NewString(), time.Now().Add(s.lifetime), nil
}

func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errors.New("refresh tokens are not issued")
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

func (s *storage) TerminateSession(context.Context, string, string) error { return nil }

func (s *storage) RevokeToken(context.Context, string, string, string) *oidc.Error {
	return oidc.ErrRequestNotSupported().WithDescription("tokens expire; they are not revoked")
}

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return s.keys.signing(), nil }

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256, jose.ES256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	var keys []op.Key
	for _, k := range s.keys.published() {
		keys = append(keys, publicKey{k})
	}
	return keys, nil
}

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	c, ok := s.clients[id]
	if !ok {
		return nil, errNotFound
	}
	return opClient{c: c, lifetime: s.lifetime}, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	c, ok := s.clients[id]
	if !ok || c.Secret == "" || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return errors.New("invalid client")
	}
	return nil
}

// ClientCredentials authenticates a client credentials request: by secret, or by the client
// assertion verified before the request reached the provider (assertion.go).
func (s *storage) ClientCredentials(ctx context.Context, id, secret string) (op.Client, error) {
	c, ok := s.clients[id]
	if !ok {
		return nil, errors.New("invalid client")
	}
	if c.PublicKey != nil {
		if assertedClient(ctx) != id {
			return nil, errors.New("client must authenticate with a client assertion")
		}
	} else if err := s.AuthorizeClientIDSecret(ctx, id, secret); err != nil {
		return nil, err
	}
	return opClient{c: c, lifetime: s.lifetime}, nil
}

func (s *storage) ClientCredentialsTokenRequest(_ context.Context, id string, scopes []string) (op.TokenRequest, error) {
	c, ok := s.clients[id]
	if !ok || c.Subject == "" {
		return nil, errors.New("invalid client")
	}
	return tokenRequest{subject: c.Subject, audience: []string{s.audience}, scopes: c.grant(scopes), client: true}, nil
}

func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

func (s *storage) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, req op.IDTokenRequest, _ []string) error {
	return s.setUserinfo(info, req.GetSubject())
}

func (s *storage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, _, subject, _ string) error {
	return s.setUserinfo(info, subject)
}

func (s *storage) setUserinfo(info *oidc.UserInfo, subject string) error {
	u, ok := s.users[subject]
	if !ok {
		return errNotFound
	}
	info.Subject = u.Subject
	info.Name = u.Name
	info.AppendClaims("socialrx_org", u.Organization)
	info.AppendClaims("socialrx_roles", u.Roles)
	return nil
}

func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errors.New("introspection is not offered: access tokens are JWTs")
}

func (s *storage) GetPrivateClaimsFromScopes(ctx context.Context, subject, _ string, _ []string) (map[string]any, error) {
	return s.claimsOf(subject)
}

func (s *storage) GetPrivateClaimsFromRequest(_ context.Context, req op.TokenRequest, _ []string) (map[string]any, error) {
	claims, err := s.claimsOf(req.GetSubject())
	if err != nil {
		return nil, err
	}
	if t, ok := req.(tokenRequest); ok && t.client && len(t.scopes) > 0 {
		claims["scope"] = strings.Join(t.scopes, " ")
	}
	return claims, nil
}

// claimsOf are the socialrx claims of a user or client: organisation and roles.
func (s *storage) claimsOf(subject string) (map[string]any, error) {
	if u, ok := s.users[subject]; ok {
		return map[string]any{"socialrx_org": u.Organization, "socialrx_roles": u.Roles}, nil
	}
	for _, c := range s.clients {
		if c.Subject == subject && c.Subject != "" {
			claims := map[string]any{"socialrx_roles": c.Roles}
			if c.Organization != "" {
				claims["socialrx_org"] = c.Organization
			}
			return claims, nil
		}
	}
	return nil, fmt.Errorf("no user or client %q", subject)
}

// GetKeyByIDAndClientID returns a private_key_jwt client's registered public key.
func (s *storage) GetKeyByIDAndClientID(_ context.Context, keyID, clientID string) (*jose.JSONWebKey, error) {
	c, ok := s.clients[clientID]
	if !ok || c.PublicKey == nil || (keyID != "" && keyID != c.PublicKey.KeyID) {
		return nil, errNotFound
	}
	return c.PublicKey, nil
}

func (s *storage) ValidateJWTProfileScopes(_ context.Context, _ string, scopes []string) ([]string, error) {
	return scopes, nil
}

func (s *storage) Health(context.Context) error { return nil }
