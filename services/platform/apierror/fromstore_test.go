package apierror_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/storage"
)

func TestFromStoreCodes(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The caller's deadline is still ahead: the error alone decides.
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	for _, c := range []struct {
		name string
		err  error
		want codes.Code
	}{
		// The service's own database timeouts wrap context.DeadlineExceeded too: with the caller's
		// deadline still ahead, that is the database not answering.
		{"driver's own timeout", fmt.Errorf("read feed: %w", driver.ErrDeadlineWouldBeExceeded), codes.Unavailable},
		{"network error", mongo.CommandError{Code: 6, Labels: []string{"NetworkError"}}, codes.Unavailable},
		{"not found", fmt.Errorf("get: %w", storage.ErrNotFound), codes.NotFound},
		{"stale etag", storage.ErrEtagMismatch, codes.Aborted},
		{"trimmed feed", storage.ErrTrimmed, codes.OutOfRange},
		{"anything else", errors.New("disk on fire"), codes.Internal},
	} {
		if got := status.Code(apierror.FromStore(ctx, logger, c.err, "event")); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	// A caller who has gone away gets its own code, whatever the store said.
	done, stop := context.WithCancel(context.Background())
	stop()
	if got := status.Code(apierror.FromStore(done, logger, errors.New("disk on fire"), "event")); got != codes.Canceled {
		t.Errorf("cancelled caller: %v, want Canceled", got)
	}
}
