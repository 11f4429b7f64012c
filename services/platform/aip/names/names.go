// Package names parses AIP-122 resource names against their patterns, the one way every socialrx
// service reads a name such as "events/{event}/sessions/{session}". Scanning is
// go.einride.tech/aip/resourcename's; this package adds the ids socialrx accepts and the
// INVALID_ARGUMENT error that names the request field.
package names

import (
	"fmt"
	"strings"

	"go.einride.tech/aip/resourcename"

	"github.com/socialrx/socialrx/services/platform/apierror"
)

// MaxIDLen is the longest id a resource may have (AIP-122 recommends at most 63 characters).
const MaxIDLen = 63

// ValidID reports whether id can name a resource: 1 to 63 ASCII letters, digits, '.', '_' or
// '-', starting with a letter or digit.
func ValidID(id string) bool {
	if id == "" || len(id) > MaxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			(i > 0 && (c == '.' || c == '_' || c == '-'))
		if !ok {
			return false
		}
	}
	return true
}

// Parse scans name against pattern into ids, one per variable segment, and checks each id.
func Parse(name, pattern string, ids ...*string) error {
	// A full resource name ("//event.socialrx/events/x") names a resource of some service; the
	// APIs take only their own relative names.
	if strings.HasPrefix(name, "//") {
		return fmt.Errorf("resource name %q: want a relative name like %s", name, pattern)
	}
	if err := resourcename.Sscan(name, pattern, ids...); err != nil {
		return err
	}
	for _, id := range ids {
		if !ValidID(*id) {
			return fmt.Errorf("resource name %q: id %q is not 1-%d letters, digits, '.', '_' or '-'", name, *id, MaxIDLen)
		}
	}
	return nil
}

// ParseField is Parse whose error is INVALID_ARGUMENT naming the request field that held name.
func ParseField(field, name, pattern string, ids ...*string) error {
	if err := Parse(name, pattern, ids...); err != nil {
		return apierror.Field(field, fmt.Sprintf("must be a resource name %s with ids of letters, digits, '.', '_' or '-'", pattern))
	}
	return nil
}

// Format fills pattern's variables with ids: Format("events/{event}", "tea") is "events/tea".
func Format(pattern string, ids ...string) string { return resourcename.Sprint(pattern, ids...) }
