// Command allinone runs the whole of socialrx in one process for a laptop or a demo: the embedded
// MongoDB-compatible database (FerretDB on SQLite under ./data) unless MONGODB_URI is set, every
// service, and the gateway; it loads the demo data on first start and prints the URLs. Each part
// is the same code the stand-alone binaries run.
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

	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/socialrx/socialrx/deploy/demodata"
	"github.com/socialrx/socialrx/gateway"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/directory"
	"github.com/socialrx/socialrx/services/event"
	"github.com/socialrx/socialrx/services/platform/auth"
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
	dataDir   string
	mongoURI  string
	dbAddr    string
	skipDemo  bool
	log       config.Log
	metrics   metrics.Config
	tracing   tracing.Config
	directory directory.Config
	event     event.Config
	referral  referral.Config
	gateway   gateway.Config
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
	l.Bool(&o.skipDemo, "no-demo", "SOCIALRX_NO_DEMO", false, "do not load demo data")
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
		db, err := embeddeddb.Start(ctx, o.dataDir, o.dbAddr, dbLogger)
		if err != nil {
			return err
		}
		defer db.Stop()
		uri = db.URI()
		abs, _ := filepath.Abs(o.dataDir)
		fmt.Printf("embedded database  %s (data in %s)\n", uri, abs)
	}
	for _, p := range []*string{&o.directory.MongoURI, &o.event.MongoURI, &o.referral.MongoURI} {
		if *p == "" {
			*p = uri
		}
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
	lis, err := net.Listen("tcp", o.gateway.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on GATEWAY_HTTP_ADDR %q: %w", o.gateway.HTTPAddr, err)
	}

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return dir.Run(gctx) })
	g.Go(func() error { return events.Run(gctx) })
	g.Go(func() error { return referrals.Run(gctx) })
	g.Go(func() error { return gw.Serve(gctx, lis) })
	if metricsLis != nil {
		g.Go(func() error { return reg.Serve(gctx, metricsLis, logger) })
	}
	g.Go(func() error {
		if !o.skipDemo {
			if err := loadDemo(gctx, dir.Addr()); err != nil {
				return err
			}
			if err := loadDemoEvents(gctx, events.Addr()); err != nil {
				return err
			}
			if err := loadDemoReferrals(gctx, referrals.Addr()); err != nil {
				return err
			}
		}
		base := "http://" + lis.Addr().String()
		fmt.Printf("directory gRPC     %s\n", dir.Addr())
		fmt.Printf("event gRPC         %s\n", events.Addr())
		fmt.Printf("referral gRPC      %s\n", referrals.Addr())
		fmt.Printf("REST gateway       %s/v1/organizations\n", base)
		fmt.Printf("public listing     %s/v1/events:search\n", base)
		fmt.Printf("referrals          %s/v1/referrals\n", base)
		fmt.Printf("HSDS API           %s/hsds/services\n", base)
		fmt.Printf("OpenAPI            %s/openapi.json\n", base)
		fmt.Printf("health             %s/healthz\n", base)
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
func loadDemo(ctx context.Context, dirAddr string) error {
	conn, err := grpc.NewClient(dirAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("dial directory: %w", err)
	}
	defer conn.Close()
	client := directoryv1.NewDirectoryServiceClient(conn)
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
// events, acting as a moderator so the demo events can be published.
func loadDemoEvents(ctx context.Context, eventAddr string) error {
	conn, err := grpc.NewClient(eventAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("dial event service: %w", err)
	}
	defer conn.Close()
	client := eventv1.NewEventServiceClient(conn)
	existing, err := client.ListEvents(ctx, &eventv1.ListEventsRequest{PageSize: 1})
	if err != nil {
		return fmt.Errorf("check for existing events: %w", err)
	}
	if existing.GetTotalSize() > 0 {
		fmt.Printf("demo events        not loaded: %d events already exist\n", existing.GetTotalSize())
		return nil
	}
	ctx = metadata.AppendToOutgoingContext(ctx, auth.HeaderSubject, "services/demo-loader", auth.HeaderRoles, auth.RoleModerator)
	sum, err := demodata.Events(ctx, client, time.Now())
	if err != nil {
		return fmt.Errorf("load demo events: %w", err)
	}
	fmt.Printf("demo events        %d events, %d sessions, %d registrations\n", sum.Events, sum.Sessions, sum.Registrations)
	return nil
}

// loadDemoReferrals loads demo referrals in several states on first start only.
func loadDemoReferrals(ctx context.Context, addr string) error {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("dial referral service: %w", err)
	}
	defer conn.Close()
	client := referralv1.NewReferralServiceClient(conn)
	existing, err := client.ListReferrals(ctx, &referralv1.ListReferralsRequest{PageSize: 1})
	if err != nil {
		return fmt.Errorf("check for existing referrals: %w", err)
	}
	if existing.GetTotalSize() > 0 {
		fmt.Printf("demo referrals     not loaded: %d referrals already exist\n", existing.GetTotalSize())
		return nil
	}
	ctx = metadata.AppendToOutgoingContext(ctx, auth.HeaderSubject, "services/demo-loader", auth.HeaderRoles, auth.RoleAdmin)
	n, err := demodata.Referrals(ctx, client, time.Now())
	if err != nil {
		return fmt.Errorf("load demo referrals: %w", err)
	}
	fmt.Printf("demo referrals     %d referrals in several states\n", n)
	return nil
}
