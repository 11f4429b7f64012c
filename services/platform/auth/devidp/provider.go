// Package devidp is a DEVELOPMENT ONLY OpenID provider for `make run` and the tests: discovery, JWKS,
// authorization code + PKCE with a sign-in page that lists the demo users (no passwords), client
// credentials for the services (client secret) and for system clients (private_key_jwt, SMART
// Backend Services style), key rotation, and a development token endpoint for curl. It is built on
// zitadel/oidc's provider package with an in-memory op.Storage; everything is lost on restart.
//
// Anyone who reaches it can get a token for anyone: it must never run in front of real data.
// The all-in-one launcher starts it only with the embedded database and no OIDC_ISSUER set.
package devidp

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/socialrx/socialrx/services/platform/auth"
)

const (
	tokenPath     = "/oauth/token"
	loginPath     = "/login"
	devTokenPath  = "/dev/token"
	devAssertPath = "/dev/client-assertion"
	// DevClientID is the client the development tokens are issued to.
	DevClientID = "socialrx-dev"
)

// Config configures the development provider.
type Config struct {
	// Issuer is the base URL the provider is reached at, e.g. "http://127.0.0.1:8081".
	Issuer string
	// Audience is in every access token's aud; auth.DefaultAudience when empty.
	Audience string
	// Users who can sign in.
	Users []User
	// Clients registered besides DevClientID.
	Clients []Client
	// AssertionKeys hold private keys of private_key_jwt clients, by client id, for the
	// development assertion endpoint only: a real system client never hands its key over.
	AssertionKeys map[string]crypto.Signer
	// TokenLifetime of access tokens; one hour when zero.
	TokenLifetime time.Duration
	// RedirectURIs of DevClientID, for the authorization code flow.
	RedirectURIs []string
	// Logger gets the provider's own messages; the library logs to slog's default logger.
	Logger *slog.Logger
}

// Provider is a running development provider; serve Handler at Issuer.
type Provider struct {
	issuer   string
	audience string
	op       *op.Provider
	storage  *storage
	users    []User
	assert   map[string]crypto.Signer
	jtis     *jtiCache
	handler  http.Handler
	logger   *slog.Logger
}

// New builds the provider with a fresh RS256 signing key.
func New(cfg Config) (*Provider, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("development identity provider: issuer URL required")
	}
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	if cfg.Audience == "" {
		cfg.Audience = auth.DefaultAudience
	}
	if cfg.TokenLifetime == 0 {
		cfg.TokenLifetime = time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	key, err := newSigningKey(jose.RS256)
	if err != nil {
		return nil, err
	}
	ring := &keyRing{}
	ring.rotate(key)
	st := &storage{audience: cfg.Audience, lifetime: cfg.TokenLifetime, keys: ring,
		users: map[string]User{}, clients: map[string]Client{},
		requests: map[string]*authRequest{}, codes: map[string]string{}}
	for _, u := range cfg.Users {
		st.users[u.Subject] = u
	}
	st.clients[DevClientID] = Client{ID: DevClientID, RedirectURIs: cfg.RedirectURIs}
	for _, c := range cfg.Clients {
		if _, dup := st.clients[c.ID]; dup {
			return nil, fmt.Errorf("development identity provider: client %q registered twice", c.ID)
		}
		st.clients[c.ID] = c
	}
	var cryptoKey [32]byte
	if _, err := rand.Read(cryptoKey[:]); err != nil {
		return nil, err
	}
	provider, err := op.NewProvider(&op.Config{
		CryptoKey:               cryptoKey,
		CodeMethodS256:          true,
		AuthMethodPost:          true,
		AuthMethodPrivateKeyJWT: true,
	}, st, op.StaticIssuer(cfg.Issuer), op.WithAllowInsecure())
	if err != nil {
		return nil, fmt.Errorf("development identity provider: %w", err)
	}
	p := &Provider{issuer: cfg.Issuer, audience: cfg.Audience, op: provider, storage: st, users: cfg.Users,
		assert: cfg.AssertionKeys, jtis: &jtiCache{seen: map[string]time.Time{}}, logger: cfg.Logger}
	mux := http.NewServeMux()
	mux.Handle("/", p.clientAssertions(provider))
	mux.HandleFunc("GET "+loginPath, p.loginPage)
	mux.HandleFunc("POST "+loginPath, p.signIn)
	mux.HandleFunc("GET /{$}", p.homePage)
	mux.HandleFunc("POST "+devTokenPath, p.devToken)
	mux.HandleFunc("POST "+devAssertPath, p.devAssertion)
	p.handler = mux
	cfg.Logger.Warn("DEVELOPMENT ONLY identity provider: anyone who reaches it can get a token for any demo user",
		"issuer", cfg.Issuer)
	return p, nil
}

// Handler serves the provider's endpoints.
func (p *Provider) Handler() http.Handler { return p.handler }

// Issuer is the provider's issuer URL.
func (p *Provider) Issuer() string { return p.issuer }

// Users are the people who can sign in.
func (p *Provider) Users() []User { return append([]User(nil), p.users...) }

// Token issues an access token for the user with subject (or its id without "practitioners/"),
// as if they had signed in at DevClientID.
func (p *Provider) Token(ctx context.Context, subject string) (string, error) {
	subject = userSubject(subject)
	if _, ok := p.storage.users[subject]; !ok {
		return "", fmt.Errorf("no demo user %q", subject)
	}
	client := opClient{c: p.storage.clients[DevClientID], lifetime: p.storage.lifetime}
	req := tokenRequest{subject: subject, audience: []string{p.audience, DevClientID}}
	tok, _, _, err := op.CreateAccessToken(op.ContextWithIssuer(ctx, p.issuer), req, op.AccessTokenTypeJWT, p.op, client, "")
	if err != nil {
		return "", fmt.Errorf("issue token for %s: %w", subject, err)
	}
	return tok, nil
}

// userSubject is the subject of a demo user named by subject or by its short id, the one the
// launcher prints ("tomasz-kowalczyk" for "practitioners/tomasz-kowalczyk").
func userSubject(user string) string {
	if user != "" && !strings.Contains(user, "/") {
		return auth.PrefixPractitioner + user
	}
	return user
}

// TokenFor issues an access token for any identity, as the provider would for a user who signed
// in at DevClientID: the all-in-one's demo loaders act as the demo people with it.
func (p *Provider) TokenFor(id auth.Identity, lifetime time.Duration) (string, error) {
	now := time.Now()
	claims := map[string]any{"iss": p.issuer, "aud": []string{p.audience, DevClientID}, "sub": id.Subject,
		"client_id": DevClientID, "iat": now.Unix(), "exp": now.Add(lifetime).Unix()}
	if id.Organization != "" {
		claims[auth.DefaultOrgClaim] = id.Organization
	}
	if len(id.Roles) > 0 {
		claims[auth.DefaultRolesClaim] = id.Roles
	}
	if len(id.Scopes) > 0 {
		claims["scope"] = strings.Join(id.Scopes, " ")
	}
	return p.Sign(claims)
}

// RotateKey makes a new key of alg the signing key; the previous one stays in the JWKS until
// RetireOldKeys. It returns the new key id.
func (p *Provider) RotateKey(alg jose.SignatureAlgorithm) (string, error) {
	key, err := newSigningKey(alg)
	if err != nil {
		return "", err
	}
	p.storage.keys.rotate(key)
	p.logger.Info("development identity provider rotated its signing key", "kid", key.id, "alg", alg)
	return key.id, nil
}

// RetireOldKeys drops every key but the signing key from the JWKS.
func (p *Provider) RetireOldKeys() { p.storage.keys.dropOlder() }

// KeyID is the id of the current signing key.
func (p *Provider) KeyID() string { return p.storage.keys.signing().id }

// Sign signs any claims with the current signing key, for tests that need tokens the provider
// would never issue (expired, for another audience).
func (p *Provider) Sign(claims map[string]any) (string, error) {
	signer, err := op.SignerFromKey(p.storage.keys.signing())
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// ClientAssertion signs a client assertion for a private_key_jwt client with the key in
// Config.AssertionKeys, valid for lifetime.
func (p *Provider) ClientAssertion(clientID string, lifetime time.Duration) (string, error) {
	key, ok := p.assert[clientID]
	c, registered := p.storage.clients[clientID]
	if !ok || !registered || c.PublicKey == nil {
		return "", fmt.Errorf("no development assertion key for client %q", clientID)
	}
	return SignAssertion(key, c.PublicKey.KeyID, clientID, p.TokenURL(), lifetime)
}

// TokenURL is the token endpoint, the audience of client assertions.
func (p *Provider) TokenURL() string { return p.issuer + tokenPath }

// SignAssertion signs a private_key_jwt client assertion (RFC 7523) for clientID at tokenURL,
// with a fresh jti, valid for lifetime from now. System clients do this with their own key.
func SignAssertion(key crypto.Signer, keyID, clientID, tokenURL string, lifetime time.Duration) (string, error) {
	alg := jose.ES256
	if _, ok := key.Public().(*rsa.PublicKey); ok {
		alg = jose.RS256
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: keyID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	now := time.Now()
	payload, err := json.Marshal(map[string]any{"iss": clientID, "sub": clientID, "aud": tokenURL,
		"jti": uuid.NewString(), "iat": now.Unix(), "exp": now.Add(lifetime).Unix()})
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}
