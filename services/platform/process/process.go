// Package process is the main of every socialrx binary: flags with environment fallbacks, a JSON
// logger at LOG_LEVEL whose lines carry the trace and span ids, and a run that ends on SIGINT or
// SIGTERM.
package process

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/socialrx/socialrx/services/platform/config"
	"github.com/socialrx/socialrx/services/platform/tracing"
)

// Config is what a binary configures: its flags, and a check of the values once parsed.
type Config interface {
	RegisterFlags(l *config.Loader)
	Validate() error
}

// Main parses cfg from os.Args and the environment, then calls run until a signal arrives. It
// exits with status 2 on a configuration error and 1 when run fails.
func Main(name string, cfg Config, run func(ctx context.Context, logger *slog.Logger) error) {
	logger, err := Parse(name, cfg, os.Args[1:])
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		}
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = run(ctx, logger)
	stop()
	if err != nil && !errors.Is(err, context.Canceled) {
		logger.Error(name+" stopped", "error", err)
		os.Exit(1)
	}
}

// Parse registers cfg and LOG_LEVEL on a fresh flag set, parses args and checks cfg.
func Parse(name string, cfg Config, args []string) (*slog.Logger, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	l := config.NewLoader(fs)
	var log config.Log
	log.RegisterFlags(l)
	cfg.RegisterFlags(l)
	if err := l.Parse(args); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	logger, err := log.Logger(os.Stderr)
	if err != nil {
		return nil, err
	}
	logger = slog.New(tracing.LogHandler(logger.Handler()))
	slog.SetDefault(logger)
	return logger, nil
}
