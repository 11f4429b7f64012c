// Command directory runs the directory service against the MongoDB named by MONGODB_URI.
package main

import (
	"context"
	"log/slog"

	"github.com/socialrx/socialrx/services/directory"
	"github.com/socialrx/socialrx/services/platform/process"
	"github.com/socialrx/socialrx/services/platform/tracing"
)

func main() {
	var cfg directory.Config
	process.Main("directory", &cfg, func(ctx context.Context, logger *slog.Logger) error {
		stopTracing, err := tracing.Setup(ctx, cfg.Tracing, "directory")
		if err != nil {
			return err
		}
		defer func() { _ = stopTracing(context.Background()) }()
		svc, err := directory.Start(ctx, cfg, logger)
		if err != nil {
			return err
		}
		return svc.Run(ctx)
	})
}
