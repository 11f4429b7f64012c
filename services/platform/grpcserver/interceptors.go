package grpcserver

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/socialrx/socialrx/services/platform/aip/pagination"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/validation"
)

// recoverUnary turns a handler panic into INTERNAL so one bad request never takes the process down.
func recoverUnary(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				logger.Error("panic in handler", "method", info.FullMethod, "panic", r, "stack", string(debug.Stack()))
				resp, err = nil, apierror.Internal()
			}
		}()
		return handler(ctx, req)
	}
}

func recoverStream(logger *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if r := recover(); r != nil {
				logger.Error("panic in handler", "method", info.FullMethod, "panic", r, "stack", string(debug.Stack()))
				err = apierror.Internal()
			}
		}()
		return handler(srv, ss)
	}
}

// logUnary logs method, code, reason and latency of each call; never request bodies, which may
// hold personal health information.
func logUnary(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := handler(ctx, req)
		logCall(ctx, logger, info.FullMethod, start, err)
		return resp, err
	}
}

func logStream(logger *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		start := time.Now()
		err := handler(srv, ss)
		logCall(ss.Context(), logger, info.FullMethod, start, err)
		return err
	}
}

func logCall(ctx context.Context, logger *slog.Logger, method string, start time.Time, err error) {
	code := status.Code(err)
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelWarn
		if code == codes.Internal || code == codes.Unknown {
			level = slog.LevelError
		}
	}
	logger.Log(ctx, level, "grpc call", "method", method, "code", code.String(),
		"reason", apierror.Reason(err), "duration_ms", float64(time.Since(start).Microseconds())/1000)
}

// validateUnary enforces the protovalidate rules declared in the protos on every request, and
// checks a page token before any handler reads anything (see checkPageToken).
func validateUnary(v *validation.Validator) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if msg, ok := req.(proto.Message); ok {
			if err := v.Check(msg, ""); err != nil {
				return nil, err
			}
			if err := checkPageToken(msg); err != nil {
				return nil, err
			}
		}
		return handler(ctx, req)
	}
}

// checkPageToken refuses the page_token of a List or Search request unless it is whole and
// made for this request, so that no handler can read a damaged token as the first page and
// none looks up a parent before the token is known to be good.
func checkPageToken(msg proto.Message) error {
	m := msg.ProtoReflect()
	fd := m.Descriptor().Fields().ByName("page_token")
	if fd == nil || fd.Kind() != protoreflect.StringKind || fd.IsList() {
		return nil
	}
	_, err := pagination.Decode(m.Get(fd).String(), msg)
	return err
}

func validateStream(v *validation.Validator) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return handler(srv, &validatingStream{ServerStream: ss, v: v})
	}
}

type validatingStream struct {
	grpc.ServerStream
	v *validation.Validator
}

func (s *validatingStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if msg, ok := m.(proto.Message); ok {
		return s.v.Check(msg, "")
	}
	return nil
}

func mapErrorUnary(mapError func(error) error) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if err != nil && mapError != nil {
			return nil, mapError(err)
		}
		return resp, err
	}
}

func mapErrorStream(mapError func(error) error) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		err := handler(srv, ss)
		if err != nil && mapError != nil {
			return mapError(err)
		}
		return err
	}
}
