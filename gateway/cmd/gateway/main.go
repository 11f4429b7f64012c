// Command gateway serves the socialrx gRPC APIs as REST/JSON, with OpenAPI and the HSDS API.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/socialrx/socialrx/gateway"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(ctx, logger); err != nil {
		logger.Error("gateway stopped", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, logger *slog.Logger) error {
	cfg, err := gateway.ParseFlags(os.Args[1:])
	if err != nil {
		return err
	}
	gw, err := gateway.New(ctx, cfg, logger)
	if err != nil {
		return err
	}
	lis, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on GATEWAY_HTTP_ADDR %q: %w", cfg.HTTPAddr, err)
	}
	return gw.Serve(ctx, lis)
}
