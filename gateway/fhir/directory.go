package fhir

import "net/http"

// directoryReaders are the directory's resources the facade reads.
var directoryReaders = map[string]readOne{}

// directorySearch is one directory type's search.
type directorySearch struct{ params []string }

var directorySearches = map[string]directorySearch{}

func (h *Handler) searchDirectory(w http.ResponseWriter, c *call, typ string, d directorySearch) *problem {
	return unsupported("", "not yet")
}
