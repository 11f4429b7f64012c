// Package event runs the event service: Human Connection events on a public listing, their
// sessions with capacity, registrations with waitlist and check-in, and a resumable change feed
// for other services. The service binary (cmd/event) and the all-in-one launcher start it
// through Start and Run.
package event

import (
	"context"
	"log/slog"
	"time"

	// Time zones must resolve even on machines without system tzdata.
	_ "time/tzdata"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event/internal/readmodel"
	"github.com/socialrx/socialrx/services/event/internal/server"
	"github.com/socialrx/socialrx/services/event/internal/store"
	"github.com/socialrx/socialrx/services/platform/config"
	"github.com/socialrx/socialrx/services/platform/service"
	"github.com/socialrx/socialrx/services/platform/storage/snapshot"
)

// ServiceName is the gRPC service name reported by the health service.
var ServiceName = eventv1.EventService_ServiceDesc.ServiceName

var names = service.Names{Service: "event", Env: "EVENT", Addr: ":9091", Database: "socialrx_event"}

// Config configures the event service.
type Config struct {
	service.Config
	DirectoryAddr string
	// SnapshotEntries and SnapshotInterval: the state is snapshotted after this many new ledger
	// entries, or this long after the last snapshot when anything changed (zero: the defaults).
	SnapshotEntries  int
	SnapshotInterval time.Duration
	// Now is the clock; time.Now when nil (tests move it to test check-in and no-shows).
	Now func() time.Time
}

// RegisterFlags registers the configuration flags, with environment fallbacks, on l.
func (c *Config) RegisterFlags(l *config.Loader) {
	c.Config.RegisterFlags(l, names)
	l.String(&c.DirectoryAddr, "directory-addr", "DIRECTORY_ADDR", "localhost:9090", "directory service gRPC address")
	l.Int(&c.SnapshotEntries, "snapshot-entries", "EVENT_SNAPSHOT_ENTRIES", int(snapshot.DefaultSchedule.Entries), "snapshot the state after this many ledger entries")
	l.Duration(&c.SnapshotInterval, "snapshot-interval", "EVENT_SNAPSHOT_INTERVAL", snapshot.DefaultSchedule.Interval, "snapshot the changed state at least this often")
}

// Validate reports a setting the service cannot start with.
func (c Config) Validate() error { return c.Config.Validate(names) }

// Service is a started event service.
type Service struct {
	*service.Base
}

// Start connects to the database and the directory, folds the ledger and listens; Run serves.
func Start(ctx context.Context, cfg Config, logger *slog.Logger) (*Service, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	b, err := service.Start(ctx, cfg.Config, names, logger)
	if err != nil {
		return nil, err
	}
	// Only host writes (creating and changing events) ask the directory; registrations, the
	// listing and the change feed do not, so losing the directory does not make the service unready.
	dirConn, err := b.Dial(service.Peer{Addr: cfg.DirectoryAddr, Env: "DIRECTORY_ADDR",
		Service: directoryv1.DirectoryService_ServiceDesc.ServiceName})
	if err != nil {
		return nil, b.Fail(err)
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
		return nil, b.Fail(err)
	}
	b.OnClose(func() { _ = listing.Close() })
	l, err := store.Open(ctx, b.DB, cfg.Now,
		store.Options{Staleness: cfg.ReadStaleness, Snapshots: sched, Folded: listing.Changed})
	if err != nil {
		return nil, b.Fail(err)
	}
	listing.StartBuild(l.Read)
	b.Go(func(ctx context.Context) {
		l.Run(ctx, cfg.SyncInterval, func(err error) { logger.Warn("ledger sync", "error", err) })
	})
	if err := b.Listen(service.Options{MapError: server.ToStatus}); err != nil {
		return nil, b.Fail(err)
	}
	handlers := server.New(l, listing, store.OpenAudit(b.DB), directoryv1.NewDirectoryServiceClient(dirConn), b.Validator, cfg.Now, logger)
	handlers.Instrument(b.Metrics)
	eventv1.RegisterEventServiceServer(b.Server.Registrar(), handlers)
	b.SampleLag("event_ledger", l.Lag)
	b.Serving(ctx, ServiceName)
	return &Service{Base: b}, nil
}
