// Package storage holds what every store returns, whatever collection or database it works on:
// the sentinel errors that handlers turn into status codes (apierror.FromStore). Its
// subpackages connect to MongoDB (mongodb), run the embedded database (embeddeddb), and keep
// versioned documents (docstore) and ordered change logs (changefeed).
package storage

import "errors"

// Errors returned by stores; apierror.FromStore maps them to status codes.
var (
	ErrNotFound      = errors.New("not found")
	ErrAlreadyExists = errors.New("already exists")
	ErrEtagMismatch  = errors.New("etag does not match the current version")
	ErrConflict      = errors.New("changed concurrently by another writer")
	// ErrTrimmed is a read of a change feed from a position its retention trimmed away.
	ErrTrimmed = errors.New("change feed trimmed past this position")
)
