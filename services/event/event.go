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
	"github.com/socialrx/socialrx/services/event/internal/server"
	"github.com/socialrx/socialrx/services/event/internal/store"
	"github.com/socialrx/socialrx/services/platform/config"
	"github.com/socialrx/socialrx/services/platform/service"
)

// ServiceName is the gRPC service name reported by the health service.
var ServiceName = eventv1.EventService_ServiceDesc.ServiceName

var names = service.Names{Service: "event", Env: "EVENT", Addr: ":9091", Database: "socialrx_event"}

// Config configures the event service.
type Config struct {
	service.Config
	DirectoryAddr string
	// Now is the clock; time.Now when nil (tests move it to test check-in and no-shows).
	Now func() time.Time
}

// RegisterFlags registers the configuration flags, with environment fallbacks, on l.
func (c *Config) RegisterFlags(l *config.Loader) {
	c.Config.RegisterFlags(l, names)
	l.String(&c.DirectoryAddr, "directory-addr", "DIRECTORY_ADDR", "localhost:9090", "directory service gRPC address")
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
	b, err := service.Start(ctx, cfg.Config, names, logger, service.Options{MapError: server.ToStatus})
	if err != nil {
		return nil, err
	}
	dirConn, err := b.Dial(cfg.DirectoryAddr, "DIRECTORY_ADDR")
	if err != nil {
		return nil, b.Fail(err)
	}
	l, err := store.Open(ctx, b.DB, cfg.Now)
	if err != nil {
		return nil, b.Fail(err)
	}
	b.Go(func(ctx context.Context) {
		l.Run(ctx, cfg.SyncInterval, func(err error) { logger.Warn("ledger sync", "error", err) })
	})
	eventv1.RegisterEventServiceServer(b.Server.Registrar(),
		server.New(l, directoryv1.NewDirectoryServiceClient(dirConn), b.Validator, cfg.Now, logger))
	b.Serving(ServiceName)
	return &Service{Base: b}, nil
}
