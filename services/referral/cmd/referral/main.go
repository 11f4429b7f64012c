// Command referral runs the referral service against the MongoDB named by MONGODB_URI.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/socialrx/socialrx/services/referral"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(ctx, logger); err != nil {
		logger.Error("referral service stopped", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, logger *slog.Logger) error {
	cfg, err := referral.ParseFlags(os.Args[1:])
	if err != nil {
		return err
	}
	svc, err := referral.Start(ctx, cfg, logger)
	if err != nil {
		return err
	}
	return svc.Run(ctx)
}
