// Package grpcserver is the run loop every socialrx service shares: one gRPC server with the
// standard health service, reflection, and an interceptor chain of panic recovery, request
// logging, authentication and protovalidate validation; graceful stop with a deadline when the
// context ends.
package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/validation"
)

// Config configures the listener and shutdown.
type Config struct {
	// Addr to listen on, e.g. ":9090" or "127.0.0.1:0".
	Addr string
	// ShutdownTimeout bounds the graceful stop; in-flight calls are then cut off.
	ShutdownTimeout time.Duration
}

// Server is a gRPC server with its listener and health service.
type Server struct {
	grpc    *grpc.Server
	health  *health.Server
	lis     net.Listener
	cfg     Config
	logger  *slog.Logger
	stopped chan struct{}
}

// New listens on cfg.Addr and builds the server. Register services on Registrar, then call Run.
func New(cfg Config, logger *slog.Logger, authn auth.Authenticator) (*Server, error) {
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	validator, err := validation.New()
	if err != nil {
		return nil, err
	}
	lis, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(
			recoverUnary(logger),
			logUnary(logger),
			auth.UnaryInterceptor(authn),
			validateUnary(validator),
			changefeed.UnaryPosition(),
		),
		grpc.ChainStreamInterceptor(
			recoverStream(logger),
			logStream(logger),
			auth.StreamInterceptor(authn),
			validateStream(validator),
		),
	)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	reflection.Register(srv)
	return &Server{grpc: srv, health: hs, lis: lis, cfg: cfg, logger: logger, stopped: make(chan struct{})}, nil
}

// Registrar is where services are registered before Run.
func (s *Server) Registrar() grpc.ServiceRegistrar { return s.grpc }

// Addr is the address actually listened on (useful with port 0).
func (s *Server) Addr() string { return s.lis.Addr().String() }

// SetServing marks service (a fully-qualified gRPC service name) and the server as a whole
// SERVING or NOT_SERVING in the health service.
func (s *Server) SetServing(service string, serving bool) {
	st := healthpb.HealthCheckResponse_NOT_SERVING
	if serving {
		st = healthpb.HealthCheckResponse_SERVING
	}
	s.health.SetServingStatus(service, st)
	s.health.SetServingStatus("", st)
}

// Run serves until ctx ends, then reports NOT_SERVING, stops gracefully and, after
// ShutdownTimeout, forcibly.
func (s *Server) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.grpc.Serve(s.lis) }()
	s.logger.Info("grpc server listening", "addr", s.Addr())
	select {
	case err := <-errc:
		return fmt.Errorf("serve grpc: %w", err)
	case <-ctx.Done():
	}
	s.health.Shutdown()
	done := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(done)
	}()
	timer := time.NewTimer(s.cfg.ShutdownTimeout)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		s.logger.Warn("graceful stop timed out; stopping", "timeout", s.cfg.ShutdownTimeout)
		s.grpc.Stop()
	}
	if err := <-errc; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return fmt.Errorf("serve grpc: %w", err)
	}
	return nil
}
