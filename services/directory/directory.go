// Package directory runs the directory service: partner organisations, their programmes and
// services, locations, taxonomy and practitioners, searchable and HSDS 3.0 compatible. The
// service binary (cmd/directory) and the all-in-one launcher both start it through Start and Run.
package directory

import (
	"context"
	"log/slog"
	"time"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/internal/readmodel"
	"github.com/socialrx/socialrx/services/directory/internal/server"
	"github.com/socialrx/socialrx/services/directory/internal/store"
	"github.com/socialrx/socialrx/services/platform/config"
	"github.com/socialrx/socialrx/services/platform/service"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
)

// ServiceName is the gRPC service name reported by the health service.
var ServiceName = directoryv1.DirectoryService_ServiceDesc.ServiceName

var names = service.Names{Service: "directory", Env: "DIRECTORY", Addr: ":9090", Database: "socialrx_directory"}

// Config configures the directory service.
type Config struct {
	service.Config
	// FeedRetention is how long the change feed keeps an entry at least (see changefeed.Retention).
	FeedRetention time.Duration
}

// RegisterFlags registers the configuration flags, with environment fallbacks, on l.
func (c *Config) RegisterFlags(l *config.Loader) {
	c.Config.RegisterFlags(l, names)
	l.Duration(&c.FeedRetention, "feed-retention", "DIRECTORY_FEED_RETENTION", changefeed.DefaultRetention.Age,
		"how long the change feed keeps a change at least (and every change its registered followers have yet to read)")
}

func (c Config) retention() changefeed.Retention {
	r := changefeed.DefaultRetention
	if c.FeedRetention > 0 {
		r.Age = c.FeedRetention
	}
	return r
}

// Validate reports a setting the service cannot start with.
func (c Config) Validate() error { return c.Config.Validate(names) }

// Service is a started directory service.
type Service struct {
	*service.Base
}

// Start connects to the database, loads the read model and listens; Run then serves.
func Start(ctx context.Context, cfg Config, logger *slog.Logger) (*Service, error) {
	b, err := service.Start(ctx, cfg.Config, names, logger)
	if err != nil {
		return nil, err
	}
	st := store.New(b.DB)
	if err := st.Recover(ctx); err != nil {
		return nil, b.Fail(err)
	}
	ix, err := readmodel.Load(ctx, st, cfg.ReadStaleness)
	if err != nil {
		return nil, b.Fail(err)
	}
	b.OnClose(func() { _ = ix.Close() })
	b.Go(func(ctx context.Context) { ix.Run(ctx, cfg.SyncInterval, cfg.retention(), logger) })
	b.SampleLag("directory_readmodel", ix.Lag)
	if err := b.Listen(service.Options{}); err != nil {
		return nil, b.Fail(err)
	}
	directoryv1.RegisterDirectoryServiceServer(b.Server.Registrar(), server.New(st, ix, b.Validator, logger))
	b.Serving(ctx, ServiceName)
	return &Service{Base: b}, nil
}
