// Package service is what the start-up of every socialrx service shares: the settings each one
// has (listen address, database, shutdown deadline, read-model refresh), the database
// connection, the gRPC server, connections to other services, background loops, and a Run that
// serves until its context ends and then closes everything in reverse order.
//
// A service's own package (services/<svc>) adds what is its own — stores, read models,
// handlers — between Start and Run.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/config"
	"github.com/socialrx/socialrx/services/platform/grpcserver"
	"github.com/socialrx/socialrx/services/platform/storage/mongodb"
	"github.com/socialrx/socialrx/services/platform/validation"
)

// Config is the settings every service has.
type Config struct {
	GRPCAddr        string
	MongoURI        string
	Database        string
	ShutdownTimeout time.Duration
	// SyncInterval is how often read models poll their change feed in the background.
	SyncInterval time.Duration
	// Auth is how callers' bearer tokens are verified.
	Auth auth.OIDC
}

// Names is how one service's settings are called and what they default to.
type Names struct {
	// Service is the service's name in messages, e.g. "directory".
	Service string
	// Env prefixes the service's own variables, e.g. "DIRECTORY" for DIRECTORY_GRPC_ADDR.
	Env string
	// Addr and Database are the defaults of the listen address and the database name.
	Addr, Database string
}

// RegisterFlags registers the settings on l, named after n.
func (c *Config) RegisterFlags(l *config.Loader, n Names) {
	l.String(&c.GRPCAddr, "grpc-addr", n.Env+"_GRPC_ADDR", n.Addr, "gRPC listen address")
	l.String(&c.MongoURI, "mongodb-uri", "MONGODB_URI", "", "MongoDB connection string")
	l.String(&c.Database, "database", n.Env+"_DATABASE", n.Database, "MongoDB database of the "+n.Service+" service")
	l.Duration(&c.ShutdownTimeout, "shutdown-timeout", "SHUTDOWN_TIMEOUT", 10*time.Second, "graceful stop deadline")
	l.Duration(&c.SyncInterval, "sync-interval", n.Env+"_SYNC_INTERVAL", time.Second, "read model refresh interval")
	c.Auth.RegisterFlags(l)
}

// Validate reports a setting the service cannot start with.
func (c Config) Validate(n Names) error {
	if c.MongoURI == "" {
		return fmt.Errorf("MONGODB_URI (or -mongodb-uri) is required: the connection string of the %s service's MongoDB", n.Service)
	}
	return c.Auth.Validate()
}

// Options are what a service adds to the shared gRPC server.
type Options struct {
	// Authenticator establishes the caller's identity; an auth.Verifier of Config.Auth when nil.
	Authenticator auth.Authenticator
	// MapError turns handler errors into API errors (see grpcserver.Config).
	MapError func(error) error
	// ServerOptions come after the shared ones: interceptors chained there (a service's
	// authorization, say) run after authentication and validation.
	ServerOptions []grpc.ServerOption
}

// Base is a service being started: its database, then (after Listen) its gRPC server, and what
// Run must run and close.
type Base struct {
	Config    Config
	Names     Names
	DB        *mongo.Database
	Server    *grpcserver.Server
	Validator *validation.Validator
	Logger    *slog.Logger

	client *mongo.Client
	closes []func()
	loops  []func(context.Context)
}

// Start connects to the database. On an error later in the service's own start-up, call Fail to
// release what Start took.
func Start(ctx context.Context, cfg Config, n Names, logger *slog.Logger) (*Base, error) {
	client, err := mongodb.Connect(ctx, cfg.MongoURI, 10*time.Second)
	if err != nil {
		return nil, err
	}
	b := &Base{Config: cfg, Names: n, DB: client.Database(cfg.Database), Logger: logger, client: client}
	b.closes = append(b.closes, func() { _ = client.Disconnect(context.Background()) })
	if b.Validator, err = validation.New(); err != nil {
		return nil, b.Fail(err)
	}
	return b, nil
}

// Listen builds the gRPC server with the shared interceptors and opts, listening on the
// configured address; register the service's handlers on Server.Registrar, then call Serving.
func (b *Base) Listen(opts Options) error {
	authn := opts.Authenticator
	if authn == nil {
		v, err := auth.NewVerifier(b.Config.Auth)
		if err != nil {
			return err
		}
		authn = v
	}
	var err error
	b.Server, err = grpcserver.New(grpcserver.Config{Addr: b.Config.GRPCAddr, ShutdownTimeout: b.Config.ShutdownTimeout,
		MapError: opts.MapError}, b.Logger, authn, opts.ServerOptions...)
	return err
}

// Dial connects to another service at addr, read from the variable env; Run closes it.
func (b *Base) Dial(addr, env string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	opts = append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)
	conn, err := grpc.NewClient(addr, opts...)
	if err != nil {
		return nil, fmt.Errorf("dial %s %q: %w", env, addr, err)
	}
	b.closes = append(b.closes, func() { _ = conn.Close() })
	return conn, nil
}

// Go adds a background loop that Run runs until its context ends.
func (b *Base) Go(loop func(ctx context.Context)) { b.loops = append(b.loops, loop) }

// Fail releases what was taken so far and returns err, named after the service.
func (b *Base) Fail(err error) error {
	b.close()
	return fmt.Errorf("start %s service: %w", b.Names.Service, err)
}

func (b *Base) close() {
	for _, c := range slices.Backward(b.closes) {
		c()
	}
	b.closes = nil
}

// Serving marks the service (its fully-qualified gRPC name) ready in the health service.
func (b *Base) Serving(grpcService string) { b.Server.SetServing(grpcService, true) }

// Addr is the gRPC address the service listens on.
func (b *Base) Addr() string { return b.Server.Addr() }

// Run serves and runs the background loops until ctx ends, then stops gracefully and closes
// every connection.
func (b *Base) Run(ctx context.Context) error {
	defer b.close()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return b.Server.Run(ctx) })
	for _, loop := range b.loops {
		g.Go(func() error {
			loop(ctx)
			return nil
		})
	}
	if err := g.Wait(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
