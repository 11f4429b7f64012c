package auth

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/socialrx/socialrx/services/platform/config"
)

// MaxClockSkew bounds OIDC.ClockSkew: a token is never accepted more than a minute past its
// expiry or before its start.
const MaxClockSkew = time.Minute

// OIDC configures the verifying Authenticator: which issuer's tokens are accepted, for which
// audience, and which claims carry the caller's organisation and roles. Keycloak, Microsoft
// Entra ID or the development provider differ only in these values.
type OIDC struct {
	// Issuer is the provider's issuer URL; its discovery document names the JWKS.
	Issuer string
	// Audience must be one of the token's aud values.
	Audience string
	// JWKSURL, when set, is used instead of the one in the discovery document.
	JWKSURL string
	// SubjectClaim holds the caller's resource name ("practitioners/<id>"); "sub" by default.
	SubjectClaim string
	// OrgClaim holds the caller's organisation ("organizations/<id>").
	OrgClaim string
	// RolesClaim holds the caller's roles: an array of strings, or one string separated by
	// spaces or commas. A dotted path reaches into objects, e.g. Keycloak's "realm_access.roles".
	RolesClaim string
	// ClockSkew is how far clocks may disagree, at most MaxClockSkew.
	ClockSkew time.Duration
}

// Defaults of the claim names and audience.
const (
	DefaultAudience     = "socialrx"
	DefaultSubjectClaim = "sub"
	DefaultOrgClaim     = "socialrx_org"
	DefaultRolesClaim   = "socialrx_roles"
)

// RegisterFlags registers the OIDC settings, with environment fallbacks, on l.
func (c *OIDC) RegisterFlags(l *config.Loader) {
	l.String(&c.Issuer, "oidc-issuer", "OIDC_ISSUER", "", "issuer URL of the OpenID provider whose tokens are accepted")
	l.String(&c.Audience, "oidc-audience", "OIDC_AUDIENCE", DefaultAudience, "audience every access token must name")
	l.String(&c.JWKSURL, "oidc-jwks-url", "OIDC_JWKS_URL", "", "JWKS URL, instead of the discovery document's")
	l.String(&c.SubjectClaim, "oidc-subject-claim", "OIDC_SUBJECT_CLAIM", DefaultSubjectClaim, "claim holding the caller's subject")
	l.String(&c.OrgClaim, "oidc-org-claim", "OIDC_ORG_CLAIM", DefaultOrgClaim, "claim holding the caller's organisation")
	l.String(&c.RolesClaim, "oidc-roles-claim", "OIDC_ROLES_CLAIM", DefaultRolesClaim, "claim holding the caller's roles")
	l.Duration(&c.ClockSkew, "oidc-clock-skew", "OIDC_CLOCK_SKEW", 30*time.Second, "allowed clock difference with the provider, at most 1m")
}

// Validate reports a setting tokens cannot be verified with, naming its variable.
func (c OIDC) Validate() error {
	if c.Issuer == "" {
		return errors.New("OIDC_ISSUER (or -oidc-issuer) is required: the issuer URL of the OpenID provider")
	}
	if u, err := url.Parse(c.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("OIDC_ISSUER=%q: not an http(s) URL", c.Issuer)
	}
	if c.Audience == "" {
		return errors.New("OIDC_AUDIENCE is required: the audience access tokens are issued for")
	}
	if c.ClockSkew < 0 || c.ClockSkew > MaxClockSkew {
		return fmt.Errorf("OIDC_CLOCK_SKEW=%s: must be between 0s and %s", c.ClockSkew, MaxClockSkew)
	}
	return nil
}

func (c OIDC) withDefaults() OIDC {
	if c.Audience == "" {
		c.Audience = DefaultAudience
	}
	if c.SubjectClaim == "" {
		c.SubjectClaim = DefaultSubjectClaim
	}
	if c.OrgClaim == "" {
		c.OrgClaim = DefaultOrgClaim
	}
	if c.RolesClaim == "" {
		c.RolesClaim = DefaultRolesClaim
	}
	return c
}
