// Package domain holds the directory's rules that do not depend on storage or gRPC: what may be
// deleted, and what a resource is when its request leaves a choice open.
package domain

import (
	"errors"
	"fmt"
)

// ErrStillReferenced refuses deleting a resource that others still name (a service's
// organisation, a location of a service, a taxonomy term in use): deleting it would leave them
// pointing at nothing.
var ErrStillReferenced = errors.New("still referenced")

// ReferencedError is ErrStillReferenced for one resource.
type ReferencedError struct {
	// Name is the resource that was to be deleted; References how many others name it.
	Name       string
	References int
}

func (e *ReferencedError) Error() string {
	return fmt.Sprintf("%s is still referred to by %d other resources; delete or move them first", e.Name, e.References)
}

func (e *ReferencedError) Unwrap() error { return ErrStillReferenced }

// CheckDeletable allows deleting name only when nothing refers to it.
func CheckDeletable(name string, references int) error {
	if references > 0 {
		return &ReferencedError{Name: name, References: references}
	}
	return nil
}

// Defaults of what a request may leave unset, in the stored (short) enum form: a service is
// ACTIVE, a location PHYSICAL (HSDS 3.0's own defaults).
const (
	DefaultServiceStatus = "ACTIVE"
	DefaultLocationType  = "PHYSICAL"
)
