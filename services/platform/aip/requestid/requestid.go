// Package requestid scopes AIP-155 request ids to the caller who sent them. A request id names "a
// retry of this request by this caller": the same id sent by another caller, another client or
// for another organisation is another request, so it must neither find nor collide with the
// first caller's record. Key is what a service stores beside a record and compares on a repeat;
// ID derives the record's id from it, so concurrent repeats of one create race for one _id and
// the database's unique key lets exactly one of them in.
package requestid

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/google/uuid"

	"github.com/socialrx/socialrx/services/platform/auth"
)

// Key returns the stored idempotency key of requestID sent by caller, or "" when requestID is
// empty. within narrows the scope further where one caller acts for many people, such as the
// public registering for themselves (their normalised contact). The key is a digest: it names
// nobody and cannot be turned back into the caller or the request id.
func Key(caller auth.Identity, requestID string, within ...string) string {
	if requestID == "" {
		return ""
	}
	parts := append([]string{caller.Organization, caller.ClientID, caller.Subject}, within...)
	parts = append(parts, requestID)
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:16])
}

// ID returns the id for a create of kind (e.g. "referral") under namespace: derived from key
// when there is one, random otherwise.
func ID(namespace uuid.UUID, kind, key string) string {
	if key == "" {
		return uuid.NewString()
	}
	return uuid.NewSHA1(namespace, []byte(kind+"|"+key)).String()
}
