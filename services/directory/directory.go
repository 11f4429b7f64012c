// Package directory runs the directory service: partner organisations, their programmes and
// services, locations, taxonomy and practitioners, searchable and HSDS 3.0 compatible. The
// service binary (cmd/directory) and the all-in-one launcher both start it through Run.
package directory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/internal/readmodel"
	"github.com/socialrx/socialrx/services/directory/internal/server"
	"github.com/socialrx/socialrx/services/directory/internal/store"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/config"
	"github.com/socialrx/socialrx/services/platform/grpcserver"
	"github.com/socialrx/socialrx/services/platform/metrics"
	"github.com/socialrx/socialrx/services/platform/readiness"
	"github.com/socialrx/socialrx/services/platform/storage/mongodb"
	"github.com/socialrx/socialrx/services/platform/tracing"
	"github.com/socialrx/socialrx/services/platform/validation"
)

// ServiceName is the gRPC service name reported by the health service.
const ServiceName = "socialrx.directory.v1.DirectoryService"

// Config configures the directory service.
type Config struct {
	GRPCAddr        string
	MongoURI        string
	Database        string
	ShutdownTimeout time.Duration
	// DrainPeriod is how long the service keeps serving after reporting NOT_SERVING on SIGTERM.
	DrainPeriod time.Duration
	// SyncInterval is how often the read model polls the change feed in the background.
	SyncInterval time.Duration
	DB           mongodb.Timeouts
	Metrics      metrics.Config
	Tracing      tracing.Config
	// Registry receives the service's metrics; when nil the service makes its own and Run serves
	// it on Metrics.Addr. The all-in-one passes one registry to every part and serves it itself.
	Registry *metrics.Registry
}

// RegisterFlags registers the configuration flags, with environment fallbacks, on l.
func (c *Config) RegisterFlags(l *config.Loader) {
	l.String(&c.GRPCAddr, "grpc-addr", "DIRECTORY_GRPC_ADDR", ":9090", "gRPC listen address")
	l.String(&c.MongoURI, "mongodb-uri", "MONGODB_URI", "", "MongoDB connection string")
	l.String(&c.Database, "database", "DIRECTORY_DATABASE", "socialrx_directory", "MongoDB database of the directory")
	l.Duration(&c.ShutdownTimeout, "shutdown-timeout", "SHUTDOWN_TIMEOUT", 10*time.Second, "graceful stop deadline")
	l.Duration(&c.DrainPeriod, "drain-period", "DRAIN_PERIOD", grpcserver.DefaultDrainPeriod, "how long to serve after reporting NOT_SERVING on SIGTERM")
	l.Duration(&c.SyncInterval, "sync-interval", "DIRECTORY_SYNC_INTERVAL", time.Second, "read model refresh interval")
	c.DB.RegisterFlags(l)
	c.Metrics.RegisterFlags(l)
	c.Tracing.RegisterFlags(l)
}

// Validate reports a setting the service cannot start with.
func (c Config) Validate() error {
	if c.MongoURI == "" {
		return errors.New("MONGODB_URI (or -mongodb-uri) is required: the connection string of the directory's MongoDB")
	}
	return nil
}

// Service is a started directory service.
type Service struct {
	srv     *grpcserver.Server
	ix      *readmodel.Index
	ready   *readiness.Monitor
	metrics *metrics.Endpoint
	logger  *slog.Logger
	close   func()
	cfg     Config
}

// Start connects to the database, loads the read model and listens; Run then serves.
func Start(ctx context.Context, cfg Config, logger *slog.Logger) (*Service, error) {
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
	closeDB := func() {
		_ = client.Disconnect(context.Background())
		endpoint.Close()
	}
	st := store.New(client.Database(cfg.Database))
	ix, err := readmodel.Load(ctx, st)
	if err != nil {
		closeDB()
		return nil, fmt.Errorf("start directory: %w", err)
	}
	v, err := validation.New()
	if err != nil {
		closeDB()
		return nil, err
	}
	srv, err := grpcserver.New(grpcserver.Config{Addr: cfg.GRPCAddr, ShutdownTimeout: cfg.ShutdownTimeout,
		DrainPeriod: cfg.DrainPeriod, Metrics: reg}, logger, auth.Header{})
	if err != nil {
		closeDB()
		return nil, err
	}
	directoryv1.RegisterDirectoryServiceServer(srv.Registrar(), server.New(st, ix, v, logger))
	ready := readiness.New([]readiness.Dependency{
		{Name: "mongodb", Required: true, Probe: readiness.MongoDB(client)},
	}, func(ok bool) { srv.SetServing(ServiceName, ok) }, reg, logger)
	ready.Check(ctx)
	return &Service{srv: srv, ix: ix, ready: ready, metrics: endpoint, logger: logger, close: closeDB, cfg: cfg}, nil
}

// Addr is the gRPC address the service listens on.
func (s *Service) Addr() string { return s.srv.Addr() }

// Run serves until ctx ends, then stops gracefully and disconnects from the database.
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
		s.ix.Run(ctx, s.cfg.SyncInterval, s.logger)
		return nil
	})
	g.Go(func() error {
		s.metrics.Registry().SampleLag(ctx, "directory_readmodel", s.ix.Lag)
		return nil
	})
	return g.Wait()
}
