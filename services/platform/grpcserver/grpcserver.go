// Package grpcserver is the run loop every socialrx service shares: one gRPC server with the
// standard health service, reflection, tracing, a codec that answers undecodable messages with
// INVALID_ARGUMENT, and an interceptor chain of metrics, panic recovery, request logging,
// authentication and protovalidate validation. When the context ends it reports NOT_SERVING
// first, keeps serving for a drain period while clients move to other replicas, then stops
// gracefully with a deadline.
package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"

	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/grpctls"
	"github.com/socialrx/socialrx/services/platform/headers"
	"github.com/socialrx/socialrx/services/platform/metrics"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/tracing"
	"github.com/socialrx/socialrx/services/platform/validation"
)

// LivenessService is a health service name that stays SERVING while the process runs, whatever
// its dependencies: the one for a liveness probe, which must not restart a replica because its
// database is down. Readiness is the service's own name, or "".
const LivenessService = "liveness"

// DefaultDrainPeriod is long enough for clients watching health to move off, and for a
// Kubernetes endpoint update to spread, yet keeps a rolling restart quick.
const DefaultDrainPeriod = 2 * time.Second

// Config configures the listener and shutdown.
type Config struct {
	// Addr to listen on, e.g. ":9090" or "127.0.0.1:0".
	Addr string
	// ShutdownTimeout bounds the graceful stop; in-flight calls are then cut off.
	ShutdownTimeout time.Duration
	// MapError, when set, turns what the handlers return into API errors (a service's domain
	// refusals, say) in one place; it sees every error of every call.
	MapError func(error) error
	// DrainPeriod is how long the server keeps serving after reporting NOT_SERVING, so clients
	// that watch its health stop sending it calls before it stops.
	DrainPeriod time.Duration
	// Metrics receives grpc_server_* metrics; a private registry when nil.
	Metrics *metrics.Registry
	// TLS, when configured, makes the listener speak only TLS (mutual TLS with a client CA).
	TLS grpctls.Server
	// HealthAddr, when set, is a second, plaintext listener serving only grpc.health.v1: the
	// one Kubernetes probes, since the kubelet's gRPC probe cannot speak TLS. It carries no
	// tokens and no data.
	HealthAddr string
}

// Server is a gRPC server with its listener and health service.
type Server struct {
	grpc    *grpc.Server
	health  *health.Server
	lis     net.Listener
	cfg     Config
	logger  *slog.Logger
	metrics *grpcprom.ServerMetrics
	stopped chan struct{}
	// healthGRPC serves health alone on healthLis (Config.HealthAddr); nil without one.
	healthGRPC *grpc.Server
	healthLis  net.Listener
	// reason is why the server is not serving, told to health checks; once stopping, it stays.
	reason   atomic.Pointer[string]
	stopping atomic.Bool
}

// New listens on cfg.Addr and builds the server. Register services on Registrar, then call Run.
// Extra options come after the shared ones: interceptors chained there (a service's
// authorization, say) run after authentication and validation.
func New(cfg Config, logger *slog.Logger, authn auth.Authenticator, opts ...grpc.ServerOption) (*Server, error) {
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	validator, err := validation.New()
	if err != nil {
		return nil, err
	}
	creds, err := cfg.TLS.Credentials()
	if err != nil {
		return nil, err
	}
	if creds != nil {
		opts = append([]grpc.ServerOption{grpc.Creds(creds)}, opts...)
	}
	lis, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	codec := newStrictCodec()
	m := metrics.OrNew(cfg.Metrics).GRPCServer()
	srv := grpc.NewServer(append([]grpc.ServerOption{
		grpc.ForceServerCodecV2(codec),
		grpc.StatsHandler(tracing.ServerHandler()),
		grpc.ChainUnaryInterceptor(
			m.UnaryServerInterceptor(),
			recoverUnary(logger),
			logUnary(logger),
			failedDecodeUnary(codec),
			auth.UnaryInterceptor(authn),
			validateUnary(validator),
			mapErrorUnary(cfg.MapError),
			changefeed.UnaryPosition(),
		),
		grpc.ChainStreamInterceptor(
			m.StreamServerInterceptor(),
			recoverStream(logger),
			logStream(logger),
			failedDecodeStream(codec),
			auth.StreamInterceptor(authn),
			validateStream(validator),
			mapErrorStream(cfg.MapError),
		),
	}, opts...)...)
	hs := health.NewServer()
	hs.SetServingStatus(LivenessService, healthpb.HealthCheckResponse_SERVING)
	s := &Server{grpc: srv, health: hs, lis: lis, cfg: cfg, logger: logger, metrics: m, stopped: make(chan struct{})}
	healthpb.RegisterHealthServer(srv, healthWithReason{Server: hs, reason: &s.reason})
	reflection.Register(srv)
	if cfg.HealthAddr != "" {
		if s.healthLis, err = net.Listen("tcp", cfg.HealthAddr); err != nil {
			_ = lis.Close()
			return nil, fmt.Errorf("listen on %s: %w", cfg.HealthAddr, err)
		}
		s.healthGRPC = grpc.NewServer()
		healthpb.RegisterHealthServer(s.healthGRPC, healthWithReason{Server: hs, reason: &s.reason})
	}
	return s, nil
}

// healthWithReason answers a health check that is not SERVING with the reason in the trailer
// (headers.NotServingReason), so a caller such as the gateway's /healthz can say why.
type healthWithReason struct {
	*health.Server
	reason *atomic.Pointer[string]
}

func (h healthWithReason) Check(ctx context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	resp, err := h.Server.Check(ctx, req)
	if err == nil && resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		if r := h.reason.Load(); r != nil && *r != "" {
			_ = grpc.SetTrailer(ctx, metadata.Pairs(headers.NotServingReason, *r))
		}
	}
	return resp, err
}

// Registrar is where services are registered before Run.
func (s *Server) Registrar() grpc.ServiceRegistrar { return s.grpc }

// Addr is the address actually listened on (useful with port 0).
func (s *Server) Addr() string { return s.lis.Addr().String() }

// HealthAddr is the address of the plaintext health listener, "" without one.
func (s *Server) HealthAddr() string {
	if s.healthLis == nil {
		return ""
	}
	return s.healthLis.Addr().String()
}

// SetServing marks service (a fully-qualified gRPC service name) and the server as a whole
// SERVING or NOT_SERVING in the health service. Once Run has begun to stop, the server stays
// NOT_SERVING.
func (s *Server) SetServing(service string, serving bool) { s.SetServingBecause(service, serving, "") }

// SetServingBecause is SetServing that tells health checks why the server is not serving.
func (s *Server) SetServingBecause(service string, serving bool, reason string) {
	if serving {
		reason = ""
	}
	if !s.stopping.Load() {
		s.reason.Store(&reason)
	}
	st := healthpb.HealthCheckResponse_NOT_SERVING
	if serving {
		st = healthpb.HealthCheckResponse_SERVING
	}
	s.health.SetServingStatus(service, st)
	s.health.SetServingStatus("", st)
}

// Run serves until ctx ends, then reports NOT_SERVING, keeps serving for DrainPeriod, stops
// gracefully and, after ShutdownTimeout, forcibly.
func (s *Server) Run(ctx context.Context) error {
	// Every method's counters start at 0, so a rate reads 0 rather than absent before a first call.
	s.metrics.InitializeMetrics(s.grpc)
	errc := make(chan error, 1)
	go func() { errc <- s.grpc.Serve(s.lis) }()
	s.logger.Info("grpc server listening", "addr", s.Addr(), "tls", s.cfg.TLS.Enabled(), "mutual_tls", s.cfg.TLS.ClientCA != "")
	if s.healthGRPC != nil {
		// Its Serve ends with Stop below; a failure to serve health leaves the probes to tell.
		go func() { _ = s.healthGRPC.Serve(s.healthLis) }()
		defer s.healthGRPC.Stop()
		s.logger.Info("grpc health listening", "addr", s.healthLis.Addr().String())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve grpc: %w", err)
	case <-ctx.Done():
	}
	s.stopping.Store(true)
	stopping := "stopping"
	s.reason.Store(&stopping)
	s.health.Shutdown()
	if s.cfg.DrainPeriod > 0 {
		s.logger.Info("draining before stop", "drain_period", s.cfg.DrainPeriod)
		time.Sleep(s.cfg.DrainPeriod)
	}
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
