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
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/mongodb"
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
	// SyncInterval is how often the read model polls the change feed in the background.
	SyncInterval time.Duration
	// ReadStaleness bounds how far a read may lag other replicas' writes; reads within it share
	// one probe of the change feed. 0 probes for every read.
	ReadStaleness time.Duration
}

// RegisterFlags registers the configuration flags, with environment fallbacks, on l.
func (c *Config) RegisterFlags(l *config.Loader) {
	l.String(&c.GRPCAddr, "grpc-addr", "DIRECTORY_GRPC_ADDR", ":9090", "gRPC listen address")
	l.String(&c.MongoURI, "mongodb-uri", "MONGODB_URI", "", "MongoDB connection string")
	l.String(&c.Database, "database", "DIRECTORY_DATABASE", "socialrx_directory", "MongoDB database of the directory")
	l.Duration(&c.ShutdownTimeout, "shutdown-timeout", "SHUTDOWN_TIMEOUT", 10*time.Second, "graceful stop deadline")
	l.Duration(&c.SyncInterval, "sync-interval", "DIRECTORY_SYNC_INTERVAL", time.Second, "read model refresh interval")
	l.Duration(&c.ReadStaleness, "read-staleness", "DIRECTORY_READ_STALENESS", changefeed.DefaultStaleness, "how far reads may lag other replicas' writes")
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
	srv    *grpcserver.Server
	ix     *readmodel.Index
	logger *slog.Logger
	close  func()
	cfg    Config
}

// Start connects to the database, loads the read model and listens; Run then serves.
func Start(ctx context.Context, cfg Config, logger *slog.Logger) (*Service, error) {
	client, err := mongodb.Connect(ctx, cfg.MongoURI, 10*time.Second)
	if err != nil {
		return nil, err
	}
	closeDB := func() { _ = client.Disconnect(context.Background()) }
	st := store.New(client.Database(cfg.Database))
	ix, err := readmodel.Load(ctx, st, cfg.ReadStaleness)
	if err != nil {
		closeDB()
		return nil, fmt.Errorf("start directory: %w", err)
	}
	v, err := validation.New()
	if err != nil {
		closeDB()
		return nil, err
	}
	srv, err := grpcserver.New(grpcserver.Config{Addr: cfg.GRPCAddr, ShutdownTimeout: cfg.ShutdownTimeout}, logger, auth.Header{})
	if err != nil {
		closeDB()
		return nil, err
	}
	directoryv1.RegisterDirectoryServiceServer(srv.Registrar(), server.New(st, ix, v, logger))
	srv.SetServing(ServiceName, true)
	closeAll := func() {
		_ = ix.Close()
		closeDB()
	}
	return &Service{srv: srv, ix: ix, logger: logger, close: closeAll, cfg: cfg}, nil
}

// Addr is the gRPC address the service listens on.
func (s *Service) Addr() string { return s.srv.Addr() }

// Run serves until ctx ends, then stops gracefully and disconnects from the database.
func (s *Service) Run(ctx context.Context) error {
	defer s.close()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.srv.Run(ctx) })
	g.Go(func() error {
		s.ix.Run(ctx, s.cfg.SyncInterval, s.logger)
		return nil
	})
	return g.Wait()
}
