// Package event runs the event service: Human Connection events on a public listing, their
// sessions with capacity, registrations with waitlist and check-in, and a resumable change feed
// for other services. The service binary (cmd/event) and the all-in-one launcher start it
// through Start and Run.
package event

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"

	// Time zones must resolve even on machines without system tzdata.
	_ "time/tzdata"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event/internal/server"
	"github.com/socialrx/socialrx/services/event/internal/store"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/config"
	"github.com/socialrx/socialrx/services/platform/grpcclient"
	"github.com/socialrx/socialrx/services/platform/grpcserver"
	"github.com/socialrx/socialrx/services/platform/metrics"
	"github.com/socialrx/socialrx/services/platform/readiness"
	"github.com/socialrx/socialrx/services/platform/storage/mongodb"
	"github.com/socialrx/socialrx/services/platform/tracing"
	"github.com/socialrx/socialrx/services/platform/validation"
)

// ServiceName is the gRPC service name reported by the health service.
const ServiceName = "socialrx.event.v1.EventService"

// Config configures the event service.
type Config struct {
	GRPCAddr        string
	MongoURI        string
	Database        string
	DirectoryAddr   string
	ShutdownTimeout time.Duration
	// DrainPeriod is how long the service keeps serving after reporting NOT_SERVING on SIGTERM.
	DrainPeriod time.Duration
	// SyncInterval is how often the state polls the ledger in the background.
	SyncInterval time.Duration
	DB           mongodb.Timeouts
	Metrics      metrics.Config
	Tracing      tracing.Config
	// Registry receives the service's metrics; when nil the service makes its own and Run serves
	// it on Metrics.Addr. The all-in-one passes one registry to every part and serves it itself.
	Registry *metrics.Registry
	// Now is the clock; time.Now when nil (tests move it to test check-in and no-shows).
	Now func() time.Time
}

// RegisterFlags registers the configuration flags, with environment fallbacks, on l.
func (c *Config) RegisterFlags(l *config.Loader) {
	l.String(&c.GRPCAddr, "grpc-addr", "EVENT_GRPC_ADDR", ":9091", "gRPC listen address")
	l.String(&c.MongoURI, "mongodb-uri", "MONGODB_URI", "", "MongoDB connection string")
	l.String(&c.Database, "database", "EVENT_DATABASE", "socialrx_event", "MongoDB database of the event service")
	l.String(&c.DirectoryAddr, "directory-addr", "DIRECTORY_ADDR", "localhost:9090", "directory service gRPC address")
	l.Duration(&c.ShutdownTimeout, "shutdown-timeout", "SHUTDOWN_TIMEOUT", 10*time.Second, "graceful stop deadline")
	l.Duration(&c.DrainPeriod, "drain-period", "DRAIN_PERIOD", grpcserver.DefaultDrainPeriod, "how long to serve after reporting NOT_SERVING on SIGTERM")
	l.Duration(&c.SyncInterval, "sync-interval", "EVENT_SYNC_INTERVAL", time.Second, "state refresh interval")
	c.DB.RegisterFlags(l)
	c.Metrics.RegisterFlags(l)
	c.Tracing.RegisterFlags(l)
}

// Validate reports a setting the service cannot start with.
func (c Config) Validate() error {
	if c.MongoURI == "" {
		return errors.New("MONGODB_URI (or -mongodb-uri) is required: the connection string of the event service's MongoDB")
	}
	return nil
}

// Service is a started event service.
type Service struct {
	srv     *grpcserver.Server
	ledger  *store.Ledger
	ready   *readiness.Monitor
	metrics *metrics.Endpoint
	logger  *slog.Logger
	close   func()
	cfg     Config
}

// Start connects to the database and the directory, folds the ledger and listens; Run serves.
func Start(ctx context.Context, cfg Config, logger *slog.Logger) (*Service, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	endpoint, err := metrics.NewEndpoint(cfg.Registry, cfg.Metrics)
	if err != nil {
		return nil, err
	}
	reg := endpoint.Registry()
	client, err := mongodb.Connect(ctx, cfg.MongoURI, cfg.DB)
	if err != nil {
		endpoint.Close()
		return nil, err
	}
	dirConn, err := grpcclient.Dial(cfg.DirectoryAddr, directoryv1.DirectoryService_ServiceDesc.ServiceName, grpcclient.Options{Metrics: reg})
	if err != nil {
		_ = client.Disconnect(context.Background())
		endpoint.Close()
		return nil, fmt.Errorf("dial directory at DIRECTORY_ADDR %q: %w", cfg.DirectoryAddr, err)
	}
	closeAll := func() {
		_ = dirConn.Close()
		_ = client.Disconnect(context.Background())
		endpoint.Close()
	}
	l, err := store.Open(ctx, client.Database(cfg.Database), cfg.Now)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("start event service: %w", err)
	}
	v, err := validation.New()
	if err != nil {
		closeAll()
		return nil, err
	}
	srv, err := grpcserver.New(grpcserver.Config{Addr: cfg.GRPCAddr, ShutdownTimeout: cfg.ShutdownTimeout,
		DrainPeriod: cfg.DrainPeriod, Metrics: reg}, logger, auth.Header{})
	if err != nil {
		closeAll()
		return nil, err
	}
	handlers := server.New(l, directoryv1.NewDirectoryServiceClient(dirConn), v, cfg.Now, logger)
	handlers.Instrument(reg)
	eventv1.RegisterEventServiceServer(srv.Registrar(), handlers)
	// Only host writes (creating and changing events) ask the directory; registrations, the
	// listing and the change feed do not, so losing the directory does not make the service unready.
	ready := readiness.New([]readiness.Dependency{
		{Name: "mongodb", Required: true, Probe: readiness.MongoDB(client)},
		{Name: "directory", Required: false, Probe: readiness.GRPC(dirConn, directoryv1.DirectoryService_ServiceDesc.ServiceName)},
	}, func(ok bool) { srv.SetServing(ServiceName, ok) }, reg, logger)
	ready.Check(ctx)
	return &Service{srv: srv, ledger: l, ready: ready, metrics: endpoint, logger: logger, close: closeAll, cfg: cfg}, nil
}

// Addr is the gRPC address the service listens on.
func (s *Service) Addr() string { return s.srv.Addr() }

// Run serves until ctx ends, then stops gracefully and disconnects.
func (s *Service) Run(ctx context.Context) error {
	defer s.close()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.srv.Run(ctx) })
	g.Go(func() error { return s.metrics.Serve(ctx, s.logger) })
	g.Go(func() error {
		s.ready.Run(ctx)
		return nil
	})
	g.Go(func() error {
		s.metrics.Registry().SampleLag(ctx, "event_ledger", s.ledger.Lag)
		return nil
	})
	g.Go(func() error {
		s.ledger.Run(ctx, s.cfg.SyncInterval, func(err error) { s.logger.Warn("ledger sync", "error", err) })
		return nil
	})
	return g.Wait()
}
