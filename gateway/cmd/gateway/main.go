// Command gateway serves the socialrx gRPC APIs as REST/JSON, with OpenAPI and the HSDS API.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/services/platform/process"
	"github.com/socialrx/socialrx/services/platform/tracing"
)

func main() {
	var cfg gateway.Config
	process.Main("gateway", &cfg, func(ctx context.Context, logger *slog.Logger) error {
		stopTracing, err := tracing.Setup(ctx, cfg.Tracing, "gateway")
		if err != nil {
			return err
		}
		defer func() { _ = stopTracing(context.Background()) }()
		gw, err := gateway.New(ctx, cfg, logger)
		if err != nil {
			return err
		}
		lis, err := net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("listen on GATEWAY_HTTP_ADDR %q: %w", cfg.HTTPAddr, err)
		}
		return gw.Serve(ctx, lis)
	})
}
