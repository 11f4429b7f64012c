// Command referral runs the referral service against the MongoDB named by MONGODB_URI.
package main

import (
	"context"
	"log/slog"

	"github.com/socialrx/socialrx/services/platform/process"
	"github.com/socialrx/socialrx/services/platform/tracing"
	"github.com/socialrx/socialrx/services/referral"
)

func main() {
	var cfg referral.Config
	process.Main("referral", &cfg, func(ctx context.Context, logger *slog.Logger) error {
		stopTracing, err := tracing.Setup(ctx, cfg.Tracing, "referral")
		if err != nil {
			return err
		}
		defer func() { _ = stopTracing(context.Background()) }()
		svc, err := referral.Start(ctx, cfg, logger)
		if err != nil {
			return err
		}
		return svc.Run(ctx)
	})
}
