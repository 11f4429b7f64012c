// Package service is what the start-up of every socialrx service shares: the settings each one
// has (listen address, database, shutdown and drain, read-model refresh, token verification,
// metrics, tracing), the database connection, the gRPC server, connections to other services,
// readiness that follows the dependencies, background loops, and a Run that serves until its
// context ends and then closes everything in reverse order.
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
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"

	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/config"
	"github.com/socialrx/socialrx/services/platform/grpcclient"
	"github.com/socialrx/socialrx/services/platform/grpcserver"
	"github.com/socialrx/socialrx/services/platform/grpctls"
	"github.com/socialrx/socialrx/services/platform/metrics"
	"github.com/socialrx/socialrx/services/platform/readiness"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/mongodb"
	"github.com/socialrx/socialrx/services/platform/tracing"
	"github.com/socialrx/socialrx/services/platform/validation"
)

// Config is the settings every service has.
type Config struct {
	GRPCAddr        string
	MongoURI        string
	Database        string
	ShutdownTimeout time.Duration
	// DrainPeriod is how long the service keeps serving after reporting NOT_SERVING on SIGTERM.
	DrainPeriod time.Duration
	// SyncInterval is how often read models poll their change feed in the background.
	SyncInterval time.Duration
	// ReadStaleness bounds how far a read may lag other replicas' writes; reads within it share
	// one probe of the change feed (a replica's own writes are seen at once). 0 probes every read.
	ReadStaleness time.Duration
	// HealthAddr, when set, is a plaintext listener serving only gRPC health, for probes that
	// cannot speak TLS (see grpcserver.Config).
	HealthAddr string
	// TLS is the listener's certificate and client CA; ClientTLS what calls to other services
	// present and trust. Plaintext when not configured.
	TLS       grpctls.Server
	ClientTLS grpctls.Client
	// Auth is how callers' bearer tokens are verified.
	Auth    auth.OIDC
	DB      mongodb.Timeouts
	Metrics metrics.Config
	Tracing tracing.Config
	// Registry receives the service's metrics; when nil the service makes its own and Run serves
	// it on Metrics.Addr. The all-in-one passes one registry to every part and serves it itself.
	Registry *metrics.Registry
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
	l.String(&c.HealthAddr, "grpc-health-addr", n.Env+"_GRPC_HEALTH_ADDR", "", "plaintext listen address serving only gRPC health, for probes that cannot speak TLS; none when empty")
	c.TLS.RegisterFlags(l)
	c.ClientTLS.RegisterFlags(l)
	l.String(&c.MongoURI, "mongodb-uri", "MONGODB_URI", "", "MongoDB connection string")
	l.String(&c.Database, "database", n.Env+"_DATABASE", n.Database, "MongoDB database of the "+n.Service+" service")
	l.Duration(&c.ShutdownTimeout, "shutdown-timeout", "SHUTDOWN_TIMEOUT", 10*time.Second, "graceful stop deadline")
	l.Duration(&c.DrainPeriod, "drain-period", "DRAIN_PERIOD", grpcserver.DefaultDrainPeriod, "how long to serve after reporting NOT_SERVING on SIGTERM")
	l.Duration(&c.SyncInterval, "sync-interval", n.Env+"_SYNC_INTERVAL", time.Second, "read model refresh interval")
	l.Duration(&c.ReadStaleness, "read-staleness", n.Env+"_READ_STALENESS", changefeed.DefaultStaleness, "how far reads may lag other replicas' writes")
	c.Auth.RegisterFlags(l)
	c.DB.RegisterFlags(l)
	c.Metrics.RegisterFlags(l)
	c.Tracing.RegisterFlags(l)
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
	// Metrics is where the service's metrics go.
	Metrics *metrics.Registry

	client   *mongo.Client
	endpoint *metrics.Endpoint
	deps     []readiness.Dependency
	ready    *readiness.Monitor
	closes   []func()
	loops    []func(context.Context)
}

// Start connects to the database. On an error later in the service's own start-up, call Fail to
// release what Start took.
func Start(ctx context.Context, cfg Config, n Names, logger *slog.Logger) (*Base, error) {
	endpoint, err := metrics.NewEndpoint(cfg.Registry, cfg.Metrics)
	if err != nil {
		return nil, fmt.Errorf("start %s service: %w", n.Service, err)
	}
	b := &Base{Config: cfg, Names: n, Logger: logger, endpoint: endpoint, Metrics: endpoint.Registry()}
	b.closes = append(b.closes, endpoint.Close)
	client, err := mongodb.Connect(ctx, cfg.MongoURI, cfg.DB)
	if err != nil {
		return nil, b.Fail(err)
	}
	b.client, b.DB = client, client.Database(cfg.Database)
	b.closes = append(b.closes, func() { _ = client.Disconnect(context.Background()) })
	b.deps = append(b.deps, readiness.Dependency{Name: "mongodb", Required: true, Probe: readiness.MongoDB(client)})
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
		DrainPeriod: b.Config.DrainPeriod, Metrics: b.Metrics, MapError: opts.MapError,
		TLS: b.Config.TLS, HealthAddr: b.Config.HealthAddr}, b.Logger, authn, opts.ServerOptions...)
	return err
}

// Peer says how the service depends on another one it calls.
type Peer struct {
	// Addr is the peer's address (a list of replicas or a dns:/// target), read from Env.
	Addr, Env string
	// Service is the peer's fully-qualified gRPC service name, for health checks.
	Service string
	// Required makes the service unready while the peer is unreachable.
	Required bool
	// Unary interceptors and dial options the calls add (the service's own credentials, say).
	Unary   []grpc.UnaryClientInterceptor
	Options []grpc.DialOption
}

// Dial connects to a peer (round robin over its healthy replicas, UNAVAILABLE retried, calls
// bounded by a deadline) and makes readiness follow it; Run closes the connection.
func (b *Base) Dial(p Peer) (*grpc.ClientConn, error) {
	conn, err := grpcclient.Dial(p.Addr, p.Service, grpcclient.Options{Metrics: b.Metrics, Unary: p.Unary, Dial: p.Options,
		TLS: b.Config.ClientTLS})
	if err != nil {
		return nil, fmt.Errorf("dial %s %q: %w", p.Env, p.Addr, err)
	}
	b.closes = append(b.closes, func() { _ = conn.Close() })
	b.deps = append(b.deps, readiness.Dependency{Name: strings.ToLower(strings.TrimSuffix(p.Env, "_ADDR")),
		Required: p.Required, Probe: readiness.GRPC(conn, p.Service)})
	return conn, nil
}

// Need makes readiness follow d too: a service's own credential, say (readiness.Token).
func (b *Base) Need(d readiness.Dependency) { b.deps = append(b.deps, d) }

// OnClose adds what Run (or Fail) releases, after everything added later.
func (b *Base) OnClose(f func()) { b.closes = append(b.closes, f) }

// Go adds a background loop that Run runs until its context ends.
func (b *Base) Go(loop func(ctx context.Context)) { b.loops = append(b.loops, loop) }

// SampleLag reports follower's lag behind its feed as a metric while the service runs.
func (b *Base) SampleLag(follower string, lag func(context.Context) (int64, error)) {
	b.Go(func(ctx context.Context) { b.Metrics.SampleLag(ctx, follower, lag) })
}

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

// Serving starts following readiness: the service (its fully-qualified gRPC name) is SERVING in
// the health service while its database and required peers answer; when it is not, its health
// checks and its log say which dependency is down and why.
func (b *Base) Serving(ctx context.Context, grpcService string) {
	b.ready = readiness.New(b.deps, func(ok bool, why string) { b.Server.SetServingBecause(grpcService, ok, why) }, b.Metrics, b.Logger)
	b.ready.Check(ctx)
	b.Go(b.ready.Run)
}

// Addr is the gRPC address the service listens on.
func (b *Base) Addr() string { return b.Server.Addr() }

// Run serves, publishes metrics and runs the background loops until ctx ends, then stops
// gracefully and closes every connection.
func (b *Base) Run(ctx context.Context) error {
	defer b.close()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return b.Server.Run(ctx) })
	g.Go(func() error { return b.endpoint.Serve(ctx, b.Logger) })
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
