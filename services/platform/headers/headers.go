// Package headers names the gRPC metadata keys, HTTP headers at the gateway, that more than one
// package writes or reads: one name each, so that a writer and its readers cannot drift apart.
// Keys are lower case, as gRPC metadata keys are. The package holds constants only; it is not
// called grpc's metadata, so that callers need no import alias.
package headers

// Prefix starts every socialrx header. Callers outside may set only Purpose and Position; the
// gateway drops every other header with this prefix from their requests.
const Prefix = "x-socialrx-"

// Keys set by callers.
const (
	// Purpose is the purpose of use a caller states for a request; the audit trail records it.
	Purpose = "x-socialrx-purpose"
	// RequestID identifies a request across the gateway, the services and the audit trail.
	RequestID = "x-request-id"
	// Position carries a change-feed position: in a response, that of the last change the call
	// wrote; in a request, the position the reply must reflect (read-your-writes across
	// replicas). Positions belong to one service's feed: pass a service's header back to that
	// service only.
	Position = "x-socialrx-position"
)

// Keys set by services.
const (
	// FeedHead is the response header of the event service's ListChanges that carries its
	// ledger's head position, so a follower can tell how far behind it is.
	FeedHead = "x-socialrx-feed-head"
	// NotServingReason is the trailer of a health check that is not SERVING: why, in one line
	// (each required dependency that is down, with its error).
	NotServingReason = "x-socialrx-not-serving-reason"
)
