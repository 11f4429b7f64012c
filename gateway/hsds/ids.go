package hsds

import (
	"strings"

	"github.com/socialrx/socialrx/gateway/hsds/document"
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
	if !ok || !document.ValidID(serviceID) || !document.ValidID(locationID) {
		return "", "", false
	}
	return serviceID, locationID, true
}
