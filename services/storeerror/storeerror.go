// Package storeerror maps what stores and the MongoDB driver return to API errors, the same way
// in every service: a domain error becomes its status code, an unreachable database becomes
// UNAVAILABLE, and anything unexpected is logged and answered with INTERNAL.
package storeerror

import (
	"context"
	"errors"
	"log/slog"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/socialrx/socialrx/services/apierror"
	"github.com/socialrx/socialrx/services/docstore"
)

// ToAPI maps err, met while working on the resource called name. Errors that are already gRPC
// statuses (a validation inside an update, say) pass through.
func ToAPI(ctx context.Context, logger *slog.Logger, err error, name string) error {
	if _, ok := status.FromError(err); ok {
		return err
	}
	if cerr := apierror.FromContext(ctx); cerr != nil {
		return cerr
	}
	switch {
	case errors.Is(err, docstore.ErrNotFound):
		return apierror.NotFound(name)
	case errors.Is(err, docstore.ErrAlreadyExists):
		return apierror.New(codes.AlreadyExists, apierror.ReasonAlreadyExists, name+" already exists",
			map[string]string{"resource": name})
	case errors.Is(err, docstore.ErrEtagMismatch):
		return apierror.Aborted(apierror.ReasonEtagMismatch, name,
			"etag does not match the current version of "+name+"; read it again and retry")
	case errors.Is(err, docstore.ErrConflict):
		return apierror.Aborted(apierror.ReasonConcurrentUpdate, name,
			name+" was changed concurrently; read it again and retry")
	case mongo.IsNetworkError(err) || mongo.IsTimeout(err) || errors.Is(err, mongo.ErrClientDisconnected):
		return apierror.New(codes.Unavailable, apierror.ReasonUnavailable, "database unavailable; retry later", nil)
	}
	logger.Error("store error", "resource", name, "error", err)
	return apierror.Internal()
}
