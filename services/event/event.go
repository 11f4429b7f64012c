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
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	// Time zones must resolve even on machines without system tzdata.
	_ "time/tzdata"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event/internal/readmodel"
	"github.com/socialrx/socialrx/services/event/internal/server"
	"github.com/socialrx/socialrx/services/event/internal/store"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/config"
	"github.com/socialrx/socialrx/services/platform/grpcserver"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/mongodb"
	"github.com/socialrx/socialrx/services/platform/storage/snapshot"
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
	// SyncInterval is how often the state polls the ledger in the background.
	SyncInterval time.Duration
	// ReadStaleness bounds how far a read may lag other replicas' writes; reads within it share
	// one probe of the ledger. 0 probes for every read.
	ReadStaleness time.Duration
	// SnapshotEntries and SnapshotInterval: the state is snapshotted after this many new ledger
	// entries, or this long after the last snapshot when anything changed (zero: the defaults).
	SnapshotEntries  int
	SnapshotInterval time.Duration
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
	l.Duration(&c.SyncInterval, "sync-interval", "EVENT_SYNC_INTERVAL", time.Second, "state refresh interval")
	l.Duration(&c.ReadStaleness, "read-staleness", "EVENT_READ_STALENESS", changefeed.DefaultStaleness, "how far reads may lag other replicas' writes")
	l.Int(&c.SnapshotEntries, "snapshot-entries", "EVENT_SNAPSHOT_ENTRIES", int(snapshot.DefaultSchedule.Entries), "snapshot the state after this many ledger entries")
	l.Duration(&c.SnapshotInterval, "snapshot-interval", "EVENT_SNAPSHOT_INTERVAL", snapshot.DefaultSchedule.Interval, "snapshot the changed state at least this often")
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
	srv    *grpcserver.Server
	ledger *store.Ledger
	logger *slog.Logger
	close  func()
	cfg    Config
}

// Start connects to the database and the directory, folds the ledger and listens; Run serves.
func Start(ctx context.Context, cfg Config, logger *slog.Logger) (*Service, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	client, err := mongodb.Connect(ctx, cfg.MongoURI, 10*time.Second)
	if err != nil {
		return nil, err
	}
	dirConn, err := grpc.NewClient(cfg.DirectoryAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("dial directory at DIRECTORY_ADDR %q: %w", cfg.DirectoryAddr, err)
	}
	closeAll := func() {
		_ = dirConn.Close()
		_ = client.Disconnect(context.Background())
	}
	sched := snapshot.DefaultSchedule
	if cfg.SnapshotEntries > 0 {
		sched.Entries = int64(cfg.SnapshotEntries)
	}
	if cfg.SnapshotInterval > 0 {
		sched.Interval = cfg.SnapshotInterval
	}
	listing, err := readmodel.NewListing()
	if err != nil {
		closeAll()
		return nil, err
	}
	closeDB := closeAll
	closeAll = func() {
		_ = listing.Close()
		closeDB()
	}
	l, err := store.Open(ctx, client.Database(cfg.Database), cfg.Now,
		store.Options{Staleness: cfg.ReadStaleness, Snapshots: sched, Folded: listing.Changed})
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("start event service: %w", err)
	}
	v, err := validation.New()
	if err != nil {
		closeAll()
		return nil, err
	}
	srv, err := grpcserver.New(grpcserver.Config{Addr: cfg.GRPCAddr, ShutdownTimeout: cfg.ShutdownTimeout}, logger, auth.Header{})
	if err != nil {
		closeAll()
		return nil, err
	}
	listing.StartBuild(l.Read)
	eventv1.RegisterEventServiceServer(srv.Registrar(), server.New(l, listing, directoryv1.NewDirectoryServiceClient(dirConn), v, cfg.Now, logger))
	srv.SetServing(ServiceName, true)
	return &Service{srv: srv, ledger: l, logger: logger, close: closeAll, cfg: cfg}, nil
}

// Addr is the gRPC address the service listens on.
func (s *Service) Addr() string { return s.srv.Addr() }

// Run serves until ctx ends, then stops gracefully and disconnects.
func (s *Service) Run(ctx context.Context) error {
	defer s.close()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.srv.Run(ctx) })
	g.Go(func() error {
		s.ledger.Run(ctx, s.cfg.SyncInterval, func(err error) { s.logger.Warn("ledger sync", "error", err) })
		return nil
	})
	return g.Wait()
}
