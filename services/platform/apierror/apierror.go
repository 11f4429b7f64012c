// Package apierror builds gRPC errors in the shape of AIP-193: a canonical code, a
// developer-facing message and exactly one google.rpc.ErrorInfo, plus a BadRequest naming the
// offending fields for INVALID_ARGUMENT. Handlers return these; the gateway turns them into HTTP
// status codes and JSON bodies unchanged.
package apierror

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
)

// Domain is the ErrorInfo domain of every socialrx error.
const Domain = "socialrx.org"

// Reasons used across services. A service may define more of its own (UPPER_SNAKE_CASE).
const (
	ReasonInvalidArgument    = "INVALID_ARGUMENT"
	ReasonNotFound           = "NOT_FOUND"
	ReasonAlreadyExists      = "ALREADY_EXISTS"
	ReasonEtagMismatch       = "ETAG_MISMATCH"
	ReasonConcurrentUpdate   = "CONCURRENT_UPDATE"
	ReasonFailedPrecondition = "FAILED_PRECONDITION"
	ReasonInvalidPageToken   = "INVALID_PAGE_TOKEN"
	ReasonInvalidFilter      = "INVALID_FILTER"
	ReasonUnknownReference   = "UNKNOWN_REFERENCE"
	ReasonStillReferenced    = "STILL_REFERENCED"
	ReasonUnauthenticated    = "UNAUTHENTICATED"
	ReasonPermissionDenied   = "PERMISSION_DENIED"
	ReasonUnavailable        = "BACKEND_UNAVAILABLE"
	ReasonInternal           = "INTERNAL"
	ReasonDeadlineExceeded   = "DEADLINE_EXCEEDED"
	ReasonChangesTrimmed     = "CHANGES_TRIMMED"
)

// FieldViolation names one bad field of a request, by its path ("service.display_name").
type FieldViolation struct {
	Field       string
	Description string
}

// New returns a status error with code, message and one ErrorInfo carrying reason and metadata.
func New(code codes.Code, reason, message string, metadata map[string]string) error {
	return build(code, reason, message, metadata, nil)
}

// InvalidArgument returns INVALID_ARGUMENT naming the fields in its message, its ErrorInfo
// metadata ("field") and a BadRequest detail.
func InvalidArgument(reason string, violations ...FieldViolation) error {
	if reason == "" {
		reason = ReasonInvalidArgument
	}
	msg := "invalid argument"
	var md map[string]string
	if len(violations) > 0 {
		v := violations[0]
		msg = fmt.Sprintf("%s: %s", v.Field, v.Description)
		if len(violations) > 1 {
			msg += fmt.Sprintf(" (and %d more)", len(violations)-1)
		}
		md = map[string]string{"field": v.Field}
	}
	return build(codes.InvalidArgument, reason, msg, md, violations)
}

// Field is shorthand for InvalidArgument with one violation and the generic reason.
func Field(field, description string) error {
	return InvalidArgument(ReasonInvalidArgument, FieldViolation{Field: field, Description: description})
}

// NotFound reports that the named resource does not exist.
func NotFound(resourceName string) error {
	return New(codes.NotFound, ReasonNotFound, fmt.Sprintf("%s not found", resourceName),
		map[string]string{"resource": resourceName})
}

// Aborted reports a stale etag or a lost race with a concurrent writer; the caller should re-read
// and retry.
func Aborted(reason, resourceName, message string) error {
	return New(codes.Aborted, reason, message, map[string]string{"resource": resourceName})
}

// FailedPrecondition reports a request that the resource's current state does not allow.
func FailedPrecondition(reason, message string, metadata map[string]string) error {
	if reason == "" {
		reason = ReasonFailedPrecondition
	}
	return New(codes.FailedPrecondition, reason, message, metadata)
}

// Internal hides the cause of an unexpected failure from the caller; log the cause first.
func Internal() error {
	return New(codes.Internal, ReasonInternal, "internal error", nil)
}

// FromContext maps a context error to DEADLINE_EXCEEDED or CANCELLED, or returns nil.
func FromContext(ctx context.Context) error {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return New(codes.DeadlineExceeded, ReasonDeadlineExceeded, "deadline exceeded", nil)
	case errors.Is(ctx.Err(), context.Canceled):
		return status.Error(codes.Canceled, "request cancelled")
	}
	return nil
}

func build(code codes.Code, reason, message string, metadata map[string]string, violations []FieldViolation) error {
	st := status.New(code, message)
	details := []protoadapt.MessageV1{&errdetails.ErrorInfo{Reason: reason, Domain: Domain, Metadata: metadata}}
	if len(violations) > 0 {
		br := &errdetails.BadRequest{}
		for _, v := range violations {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
				Field: v.Field, Description: v.Description,
			})
		}
		details = append(details, br)
	}
	withDetails, err := st.WithDetails(details...)
	if err != nil {
		return st.Err()
	}
	return withDetails.Err()
}

// ErrorInfo returns the ErrorInfo of a status error, or nil.
func ErrorInfo(err error) *errdetails.ErrorInfo {
	st, ok := status.FromError(err)
	if !ok {
		return nil
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	return nil
}

// Reason returns the ErrorInfo reason of a status error, or "".
func Reason(err error) string {
	if info := ErrorInfo(err); info != nil {
		return info.GetReason()
	}
	return ""
}

// Lookup maps the failure of looking up a referenced resource in another service: a resource that
// does not exist is INVALID_ARGUMENT naming field (reason UNKNOWN_REFERENCE); a name the other
// service refuses is INVALID_ARGUMENT; anything else means it could not answer, UNAVAILABLE.
func Lookup(err error, field, name, service string) error {
	switch status.Code(err) {
	case codes.NotFound:
		return InvalidArgument(ReasonUnknownReference,
			FieldViolation{Field: field, Description: name + " does not exist in the " + service})
	case codes.InvalidArgument:
		return Field(field, name+" is not a valid "+service+" name")
	}
	return New(codes.Unavailable, ReasonUnavailable,
		"the "+service+" did not answer while checking "+field+"; retry later", map[string]string{"field": field})
}
