package testenv

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/auth/devidp"
)

// Clients registered at the test issuer.
const (
	// ReferralClientID is the referral service's own client (client secret).
	ReferralClientID = "socialrx-referral"
	// SystemClientID is another health system's client (private_key_jwt).
	SystemClientID = "test-health-system"
	// SystemClientOrg is the organisation SystemClientID acts for.
	SystemClientOrg = "organizations/test-health-system"
)

// SystemClientScopes are the SMART scopes SystemClientID's client credentials tokens may grant.
var SystemClientScopes = []string{
	"system/Patient.crs", "system/ServiceRequest.crs", "system/Task.crus", "system/Consent.crs", "system/Goal.crs",
	"system/Observation.rs", "system/Procedure.rs", "system/Organization.rs", "system/Location.rs", "system/HealthcareService.rs",
}

// Issuer is the test OpenID provider: the development provider on a loopback port, with real
// keys and a real JWKS, shared by the tests of a package.
type Issuer struct {
	*devidp.Provider
	// ReferralSecret is ReferralClientID's secret.
	ReferralSecret string
	// SystemKey is SystemClientID's private key.
	SystemKey *ecdsa.PrivateKey
	// SystemKeyID is the key id SystemClientID's assertions must name.
	SystemKeyID string
}

// IssuerOptions are what a package's tests add to the test issuer.
type IssuerOptions struct {
	// Users can sign in at the issuer's sign-in page.
	Users []devidp.User
	// RedirectURIs of devidp.DevClientID, for tests that sign in through a browser; a loopback URI
	// matches any port.
	RedirectURIs []string
}

// issuerOptions is set once, by MainWithIssuer, before any test runs.
var issuerOptions IssuerOptions

// MainWithIssuer is Main for a package whose tests sign people in at the test issuer, which
// offers them what o says.
func MainWithIssuer(m *testing.M, o IssuerOptions) {
	issuerOptions = o
	Main(m)
}

var (
	issuerOnce sync.Once
	issuer     *Issuer
	issuerErr  error
)

// TestIssuer starts the test issuer on first use.
func TestIssuer(tb testing.TB) *Issuer {
	tb.Helper()
	issuerOnce.Do(func() { issuer, issuerErr = startIssuer() })
	if issuerErr != nil {
		tb.Fatalf("start test issuer: %v", issuerErr)
	}
	return issuer
}

func startIssuer() (*Issuer, error) {
	srv := httptest.NewUnstartedServer(nil)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	in := &Issuer{ReferralSecret: uuid.NewString(), SystemKey: key, SystemKeyID: "test-health-system-1"}
	p, err := devidp.New(devidp.Config{
		Issuer: "http://" + srv.Listener.Addr().String(),
		Clients: []devidp.Client{
			{ID: ReferralClientID, Secret: in.ReferralSecret, Subject: auth.PrefixService + "referral",
				Roles: []string{auth.RoleService}},
			{ID: SystemClientID, PublicKey: &jose.JSONWebKey{Key: key.Public(), KeyID: in.SystemKeyID, Algorithm: string(jose.ES256), Use: "sig"},
				Subject: auth.PrefixClient + SystemClientID, Organization: SystemClientOrg, Roles: []string{auth.RoleSystem},
				Scopes: SystemClientScopes},
		},
		Users:        issuerOptions.Users,
		RedirectURIs: issuerOptions.RedirectURIs,
		Logger:       Logger(),
	})
	if err != nil {
		return nil, err
	}
	in.Provider = p
	srv.Config.Handler = p.Handler()
	srv.Start()
	return in, nil
}

// OIDC is the configuration that makes a service accept the test issuer's tokens.
func OIDC(tb testing.TB) auth.OIDC {
	return auth.OIDC{Issuer: TestIssuer(tb).Issuer(), Audience: auth.DefaultAudience, ClockSkew: 30 * time.Second}
}

// Token returns an access token of the test issuer for id, valid for ten minutes.
func Token(tb testing.TB, id auth.Identity) string {
	tb.Helper()
	tok, err := sign(TestIssuer(tb), id)
	if err != nil {
		tb.Fatalf("sign test token: %v", err)
	}
	return tok
}

func sign(in *Issuer, id auth.Identity) (string, error) {
	now := time.Now()
	claims := map[string]any{"iss": in.Issuer(), "aud": []string{auth.DefaultAudience}, "sub": id.Subject,
		"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "jti": uuid.NewString()}
	if id.Organization != "" {
		claims[auth.DefaultOrgClaim] = id.Organization
	}
	if len(id.Roles) > 0 {
		claims[auth.DefaultRolesClaim] = id.Roles
	}
	if id.ClientID != "" {
		claims["client_id"] = id.ClientID
	}
	if len(id.Scopes) > 0 {
		claims["scope"] = strings.Join(id.Scopes, " ")
	}
	return in.Sign(claims)
}

// As returns ctx whose outgoing calls carry a bearer token for id.
func As(ctx context.Context, tb testing.TB, id auth.Identity) context.Context {
	tb.Helper()
	return metadata.AppendToOutgoingContext(ctx, auth.MetadataAuthorization, "Bearer "+Token(tb, id))
}

// Credentials is a call option sending a bearer token for id.
func Credentials(tb testing.TB, id auth.Identity) grpc.CallOption {
	tb.Helper()
	return grpc.PerRPCCredsCallOption{Creds: staticToken(Token(tb, id))}
}

type staticToken string

func (t staticToken) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{auth.MetadataAuthorization: "Bearer " + string(t)}, nil
}

func (staticToken) RequireTransportSecurity() bool { return false }

// Bearer is an access token of the test issuer for id, for helpers that have no testing.TB at
// hand; it panics if the issuer cannot start, which fails the test that called it.
func Bearer(id auth.Identity) string {
	issuerOnce.Do(func() { issuer, issuerErr = startIssuer() })
	if issuerErr != nil {
		panic("start test issuer: " + issuerErr.Error())
	}
	if reuse.Load() {
		k := fmt.Sprintf("%#v", id)
		if c, ok := reused.Load(k); ok && time.Since(c.(reusedToken).at) < 5*time.Minute {
			return c.(reusedToken).token
		}
		tok, err := sign(issuer, id)
		if err != nil {
			panic("sign test token: " + err.Error())
		}
		reused.Store(k, reusedToken{token: tok, at: time.Now()})
		return tok
	}
	tok, err := sign(issuer, id)
	if err != nil {
		panic("sign test token: " + err.Error())
	}
	return tok
}

// ReuseTokens makes Bearer (and so the HTTP helpers) give each identity the same token for five
// minutes of its ten, as a real client keeps its access token until it nears expiry: so that a
// benchmark whose clients run in the process it measures does not count a signature per request.
func ReuseTokens() { reuse.Store(true) }

var (
	reuse  atomic.Bool
	reused sync.Map // fmt %#v of the identity -> reusedToken
)

type reusedToken struct {
	token string
	at    time.Time
}

// WithIdentity returns ctx whose outgoing calls carry a token for id instead of any token ctx
// had; auth.Anonymous sends none.
func WithIdentity(ctx context.Context, id auth.Identity) context.Context {
	md, _ := metadata.FromOutgoingContext(ctx)
	md = md.Copy()
	md.Delete(auth.MetadataAuthorization)
	if !id.IsAnonymous() {
		md.Set(auth.MetadataAuthorization, "Bearer "+Bearer(id))
	}
	return metadata.NewOutgoingContext(ctx, md)
}
