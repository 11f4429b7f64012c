package fhir

import (
	"strings"

	"github.com/socialrx/socialrx/services/platform/auth"
)

// Interactions a SMART v2 scope grants, one letter each: create, read, update, delete, search.
const (
	permCreate = 'c'
	permRead   = 'r'
	permUpdate = 'u'
	permSearch = 's'
)

// smartScope is one parsed SMART scope: "system/Task.rs", "user/*.read".
type smartScope struct {
	context  string // "system" or "user"
	resource string // a resource type or "*"
	perms    string // what of "cruds" it grants
}

// parseScope reads a SMART v2 scope (permissions a subset of "cruds" in that order) or a v1 one
// (".read", ".write", ".*"). Scopes that are not SMART resource scopes (openid, launch/...) or
// that are patient/ scopes (there is no patient launch context here) are not resource grants.
func parseScope(s string) (smartScope, bool) {
	ctx, rest, ok := strings.Cut(s, "/")
	if !ok || (ctx != "system" && ctx != "user") {
		return smartScope{}, false
	}
	typ, perms, ok := strings.Cut(rest, ".")
	if !ok || typ == "" {
		return smartScope{}, false
	}
	if q := strings.IndexByte(perms, '?'); q >= 0 {
		// Fine-grained v2 scopes narrow by a search; none is honoured, so none is granted.
		return smartScope{}, false
	}
	switch perms {
	case "read":
		perms = "rs"
	case "write":
		perms = "cud"
	case "*":
		perms = "cruds"
	default:
		last := -1
		for _, c := range perms {
			i := strings.IndexRune("cruds", c)
			if i <= last {
				return smartScope{}, false
			}
			last = i
		}
	}
	return smartScope{context: ctx, resource: typ, perms: perms}, true
}

// scopeGrants reports whether id's token grants interaction perm on resource type typ, with a
// system/ scope (a client acting for its organisation) or a user/ scope (a person signed in).
func scopeGrants(id auth.Identity, typ string, perm rune) bool {
	for _, raw := range id.Scopes {
		s, ok := parseScope(raw)
		if !ok {
			continue
		}
		if (s.resource == typ || s.resource == "*") && strings.ContainsRune(s.perms, perm) {
			return true
		}
	}
	return false
}

// needScope is the 403 of a token without the scope an interaction needs.
func needScope(typ string, perm rune) *problem {
	what := map[rune]string{permCreate: "c", permRead: "r", permUpdate: "u", permSearch: "s"}[perm]
	return forbidden(typ, "the access token does not grant system/%s.%s (or user/%s.%s)", typ, what, typ, what)
}
