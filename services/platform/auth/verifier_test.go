package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/socialrx/socialrx/services/platform/apierror"
)

// provider is a minimal issuer for unit tests: discovery and a JWKS on httptest, and keys the
// test signs with directly, so that every defect of a token can be made on purpose.
type provider struct {
	srv     *httptest.Server
	rsaKey  *rsa.PrivateKey
	ecKey   *ecdsa.PrivateKey
	keys    atomic.Pointer[jose.JSONWebKeySet]
	fetches atomic.Int32
	broken  atomic.Bool // the JWKS endpoint answers 500
}

func newProvider(t testing.TB) *provider {
	t.Helper()
	p := &provider{}
	var err error
	if p.rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	if p.ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	p.publish(jose.JSONWebKey{Key: p.rsaKey.Public(), KeyID: "rsa-1", Algorithm: "RS256", Use: "sig"},
		jose.JSONWebKey{Key: p.ecKey.Public(), KeyID: "ec-1", Algorithm: "ES256", Use: "sig"})
	mux := http.NewServeMux()
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": p.srv.URL, "jwks_uri": p.srv.URL + "/keys",
			"authorization_endpoint": p.srv.URL + "/authorize", "token_endpoint": p.srv.URL + "/token"})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, _ *http.Request) {
		p.fetches.Add(1)
		if p.broken.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(p.keys.Load())
	})
	return p
}

func (p *provider) publish(keys ...jose.JSONWebKey) {
	p.keys.Store(&jose.JSONWebKeySet{Keys: keys})
}

func (p *provider) verifier(t *testing.T) *Verifier {
	t.Helper()
	v, err := NewVerifier(OIDC{Issuer: p.srv.URL, ClockSkew: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// claims are those of a valid token of a clinician.
func (p *provider) claims() map[string]any {
	now := time.Now()
	return map[string]any{"iss": p.srv.URL, "aud": []string{"socialrx", "web"}, "sub": "practitioners/tomasz",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"socialrx_org": "organizations/riverdale-chc", "socialrx_roles": []string{"clinician"}, "client_id": "web"}
}

func sign(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// handMade builds a compact JWS with any header, for algorithms no library will sign with.
func handMade(header map[string]any, claims map[string]any, sig func(signingInput string) []byte) string {
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	in := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	return in + "." + enc.EncodeToString(sig(in))
}

func present(v *Verifier, values ...string) (Identity, error) {
	md := metadata.MD{}
	for _, val := range values {
		md.Append("authorization", val)
	}
	return v.Authenticate(context.Background(), md)
}

func TestValidTokensMapToIdentity(t *testing.T) {
	p := newProvider(t)
	v := p.verifier(t)
	for _, tc := range []struct {
		name  string
		token func() string
		want  Identity
	}{
		{"RS256 practitioner", func() string { return sign(t, jose.RS256, p.rsaKey, "rsa-1", p.claims()) },
			Identity{Subject: "practitioners/tomasz", Organization: "organizations/riverdale-chc", Roles: []string{"clinician"}, ClientID: "web"}},
		{"ES256 practitioner", func() string { return sign(t, jose.ES256, p.ecKey, "ec-1", p.claims()) },
			Identity{Subject: "practitioners/tomasz", Organization: "organizations/riverdale-chc", Roles: []string{"clinician"}, ClientID: "web"}},
		{"client credentials token with bare subject and organisation id", func() string {
			c := p.claims()
			c["sub"], c["client_id"], c["socialrx_org"], c["socialrx_roles"] = "emr", "emr", "riverdale-chc", "system"
			return sign(t, jose.ES256, p.ecKey, "ec-1", c)
		}, Identity{Subject: "clients/emr", Organization: "organizations/riverdale-chc", Roles: []string{"system"}, ClientID: "emr"}},
		{"expired less than the skew ago", func() string {
			c := p.claims()
			c["exp"] = time.Now().Add(-20 * time.Second).Unix()
			return sign(t, jose.RS256, p.rsaKey, "rsa-1", c)
		}, Identity{Subject: "practitioners/tomasz", Organization: "organizations/riverdale-chc", Roles: []string{"clinician"}, ClientID: "web"}},
		{"user of the provider without roles", func() string {
			c := p.claims()
			c["sub"] = "5f0c3a1e-user"
			delete(c, "socialrx_roles")
			delete(c, "socialrx_org")
			return sign(t, jose.RS256, p.rsaKey, "rsa-1", c)
		}, Identity{Subject: "users/5f0c3a1e-user", ClientID: "web"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := present(v, "Bearer "+tc.token())
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if got.Subject != tc.want.Subject || got.Organization != tc.want.Organization ||
				!slices.Equal(got.Roles, tc.want.Roles) || got.ClientID != tc.want.ClientID {
				t.Fatalf("identity %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestNoTokenIsAnonymous(t *testing.T) {
	v := newProvider(t).verifier(t)
	md := metadata.Pairs("x-socialrx-subject", "practitioners/admin", "x-socialrx-roles", "admin",
		"x-socialrx-organization", "organizations/riverdale-chc")
	id, err := v.Authenticate(context.Background(), md)
	if err != nil || id.Subject != Anonymous.Subject || len(id.Roles) != 0 || id.Organization != "" {
		t.Fatalf("identity headers without a token gave %+v, %v; want the anonymous public", id, err)
	}
}

func TestDefectiveTokensAreRefused(t *testing.T) {
	p := newProvider(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	with := func(edit func(map[string]any)) map[string]any {
		c := p.claims()
		edit(c)
		return c
	}
	rs := func(c map[string]any) string { return sign(t, jose.RS256, p.rsaKey, "rsa-1", c) }
	pubDER, _ := x509.MarshalPKIXPublicKey(p.rsaKey.Public())
	for _, tc := range []struct {
		name   string
		header []string
		why    string // part of the message, when the defect has a message of its own
	}{
		{"alg none", []string{"Bearer " + handMade(map[string]any{"alg": "none", "typ": "JWT"}, p.claims(),
			func(string) []byte { return nil })}, "algorithm other than RS256"},
		{"HS256 keyed with the provider's public key", []string{"Bearer " + handMade(
			map[string]any{"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}, p.claims(), func(in string) []byte {
				m := hmac.New(sha256.New, pubDER)
				m.Write([]byte(in))
				return m.Sum(nil)
			})}, "algorithm other than RS256"},
		{"RS512, a strong algorithm not on the list", []string{"Bearer " + sign(t, jose.RS512, p.rsaKey, "rsa-1", p.claims())}, ""},
		{"payload tampered after signing", []string{"Bearer " + func() string {
			tok := strings.Split(rs(p.claims()), ".")
			tok[1] = base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"` + p.srv.URL +
				`","aud":"socialrx","sub":"practitioners/admin","exp":9999999999,"socialrx_roles":["admin"]}`))
			return strings.Join(tok, ".")
		}()}, "signature does not verify"},
		{"signature of another token", []string{"Bearer " + func() string {
			a := strings.Split(rs(p.claims()), ".")
			b := strings.Split(rs(with(func(c map[string]any) { c["sub"] = "practitioners/other" })), ".")
			return a[0] + "." + b[1] + "." + a[2]
		}()}, ""},
		{"signed by a key the provider never published, under its key id", []string{"Bearer " + sign(t, jose.RS256, other, "rsa-1", p.claims())}, ""},
		{"unknown key id", []string{"Bearer " + sign(t, jose.RS256, other, "rsa-9", p.claims())}, "unknown key"},
		{"no key id", []string{"Bearer " + sign(t, jose.RS256, p.rsaKey, "", p.claims())}, ""},
		{"expired beyond the skew", []string{"Bearer " + rs(with(func(c map[string]any) { c["exp"] = time.Now().Add(-2 * time.Minute).Unix() }))}, "expired"},
		{"no exp", []string{"Bearer " + rs(with(func(c map[string]any) { delete(c, "exp") }))}, ""},
		{"not valid yet", []string{"Bearer " + rs(with(func(c map[string]any) { c["nbf"] = time.Now().Add(2 * time.Minute).Unix() }))}, "not valid yet"},
		{"issued in the future", []string{"Bearer " + rs(with(func(c map[string]any) { c["iat"] = time.Now().Add(2 * time.Minute).Unix() }))}, ""},
		{"wrong audience", []string{"Bearer " + rs(with(func(c map[string]any) { c["aud"] = "another-api" }))}, "audience"},
		{"wrong issuer", []string{"Bearer " + rs(with(func(c map[string]any) { c["iss"] = "https://evil.example.org" }))}, "another issuer"},
		{"subject of an unknown kind", []string{"Bearer " + rs(with(func(c map[string]any) { c["sub"] = "admins/root" }))}, ""},
		{"roles not strings", []string{"Bearer " + rs(with(func(c map[string]any) { c["socialrx_roles"] = []any{1, 2} }))}, ""},
		{"organisation not a string", []string{"Bearer " + rs(with(func(c map[string]any) { c["socialrx_org"] = []string{"organizations/a"} }))}, ""},
		{"an ID token", []string{"Bearer " + rs(with(func(c map[string]any) { c["at_hash"] = "bWVhbmluZ2xlc3M" }))}, "ID token"},
		{"not a JWT", []string{"Bearer not-a-real-token"}, ""},
		{"basic scheme", []string{"Basic dXNlcjpwYXNz"}, ""},
		{"bearer without token", []string{"Bearer "}, ""},
		{"two authorization values", []string{"Bearer " + rs(p.claims()), "Bearer " + rs(p.claims())}, ""},
		{"oversized", []string{"Bearer " + strings.Repeat("a", maxTokenLen+1)}, ""},
		{"scope not a string", []string{"Bearer " + rs(with(func(c map[string]any) { c["scope"] = []any{"system/Task.rs"} }))}, "scope"},
		{"scope with a quote", []string{"Bearer " + rs(with(func(c map[string]any) { c["scope"] = `system/Task.rs "x"` }))}, "malformed scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, err := present(p.verifier(t), tc.header...)
			if status.Code(err) != codes.Unauthenticated || apierror.Reason(err) != apierror.ReasonUnauthenticated {
				t.Fatalf("got %+v, %v; want UNAUTHENTICATED", id, err)
			}
			msg := status.Convert(err).Message()
			if !strings.Contains(msg, tc.why) {
				t.Fatalf("message %q does not say %q", msg, tc.why)
			}
			for _, h := range tc.header {
				for _, part := range strings.Split(strings.TrimPrefix(h, "Bearer "), ".") {
					if len(part) > 8 && strings.Contains(msg, part) {
						t.Fatalf("message %q repeats the token", msg)
					}
				}
			}
		})
	}
}

// The scopes a token grants reach the Identity, from "scope" (RFC 9068) or "scp" (an array).
func TestScopesMapToIdentity(t *testing.T) {
	p := newProvider(t)
	v := p.verifier(t)
	for _, tc := range []struct {
		name  string
		claim string
		value any
		want  []string
	}{
		{"scope, space separated", "scope", "system/Task.rs  system/ServiceRequest.c", []string{"system/Task.rs", "system/ServiceRequest.c"}},
		{"scp array", "scp", []any{"user/Patient.r"}, []string{"user/Patient.r"}},
		{"none", "", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := p.claims()
			if tc.claim != "" {
				c[tc.claim] = tc.value
			}
			id, err := present(v, "Bearer "+sign(t, jose.ES256, p.ecKey, "ec-1", c))
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !slices.Equal(id.Scopes, tc.want) {
				t.Fatalf("scopes %q, want %q", id.Scopes, tc.want)
			}
			for _, s := range tc.want {
				if !id.HasScope(s) {
					t.Fatalf("HasScope(%q) is false", s)
				}
			}
			if id.HasScope("system/*.*") {
				t.Fatal("HasScope of a scope not granted")
			}
		})
	}
}

// A new key id makes the verifier fetch the JWKS again, so a rotation needs no restart; a
// made-up key id costs one fetch and then none for a while; a forged signature under a known key
// id costs none.
func TestKeyRotationAndRefetchLimits(t *testing.T) {
	p := newProvider(t)
	v := p.verifier(t)
	if _, err := present(v, "Bearer "+sign(t, jose.RS256, p.rsaKey, "rsa-1", p.claims())); err != nil {
		t.Fatal(err)
	}
	if n := p.fetches.Load(); n != 1 {
		t.Fatalf("%d JWKS fetches for the first token, want 1", n)
	}
	forger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for range 5 {
		if _, err := present(v, "Bearer "+sign(t, jose.ES256, forger, "ec-1", p.claims())); status.Code(err) != codes.Unauthenticated {
			t.Fatalf("forged token: %v", err)
		}
	}
	if n := p.fetches.Load(); n != 1 {
		t.Fatalf("forged signatures under a known key id caused %d fetches, want none", n-1)
	}

	rotated, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p.publish(jose.JSONWebKey{Key: rotated.Public(), KeyID: "ec-2", Algorithm: "ES256", Use: "sig"})
	id, err := present(v, "Bearer "+sign(t, jose.ES256, rotated, "ec-2", p.claims()))
	if err != nil || id.Subject != "practitioners/tomasz" {
		t.Fatalf("token of the rotated key: %+v, %v", id, err)
	}
	if n := p.fetches.Load(); n != 2 {
		t.Fatalf("%d fetches after rotation, want 2", n)
	}
	if _, err := present(v, "Bearer "+sign(t, jose.RS256, p.rsaKey, "rsa-1", p.claims())); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("token of the retired key: %v; want UNAUTHENTICATED", err)
	}

	for i := range 5 {
		kid := "made-up-" + string(rune('a'+i))
		if _, err := present(v, "Bearer "+sign(t, jose.ES256, forger, kid, p.claims())); status.Code(err) != codes.Unauthenticated {
			t.Fatalf("unknown key id: %v", err)
		}
	}
	if n := p.fetches.Load(); n != 3 {
		t.Fatalf("five made-up key ids caused %d fetches, want 1", n-2)
	}
}

// A provider that cannot be reached makes calls fail with UNAVAILABLE, which a client retries,
// not UNAUTHENTICATED, which sends a user to sign in again.
func TestUnreachableProviderIsUnavailable(t *testing.T) {
	p := newProvider(t)
	tok := sign(t, jose.RS256, p.rsaKey, "rsa-1", p.claims())
	v := p.verifier(t)
	p.srv.Close()
	if _, err := present(v, "Bearer "+tok); status.Code(err) != codes.Unavailable {
		t.Fatalf("provider down: %v; want UNAVAILABLE", err)
	}
}

// While the JWKS cannot be fetched the verifier asks again at most every two seconds, not on
// every call, and keeps accepting tokens of the keys it already holds.
func TestFailingJWKSIsNotAskedOnEveryCall(t *testing.T) {
	p := newProvider(t)
	v := p.verifier(t)
	if _, err := present(v, "Bearer "+sign(t, jose.RS256, p.rsaKey, "rsa-1", p.claims())); err != nil {
		t.Fatal(err)
	}
	p.broken.Store(true)
	rotated, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	before := p.fetches.Load()
	for range 5 {
		if _, err := present(v, "Bearer "+sign(t, jose.ES256, rotated, "ec-9", p.claims())); status.Code(err) == codes.OK {
			t.Fatal("a token of an unknown key accepted while the JWKS fails")
		}
	}
	if n := p.fetches.Load() - before; n != 1 {
		t.Fatalf("%d JWKS fetches for five calls while it fails, want 1", n)
	}
	if _, err := present(v, "Bearer "+sign(t, jose.RS256, p.rsaKey, "rsa-1", p.claims())); err != nil {
		t.Fatalf("a token of a held key while the JWKS fails: %v", err)
	}
}

func TestConfigRefusesUnboundedSkew(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  OIDC
		ok   bool
	}{
		{"no issuer", OIDC{Audience: "socialrx"}, false},
		{"issuer not a URL", OIDC{Issuer: "idp", Audience: "socialrx"}, false},
		{"skew of two minutes", OIDC{Issuer: "https://idp.example.org", Audience: "socialrx", ClockSkew: 2 * time.Minute}, false},
		{"skew of a minute", OIDC{Issuer: "https://idp.example.org", Audience: "socialrx", ClockSkew: time.Minute}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// Keycloak keeps realm roles under realm_access.roles; a dotted claim name reaches them.
func TestNestedRolesClaim(t *testing.T) {
	p := newProvider(t)
	v, err := NewVerifier(OIDC{Issuer: p.srv.URL, RolesClaim: "realm_access.roles", OrgClaim: "org", ClockSkew: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c := p.claims()
	c["realm_access"] = map[string]any{"roles": []string{"link_worker", "offline_access"}}
	c["org"] = "organizations/albion-heights-chc"
	id, err := present(v, "Bearer "+sign(t, jose.RS256, p.rsaKey, "rsa-1", c))
	if err != nil || !slices.Equal(id.Roles, []string{"link_worker", "offline_access"}) || id.Organization != "organizations/albion-heights-chc" {
		t.Fatalf("got %+v, %v", id, err)
	}
}
