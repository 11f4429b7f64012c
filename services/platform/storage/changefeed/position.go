package changefeed

import (
	"context"
	"strconv"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/socialrx/socialrx/services/platform/headers"
)

type sinkKey struct{}

type sink struct {
	mu  sync.Mutex
	max int64
}

// recordPosition notes that the request in ctx wrote the entry at seq.
func recordPosition(ctx context.Context, seq int64) {
	if s, ok := ctx.Value(sinkKey{}).(*sink); ok {
		s.mu.Lock()
		s.max = max(s.max, seq)
		s.mu.Unlock()
	}
}

// WantedPosition is the position the request in ctx asked its reply to reflect, 0 if none.
func WantedPosition(ctx context.Context) int64 {
	md, _ := metadata.FromIncomingContext(ctx)
	var want int64
	for _, v := range md.Get(headers.Position) {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			want = max(want, n)
		}
	}
	return want
}

// UnaryPosition is a server interceptor that returns, in the headers.Position response header, the
// position of the last change a call appended.
func UnaryPosition() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		s := &sink{}
		resp, err := handler(context.WithValue(ctx, sinkKey{}, s), req)
		s.mu.Lock()
		pos := s.max
		s.mu.Unlock()
		if pos > 0 {
			_ = grpc.SetHeader(ctx, metadata.Pairs(headers.Position, strconv.FormatInt(pos, 10)))
		}
		return resp, err
	}
}
