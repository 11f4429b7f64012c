package server

import (
	"errors"

	"google.golang.org/grpc/codes"

	"github.com/socialrx/socialrx/services/event/internal/domain"
	"github.com/socialrx/socialrx/services/platform/apierror"
)

// ToStatus maps the domain's refusals to API errors; every other error passes through. The
// service installs it on its gRPC server, so each handler may return a decision's error as is.
func ToStatus(err error) error {
	var de *domain.Error
	if !errors.As(err, &de) {
		return err
	}
	switch {
	case errors.Is(de.Kind, domain.ErrNotFound):
		return apierror.NotFound(de.Resource)
	case errors.Is(de.Kind, domain.ErrAlreadyExists):
		return apierror.New(codes.AlreadyExists, apierror.ReasonAlreadyExists, de.Message,
			map[string]string{"resource": de.Resource})
	case errors.Is(de.Kind, domain.ErrEtagMismatch):
		return apierror.Aborted(apierror.ReasonEtagMismatch, de.Resource, de.Message)
	case errors.Is(de.Kind, domain.ErrPrecondition):
		return apierror.FailedPrecondition(de.Reason, de.Message, de.Metadata)
	case errors.Is(de.Kind, domain.ErrInvalid):
		return apierror.InvalidArgument(de.Reason, apierror.FieldViolation{Field: de.Field, Description: de.Message})
	}
	return apierror.Internal()
}
