// Command allinone runs the whole of socialrx in one process for a laptop or a demo: the embedded
// MongoDB-compatible database (FerretDB on SQLite under ./data) unless MONGODB_URI is set, with it
// the DEVELOPMENT ONLY OpenID provider unless OIDC_ISSUER is set, every service, and the gateway;
// it loads the demo data on first start and prints the URLs and how to get a token. Each part is
// the same code the stand-alone binaries run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"google.golang.org/grpc/metadata"

	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/socialrx/socialrx/deploy/demodata"
	"github.com/socialrx/socialrx/gateway"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/directory"
	"github.com/socialrx/socialrx/services/event"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/auth/devidp"
	"github.com/socialrx/socialrx/services/platform/config"
	"github.com/socialrx/socialrx/services/platform/metrics"
	"github.com/socialrx/socialrx/services/platform/storage/embeddeddb"
	"github.com/socialrx/socialrx/services/platform/tracing"
	"github.com/socialrx/socialrx/services/referral"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "socialrx:", err)
		os.Exit(1)
	}
}

// options is the launcher's own settings plus every part's Config, registered by the parts
// themselves: a variable means the same here as in the stand-alone binaries.
type options struct {
	dataDir  string
	mongoURI string
	dbAddr   string
	dbSync   string
	skipDemo bool
	idpAddr  string
	// devIdP runs the development provider with MONGODB_URI too (a database on this machine).
	devIdP bool
	// loaderID and loaderSecret are the demo loader's client at OIDC_ISSUER.
	loaderID, loaderSecret string
	log                    config.Log
	metrics                metrics.Config
	tracing                tracing.Config
	directory              directory.Config
	event                  event.Config
	referral               referral.Config
	gateway                gateway.Config
}

// localDefaults keep a laptop's services on loopback; the environment still wins.
var localDefaults = map[string]string{
	"DIRECTORY_GRPC_ADDR": "127.0.0.1:9090",
	"EVENT_GRPC_ADDR":     "127.0.0.1:9091",
	"REFERRAL_GRPC_ADDR":  "127.0.0.1:9092",
	"GATEWAY_HTTP_ADDR":   "127.0.0.1:8080",
	"METRICS_ADDR":        "127.0.0.1:9464",
	"LOG_LEVEL":           "warn",
	// Nothing balances over the parts of one process: stop at once.
	"DRAIN_PERIOD": "0s",
	// The web app signs people in at the provider as the development client.
	"WEB_OIDC_CLIENT_ID": devidp.DevClientID,
	// A webhook receiver on this machine may use plain http (README: subscribe under make run).
	"WEBHOOK_ALLOW_INSECURE_LOOPBACK": "true",
}

// Clients of the development provider that the launcher registers.
const (
	referralClientID = "socialrx-referral"
	loaderClientID   = "socialrx-demo-loader"
	// systemClientID is the demo system client: Riverdale CHC's electronic medical record,
	// authenticating with private_key_jwt.
	systemClientID = "riverdale-emr"
)

// systemClientScopes are the SMART Backend Services scopes the demo system client may have at
// the FHIR facade: send referrals in (a transaction of Patient, ServiceRequest, Task, Consent
// and Goal), follow them, be notified of their changes (Subscription), and read the directory.
var systemClientScopes = []string{
	"system/Patient.crs", "system/ServiceRequest.crs", "system/Task.crus", "system/Consent.crs", "system/Goal.crs",
	"system/Observation.rs", "system/Procedure.rs",
	"system/Organization.rs", "system/Location.rs", "system/HealthcareService.rs",
	"system/Subscription.crds",
}

func parse(args []string) (options, *config.Loader, error) {
	var o options
	fs := flag.NewFlagSet("allinone", flag.ContinueOnError)
	l := config.NewLoader(fs)
	for env, v := range localDefaults {
		l.Default(env, v)
	}
	l.String(&o.dataDir, "data-dir", "SOCIALRX_DATA_DIR", "data", "embedded database directory")
	l.String(&o.mongoURI, "mongodb-uri", "MONGODB_URI", "", "use this MongoDB instead of the embedded database")
	l.String(&o.dbAddr, "embedded-db-addr", "EMBEDDED_DB_ADDR", "127.0.0.1:27017", "embedded database listen address")
	l.String(&o.dbSync, "embedded-db-synchronous", "EMBEDDED_DB_SYNCHRONOUS", string(embeddeddb.SyncNormal),
		"when the embedded database waits for the disk: normal (acknowledged writes survive a crash of the process) or full (also a power loss)")
	l.Bool(&o.skipDemo, "no-demo", "SOCIALRX_NO_DEMO", false, "do not load demo data")
	l.String(&o.idpAddr, "dev-idp-addr", "DEV_IDP_ADDR", "127.0.0.1:8081", "listen address of the DEVELOPMENT ONLY identity provider")
	l.Bool(&o.devIdP, "dev-idp", "SOCIALRX_DEV_IDP", false, "with MONGODB_URI: run the DEVELOPMENT ONLY identity provider anyway, for a database of this machine such as deploy/embeddeddb")
	l.String(&o.loaderID, "demo-client-id", "SOCIALRX_DEMO_CLIENT_ID", "", "client whose token loads the demo data (the development provider registers it, as socialrx-demo-loader by default)")
	l.String(&o.loaderSecret, "demo-client-secret", "SOCIALRX_DEMO_CLIENT_SECRET", "", "the secret of SOCIALRX_DEMO_CLIENT_ID")
	o.log.RegisterFlags(l)
	o.metrics.RegisterFlags(l)
	o.tracing.RegisterFlags(l)
	o.directory.RegisterFlags(l.Prefixed("directory"))
	o.event.RegisterFlags(l.Prefixed("event"))
	o.referral.RegisterFlags(l.Prefixed("referral"))
	o.gateway.RegisterFlags(l.Prefixed("gateway"))
	return o, l, l.Parse(args)
}

func run(ctx context.Context) error {
	o, _, err := parse(os.Args[1:])
	if err != nil {
		return err
	}
	logger, err := o.log.Logger(os.Stderr)
	if err != nil {
		return err
	}
	logger = slog.New(tracing.LogHandler(logger.Handler()))
	slog.SetDefault(logger)
	stopTracing, err := tracing.Setup(ctx, o.tracing, "socialrx")
	if err != nil {
		return err
	}
	defer func() { _ = stopTracing(context.Background()) }()

	// One registry for every part, served on one port: the parts' metrics have distinct names
	// and gRPC metrics carry the service in their labels.
	reg := metrics.New()
	o.directory.Registry, o.event.Registry, o.referral.Registry, o.gateway.Registry = reg, reg, reg, reg
	var metricsLis net.Listener
	if o.metrics.Addr != "" {
		if metricsLis, err = metrics.Listen(o.metrics.Addr); err != nil {
			return err
		}
	}

	uri := o.mongoURI
	if uri == "" {
		dbLogger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
		db, err := embeddeddb.StartWith(ctx, o.dataDir, o.dbAddr, dbLogger, embeddeddb.Options{Synchronous: embeddeddb.Synchronous(o.dbSync)})
		if err != nil {
			return err
		}
		defer db.Stop()
		uri = db.URI()
		abs, _ := filepath.Abs(o.dataDir)
		fmt.Printf("embedded database  %s (data in %s)\n", uri, abs)
	}
	for _, p := range []*string{&o.directory.MongoURI, &o.event.MongoURI, &o.referral.MongoURI, &o.gateway.MongoURI} {
		if *p == "" {
			*p = uri
		}
	}
	// Web sessions live in the database, sealed under WEB_SESSION_KEY or a key kept beside the data.
	if o.gateway.Web.SessionKey == "" {
		key, path, err := sessionKey(o.dataDir)
		if err != nil {
			return err
		}
		o.gateway.Web.SessionKey = key
		fmt.Printf("web session key    %s (set WEB_SESSION_KEY to use another)\n", path)
	}

	// Tokens come from OIDC_ISSUER or, with the embedded database only, the development provider.
	var (
		dev    *devIdP
		loader = auth.Client{Issuer: o.directory.Auth.Issuer, ID: o.loaderID, Secret: o.loaderSecret}
	)
	// The gateway listens first: the development provider's web client redirects to its address.
	lis, err := net.Listen("tcp", o.gateway.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on GATEWAY_HTTP_ADDR %q: %w", o.gateway.HTTPAddr, err)
	}
	defer lis.Close()
	if o.directory.Auth.Issuer == "" || o.event.Auth.Issuer == "" || o.referral.Auth.Issuer == "" {
		if o.mongoURI != "" && !o.devIdP {
			return errors.New("OIDC_ISSUER is required with MONGODB_URI: the development identity provider runs only with the embedded database (or SOCIALRX_DEV_IDP=true for a database of this machine)")
		}
		dev, err = startDevIdP(devIdPConfig{addr: o.idpAddr, webAddr: lis.Addr().String(), webPublicURL: o.gateway.Web.PublicURL,
			secretsDir: filepath.Join(o.dataDir, devSecretsDir),
			referral:   devClient{id: o.referral.ClientID, secret: o.referral.ClientSecret, fallbackID: referralClientID, env: "REFERRAL_OIDC_CLIENT_SECRET"},
			loader:     devClient{id: o.loaderID, secret: o.loaderSecret, fallbackID: loaderClientID, env: "SOCIALRX_DEMO_CLIENT_SECRET"},
		}, logger)
		if err != nil {
			return err
		}
		defer dev.stop()
		for _, a := range []*auth.OIDC{&o.directory.Auth, &o.event.Auth, &o.referral.Auth, &o.gateway.Web.Access} {
			a.Issuer = dev.issuer()
		}
		o.referral.ClientID, o.referral.ClientSecret = dev.referral.id, dev.referral.secret
		loader = auth.Client{Issuer: dev.issuer(), ID: dev.loader.id, Secret: dev.loader.secret}
	}
	// The demo loaders act as the demo people (tokens from the development provider), or with
	// the loader client's own token at a real provider.
	as := loaderAs(loader)
	if dev != nil {
		as = dev.as
	}

	// The parts find each other in this process, whatever *_ADDR of the peers says.
	dir, err := directory.Start(ctx, o.directory, logger)
	if err != nil {
		return err
	}
	o.event.DirectoryAddr = dir.Addr()
	events, err := event.Start(ctx, o.event, logger)
	if err != nil {
		return err
	}
	o.referral.DirectoryAddr, o.referral.EventAddr = dir.Addr(), events.Addr()
	referrals, err := referral.Start(ctx, o.referral, logger)
	if err != nil {
		return err
	}
	o.gateway.DirectoryAddr, o.gateway.EventAddr, o.gateway.ReferralAddr = dir.Addr(), events.Addr(), referrals.Addr()
	gw, err := gateway.New(ctx, o.gateway, logger)
	if err != nil {
		return err
	}
	// The demo loaders call the services as the gateway does: over TLS when GRPC_CLIENT_TLS_* say so.
	creds, err := o.gateway.BackendTLS.Credentials()
	if err != nil {
		return err
	}

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return dir.Run(gctx) })
	g.Go(func() error { return events.Run(gctx) })
	g.Go(func() error { return referrals.Run(gctx) })
	g.Go(func() error { return gw.Serve(gctx, lis) })
	if dev != nil {
		g.Go(func() error { return dev.serve(gctx) })
	}
	if metricsLis != nil {
		g.Go(func() error { return reg.Serve(gctx, metricsLis, logger) })
	}
	g.Go(func() error {
		if !o.skipDemo && loader.ID == "" {
			fmt.Println("demo data          not loaded: set SOCIALRX_DEMO_CLIENT_ID and SOCIALRX_DEMO_CLIENT_SECRET to load it with a token of OIDC_ISSUER")
		} else if !o.skipDemo {
			if err := loadDemo(gctx, dir.Addr(), creds, as); err != nil {
				return err
			}
			if err := loadDemoEvents(gctx, events.Addr(), creds, as); err != nil {
				return err
			}
			if err := loadDemoReferrals(gctx, referrals.Addr(), creds, as); err != nil {
				return err
			}
		}
		base := "http://" + lis.Addr().String()
		fmt.Printf("directory gRPC     %s\n", dir.Addr())
		fmt.Printf("event gRPC         %s\n", events.Addr())
		fmt.Printf("referral gRPC      %s\n", referrals.Addr())
		fmt.Printf("web app            %s/\n", base)
		if o.gateway.Web.SignIn() {
			fmt.Printf("web sign-in        %s/sign-in (every role; client %s at the OpenID provider)\n", base, o.gateway.Web.OIDCClientID)
		}
		fmt.Printf("REST gateway       %s/v1/organizations\n", base)
		fmt.Printf("public listing     %s/v1/events:search\n", base)
		fmt.Printf("referrals          %s/v1/referrals\n", base)
		fmt.Printf("HSDS API           %s/hsds/services\n", base)
		fmt.Printf("OpenAPI            %s/openapi.json\n", base)
		fmt.Printf("API reference      %s/docs\n", base)
		fmt.Printf("health             %s/healthz\n", base)
		if dev != nil {
			dev.printHowTo(os.Stdout)
		} else {
			fmt.Printf("OpenID provider    %s\n", o.directory.Auth.Issuer)
		}
		if metricsLis != nil {
			fmt.Printf("metrics            http://%s/metrics (every part)\n", metricsLis.Addr())
		}
		fmt.Println("socialrx is running; press Ctrl-C to stop.")
		return nil
	})
	if err := g.Wait(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// loadDemo loads the demo directory through the public API on first start only, that is when
// the directory is empty, so that what a user changed or deleted stays so.
func loadDemo(ctx context.Context, dirAddr string, creds credentials.TransportCredentials, as demodata.As) error {
	conn, err := grpc.NewClient(dirAddr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return fmt.Errorf("dial directory: %w", err)
	}
	defer conn.Close()
	client := directoryv1.NewDirectoryServiceClient(conn)
	ctx = as(ctx, demoLoader)
	existing, err := client.ListOrganizations(ctx, &directoryv1.ListOrganizationsRequest{PageSize: 1})
	if err != nil {
		return fmt.Errorf("check for existing data: %w", err)
	}
	if existing.GetTotalSize() > 0 {
		fmt.Printf("demo data          not loaded: the directory already holds %d organisations\n", existing.GetTotalSize())
		return nil
	}
	sum, err := demodata.Directory(ctx, client)
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	fmt.Printf("demo data          %d organisations, %d services, %d locations, %d taxonomy terms, %d practitioners\n",
		sum.Organizations, sum.Services, sum.Locations, sum.TaxonomyTerms, sum.Practitioners)
	return nil
}

// loadDemoEvents loads the demo Human Connection day on first start only, when there are no
// events, with the loader's token, whose moderator role lets it publish the demo events.
func loadDemoEvents(ctx context.Context, eventAddr string, creds credentials.TransportCredentials, as demodata.As) error {
	conn, err := grpc.NewClient(eventAddr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return fmt.Errorf("dial event service: %w", err)
	}
	defer conn.Close()
	client := eventv1.NewEventServiceClient(conn)
	existing, err := client.ListEvents(as(ctx, demoLoader), &eventv1.ListEventsRequest{PageSize: 1})
	if err != nil {
		return fmt.Errorf("check for existing events: %w", err)
	}
	if existing.GetTotalSize() > 0 {
		fmt.Printf("demo events        not loaded: %d events already exist\n", existing.GetTotalSize())
		return nil
	}
	sum, err := demodata.Events(ctx, client, time.Now(), as)
	if err != nil {
		return fmt.Errorf("load demo events: %w", err)
	}
	fmt.Printf("demo events        %d events, %d sessions, %d registrations\n", sum.Events, sum.Sessions, sum.Registrations)
	return nil
}

// loadDemoReferrals loads demo referrals in several states on first start only.
func loadDemoReferrals(ctx context.Context, addr string, creds credentials.TransportCredentials, as demodata.As) error {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return fmt.Errorf("dial referral service: %w", err)
	}
	defer conn.Close()
	client := referralv1.NewReferralServiceClient(conn)
	exist, err := demodata.ReferralsLoaded(ctx, client, time.Now(), as)
	if err != nil {
		return fmt.Errorf("check for existing referrals: %w", err)
	}
	if exist {
		fmt.Printf("demo referrals     not loaded: they exist already\n")
		return nil
	}
	loaded, err := demodata.Referrals(ctx, client, time.Now(), as)
	if err != nil {
		return fmt.Errorf("load demo referrals: %w", err)
	}
	fmt.Printf("demo referrals     %d referrals in several states\n", len(loaded))
	return nil
}

// demoLoader is who checks whether demo data is there and loads the directory.
var demoLoader = auth.Identity{Subject: auth.PrefixService + "demo-loader",
	Roles: []string{auth.RoleDirectoryAdmin, auth.RoleModerator}}

// loaderAs calls with the loader client's token whoever the demo data names: at a real
// provider the launcher can act only as itself.
func loaderAs(c auth.Client) demodata.As {
	ts := c.TokenSource()
	return func(ctx context.Context, _ auth.Identity) context.Context {
		tok, err := ts.Token()
		if err != nil {
			return ctx // the call then fails as unauthenticated, naming the problem
		}
		return withBearer(ctx, tok.AccessToken)
	}
}

// withBearer replaces ctx's outgoing bearer token.
func withBearer(ctx context.Context, token string) context.Context {
	md, _ := metadata.FromOutgoingContext(ctx)
	md = md.Copy()
	md.Set(auth.MetadataAuthorization, "Bearer "+token)
	return metadata.NewOutgoingContext(ctx, md)
}
