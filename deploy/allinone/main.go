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
	"github.com/socialrx/socialrx/gateway/web"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/directory"
	"github.com/socialrx/socialrx/services/event"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/config"
	"github.com/socialrx/socialrx/services/platform/storage/embeddeddb"
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

type options struct {
	dataDir   string
	mongoURI  string
	dbAddr    string
	httpAddr  string
	dirAddr   string
	eventAddr string
	refAddr   string
	logLevel  string
	skipDemo  bool
	directory directory.Config
	web       web.Config
}

func parse(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("allinone", flag.ContinueOnError)
	l := config.NewLoader(fs)
	l.String(&o.dataDir, "data-dir", "SOCIALRX_DATA_DIR", "data", "embedded database directory")
	l.String(&o.mongoURI, "mongodb-uri", "MONGODB_URI", "", "use this MongoDB instead of the embedded database")
	l.String(&o.dbAddr, "embedded-db-addr", "EMBEDDED_DB_ADDR", "127.0.0.1:27017", "embedded database listen address")
	l.String(&o.httpAddr, "http-addr", "GATEWAY_HTTP_ADDR", "127.0.0.1:8080", "gateway HTTP listen address")
	l.String(&o.dirAddr, "directory-grpc-addr", "DIRECTORY_GRPC_ADDR", "127.0.0.1:9090", "directory gRPC listen address")
	l.String(&o.eventAddr, "event-grpc-addr", "EVENT_GRPC_ADDR", "127.0.0.1:9091", "event gRPC listen address")
	l.String(&o.refAddr, "referral-grpc-addr", "REFERRAL_GRPC_ADDR", "127.0.0.1:9092", "referral gRPC listen address")
	l.String(&o.logLevel, "log-level", "LOG_LEVEL", "warn", "log level: debug, info, warn, error")
	l.Bool(&o.skipDemo, "no-demo", "SOCIALRX_NO_DEMO", false, "do not load demo data")
	o.web.RegisterFlags(l)
	return o, l.Parse(args)
}

func run(ctx context.Context) error {
	o, err := parse(os.Args[1:])
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return fmt.Errorf("LOG_LEVEL=%q: %w", o.logLevel, err)
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)

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

	dir, err := directory.Start(ctx, directory.Config{
		GRPCAddr: o.dirAddr, MongoURI: uri, Database: "socialrx_directory",
		ShutdownTimeout: 10 * time.Second, SyncInterval: time.Second,
	}, logger)
	if err != nil {
		return err
	}
	events, err := event.Start(ctx, event.Config{
		GRPCAddr: o.eventAddr, MongoURI: uri, Database: "socialrx_event", DirectoryAddr: dir.Addr(),
		ShutdownTimeout: 10 * time.Second, SyncInterval: time.Second,
	}, logger)
	if err != nil {
		return err
	}
	referrals, err := referral.Start(ctx, referral.Config{
		GRPCAddr: o.refAddr, MongoURI: uri, Database: "socialrx_referral", DirectoryAddr: dir.Addr(), EventAddr: events.Addr(),
		ShutdownTimeout: 10 * time.Second, SyncInterval: time.Second, ConsumerPoll: 500 * time.Millisecond,
	}, logger)
	if err != nil {
		return err
	}
	gw, err := gateway.New(ctx, gateway.Config{
		HTTPAddr: o.httpAddr, DirectoryAddr: dir.Addr(), EventAddr: events.Addr(), ReferralAddr: referrals.Addr(),
		ShutdownTimeout: 10 * time.Second, Web: o.web,
	}, logger)
	if err != nil {
		return err
	}
	lis, err := net.Listen("tcp", o.httpAddr)
	if err != nil {
		return fmt.Errorf("listen on GATEWAY_HTTP_ADDR %q: %w", o.httpAddr, err)
	}

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return dir.Run(gctx) })
	g.Go(func() error { return events.Run(gctx) })
	g.Go(func() error { return referrals.Run(gctx) })
	g.Go(func() error { return gw.Serve(gctx, lis) })
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
		fmt.Printf("web app            %s/\n", base)
		if o.web.DevSignIn {
			fmt.Printf("dev sign-in        %s/dev/sign-in (WEB_DEV_SIGN_IN: development only, no passwords)\n", base)
		}
		fmt.Printf("REST gateway       %s/v1/organizations\n", base)
		fmt.Printf("public listing     %s/v1/events:search\n", base)
		fmt.Printf("referrals          %s/v1/referrals\n", base)
		fmt.Printf("HSDS API           %s/hsds/services\n", base)
		fmt.Printf("OpenAPI            %s/openapi.json\n", base)
		fmt.Printf("health             %s/healthz\n", base)
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
