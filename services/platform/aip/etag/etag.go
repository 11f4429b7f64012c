// Package etag makes the AIP-154 etags of every socialrx resource: an opaque string that changes
// with every version of a resource, so a client can send back the one it read and have its
// change refused when the resource has moved on.
package etag

import (
	"hash/fnv"
	"strconv"
)

// Of is the etag of a resource's version. incarnation tells apart a resource re-created under
// the same name from the one deleted before it (whose versions restarted); it may be empty when
// versions never restart, as with positions in a ledger.
func Of(incarnation string, version int64) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(incarnation))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(strconv.FormatInt(version, 10)))
	return strconv.FormatUint(h.Sum64(), 36)
}

// Matches reports whether a client's etag names the version: an empty etag asks for no check.
func Matches(sent, incarnation string, version int64) bool {
	return sent == "" || sent == Of(incarnation, version)
}
