package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/socialrx/socialrx/services/platform/apierror"
)

// MetadataAuthorization is the gRPC metadata key (and HTTP header) carrying the bearer token.
const MetadataAuthorization = "authorization"

// maxTokenLen bounds what is parsed at all; real access tokens are a few kilobytes.
const maxTokenLen = 16 << 10

// Verifier is the Authenticator for OAuth2/OIDC bearer JWTs: it checks the signature against the
// issuer's JWKS (RS256 or ES256 only), the issuer, the audience, and expiry and start with at most
// MaxClockSkew of skew, then maps the token's claims to an Identity. A call without a token is
// Anonymous; any other header never sets an identity.
type Verifier struct {
	cfg      OIDC
	keys     *keySet
	verifier *oidc.IDTokenVerifier
	now      func() time.Time
}

var _ Authenticator = (*Verifier)(nil)

// NewVerifier returns a Verifier for cfg. It does not reach the provider: the discovery document
// and JWKS are fetched on the first token.
func NewVerifier(cfg OIDC) (*Verifier, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	keys := newKeySet(cfg.Issuer, cfg.JWKSURL, &http.Client{Timeout: 10 * time.Second})
	v := &Verifier{cfg: cfg, keys: keys, now: time.Now}
	v.verifier = oidc.NewVerifier(cfg.Issuer, keys, &oidc.Config{
		ClientID:             cfg.Audience,
		SupportedSigningAlgs: []string{oidc.RS256, oidc.ES256},
		// Expiry and start are checked below with the configured skew: go-oidc allows none on
		// exp and five minutes on nbf.
		SkipExpiryCheck: true,
		Now:             func() time.Time { return v.now() },
	})
	return v, nil
}

// Authenticate implements Authenticator.
func (v *Verifier) Authenticate(ctx context.Context, md metadata.MD) (Identity, error) {
	values := md.Get(MetadataAuthorization)
	if len(values) == 0 {
		return Anonymous, nil
	}
	if len(values) > 1 {
		return Identity{}, unauthenticated("more than one authorization header")
	}
	raw, ok := Bearer(values[0])
	if !ok {
		return Identity{}, unauthenticated("authorization must be \"Bearer <access token>\"")
	}
	return v.Verify(ctx, raw)
}

// Verify checks one raw access token and returns its Identity.
func (v *Verifier) Verify(ctx context.Context, raw string) (Identity, error) {
	if len(raw) > maxTokenLen {
		return Identity{}, unauthenticated("access token too long")
	}
	tok, err := v.verifier.Verify(ctx, raw)
	if err != nil {
		if strings.Contains(err.Error(), errKeysUnavailable.Error()) {
			// Not the caller's fault: worth a retry, unlike a bad token.
			return Identity{}, apierror.New(codes.Unavailable, apierror.ReasonUnavailable,
				"the identity provider's keys could not be fetched; retry later", nil)
		}
		return Identity{}, unauthenticated(describe(err))
	}
	var times struct {
		Exp *json.Number `json:"exp"`
		Nbf *json.Number `json:"nbf"`
		Iat *json.Number `json:"iat"`
	}
	if err := tok.Claims(&times); err != nil {
		return Identity{}, unauthenticated("access token claims are not a JSON object")
	}
	now, skew := v.now(), v.cfg.ClockSkew
	exp, ok := numericDate(times.Exp)
	switch {
	case !ok:
		return Identity{}, unauthenticated("access token has no valid exp")
	case now.After(exp.Add(skew)):
		return Identity{}, unauthenticated("access token expired")
	}
	if nbf, ok := numericDate(times.Nbf); times.Nbf != nil && (!ok || now.Add(skew).Before(nbf)) {
		return Identity{}, unauthenticated("access token not valid yet")
	}
	if iat, ok := numericDate(times.Iat); times.Iat != nil && (!ok || now.Add(skew).Before(iat)) {
		return Identity{}, unauthenticated("access token issued in the future")
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return Identity{}, unauthenticated("access token claims are not a JSON object")
	}
	// An ID token names the API's audience too at some providers; it proves a sign-in to the
	// client, not a grant to call the API. Its hash claims tell it apart.
	if _, ok := claims["at_hash"]; ok {
		return Identity{}, unauthenticated("an ID token is not an access token")
	}
	if _, ok := claims["c_hash"]; ok {
		return Identity{}, unauthenticated("an ID token is not an access token")
	}
	id, err := identityFromClaims(v.cfg, claims)
	if err != nil {
		return Identity{}, unauthenticated(err.Error())
	}
	return id, nil
}

// Bearer reads the access token of an Authorization header "Bearer <token>".
func Bearer(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

func numericDate(n *json.Number) (time.Time, bool) {
	if n == nil {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || f <= 0 || f > 1e11 {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}

// describe names what was wrong with a token without repeating any of it.
func describe(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, errUnknownKey.Error()):
		return "access token signed with an unknown key"
	case strings.Contains(msg, errBadSignature.Error()):
		return "access token signature does not verify"
	case strings.Contains(msg, "different provider"):
		return "access token from another issuer"
	case strings.Contains(msg, "expected audience"):
		return "access token not issued for this audience"
	case strings.Contains(msg, "signing algorithm") || strings.Contains(msg, "unexpected signature algorithm"):
		return "access token signed with an algorithm other than RS256 or ES256"
	case strings.Contains(msg, "malformed") || strings.Contains(msg, "unmarshal"):
		return "access token malformed"
	}
	return "access token not accepted"
}

func unauthenticated(why string) error {
	return apierror.New(codes.Unauthenticated, apierror.ReasonUnauthenticated, "unauthenticated: "+why, nil)
}
