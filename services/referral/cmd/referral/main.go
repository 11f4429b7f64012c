// Command referral runs the referral service against the MongoDB named by MONGODB_URI.
package main

import (
	"context"
	"log/slog"

	"github.com/socialrx/socialrx/services/platform/process"
	"github.com/socialrx/socialrx/services/referral"
)

func main() {
	var cfg referral.Config
	process.Main("referral", &cfg, func(ctx context.Context, logger *slog.Logger) error {
		svc, err := referral.Start(ctx, cfg, logger)
		if err != nil {
			return err
		}
		return svc.Run(ctx)
	})
}
