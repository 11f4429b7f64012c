// Package directorytest starts a real directory service for tests of the directory itself and
// of the services and gateway that call it.
package directorytest

import (
	"context"
	"testing"
	"time"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// Instance is a running directory service.
type Instance struct {
	Addr   string
	Client directoryv1.DirectoryServiceClient
	stop   func()
}

// Start runs a directory service on a loopback port over database dbName of the test database
// server; it stops when the test ends. Several instances on one dbName are replicas, and every
// read sees every replica's acknowledged writes (ReadStaleness 0).
func Start(tb testing.TB, dbName string) *Instance {
	tb.Helper()
	return StartWith(tb, dbName, nil)
}

// StartWith is Start with the configuration changed by configure, when not nil.
func StartWith(tb testing.TB, dbName string, configure func(*directory.Config)) *Instance {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := directory.Config{
		GRPCAddr:        "127.0.0.1:0",
		MongoURI:        testenv.MongoURI(tb),
		Database:        dbName,
		ShutdownTimeout: 5 * time.Second,
		SyncInterval:    time.Second,
	}
	if configure != nil {
		configure(&cfg)
	}
	svc, err := directory.Start(ctx, cfg, testenv.Logger())
	if err != nil {
		cancel()
		tb.Fatalf("start directory: %v", err)
	}
	in := &Instance{Addr: svc.Addr()}
	in.stop = testenv.Serve(tb, cancel, func() error { return svc.Run(ctx) })
	in.Client = directoryv1.NewDirectoryServiceClient(testenv.Dial(tb, in.Addr))
	return in
}

// Stop stops the instance and waits for it; stopping twice is harmless.
func (in *Instance) Stop() { in.stop() }
