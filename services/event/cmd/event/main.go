// Command event runs the event service against the MongoDB named by MONGODB_URI.
package main

import (
	"context"
	"log/slog"

	"github.com/socialrx/socialrx/services/event"
	"github.com/socialrx/socialrx/services/platform/process"
	"github.com/socialrx/socialrx/services/platform/tracing"
)

func main() {
	var cfg event.Config
	process.Main("event", &cfg, func(ctx context.Context, logger *slog.Logger) error {
		stopTracing, err := tracing.Setup(ctx, cfg.Tracing, "event")
		if err != nil {
			return err
		}
		defer func() { _ = stopTracing(context.Background()) }()
		svc, err := event.Start(ctx, cfg, logger)
		if err != nil {
			return err
		}
		return svc.Run(ctx)
	})
}
