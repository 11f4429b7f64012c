// Command hsds-import loads Open Referral HSDS 3.0 JSON files into the directory service.
//
//	hsds-import [-addr host:port] [-token access-token] file.json...
//
// Each file may hold an organization, a service, an array of them or an HSDS page. Records are
// created under their HSDS ids, so running it again creates nothing new. It prints what became
// of every record and exits 1 if any was rejected, 2 on a usage or connection error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"

	"golang.org/x/oauth2"
	"google.golang.org/grpc"

	"github.com/socialrx/socialrx/gateway/hsds/importer"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/config"
	"github.com/socialrx/socialrx/services/platform/grpctls"
)

// errRejected reports that the import went through but refused some records.
var errRejected = errors.New("some records were rejected")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, errRejected):
		os.Exit(1)
	default:
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "hsds-import:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hsds-import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := os.Getenv("DIRECTORY_ADDR")
	if addr == "" {
		addr = "localhost:9090"
	}
	fs.StringVar(&addr, "addr", addr, "directory service gRPC address (env DIRECTORY_ADDR)")
	token := fs.String("token", os.Getenv("SOCIALRX_TOKEN"), "access token of a directory administrator (env SOCIALRX_TOKEN)")
	verbose := fs.Bool("v", false, "log each record")
	var tlsCfg grpctls.Client
	tlsCfg.RegisterFlags(config.NewLoader(fs))
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: hsds-import [-addr host:port] [-token access-token] [-v] file.json...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("no files given")
	}
	// Read every file first so that a mistyped name stops the run before anything is imported.
	files := make([][]byte, fs.NArg())
	for i, path := range fs.Args() {
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		files[i] = data
	}

	creds, err := tlsCfg.Credentials()
	if err != nil {
		return err
	}
	opts := []grpc.DialOption{grpc.WithTransportCredentials(creds)}
	if *token != "" {
		opts = append(opts, grpc.WithPerRPCCredentials(auth.PerRPC{Source: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: *token})}))
	}
	conn, err := grpc.NewClient(addr, opts...)
	if err != nil {
		return fmt.Errorf("dial %s: %w", addr, err)
	}
	defer conn.Close()
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	im := &importer.Importer{
		Client: directoryv1.NewDirectoryServiceClient(conn),
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	}

	var total importer.Report
	for i, path := range fs.Args() {
		report, err := im.Import(ctx, files[i])
		if err != nil {
			if len(report.Records) > 0 {
				printReport(stdout, path, report) // what was done before the import stopped
			}
			return fmt.Errorf("%s: %w", path, err)
		}
		printReport(stdout, path, report)
		total.Records = append(total.Records, report.Records...)
	}
	if len(fs.Args()) > 1 {
		fmt.Fprintf(stdout, "total: %s\n", summary(total))
	}
	if total.Count(importer.OutcomeRejected) > 0 {
		return errRejected
	}
	return nil
}

func printReport(w io.Writer, path string, r importer.Report) {
	fmt.Fprintf(w, "%s\n", path)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tID\tNAME\tOUTCOME\tREASON OR NOTE")
	for _, rec := range r.Records {
		detail := rec.Reason
		if detail == "" {
			detail = rec.Note
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", rec.Kind, orDash(rec.ID), orDash(rec.Name), rec.Outcome, detail)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "%s: %s\n\n", path, summary(r))
}

func summary(r importer.Report) string {
	return fmt.Sprintf("%d created, %d already present, %d rejected",
		r.Count(importer.OutcomeCreated), r.Count(importer.OutcomeAlreadyPresent), r.Count(importer.OutcomeRejected))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
