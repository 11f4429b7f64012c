package document

import (
	"crypto/sha1"
	"fmt"
	"regexp"
	"strings"
)

// idNamespace is the UUID namespace of socialrx HSDS child ids (a fixed random UUID).
var idNamespace = [16]byte{0x6b, 0x1f, 0x3c, 0x52, 0x9e, 0x0a, 0x4d, 0x77, 0xa1, 0x58, 0x2c, 0x93, 0xd4, 0x0e, 0x61, 0xbf}

// childID returns a name-based (version 5) UUID for a child object, so that the same parent and
// parts always give the same id and distinct children get distinct ids.
func childID(parts ...string) string {
	h := sha1.New()
	h.Write(idNamespace[:])
	h.Write([]byte(strings.Join(parts, "\x00")))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// resourceIDPattern is what the directory accepts as the last segment of a resource name.
var resourceIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// ValidID reports whether id can be used as a directory resource id.
func ValidID(id string) bool {
	return resourceIDPattern.MatchString(id)
}

// ResourceID returns the id of a resource name: "services/abc" gives "abc".
func ResourceID(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// Resource-name collections of the directory: a resource name is one of these followed by an id.
const (
	OrganizationsPrefix = "organizations/"
	ServicesPrefix      = "services/"
	LocationsPrefix     = "locations/"
	TaxonomyTermsPrefix = "taxonomyTerms/"
)

// serviceAtLocationID joins a service id and a location id. The directory has no
// service_at_location record, so the id names the pair and can be split again to look it up.
func serviceAtLocationID(serviceID, locationID string) string {
	return serviceID + ":" + locationID
}
