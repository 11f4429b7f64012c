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

	"google.golang.org/grpc"

	"github.com/prometheus/client_golang/prometheus"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/config"
	"github.com/socialrx/socialrx/services/platform/metrics"
	"github.com/socialrx/socialrx/services/platform/periodic"
	"github.com/socialrx/socialrx/services/platform/readiness"
	"github.com/socialrx/socialrx/services/platform/service"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/snapshot"
	"github.com/socialrx/socialrx/services/referral/internal/impact"
	"github.com/socialrx/socialrx/services/referral/internal/notify"
	"github.com/socialrx/socialrx/services/referral/internal/readmodel"
	"github.com/socialrx/socialrx/services/referral/internal/server"
	"github.com/socialrx/socialrx/services/referral/internal/server/eventfeed"
	"github.com/socialrx/socialrx/services/referral/internal/server/saga"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// ServiceName is the gRPC service name reported by the health service.
var ServiceName = referralv1.ReferralService_ServiceDesc.ServiceName

var names = service.Names{Service: "referral", Env: "REFERRAL", Addr: ":9092", Database: "socialrx_referral"}

// Config configures the referral service.
type Config struct {
	service.Config
	DirectoryAddr string
	EventAddr     string
	// ConsumerPoll is how long the event feed consumer waits when it has caught up.
	ConsumerPoll time.Duration
	// ReconcileInterval is how often the reconciler settles bookings no request will finish;
	// ReconcileGrace how long after its last change a booking is left to its own request.
	ReconcileInterval time.Duration
	ReconcileGrace    time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// ClientID and ClientSecret are the service's own OAuth2 client at the provider: its calls
	// to the directory and event services carry a client credentials token of this client.
	ClientID     string
	ClientSecret string
	// TokenURL overrides the token endpoint of the provider's discovery document.
	TokenURL string
	// Webhooks configures the notification engine (package notify); its Guard's resolver, TLS
	// and clock are for tests.
	Webhooks notify.Config
	// FeedRetention is how long the change feed keeps an entry at least (see changefeed.Retention).
	FeedRetention time.Duration
}

func (c Config) retention() changefeed.Retention {
	r := changefeed.DefaultRetention
	if c.FeedRetention > 0 {
		r.Age = c.FeedRetention
	}
	return r
}

// RegisterFlags registers the configuration flags, with environment fallbacks, on l.
func (c *Config) RegisterFlags(l *config.Loader) {
	c.Config.RegisterFlags(l, names)
	l.String(&c.DirectoryAddr, "directory-addr", "DIRECTORY_ADDR", "localhost:9090", "directory service gRPC address")
	l.String(&c.EventAddr, "event-addr", "EVENT_ADDR", "localhost:9091", "event service gRPC address")
	l.Duration(&c.ConsumerPoll, "event-poll", "REFERRAL_EVENT_POLL", 500*time.Millisecond, "event change feed poll interval")
	l.String(&c.ClientID, "oidc-client-id", "REFERRAL_OIDC_CLIENT_ID", "", "the referral service's own OAuth2 client id, for its calls to other services")
	l.String(&c.ClientSecret, "oidc-client-secret", "REFERRAL_OIDC_CLIENT_SECRET", "", "the secret of REFERRAL_OIDC_CLIENT_ID")
	l.String(&c.TokenURL, "oidc-token-url", "OIDC_TOKEN_URL", "", "token endpoint, instead of the discovery document's")
	l.Duration(&c.ReconcileInterval, "reconcile-interval", "REFERRAL_RECONCILE_INTERVAL", DefaultReconcileInterval, "how often unfinished bookings are settled with the event service")
	l.Bool(&c.Webhooks.Guard.AllowInsecureLoopback, "webhook-allow-insecure-loopback", "WEBHOOK_ALLOW_INSECURE_LOOPBACK", false, "development only: let webhooks use plain http to loopback addresses")
	l.Duration(&c.Webhooks.DisableAfter, "webhook-disable-after", "WEBHOOK_DISABLE_AFTER", notify.DefaultDisableAfter, "how long a webhook's deliveries may fail without a success before it is disabled")
	l.Duration(&c.Webhooks.RetryBase, "webhook-retry-base", "WEBHOOK_RETRY_BASE", notify.DefaultRetryBase, "wait after a webhook delivery's first failure; it doubles with each further one")
	l.Duration(&c.Webhooks.RetryMax, "webhook-retry-max", "WEBHOOK_RETRY_MAX", notify.DefaultRetryMax, "longest wait between attempts of a webhook delivery")
	l.Duration(&c.Webhooks.Timeout, "webhook-timeout", "WEBHOOK_TIMEOUT", notify.DefaultTimeout, "time a webhook delivery attempt may take, answer included")
	l.Duration(&c.Webhooks.ConnectTimeout, "webhook-connect-timeout", "WEBHOOK_CONNECT_TIMEOUT", notify.DefaultConnectTimeout, "time to connect to a webhook target")
	l.Duration(&c.Webhooks.Lease, "webhook-lease", "WEBHOOK_LEASE", notify.DefaultLease, "length of the webhook dispatch lease; a stopped replica's is taken over within two")
	l.Int(&c.Webhooks.Workers, "webhook-workers", "WEBHOOK_WORKERS", notify.DefaultWorkers, "webhook delivery attempts one replica makes at once (one per webhook at a time)")
	l.Duration(&c.Webhooks.Poll, "webhook-poll", "WEBHOOK_POLL", notify.DefaultPoll, "how often the webhook engine looks for changes and due deliveries")
	l.Duration(&c.ReconcileGrace, "reconcile-grace", "REFERRAL_RECONCILE_GRACE", DefaultReconcileGrace, "how long a booking is left to its own request before the reconciler settles it")
	l.Duration(&c.FeedRetention, "feed-retention", "REFERRAL_FEED_RETENTION", changefeed.DefaultRetention.Age,
		"how long the change feed keeps a change at least (and every change its registered followers have yet to read); WatchReferrals from an older token is OUT_OF_RANGE")
}

// Reconciler defaults. The grace outlasts a booking request's call to the event service
// (server.EventTimeout), so the reconciler rarely repeats the work of a request still running.
const (
	DefaultReconcileInterval = 5 * time.Second
	DefaultReconcileGrace    = 3 * server.EventTimeout
)

// Validate reports a setting the service cannot start with.
func (c Config) Validate() error {
	if err := c.Config.Validate(names); err != nil {
		return err
	}
	if c.ClientID == "" || c.ClientSecret == "" {
		return errors.New("REFERRAL_OIDC_CLIENT_ID and REFERRAL_OIDC_CLIENT_SECRET are required: the referral service's own client at the OpenID provider, for its calls to the directory and event services")
	}
	if c.ReconcileInterval < 0 || c.ReconcileGrace < 0 {
		return errors.New("REFERRAL_RECONCILE_INTERVAL and REFERRAL_RECONCILE_GRACE must not be negative")
	}
	return nil
}

// Service is a started referral service.
type Service struct {
	*service.Base
	saga        *saga.Saga
	reconciler  *saga.Reconciler
	handler     *server.Server
	intentGrace time.Duration
}

// Start connects to the database and the other services, loads the worklist and listens.
func Start(ctx context.Context, cfg Config, logger *slog.Logger) (*Service, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ConsumerPoll == 0 {
		cfg.ConsumerPoll = 500 * time.Millisecond
	}
	if cfg.ReconcileInterval == 0 {
		cfg.ReconcileInterval = DefaultReconcileInterval
	}
	b, err := service.Start(ctx, cfg.Config, names, logger)
	if err != nil {
		return nil, err
	}
	// Calls to other services carry the service's own token, never a caller's identity; without
	// it they fail, so readiness follows it, as its own dependency.
	token := auth.Client{Issuer: cfg.Auth.Issuer, TokenURL: cfg.TokenURL, ID: cfg.ClientID, Secret: cfg.ClientSecret}.TokenSource()
	own := auth.CallCredentials(token)
	b.Need(readiness.Dependency{Name: "oidc_token", Required: true, Probe: readiness.Token(token)})
	// Creating and accepting referrals ask the directory; booking, cancelling and the closed loop
	// (the event change feed) need the event service: without either the service cannot do its job.
	dirConn, err := b.Dial(service.Peer{Addr: cfg.DirectoryAddr, Env: "DIRECTORY_ADDR", Required: true,
		Service: directoryv1.DirectoryService_ServiceDesc.ServiceName, Options: own})
	if err != nil {
		return nil, b.Fail(err)
	}
	eventConn, err := b.Dial(service.Peer{Addr: cfg.EventAddr, Env: "EVENT_ADDR", Required: true,
		Service: eventv1.EventService_ServiceDesc.ServiceName, Options: own})
	if err != nil {
		return nil, b.Fail(err)
	}
	st := store.New(b.DB)
	// A process that stopped mid-write can leave a referral behind its latest claim (see
	// docstore.Recover): bring each up to it before loading and serving.
	if err := st.Referrals.Recover(ctx); err != nil {
		return nil, b.Fail(err)
	}
	if err := st.Webhooks.Recover(ctx); err != nil {
		return nil, b.Fail(err)
	}
	ix, err := readmodel.Load(ctx, st, cfg.ReadStaleness)
	if err != nil {
		return nil, b.Fail(err)
	}
	events := eventv1.NewEventServiceClient(eventConn)
	impactSnaps := snapshot.New(b.DB, "impact")
	effects, err := impact.Load(ctx, st, impactSnaps, server.EventResolver(events), cfg.ReadStaleness)
	if err != nil {
		return nil, b.Fail(err)
	}
	sg := saga.New(st, events, cfg.Now, server.EventTimeout, logger)
	handler := server.New(st, ix, directoryv1.NewDirectoryServiceClient(dirConn), events, sg, b.Validator, cfg.Now, logger)
	if err := b.Listen(service.Options{ServerOptions: []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(handler.Authorize), grpc.ChainStreamInterceptor(handler.AuthorizeStream)}}); err != nil {
		return nil, b.Fail(err)
	}
	referralv1.RegisterReferralServiceServer(b.Server.Registrar(), handler)
	if cfg.Webhooks.Now == nil {
		cfg.Webhooks.Now = cfg.Now
	}
	engine := notify.New(st, cfg.Webhooks, logger)
	referralv1.RegisterWebhookServiceServer(b.Server.Registrar(), server.NewWebhooks(st, engine, b.Validator, cfg.Now, logger))
	referralv1.RegisterImpactServiceServer(b.Server.Registrar(), server.NewImpact(effects, cfg.Now, logger))
	if err := b.Metrics.Register(ix.Collector()); err != nil {
		return nil, b.Fail(fmt.Errorf("register referral metrics: %w", err))
	}
	follower := eventfeed.New(events, st, sg, cfg.ConsumerPoll, cfg.Now, logger)
	follower.Instrument(b.Metrics)
	b.Go(func(ctx context.Context) {
		ix.Run(ctx, cfg.SyncInterval, func(err error) { logger.Warn("worklist sync", "error", err) })
	})
	// The feed keeps what a restart of each of its followers replays: the worklist and impact
	// models from their snapshots, the webhook engine from its stored position.
	b.Go(func(ctx context.Context) {
		st.Feed.Keep(ctx, cfg.retention(), map[string]changefeed.Held{
			readmodel.SnapshotFollower: st.Snapshots.Position,
			impact.SnapshotFollower:    impactSnaps.Position,
			notify.Follower:            engine.Position,
		}, func(err error) { logger.Warn("trim change feed", "error", err) })
	})
	b.Go(follower.Run)
	b.Go(engine.Run)
	b.Go(func(ctx context.Context) {
		effects.Run(ctx, cfg.SyncInterval, func(err error) { logger.Warn("impact sync", "error", err) })
	})
	rc := saga.NewReconciler(sg, ix.Select, ix.Sync, cfg.ReconcileInterval, cfg.ReconcileGrace,
		func(err error) { logger.Warn("reconcile bookings", "error", err) })
	b.Go(rc.Run)
	// Audit intents a crashed or failed request left unsettled, settled after their change.
	b.Go(func(ctx context.Context) {
		periodic.Every(ctx, cfg.ReconcileInterval, func(ctx context.Context) error {
			_, err := handler.SettleIntents(ctx, cfg.ReconcileGrace)
			return err
		}, func(err error) { logger.Warn("settle audit intents", "error", err) })
	})
	svc := &Service{Base: b, saga: sg, reconciler: rc, handler: handler, intentGrace: cfg.ReconcileGrace}
	if err := svc.instrumentRepairs(b.Metrics); err != nil {
		return nil, b.Fail(err)
	}
	b.SampleLag("referral_readmodel", ix.Lag)
	b.SampleLag("referral_impact", effects.Lag)
	b.Serving(ctx, ServiceName)
	return svc, nil

}

// Repairs counts what the reconciler (and the event feed consumer, for seats a booking request
// left unrecorded) has repaired since start, by kind; each count only grows.
type Repairs struct {
	// Completed: pending bookings recorded from the event service's answer.
	Completed int64
	// Compensated: registrations cancelled because their referral may not hold them.
	Compensated int64
	// Dropped: pending bookings removed because the event service had no registration for them.
	Dropped int64
	// Adopted: registrations the referral did not record, recorded.
	Adopted int64
	// Corrected: recorded bookings brought in line with their registration.
	Corrected int64
}

// Repairs returns the repair counts so far.
func (s *Service) Repairs() Repairs {
	r := &s.saga.Repairs
	return Repairs{Completed: r.Completed.Load(), Compensated: r.Compensated.Load(), Dropped: r.Dropped.Load(),
		Adopted: r.Adopted.Load(), Corrected: r.Corrected.Load()}
}

// SettleAuditIntents settles now the audit intents older than the reconcile grace that no
// request settled, and returns how many.
func (s *Service) SettleAuditIntents(ctx context.Context) (int, error) {
	return s.handler.SettleIntents(ctx, s.intentGrace)
}

// Reconcile runs one reconciler pass now and returns how many repairs it made.
func (s *Service) Reconcile(ctx context.Context) (int, error) { return s.reconciler.Pass(ctx) }

// instrumentRepairs exports the repair counts as socialrx_reconciler_repairs_total{kind}.
func (s *Service) instrumentRepairs(reg *metrics.Registry) error {
	for kind, count := range map[string]func() int64{
		"completed":   func() int64 { return s.Repairs().Completed },
		"compensated": func() int64 { return s.Repairs().Compensated },
		"dropped":     func() int64 { return s.Repairs().Dropped },
		"adopted":     func() int64 { return s.Repairs().Adopted },
		"corrected":   func() int64 { return s.Repairs().Corrected },
	} {
		c := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "socialrx_reconciler_repairs_total",
			Help: "Bookings the reconciler and the event feed consumer repaired, by kind.", ConstLabels: prometheus.Labels{"kind": kind}},
			func() float64 { return float64(count()) })
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("register reconciler metrics: %w", err)
		}
	}
	return nil
}
