// Package gateway serves every socialrx gRPC API as REST/JSON (grpc-gateway), the OpenAPI
// document that describes it, the HSDS 3.0 read API of the directory, a health endpoint that
// reflects the backends, the FHIR R4 facade (package fhir) under /fhir/r4, and the web app
// (package web) under "/".
package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/socialrx/socialrx/gateway/fhir"
	"github.com/socialrx/socialrx/gateway/hsds"
	"github.com/socialrx/socialrx/gateway/openapi"
	"github.com/socialrx/socialrx/gateway/web"
	"github.com/socialrx/socialrx/gateway/web/sessiondb"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/config"
	"github.com/socialrx/socialrx/services/platform/grpctls"
	"github.com/socialrx/socialrx/services/platform/headers"
	"github.com/socialrx/socialrx/services/platform/language"
	"github.com/socialrx/socialrx/services/platform/metrics"
	"github.com/socialrx/socialrx/services/platform/periodic"
	"github.com/socialrx/socialrx/services/platform/storage/mongodb"
	"github.com/socialrx/socialrx/services/platform/tracing"
)

// Config configures the gateway.
type Config struct {
	HTTPAddr      string
	DirectoryAddr string
	EventAddr     string
	ReferralAddr  string
	// BackendTLS is what the calls to the services present and trust; plaintext when not set.
	BackendTLS      grpctls.Client
	ShutdownTimeout time.Duration
	// MaxBodyBytes is the largest request body accepted; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// RateLimit is the sustained requests per second allowed to one caller with a verified
	// token (by its subject and client); 0 means DefaultRateLimit, a negative value turns rate
	// limiting off. Tokens are verified as Web.Access says; without its issuer every request is
	// limited by address.
	RateLimit float64
	// RateBurst is how many requests one caller may send at once; 0 means DefaultRateBurst.
	RateBurst int64
	// AddressRateLimit and AddressRateBurst limit the requests without a verified token, which
	// share one bucket per client address; 0 means RateLimit and RateBurst.
	AddressRateLimit float64
	AddressRateBurst int64
	// FailedAuthRateLimit and FailedAuthRateBurst limit, per client address, the requests whose
	// credential does not verify, on top of the address's bucket; 0 means
	// DefaultFailedAuthRateLimit and DefaultFailedAuthRateBurst.
	FailedAuthRateLimit float64
	FailedAuthRateBurst int64
	// TrustedProxies lists the proxies (CIDR prefixes or addresses, comma-separated) whose
	// X-Forwarded-For names the client; from any other peer the header is not read.
	TrustedProxies string
	// Web configures the browser front end served under "/".
	Web     web.Config
	Metrics metrics.Config
	Tracing tracing.Config
	// Registry receives the gateway's metrics; when nil the gateway makes its own and Serve serves
	// it on Metrics.Addr. The all-in-one passes one registry to every part and serves it itself.
	Registry *metrics.Registry
	// WebSessions finds the web app's signed-in person (tests pass their own); see web.Backends.
	WebSessions web.Sessions
	// MongoURI and Database are where the web app keeps its sessions, so that every replica
	// and restart knows them; without a URI they live in this process's memory.
	MongoURI, Database string
	DB                 mongodb.Timeouts
	// PruneInterval is how often expired sessions are deleted; 0 means DefaultPruneInterval.
	PruneInterval time.Duration
}

// DefaultDatabase is the gateway's own database; DefaultPruneInterval how often it prunes.
const (
	DefaultDatabase      = "socialrx_gateway"
	DefaultPruneInterval = 10 * time.Minute
)

// Defaults of the edge limits.
const (
	DefaultMaxBodyBytes = 1 << 20
	DefaultRateLimit    = 50
	DefaultRateBurst    = 100

	DefaultFailedAuthRateLimit = 1
	DefaultFailedAuthRateBurst = 10
)

// RegisterFlags registers the configuration flags, with environment fallbacks, on l.
func (c *Config) RegisterFlags(l *config.Loader) {
	l.String(&c.HTTPAddr, "http-addr", "GATEWAY_HTTP_ADDR", ":8080", "HTTP listen address")
	l.String(&c.DirectoryAddr, "directory-addr", "DIRECTORY_ADDR", "localhost:9090", "directory service gRPC address")
	l.String(&c.EventAddr, "event-addr", "EVENT_ADDR", "localhost:9091", "event service gRPC address")
	l.String(&c.ReferralAddr, "referral-addr", "REFERRAL_ADDR", "localhost:9092", "referral service gRPC address")
	c.BackendTLS.RegisterFlags(l)
	l.Duration(&c.ShutdownTimeout, "shutdown-timeout", "SHUTDOWN_TIMEOUT", 10*time.Second, "graceful stop deadline")
	l.Int64(&c.MaxBodyBytes, "max-body-bytes", "GATEWAY_MAX_BODY_BYTES", DefaultMaxBodyBytes, "largest request body accepted, in bytes")
	l.Float64(&c.RateLimit, "rate-limit", "GATEWAY_RATE_LIMIT", DefaultRateLimit, "requests per second per caller with a verified token; negative turns rate limiting off")
	l.Int64(&c.RateBurst, "rate-burst", "GATEWAY_RATE_BURST", DefaultRateBurst, "requests a caller with a verified token may send at once")
	l.Float64(&c.AddressRateLimit, "address-rate-limit", "GATEWAY_ADDRESS_RATE_LIMIT", DefaultRateLimit, "requests per second per client address without a verified token")
	l.Int64(&c.AddressRateBurst, "address-rate-burst", "GATEWAY_ADDRESS_RATE_BURST", DefaultRateBurst, "requests a client address without a verified token may send at once")
	l.Float64(&c.FailedAuthRateLimit, "failed-auth-rate-limit", "GATEWAY_FAILED_AUTH_RATE_LIMIT", DefaultFailedAuthRateLimit, "requests per second per client address whose credential does not verify")
	l.Int64(&c.FailedAuthRateBurst, "failed-auth-rate-burst", "GATEWAY_FAILED_AUTH_RATE_BURST", DefaultFailedAuthRateBurst, "requests with a credential that does not verify a client address may send at once")
	l.String(&c.TrustedProxies, "trusted-proxies", "GATEWAY_TRUSTED_PROXIES", "", "proxies (CIDR prefixes, comma-separated) whose X-Forwarded-For names the client; none by default")
	l.String(&c.MongoURI, "mongodb-uri", "MONGODB_URI", "", "MongoDB connection string of the gateway's database (web sessions); sessions stay in memory when empty")
	l.String(&c.Database, "database", "GATEWAY_DATABASE", DefaultDatabase, "MongoDB database of the gateway")
	l.Duration(&c.PruneInterval, "session-prune-interval", "GATEWAY_SESSION_PRUNE_INTERVAL", DefaultPruneInterval, "how often expired web sessions are deleted")
	c.DB.RegisterFlags(l)
	c.Web.RegisterFlags(l)
	c.Metrics.RegisterFlags(l)
	c.Tracing.RegisterFlags(l)
}

// Validate reports a setting the gateway cannot start with.
func (c Config) Validate() error {
	for _, l := range []struct {
		env   string
		value float64
	}{
		{"GATEWAY_RATE_BURST", float64(c.RateBurst)},
		{"GATEWAY_ADDRESS_RATE_LIMIT", c.AddressRateLimit}, {"GATEWAY_ADDRESS_RATE_BURST", float64(c.AddressRateBurst)},
		{"GATEWAY_FAILED_AUTH_RATE_LIMIT", c.FailedAuthRateLimit}, {"GATEWAY_FAILED_AUTH_RATE_BURST", float64(c.FailedAuthRateBurst)},
	} {
		if l.value < 0 {
			return fmt.Errorf("%s=%v: must not be negative (a negative GATEWAY_RATE_LIMIT turns limiting off)", l.env, l.value)
		}
	}
	if _, err := parseProxies(c.TrustedProxies); err != nil {
		return err
	}
	if err := c.Web.Validate(); err != nil {
		return err
	}
	if c.sessionsInDatabase() {
		if _, err := sessiondb.ParseKeys(c.Web.SessionKey, c.Web.SessionKeyPrevious); err != nil {
			return err
		}
	}
	return nil
}

// sessionsInDatabase reports whether the web app signs people in and keeps their sessions in
// the gateway's database.
func (c Config) sessionsInDatabase() bool {
	return c.MongoURI != "" && c.Web.SignIn() && c.WebSessions == nil
}

// restServices are the gRPC services whose REST bindings the gateway serves.
var restServices = []string{
	directoryv1.DirectoryService_ServiceDesc.ServiceName,
	eventv1.EventService_ServiceDesc.ServiceName,
	referralv1.ReferralService_ServiceDesc.ServiceName,
	referralv1.WebhookService_ServiceDesc.ServiceName,
	referralv1.ImpactService_ServiceDesc.ServiceName,
}

// backend is one gRPC service behind the gateway.
type backend struct {
	name    string // "directory"
	service string // gRPC service name for health checks
	conn    *grpc.ClientConn
	// diagnosis reaches replicas that do not serve, which conn skips, to ask them why.
	diagnosis *grpc.ClientConn
}

// Gateway is the HTTP front of the gRPC services.
type Gateway struct {
	cfg      Config
	logger   *slog.Logger
	backends []backend
	handler  http.Handler
	metrics  *metrics.Endpoint
	// sessions is the web sessions' database, when they are kept in one.
	sessions *sessiondb.Store
	db       *mongo.Client
}

// New dials the backends (lazily: a backend that is down makes its calls fail with 503, not the
// gateway) and builds the HTTP handler.
func New(ctx context.Context, cfg Config, logger *slog.Logger) (*Gateway, error) {
	// What was configured is checked before the defaults fill in what was not.
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = DefaultRateBurst
	}
	if cfg.AddressRateLimit <= 0 {
		cfg.AddressRateLimit = cfg.RateLimit
	}
	if cfg.AddressRateBurst <= 0 {
		cfg.AddressRateBurst = cfg.RateBurst
	}
	if cfg.FailedAuthRateLimit <= 0 {
		cfg.FailedAuthRateLimit = DefaultFailedAuthRateLimit
	}
	if cfg.FailedAuthRateBurst <= 0 {
		cfg.FailedAuthRateBurst = DefaultFailedAuthRateBurst
	}
	if cfg.PruneInterval <= 0 {
		cfg.PruneInterval = DefaultPruneInterval
	}
	routes, err := newRouteTable(logger, restServices...)
	if err != nil {
		return nil, err
	}

	endpoint, err := metrics.NewEndpoint(cfg.Registry, cfg.Metrics)
	if err != nil {
		return nil, err
	}
	reg := endpoint.Registry()
	dir, err := dialBackend(cfg.DirectoryAddr, directoryv1.DirectoryService_ServiceDesc.ServiceName, reg, cfg.BackendTLS)
	if err != nil {
		return nil, fmt.Errorf("dial directory at DIRECTORY_ADDR %q: %w", cfg.DirectoryAddr, err)
	}
	events, err := dialBackend(cfg.EventAddr, eventv1.EventService_ServiceDesc.ServiceName, reg, cfg.BackendTLS)
	if err != nil {
		return nil, fmt.Errorf("dial event service at EVENT_ADDR %q: %w", cfg.EventAddr, err)
	}
	referrals, err := dialBackend(cfg.ReferralAddr, referralv1.ReferralService_ServiceDesc.ServiceName, reg, cfg.BackendTLS)
	if err != nil {
		return nil, fmt.Errorf("dial referral service at REFERRAL_ADDR %q: %w", cfg.ReferralAddr, err)
	}
	g := &Gateway{cfg: cfg, logger: logger, metrics: endpoint, backends: []backend{
		{name: "directory", service: directoryv1.DirectoryService_ServiceDesc.ServiceName, conn: dir},
		{name: "event", service: eventv1.EventService_ServiceDesc.ServiceName, conn: events},
		{name: "referral", service: referralv1.ReferralService_ServiceDesc.ServiceName, conn: referrals},
	}}
	for i, addr := range []string{cfg.DirectoryAddr, cfg.EventAddr, cfg.ReferralAddr} {
		b := &g.backends[i]
		if b.diagnosis, err = dialDiagnosis(addr, b.service); err != nil {
			return nil, fmt.Errorf("dial %s: %w", b.name, err)
		}
	}
	// The caller's Authorization header reaches the services unchanged (grpc-gateway forwards it
	// as "authorization" metadata); the gateway vouches for no identity of its own.
	mux := runtime.NewServeMux(
		runtime.WithErrorHandler(writeError),
		runtime.WithRoutingErrorHandler(routingError),
		// A form-encoded POST to a GET method would bypass the edge's checks of the query.
		runtime.WithDisablePathLengthFallback(),
		runtime.WithIncomingHeaderMatcher(forwardHeader),
		runtime.WithMiddlewares(routes.middleware),
		// HTTPBodyMarshaler passes google.api.HttpBody responses (iCalendar) through as they are.
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.HTTPBodyMarshaler{Marshaler: &runtime.JSONPb{
			MarshalOptions:   protojson.MarshalOptions{EmitUnpopulated: false},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}}),
	)
	if err := directoryv1.RegisterDirectoryServiceHandler(ctx, mux, dir); err != nil {
		return nil, fmt.Errorf("register directory routes: %w", err)
	}
	if err := eventv1.RegisterEventServiceHandler(ctx, mux, events); err != nil {
		return nil, fmt.Errorf("register event routes: %w", err)
	}
	if err := referralv1.RegisterWebhookServiceHandler(ctx, mux, referrals); err != nil {
		return nil, fmt.Errorf("register webhook routes: %w", err)
	}
	if err := referralv1.RegisterReferralServiceHandler(ctx, mux, referrals); err != nil {
		return nil, fmt.Errorf("register referral routes: %w", err)
	}
	if err := referralv1.RegisterImpactServiceHandler(ctx, mux, referrals); err != nil {
		return nil, fmt.Errorf("register impact routes: %w", err)
	}
	top := http.NewServeMux()
	top.Handle("/v1/", mux)
	top.Handle("/hsds/", http.StripPrefix("/hsds", hsds.NewHandler(directoryv1.NewDirectoryServiceClient(dir), logger)))
	top.Handle("/hsds", http.RedirectHandler("/hsds/", http.StatusMovedPermanently))
	top.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openapi.Spec)
	})
	top.Handle("GET /docs", openapi.Reference())
	facade, err := fhir.New(fhir.Config{Directory: dir, Event: events, Referral: referrals, Access: cfg.Web.Access, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("fhir facade: %w", err)
	}
	top.Handle(fhir.Prefix+"/", http.StripPrefix(fhir.Prefix, facade))
	top.Handle(fhir.Prefix, http.StripPrefix(fhir.Prefix, facade))
	top.HandleFunc("GET /healthz", g.health)
	if cfg.sessionsInDatabase() {
		if err := g.openSessions(ctx); err != nil {
			g.closeBackends()
			return nil, err
		}
	}
	site, err := web.New(cfg.Web, web.Backends{Directory: dir, Event: events, Referral: referrals, Sessions: cfg.WebSessions,
		SessionStore: g.sessions}, logger)
	if err != nil {
		g.closeBackends()
		return nil, fmt.Errorf("web app: %w", err)
	}
	top.Handle("/", site)
	e := &edge{next: top, maxBody: cfg.MaxBodyBytes}
	if cfg.RateLimit > 0 {
		refused := reg.Counter("gateway_rate_limited_requests_total",
			"Requests refused by the rate limits, by the kind of bucket: subject, address or failed_auth.", "bucket")
		if e.limits, err = newLimits(cfg, refused); err != nil {
			return nil, err
		}
	}
	g.handler = instrument(reg, top, logger, e)
	return g, nil
}

// forwardHeader forwards what grpc-gateway forwards by default (Authorization among them), but
// never an identity header: the edge drops those already, and this keeps it so should a
// request reach the mux another way.
func forwardHeader(key string) (string, bool) {
	if isIdentityHeader(key) {
		return "", false
	}
	switch k := strings.ToLower(key); k {
	case headers.RequestID, headers.Purpose: // the audit trail records them
		return k, true
	case headers.Position: // read-your-writes across calls
		return k, true
	case language.AcceptLanguage: // the language texts are answered in
		return k, true
	}
	return runtime.DefaultHeaderMatcher(key)
}

// Handler is the gateway's HTTP handler.
func (g *Gateway) Handler() http.Handler { return g.handler }

// health reports 200 when every backend says SERVING, else 503, with each backend's state and,
// for each that is not serving, why: the error of reaching it, or the dependency it lacks as its
// health check tells (headers.NotServingReason).
func (g *Gateway) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	states, reasons := map[string]string{}, map[string]string{}
	ok := true
	for _, b := range g.backends {
		resp, err := healthpb.NewHealthClient(b.conn).Check(ctx, &healthpb.HealthCheckRequest{Service: b.service})
		state := resp.GetStatus().String()
		if err != nil {
			state = "UNREACHABLE"
		}
		if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			ok = false
			reasons[b.name] = b.whyNotServing(ctx)
		}
		states[b.name] = state
	}
	code, overall := http.StatusOK, "ok"
	if !ok {
		code, overall = http.StatusServiceUnavailable, "unavailable"
	}
	body := map[string]any{"status": overall, "backends": states}
	if len(reasons) > 0 {
		body["reasons"] = reasons
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

// whyNotServing asks a replica of b that the balanced connection skips why it does not serve.
func (b backend) whyNotServing(ctx context.Context) string {
	var trailer metadata.MD
	resp, err := healthpb.NewHealthClient(b.diagnosis).Check(ctx, &healthpb.HealthCheckRequest{Service: b.service}, grpc.Trailer(&trailer))
	switch why := trailer.Get(headers.NotServingReason); {
	case err != nil:
		return status.Convert(err).Message()
	case len(why) > 0:
		return why[0]
	default:
		return resp.GetStatus().String()
	}
}

// Serve serves on lis until ctx ends, then shuts down gracefully and closes the backends.
func (g *Gateway) Serve(ctx context.Context, lis net.Listener) error {
	srv := &http.Server{Handler: g.handler, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()
	g.logger.Info("gateway listening", "addr", lis.Addr().String())
	defer g.serveMetrics(ctx)()
	if g.sessions != nil {
		pruneCtx, stopPruning := context.WithCancel(ctx)
		pruned := make(chan struct{})
		go func() {
			defer close(pruned)
			periodic.Every(pruneCtx, g.cfg.PruneInterval, g.pruneSessions, func(err error) {
				g.logger.Warn("web sessions not pruned", "error", err)
			})
		}()
		defer func() { stopPruning(); <-pruned }()
	}
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), g.cfg.ShutdownTimeout)
		defer cancel()
		err = srv.Shutdown(sctx)
	}
	g.closeBackends()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

// Unwrap lets http.ResponseController reach the connection (to flush a stream of events).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// openSessions connects to the gateway's database, where the web app keeps its sessions.
func (g *Gateway) openSessions(ctx context.Context) error {
	keys, err := sessiondb.ParseKeys(g.cfg.Web.SessionKey, g.cfg.Web.SessionKeyPrevious)
	if err != nil {
		return err
	}
	client, err := mongodb.Connect(ctx, g.cfg.MongoURI, g.cfg.DB)
	if err != nil {
		return fmt.Errorf("web sessions: %w", err)
	}
	st, err := sessiondb.Open(ctx, client.Database(g.cfg.Database), keys, g.cfg.Web.Now)
	if err != nil {
		_ = client.Disconnect(context.Background())
		return fmt.Errorf("web sessions: %w", err)
	}
	g.db, g.sessions = client, st
	return nil
}

func (g *Gateway) pruneSessions(ctx context.Context) error {
	n, err := g.sessions.Prune(ctx)
	if n > 0 {
		g.logger.Info("web sessions pruned", "records", n)
	}
	return err
}

// closeBackends closes the connections to the services and to the database.
func (g *Gateway) closeBackends() {
	for _, b := range g.backends {
		_ = b.conn.Close()
		_ = b.diagnosis.Close()
	}
	if g.db != nil {
		_ = g.db.Disconnect(context.Background())
	}
}
