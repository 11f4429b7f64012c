package auth

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Subject prefixes of the callers a token can stand for.
const (
	PrefixPractitioner = "practitioners/"
	PrefixClient       = "clients/"
	PrefixService      = "services/"
	PrefixUser         = "users/"
	prefixOrganization = "organizations/"
)

var (
	// A subject is a resource name "<collection>/<id>" or a bare id from the provider.
	subjectPattern = regexp.MustCompile(`^([a-z]+/)?[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$`)
	idPattern      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	rolePattern    = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	// A scope token of RFC 6749 section 3.3, printable ASCII without space, quote or backslash.
	scopePattern = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]{1,128}$`)
)

const (
	maxRoles  = 20
	maxScopes = 100
)

// identityFromClaims maps a verified token's claims to an Identity:
//   - the subject claim becomes Subject. A resource name ("practitioners/<id>", "clients/<id>",
//     "services/<id>") is kept; a bare id is a client when it equals the token's client_id (a
//     client credentials token, RFC 9068), else a user of the provider ("users/<id>");
//   - the organisation claim becomes Organization ("organizations/<id>", or a bare id);
//   - the roles claim becomes Roles;
//   - client_id (or azp, or Entra ID's appid) becomes ClientID.
func identityFromClaims(cfg OIDC, claims map[string]any) (Identity, error) {
	var id Identity
	id.ClientID = firstString(claims, "client_id", "azp", "appid")
	if id.ClientID != "" && !idPattern.MatchString(id.ClientID) {
		return Identity{}, errors.New("access token has a malformed client_id")
	}
	sub, _ := lookup(claims, cfg.SubjectClaim).(string)
	if sub == "" || !subjectPattern.MatchString(sub) {
		return Identity{}, fmt.Errorf("access token has no usable %s claim", cfg.SubjectClaim)
	}
	switch {
	case strings.Contains(sub, "/"):
		if !strings.HasPrefix(sub, PrefixPractitioner) && !strings.HasPrefix(sub, PrefixClient) &&
			!strings.HasPrefix(sub, PrefixService) && !strings.HasPrefix(sub, PrefixUser) {
			return Identity{}, fmt.Errorf("access token %s claim names no known kind of caller", cfg.SubjectClaim)
		}
		id.Subject = sub
	case sub == id.ClientID:
		id.Subject = PrefixClient + sub
	default:
		id.Subject = PrefixUser + sub
	}
	switch org := lookup(claims, cfg.OrgClaim).(type) {
	case nil:
	case string:
		bare := strings.TrimPrefix(org, prefixOrganization)
		if !idPattern.MatchString(bare) {
			return Identity{}, fmt.Errorf("access token %s claim is not an organisation", cfg.OrgClaim)
		}
		id.Organization = prefixOrganization + bare
	default:
		return Identity{}, fmt.Errorf("access token %s claim is not a string", cfg.OrgClaim)
	}
	roles, err := rolesOf(lookup(claims, cfg.RolesClaim))
	if err != nil {
		return Identity{}, fmt.Errorf("access token %s claim: %w", cfg.RolesClaim, err)
	}
	id.Roles = roles
	scopes, err := scopesOf(claims)
	if err != nil {
		return Identity{}, err
	}
	id.Scopes = scopes
	return id, nil
}

// scopesOf reads the granted scopes: "scope", a string separated by spaces (RFC 9068), or
// "scp", an array of strings (as Entra ID and Okta issue them).
func scopesOf(claims map[string]any) ([]string, error) {
	var raw []string
	switch s := claims["scope"].(type) {
	case nil:
	case string:
		raw = strings.Fields(s)
	default:
		return nil, errors.New("access token scope claim is not a string")
	}
	if raw == nil {
		switch s := claims["scp"].(type) {
		case nil:
		case string:
			raw = strings.Fields(s)
		case []any:
			for _, e := range s {
				v, ok := e.(string)
				if !ok {
					return nil, errors.New("access token scp claim is not an array of strings")
				}
				raw = append(raw, v)
			}
		default:
			return nil, errors.New("access token scp claim is not an array of strings")
		}
	}
	if len(raw) > maxScopes {
		return nil, fmt.Errorf("access token grants more than %d scopes", maxScopes)
	}
	for _, s := range raw {
		if !scopePattern.MatchString(s) {
			return nil, errors.New("access token has a malformed scope")
		}
	}
	return raw, nil
}

// lookup follows a dotted path ("realm_access.roles") through nested objects.
func lookup(claims map[string]any, path string) any {
	var v any = claims
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}

func firstString(claims map[string]any, names ...string) string {
	for _, n := range names {
		if s, ok := claims[n].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// rolesOf reads an array of strings or one string separated by spaces or commas; roles that are
// not lower_snake names are refused rather than passed on to policy.
func rolesOf(v any) ([]string, error) {
	var raw []string
	switch r := v.(type) {
	case nil:
		return nil, nil
	case string:
		raw = strings.FieldsFunc(r, func(c rune) bool { return c == ' ' || c == ',' })
	case []any:
		for _, e := range r {
			s, ok := e.(string)
			if !ok {
				return nil, errors.New("not an array of strings")
			}
			raw = append(raw, s)
		}
	default:
		return nil, errors.New("not an array of strings")
	}
	if len(raw) > maxRoles {
		return nil, fmt.Errorf("more than %d roles", maxRoles)
	}
	var roles []string
	for _, s := range raw {
		if !rolePattern.MatchString(s) {
			return nil, errors.New("a role is not a lower_snake_case name")
		}
		roles = append(roles, s)
	}
	return roles, nil
}
