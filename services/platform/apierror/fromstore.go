package apierror

import (
	"context"
	"errors"
	"log/slog"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/socialrx/socialrx/services/platform/storage"
)

// FromStore maps err, met while working on the resource called name. Errors that are already gRPC
// statuses (a validation inside an update, say) pass through.
func FromStore(ctx context.Context, logger *slog.Logger, err error, name string) error {
	if _, ok := status.FromError(err); ok {
		return err
	}
	if cerr := FromContext(ctx); cerr != nil {
		return cerr
	}
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return NotFound(name)
	case errors.Is(err, storage.ErrAlreadyExists):
		return New(codes.AlreadyExists, ReasonAlreadyExists, name+" already exists",
			map[string]string{"resource": name})
	case errors.Is(err, storage.ErrEtagMismatch):
		return Aborted(ReasonEtagMismatch, name,
			"etag does not match the current version of "+name+"; read it again and retry")
	case errors.Is(err, storage.ErrConflict):
		return Aborted(ReasonConcurrentUpdate, name,
			name+" was changed concurrently; read it again and retry")
	case errors.Is(err, storage.ErrTrimmed):
		// A watch resumed from a token older than the feed's retention: what it missed is gone
		// from the feed, so the caller starts again from the current state.
		return New(codes.OutOfRange, ReasonChangesTrimmed,
			"the resume token is older than the oldest change kept; reload the current state (list or get) and watch again without a token, from the oldest change kept",
			map[string]string{"resource": name})
	case mongo.IsNetworkError(err) || mongo.IsTimeout(err) || errors.Is(err, mongo.ErrClientDisconnected):
		return New(codes.Unavailable, ReasonUnavailable, "database unavailable; retry later", nil)
	}
	logger.Error("store error", "resource", name, "error", err)
	return Internal()
}
