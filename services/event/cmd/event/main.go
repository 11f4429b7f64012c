// Command event runs the event service against the MongoDB named by MONGODB_URI.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/socialrx/socialrx/services/event"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(ctx, logger); err != nil {
		logger.Error("event service stopped", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, logger *slog.Logger) error {
	cfg, err := event.ParseFlags(os.Args[1:])
	if err != nil {
		return err
	}
	svc, err := event.Start(ctx, cfg, logger)
	if err != nil {
		return err
	}
	return svc.Run(ctx)
}
