// Package referral runs the referral service: social prescriptions and their closed loop, from
// the clinician's referral to the link worker's bookings and outcomes. The service binary
// (cmd/referral) and the all-in-one launcher start it through Start and Run.
package referral

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/config"
	"github.com/socialrx/socialrx/services/platform/grpcserver"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/mongodb"
	"github.com/socialrx/socialrx/services/platform/validation"
	"github.com/socialrx/socialrx/services/referral/internal/consumer"
	"github.com/socialrx/socialrx/services/referral/internal/readmodel"
	"github.com/socialrx/socialrx/services/referral/internal/server"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// ServiceName is the gRPC service name reported by the health service.
const ServiceName = "socialrx.referral.v1.ReferralService"

// Config configures the referral service.
type Config struct {
	GRPCAddr        string
	MongoURI        string
	Database        string
	DirectoryAddr   string
	EventAddr       string
	ShutdownTimeout time.Duration
	SyncInterval    time.Duration
	// ReadStaleness bounds how far a worklist read may lag other replicas' writes; reads within it
	// share one probe of the change feed. 0 probes for every read.
	ReadStaleness time.Duration
	// ConsumerPoll is how long the event feed consumer waits when it has caught up.
	ConsumerPoll time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// RegisterFlags registers the configuration flags, with environment fallbacks, on l.
func (c *Config) RegisterFlags(l *config.Loader) {
	l.String(&c.GRPCAddr, "grpc-addr", "REFERRAL_GRPC_ADDR", ":9092", "gRPC listen address")
	l.String(&c.MongoURI, "mongodb-uri", "MONGODB_URI", "", "MongoDB connection string")
	l.String(&c.Database, "database", "REFERRAL_DATABASE", "socialrx_referral", "MongoDB database of the referral service")
	l.String(&c.DirectoryAddr, "directory-addr", "DIRECTORY_ADDR", "localhost:9090", "directory service gRPC address")
	l.String(&c.EventAddr, "event-addr", "EVENT_ADDR", "localhost:9091", "event service gRPC address")
	l.Duration(&c.ShutdownTimeout, "shutdown-timeout", "SHUTDOWN_TIMEOUT", 10*time.Second, "graceful stop deadline")
	l.Duration(&c.SyncInterval, "sync-interval", "REFERRAL_SYNC_INTERVAL", time.Second, "worklist refresh interval")
	l.Duration(&c.ReadStaleness, "read-staleness", "REFERRAL_READ_STALENESS", changefeed.DefaultStaleness, "how far worklist reads may lag other replicas' writes")
	l.Duration(&c.ConsumerPoll, "event-poll", "REFERRAL_EVENT_POLL", 500*time.Millisecond, "event change feed poll interval")
}

// Validate reports a setting the service cannot start with.
func (c Config) Validate() error {
	if c.MongoURI == "" {
		return errors.New("MONGODB_URI (or -mongodb-uri) is required: the connection string of the referral service's MongoDB")
	}
	return nil
}

// Service is a started referral service.
type Service struct {
	srv      *grpcserver.Server
	ix       *readmodel.Index
	consumer *consumer.Consumer
	logger   *slog.Logger
	close    func()
	cfg      Config
}

// serviceIdentity marks calls to other services as this service's, so they show full details.
func serviceIdentity(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	ctx = metadata.AppendToOutgoingContext(ctx, auth.HeaderSubject, "services/referral", auth.HeaderRoles, auth.RoleService)
	return invoker(ctx, method, req, reply, cc, opts...)
}

// Start connects to the database and the other services, loads the worklist and listens.
func Start(ctx context.Context, cfg Config, logger *slog.Logger) (*Service, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ConsumerPoll == 0 {
		cfg.ConsumerPoll = 500 * time.Millisecond
	}
	client, err := mongodb.Connect(ctx, cfg.MongoURI, 10*time.Second)
	if err != nil {
		return nil, err
	}
	dial := func(addr, env string) (*grpc.ClientConn, error) {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithUnaryInterceptor(serviceIdentity))
		if err != nil {
			return nil, fmt.Errorf("dial %s %q: %w", env, addr, err)
		}
		return conn, nil
	}
	dirConn, err := dial(cfg.DirectoryAddr, "DIRECTORY_ADDR")
	if err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	eventConn, err := dial(cfg.EventAddr, "EVENT_ADDR")
	if err != nil {
		_ = dirConn.Close()
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	closeAll := func() {
		_ = eventConn.Close()
		_ = dirConn.Close()
		_ = client.Disconnect(context.Background())
	}
	st := store.New(client.Database(cfg.Database))
	ix, err := readmodel.Load(ctx, st, cfg.ReadStaleness)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("start referral service: %w", err)
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
	events := eventv1.NewEventServiceClient(eventConn)
	referralv1.RegisterReferralServiceServer(srv.Registrar(),
		server.New(st, ix, directoryv1.NewDirectoryServiceClient(dirConn), events, v, cfg.Now, logger))
	srv.SetServing(ServiceName, true)
	return &Service{srv: srv, ix: ix, consumer: consumer.New(events, st, cfg.ConsumerPoll, cfg.Now, logger),
		logger: logger, close: closeAll, cfg: cfg}, nil
}

// Addr is the gRPC address the service listens on.
func (s *Service) Addr() string { return s.srv.Addr() }

// Run serves and follows the event change feed until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	defer s.close()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.srv.Run(ctx) })
	g.Go(func() error {
		s.ix.Run(ctx, s.cfg.SyncInterval, func(err error) { s.logger.Warn("worklist sync", "error", err) })
		return nil
	})
	g.Go(func() error {
		s.consumer.Run(ctx)
		return nil
	})
	return g.Wait()
}
