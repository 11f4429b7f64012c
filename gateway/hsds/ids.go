package hsds

import (
	"strings"

	dirhsds "github.com/socialrx/socialrx/services/directory/hsds"
)

// Resource-name collections of the directory.
const (
	organizationsPrefix = "organizations/"
	servicesPrefix      = "services/"
	locationsPrefix     = "locations/"
	taxonomyTermsPrefix = "taxonomyTerms/"
)

// splitServiceAtLocationID splits a service_at_location id, "{service id}:{location id}": the
// directory has no service_at_location record, so the export names the pair.
func splitServiceAtLocationID(id string) (serviceID, locationID string, ok bool) {
	serviceID, locationID, ok = strings.Cut(id, ":")
	if !ok || !dirhsds.ValidID(serviceID) || !dirhsds.ValidID(locationID) {
		return "", "", false
	}
	return serviceID, locationID, true
}
